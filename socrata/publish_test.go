package socrata

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

// genRows yields n small rows lazily; it is re-iterable.
func genRows(n int) RowSeq {
	return func(yield func(Row, error) bool) {
		for i := range n {
			if !yield(Row{"id": i, "name": fmt.Sprintf("row %d", i)}, nil) {
				return
			}
		}
	}
}

func sliceRows(rows ...Row) RowSeq {
	return func(yield func(Row, error) bool) {
		for _, r := range rows {
			if !yield(r, nil) {
				return
			}
		}
	}
}

func rowsInBody(t *testing.T, body []byte) int {
	t.Helper()
	var rows []map[string]any
	if err := json.Unmarshal(body, &rows); err != nil {
		t.Fatalf("request body is not a JSON array: %v", err)
	}
	return len(rows)
}

func TestUpsertResults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		fixture string
		want    WriteResult
	}{
		{"summary", "upsert_200_summary.json", WriteResult{Created: 2, Updated: 1, Rows: 3, Chunks: 1}},
		{"summary legacy keys", "upsert_200_summary_legacy.json", WriteResult{Created: 2, Updated: 1, Rows: 3, Chunks: 1}},
		{"summary with errors", "upsert_200_summary_errors.json", WriteResult{Updated: 9917, Errors: 83, Rows: 3, Chunks: 1}},
		{"snake case", "upsert_200_snake.json", WriteResult{Created: 1, Updated: 1, Errors: 1, Rows: 3, Chunks: 1,
			RowErrors: []RowError{{Index: 2, Key: "SR-3", Message: "Unknown column: bogus"}}}},
		{"per row", "upsert_200_rows.json", WriteResult{Created: 1, Updated: 1, Errors: 1, Rows: 3, Chunks: 1,
			RowErrors: []RowError{{Index: 2, Key: "SR-3", Message: `Could not parse value "abc" as number`}}}},
		{"per row nested", "upsert_200_rows_nested.json", WriteResult{Created: 1, Updated: 1, Errors: 1, Rows: 3, Chunks: 1,
			RowErrors: []RowError{{Index: 2, Key: "SR-3", Message: `Could not parse value "abc" as number`}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			c, api, logs := setup(t)
			api.script(step{file: tt.fixture})
			got, err := c.Upsert(ctx, "abcd-1234", genRows(3), UpsertOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("result = %+v, want %+v", got, tt.want)
			}
			reqs := api.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			testMethod(t, reqs[0], "POST")
			testAuth(t, reqs[0])
			if reqs[0].Path != "/resource/abcd-1234.json" {
				t.Errorf("path = %s", reqs[0].Path)
			}
			if ct := reqs[0].Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q", ct)
			}
			if warned := strings.Contains(logs.String(), "socrata refused rows"); warned != (tt.want.Errors > 0) {
				t.Errorf("warned = %v, want %v; logs:\n%s", warned, tt.want.Errors > 0, logs)
			}
		})
	}
}

func TestUpsertFaults(t *testing.T) {
	t.Parallel()
	const rows, chunk = 25, 10 // 3 chunks: 10, 10, 5
	tests := []struct {
		name     string
		steps    []step
		mod      func(*Config)
		wantReqs int
		check    func(t *testing.T, res WriteResult, err error, logs string)
	}{
		{
			name:     "429 with Retry-After then success publishes once",
			steps:    []step{{status: 429, header: map[string]string{"Retry-After": "0"}, body: `{"error":true,"message":"slow down"}`}},
			mod:      func(c *Config) { c.RetryWaitMin, c.RetryWaitMax = 200*time.Millisecond, 400*time.Millisecond },
			wantReqs: 4,
			check: func(t *testing.T, res WriteResult, err error, logs string) {
				if err != nil {
					t.Fatal(err)
				}
				if res.Chunks != 3 || res.Rows != rows {
					t.Errorf("result = %+v", res)
				}
				// Retry-After: 0 beats the 200ms minimum backoff.
				if !strings.Contains(logs, "wait=0s") || !strings.Contains(logs, "status=429") {
					t.Errorf("retry with Retry-After wait not logged:\n%s", logs)
				}
			},
		},
		{
			name:     "5xx then success",
			steps:    []step{{status: 503, body: `{"error":true,"message":"Internal error","status":503}`}, {status: 500, file: "error_500_status.json"}},
			wantReqs: 5,
			check: func(t *testing.T, res WriteResult, err error, _ string) {
				if err != nil {
					t.Fatal(err)
				}
				if res.Chunks != 3 || res.Created != rows {
					t.Errorf("result = %+v", res)
				}
			},
		},
		{
			name:     "dropped connection then success",
			steps:    []step{{}, {drop: true}},
			wantReqs: 4,
			check: func(t *testing.T, res WriteResult, err error, _ string) {
				if err != nil {
					t.Fatal(err)
				}
				if res.Chunks != 3 {
					t.Errorf("result = %+v", res)
				}
			},
		},
		{
			name: "5xx storm gives up with rows landed",
			steps: []step{{}, {status: 500, file: "error_500_status.json"}, {status: 500, file: "error_500_status.json"},
				{status: 500, file: "error_500_status.json"}, {status: 500, file: "error_500_status.json"}},
			wantReqs: 5, // chunk 1, then chunk 2: 1 attempt + 3 retries
			check: func(t *testing.T, res WriteResult, err error, _ string) {
				var pe *PublishError
				if !errors.As(err, &pe) {
					t.Fatalf("err = %v, want *PublishError", err)
				}
				if pe.Op != "upsert" || pe.Dataset != "abcd-1234" || pe.Chunk != 2 || pe.ChunksLanded != 1 || pe.RowsLanded != chunk {
					t.Errorf("publish error = %+v", pe)
				}
				if !reflect.DeepEqual(pe.Result, res) || res.Rows != chunk {
					t.Errorf("result = %+v, error result = %+v", res, pe.Result)
				}
				var ae *APIError
				if !errors.As(err, &ae) {
					t.Fatalf("err = %v, want *APIError inside", err)
				}
				if ae.StatusCode != 500 || ae.Attempts != 4 || ae.Message != "Internal error" || ae.RequestID != "req-005" || ae.Method != "POST" {
					t.Errorf("api error = %+v", ae)
				}
				msg := err.Error()
				for _, want := range []string{"socrata", "upsert", "abcd-1234", "chunk 2", "10 rows in 1 chunks landed", "after 4 attempts", "req-005"} {
					if !strings.Contains(msg, want) {
						t.Errorf("error %q lacks %q", msg, want)
					}
				}
			},
		},
		{
			name:     "dropped connections give up",
			steps:    []step{{drop: true}, {drop: true}, {drop: true}, {drop: true}},
			wantReqs: 4,
			check: func(t *testing.T, res WriteResult, err error, _ string) {
				var pe *PublishError
				var he *TransportError
				if !errors.As(err, &pe) || !errors.As(err, &he) {
					t.Fatalf("err = %v, want *PublishError wrapping *TransportError", err)
				}
				if pe.Chunk != 1 || pe.RowsLanded != 0 || he.Attempts != 4 {
					t.Errorf("publish error = %+v, attempts %d", pe, he.Attempts)
				}
			},
		},
		{
			name:     "truncated body",
			steps:    []step{{}, {truncate: true, file: "upsert_200_summary.json"}},
			wantReqs: 2,
			check: func(t *testing.T, res WriteResult, err error, _ string) {
				var pe *PublishError
				var re *ResponseError
				if !errors.As(err, &pe) || !errors.As(err, &re) {
					t.Fatalf("err = %v, want *PublishError wrapping *ResponseError", err)
				}
				if pe.Chunk != 2 || pe.RowsLanded != chunk || re.StatusCode != 200 {
					t.Errorf("publish error = %+v, response error %+v", pe, re)
				}
			},
		},
		{
			name:     "HTML gateway page",
			steps:    []step{{status: 502, file: "gateway_502.html"}, {status: 502, file: "gateway_502.html"}, {status: 502, file: "gateway_502.html"}, {status: 502, file: "gateway_502.html"}},
			wantReqs: 4,
			check: func(t *testing.T, res WriteResult, err error, _ string) {
				var ae *APIError
				if !errors.As(err, &ae) {
					t.Fatalf("err = %v, want *APIError", err)
				}
				want := "HTML page: 502 Bad Gateway — nginx The upstream server did not answer in time & the request was not completed."
				if ae.Message != want {
					t.Errorf("body = %q\nwant   %q", ae.Message, want)
				}
				if strings.Contains(err.Error(), "<") || strings.Contains(err.Error(), "tracking") {
					t.Errorf("error keeps markup or script: %q", err)
				}
			},
		},
		{
			name:     "403 is unauthorized, not retried",
			steps:    []step{{status: 403, file: "error_403.json"}},
			wantReqs: 1,
			check: func(t *testing.T, res WriteResult, err error, _ string) {
				if !errors.Is(err, ErrUnauthorized) || errors.Is(err, ErrNotFound) {
					t.Fatalf("err = %v, want ErrUnauthorized", err)
				}
				var ae *APIError
				errors.As(err, &ae)
				if ae.Code != "authentication_required" || ae.RequestID != "req-001" || ae.Attempts != 1 {
					t.Errorf("api error = %+v", ae)
				}
				if strings.Contains(ae.URL, "?") || strings.Contains(ae.URL, testKeyID) {
					t.Errorf("URL not sanitized: %s", ae.URL)
				}
			},
		},
		{
			name:     "409 errorCode body",
			steps:    []step{{status: 409, file: "error_409_errorcode.json"}},
			wantReqs: 1,
			check: func(t *testing.T, res WriteResult, err error, _ string) {
				var ae *APIError
				if !errors.As(err, &ae) || ae.Code != "conflict" || ae.Message != "Cannot update a synced dataset manually" {
					t.Fatalf("err = %v", err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			mods := []func(*Config){}
			if tt.mod != nil {
				mods = append(mods, tt.mod)
			}
			c, api, logs := setup(t, mods...)
			api.script(tt.steps...)
			res, err := c.Upsert(ctx, "abcd-1234", genRows(rows), UpsertOptions{ChunkSize: chunk})
			if err != nil {
				assertNoSecrets(t, "error", err.Error())
			}
			tt.check(t, res, err, logs.String())
			if got := len(api.requests()); got != tt.wantReqs {
				t.Errorf("%d requests reached the handler, want %d", got, tt.wantReqs)
			}
		})
	}
}

func TestUpsertChunking(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c, api, logs := setup(t)
	var progress []Progress
	res, err := c.Upsert(ctx, "abcd-1234", genRows(25001), UpsertOptions{
		TotalRows: 25001,
		Progress:  func(p Progress) { progress = append(progress, p) },
	})
	if err != nil {
		t.Fatal(err)
	}
	reqs := api.requests()
	var sizes []int
	for _, r := range reqs {
		sizes = append(sizes, rowsInBody(t, r.Body))
	}
	if want := []int{10000, 10000, 5001}; !reflect.DeepEqual(sizes, want) {
		t.Errorf("chunk sizes = %v, want %v", sizes, want)
	}
	if res.Rows != 25001 || res.Chunks != 3 || res.Created != 25001 {
		t.Errorf("result = %+v", res)
	}
	if len(progress) != 3 || progress[2].Chunk != 3 || progress[2].Chunks != 3 || progress[2].Rows != 25001 || progress[1].Rows != 20000 {
		t.Errorf("progress = %+v", progress)
	}
	if !strings.Contains(logs.String(), "chunk=2 chunks=3 rows=20000") {
		t.Errorf("progress not logged:\n%s", logs)
	}
	// First row of the second chunk is row 10000.
	var second []map[string]any
	json.Unmarshal(reqs[1].Body, &second)
	if second[0]["id"] != float64(10000) {
		t.Errorf("second chunk starts with %v", second[0])
	}
}

func TestUpsertRowsError(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c, api, _ := setup(t)
	boom := errors.New("boom")
	rows := func(yield func(Row, error) bool) {
		for i := range 15 {
			if !yield(Row{"id": i}, nil) {
				return
			}
		}
		yield(nil, boom)
	}
	res, err := c.Upsert(ctx, "abcd-1234", RowSeq(rows), UpsertOptions{ChunkSize: 10})
	var pe *PublishError
	var re *RowsError
	if !errors.Is(err, boom) || !errors.As(err, &pe) || !errors.As(err, &re) {
		t.Fatalf("err = %v", err)
	}
	if re.Row != 15 || pe.Chunk != 2 || pe.RowsLanded != 10 || res.Rows != 10 {
		t.Errorf("rows error %+v, publish error %+v", re, pe)
	}
	if n := len(api.requests()); n != 1 {
		t.Errorf("%d requests, want 1 (the partial chunk is not sent)", n)
	}
}

func TestUpsertPayloadGolden(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c, api, _ := setup(t)
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	rows := sliceRows(
		Row{"ds": 12, "ex": int64(3), "rw": 0, "published_date": time.Date(2024, 3, 10, 2, 30, 0, 0, time.UTC)},
		Row{"nan": math.NaN(), "inf": math.Inf(1), "ninf": math.Inf(-1), "f": 1.5, "big": 1e21, "small": 1e-7,
			"f32": float32(0.1), "num": json.Number("12345678901234567890.5"), "null": nil, "yes": true,
			"text": "quote \" backslash \\ newline \n tab \t <html> & é \u2028", "local": time.Date(2024, 11, 3, 1, 30, 0, 123e6, chicago),
			"point": map[string]any{"type": "Point", "coordinates": []float64{-97.74, 30.27}}, "raw": json.RawMessage(`{"url":"https://x"}`)},
	)
	if _, err := c.Upsert(ctx, "abcd-1234", rows, UpsertOptions{}); err != nil {
		t.Fatal(err)
	}
	body := api.requests()[0].Body
	if !json.Valid(body) {
		t.Fatalf("invalid JSON: %s", body)
	}
	golden(t, "upsert_payload.golden", body)
}

func TestUpsertRejectsBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		dataset string
		row     Row
	}{
		{"empty dataset id", "", Row{"a": 1}},
		{"dataset id with a slash", "../admin", Row{"a": 1}},
		{"invalid json.Number", "abcd-1234", Row{"a": json.Number("12abc")}},
		{"unmarshalable value", "abcd-1234", Row{"a": make(chan int)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, api, _ := setup(t)
			_, err := c.Upsert(t.Context(), tt.dataset, sliceRows(tt.row), UpsertOptions{})
			var pe *PublishError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want *PublishError", err)
			}
			if n := len(api.requests()); n != 0 {
				t.Errorf("%d requests sent", n)
			}
		})
	}
}

func TestReplace(t *testing.T) {
	t.Parallel()
	t.Run("streams one PUT", func(t *testing.T) {
		t.Parallel()
		ctx := t.Context()
		c, api, _ := setup(t)
		api.script(step{file: "replace_200.json"})
		res, err := c.Replace(ctx, "abcd-1234", sliceRows(Row{"b": 2, "a": "x"}, Row{"a": "y", "c": math.NaN()}), ReplaceOptions{MaxShrink: 1})
		if err != nil {
			t.Fatal(err)
		}
		if res.Created != 2 || res.Rows != 2 || res.Chunks != 1 {
			t.Errorf("result = %+v", res)
		}
		reqs := api.requests()
		if len(reqs) != 1 {
			t.Fatalf("%d requests", len(reqs))
		}
		testMethod(t, reqs[0], "PUT")
		testAuth(t, reqs[0])
		golden(t, "replace_payload.golden", reqs[0].Body)
	})
	t.Run("zero rows refused", func(t *testing.T) {
		t.Parallel()
		c, api, _ := setup(t)
		_, err := c.Replace(t.Context(), "abcd-1234", sliceRows(), ReplaceOptions{})
		var pe *PublishError
		if !errors.Is(err, ErrEmptyReplace) || !errors.As(err, &pe) || pe.Op != "replace" {
			t.Fatalf("err = %v, want ErrEmptyReplace in a *PublishError", err)
		}
		if !strings.Contains(err.Error(), "socrata: replace abcd-1234") {
			t.Errorf("error = %q", err)
		}
		if n := len(api.requests()); n != 0 {
			t.Errorf("%d requests sent", n)
		}
	})
	t.Run("zero rows forced sends []", func(t *testing.T) {
		t.Parallel()
		c, api, _ := setup(t)
		api.script(step{body: `{"Rows Deleted": 5}`})
		res, err := c.Replace(t.Context(), "abcd-1234", sliceRows(), ReplaceOptions{Force: true})
		if err != nil {
			t.Fatal(err)
		}
		if got := string(api.requests()[0].Body); got != "[]" {
			t.Errorf("body = %q", got)
		}
		if res.Deleted != 5 || res.Rows != 0 {
			t.Errorf("result = %+v", res)
		}
	})
	t.Run("retried with the whole body again", func(t *testing.T) {
		t.Parallel()
		c, api, _ := setup(t)
		api.script(step{status: 503, header: map[string]string{"Retry-After": "0"}}, step{drop: true}, step{})
		res, err := c.Replace(t.Context(), "abcd-1234", genRows(5000), ReplaceOptions{MaxShrink: 1})
		if err != nil {
			t.Fatal(err)
		}
		reqs := api.requests()
		if len(reqs) != 3 { // the dropped attempt is recorded too
			t.Fatalf("%d requests", len(reqs))
		}
		for _, r := range reqs {
			if n := rowsInBody(t, r.Body); n != 5000 {
				t.Errorf("attempt sent %d rows", n)
			}
		}
		if res.Rows != 5000 {
			t.Errorf("result = %+v", res)
		}
	})
	t.Run("rows error aborts without retry", func(t *testing.T) {
		t.Parallel()
		c, api, _ := setup(t)
		boom := errors.New("source broke")
		calls := 0
		rows := func(yield func(Row, error) bool) {
			calls++
			for i := range 3000 {
				if !yield(Row{"id": i}, nil) {
					return
				}
			}
			yield(nil, boom)
		}
		_, err := c.Replace(t.Context(), "abcd-1234", RowSeq(rows), ReplaceOptions{MaxShrink: 1})
		var re *RowsError
		if !errors.Is(err, boom) || !errors.As(err, &re) || re.Row != 3000 {
			t.Fatalf("err = %v", err)
		}
		if calls != 2 { // the emptiness check, then one attempt
			t.Errorf("rows iterated %d times, want 2", calls)
		}
		if n := len(api.requests()); n != 0 {
			t.Errorf("server accepted %d requests from an aborted body", n)
		}
	})
	t.Run("API error", func(t *testing.T) {
		t.Parallel()
		c, api, _ := setup(t)
		api.script(step{status: 404, file: "error_404.json"})
		_, err := c.Replace(t.Context(), "abcd-1234", genRows(2), ReplaceOptions{MaxShrink: 1})
		var pe *PublishError
		if !errors.Is(err, ErrNotFound) || !errors.As(err, &pe) || pe.Chunk != 1 || pe.RowsLanded != 0 {
			t.Fatalf("err = %v", err)
		}
	})
}

// TestReplaceStreams proves the body is not built in memory first: the rows
// iterator waits until the server has received the first bytes of the body.
func TestReplaceStreams(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c, api, _ := setup(t)
	firstBytes := make(chan struct{})
	api.onBody = func(r io.Reader) ([]byte, error) {
		buf := make([]byte, 1)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		close(firstBytes)
		rest, err := io.ReadAll(r)
		return append(buf, rest...), err
	}
	attempt := 0
	rows := func(yield func(Row, error) bool) {
		attempt++
		for i := range 20000 {
			if attempt == 2 && i == 5000 {
				select {
				case <-firstBytes:
				case <-time.After(10 * time.Second):
					yield(nil, errors.New("server saw no body bytes while rows were still being produced: body is buffered"))
					return
				}
			}
			if !yield(Row{"id": i, "text": strings.Repeat("x", 20)}, nil) {
				return
			}
		}
	}
	res, err := c.Replace(ctx, "abcd-1234", RowSeq(rows), ReplaceOptions{MaxShrink: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 20000 {
		t.Errorf("rows = %d", res.Rows)
	}
	if n := rowsInBody(t, api.requests()[0].Body); n != 20000 {
		t.Errorf("server got %d rows", n)
	}
}

// BenchmarkUpsert pushes 100,000 CSR-like rows in chunks of 10,000 to a
// loopback server that discards them: the client's cost per row.
func BenchmarkUpsert(b *testing.B) {
	c := benchClient(b)
	const n = 100000
	rows := func(yield func(Row, error) bool) {
		row := Row{"service_request_sr_number": "24-00012345", "department": "Transportation and Public Works",
			"sr_status": "Closed", "created_date": "2024-03-10T02:30:00", "sr_age_days": 12.5, "open_count": 0,
			"location": "POINT (-97.7431 30.2672)", "fiscal_year": 2024, "is_duplicate_1_0": nil}
		for i := range n {
			row["open_count"] = i
			if !yield(row, nil) {
				return
			}
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Upsert(b.Context(), "abcd-1234", RowSeq(rows), UpsertOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/row")
}

// benchClient is a client of a loopback server that discards each upsert
// chunk and confirms the 10,000 rows of a full chunk: the benchmarks'
// zero-cost Socrata.
func benchClient(b *testing.B) *Client {
	b.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, `{"Errors":0,"Rows Created":10000,"Rows Updated":0,"Rows Deleted":0}`)
	}))
	b.Cleanup(srv.Close)
	c, err := New(Config{Domain: srv.URL, HTTPClient: srv.Client()})
	if err != nil {
		b.Fatal(err)
	}
	return c
}
