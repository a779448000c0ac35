package socrata_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cityofaustin/atd-executive-dashboard/internal/socratatest"
	"github.com/cityofaustin/atd-executive-dashboard/socrata"
)

func newFakeClient(t *testing.T, srv *socratatest.Server) *socrata.Client {
	t.Helper()
	env := srv.Env()
	c, err := socrata.New(socrata.Config{Domain: env["SO_WEB"], AppToken: env["SO_TOKEN"], KeyID: env["SO_KEY"],
		KeySecret: env["SO_SECRET"], RetryWaitMin: time.Millisecond, RetryWaitMax: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestAgainstFakeServer runs the client against internal/socratatest, the
// server the jobs' end-to-end tests use.
func TestAgainstFakeServer(t *testing.T) {
	t.Parallel()
	t.Run("upsert merges, replace sets, count counts", func(t *testing.T) {
		t.Parallel()
		ctx := t.Context()
		srv := socratatest.Start(t)
		srv.SetKey("abcd-1234", "id")
		c := newFakeClient(t, srv)
		rows := func(n int) socrata.RowSeq {
			return func(yield func(socrata.Row, error) bool) {
				for i := range n {
					if !yield(socrata.Row{"id": i, "v": "x"}, nil) {
						return
					}
				}
			}
		}
		res, err := c.Upsert(ctx, "abcd-1234", rows(2500), socrata.UpsertOptions{ChunkSize: 1000})
		if err != nil || res.Created != 2500 || res.Chunks != 3 {
			t.Fatalf("upsert = %+v, %v", res, err)
		}
		res, err = c.Upsert(ctx, "abcd-1234", rows(10), socrata.UpsertOptions{})
		if err != nil || res.Updated != 10 {
			t.Fatalf("second upsert = %+v, %v", res, err)
		}
		if n, err := c.Count(ctx, "abcd-1234", ""); err != nil || n != 2500 {
			t.Fatalf("count = %d, %v", n, err)
		}
		if _, err := c.Replace(ctx, "abcd-1234", rows(7), socrata.ReplaceOptions{MaxShrink: 1}); err != nil {
			t.Fatal(err)
		}
		if n, _ := c.Count(ctx, "abcd-1234", "v = 'x'"); n != 7 {
			t.Errorf("count after replace = %d", n)
		}
		if got := len(srv.Replaces("abcd-1234")); got != 1 {
			t.Errorf("%d replaces", got)
		}
		for _, r := range srv.Requests() {
			if r.Method != "GET" {
				if u, p, ok := (&httpRequest{r.Header}).basicAuth(); !ok || u != socratatest.KeyID || p != socratatest.KeySecret {
					t.Errorf("%s sent without credentials", r.Method)
				}
			}
			if r.Header.Get("X-App-Token") != socratatest.AppToken {
				t.Errorf("%s %s without app token", r.Method, r.Path)
			}
		}
	})
	t.Run("rejected chunk reports rows landed", func(t *testing.T) {
		t.Parallel()
		srv := socratatest.Start(t)
		srv.RejectChunk(3, 400, `{"code":"illegal_argument","error":true,"message":"bad row"}`)
		srv.FailNext(1, 429, "0", "")
		c := newFakeClient(t, srv)
		rows := socrata.RowSeq(func(yield func(socrata.Row, error) bool) {
			for i := range 50 {
				if !yield(socrata.Row{"id": i}, nil) {
					return
				}
			}
		})
		_, err := c.Upsert(t.Context(), "abcd-1234", rows, socrata.UpsertOptions{ChunkSize: 10})
		var pe *socrata.PublishError
		var ae *socrata.APIError
		if !errors.As(err, &pe) || !errors.As(err, &ae) {
			t.Fatalf("err = %v", err)
		}
		if pe.Chunk != 3 || pe.RowsLanded != 20 || ae.Code != "illegal_argument" || ae.RequestID == "" {
			t.Errorf("publish error %+v / %+v", pe, ae)
		}
		if got := len(srv.Upserts("abcd-1234")); got != 20 {
			t.Errorf("server holds %d upserted rows", got)
		}
	})
}

type httpRequest struct{ h map[string][]string }

func (r *httpRequest) basicAuth() (string, string, bool) {
	req := &http.Request{Header: r.h}
	return req.BasicAuth()
}

func TestCatalogScrollSwitch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		assets   int
		pageSize int
		wantReqs []string // offset=N or scroll=ID per request
	}{
		{"small catalog pages by offset", 7, 3, []string{"offset=0", "offset=3", "offset=6"}},
		{"large catalog switches to scroll", 10500, 3000, []string{"offset=0", "scroll=", "scroll=a-03000", "scroll=a-06000", "scroll=a-09000"}},
		{"offset limit reached", 9500, 4000, []string{"offset=0", "offset=4000", "scroll=", "scroll=a-04000", "scroll=a-08000"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := socratatest.Start(t)
			var assets []json.RawMessage
			for i := range tt.assets {
				assets = append(assets, json.RawMessage(fmt.Sprintf(`{"resource":{"id":"a-%05d","type":"dataset"}}`, i+1)))
			}
			srv.SetCatalog(assets, nil)
			c := newFakeClient(t, srv)
			seen := map[string]bool{}
			for a, err := range c.Catalog(t.Context(), socrata.CatalogQuery{Authenticated: true, PageSize: tt.pageSize}) {
				if err != nil {
					t.Fatal(err)
				}
				if seen[a.Resource.ID] {
					t.Fatalf("%s yielded twice", a.Resource.ID)
				}
				seen[a.Resource.ID] = true
			}
			if len(seen) != tt.assets {
				t.Errorf("%d assets, want %d", len(seen), tt.assets)
			}
			var got []string
			for _, r := range srv.Requests() {
				if r.Query.Has("scroll_id") {
					got = append(got, "scroll="+r.Query.Get("scroll_id"))
				} else {
					got = append(got, "offset="+r.Query.Get("offset"))
				}
				if r.Status != 200 {
					t.Errorf("request %v answered %d", r.Query, r.Status)
				}
			}
			if !slices.Equal(got, tt.wantReqs) {
				t.Errorf("requests = %v, want %v", got, tt.wantReqs)
			}
		})
	}
}

func TestRowsPaging(t *testing.T) {
	t.Parallel()
	stored := make([]map[string]any, 2500)
	for i := range stored {
		stored[i] = map[string]any{":id": fmt.Sprintf("row-%05d", i), "n": fmt.Sprint(i), "name": fmt.Sprintf("name %d", i%7)}
	}
	tests := []struct {
		name      string
		q         socrata.Query
		pageSize  int
		wantRows  int
		wantOrder string
		wantPages int
	}{
		{"default order and page size", socrata.Query{}, 0, 2500, ":id", 3},
		{"explicit order gets tie-breaker", socrata.Query{Order: "name DESC"}, 1000, 2500, "name DESC, :id", 3},
		{"order already total", socrata.Query{Order: ":id DESC"}, 1000, 2500, ":id DESC", 3},
		{"limit and offset", socrata.Query{Limit: 1200, Offset: 100}, 500, 1200, ":id", 3},
		{"exact multiple", socrata.Query{Limit: 2000}, 1000, 2000, ":id", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := socratatest.Start(t)
			srv.SetRows("abcd-1234", stored)
			c := newFakeClient(t, srv)
			n := 0
			for row, err := range c.Rows(t.Context(), "abcd-1234", tt.q, tt.pageSize) {
				if err != nil {
					t.Fatal(err)
				}
				if _, ok := row["n"].(string); !ok {
					t.Fatalf("row %v", row)
				}
				n++
			}
			if n != tt.wantRows {
				t.Errorf("%d rows, want %d", n, tt.wantRows)
			}
			reqs := srv.Requests()
			if len(reqs) != tt.wantPages {
				t.Errorf("%d pages, want %d", len(reqs), tt.wantPages)
			}
			for _, r := range reqs {
				if r.Query.Get("$order") != tt.wantOrder {
					t.Errorf("$order = %q, want %q", r.Query.Get("$order"), tt.wantOrder)
				}
			}
		})
	}
	t.Run("error stops", func(t *testing.T) {
		t.Parallel()
		srv := socratatest.Start(t)
		c := newFakeClient(t, srv)
		var last error
		for _, err := range c.Rows(t.Context(), "nope-0000", socrata.Query{}, 10) {
			last = err
		}
		if !errors.Is(last, socrata.ErrNotFound) {
			t.Errorf("err = %v", last)
		}
	})
}

func TestQueryInto(t *testing.T) {
	t.Parallel()
	srv := socratatest.Start(t)
	srv.SetRows("abcd-1234", []map[string]any{{"name": "a", "n": "12"}, {"name": "b", "n": "7"}})
	c := newFakeClient(t, srv)
	var typed []struct {
		Name string `json:"name"`
		N    int64  `json:"n,string"`
	}
	q := socrata.Query{Select: "name, n", Where: "n > 1", Order: "name", Limit: 5}
	if err := c.QueryInto(t.Context(), "abcd-1234", q, &typed); err != nil {
		t.Fatal(err)
	}
	if len(typed) != 2 || typed[0].N != 12 || typed[1].Name != "b" {
		t.Errorf("typed = %+v", typed)
	}
	raw, err := c.Query(t.Context(), "abcd-1234", q)
	if err != nil || len(raw) != 2 || raw[1]["n"] != "7" {
		t.Errorf("raw = %v, %v", raw, err)
	}
	r := srv.Requests()[0]
	for k, want := range map[string]string{"$select": "name, n", "$where": "n > 1", "$order": "name", "$limit": "5"} {
		if got := r.Query.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if r.Query.Has("$offset") {
		t.Error("$offset sent though zero")
	}
}

func TestTimeoutApplies(t *testing.T) {
	t.Parallel()
	srv := socratatest.Start(t)
	srv.SetCount("abcd-1234", 5)
	srv.SetDelay(500 * time.Millisecond)
	c, err := socrata.New(socrata.Config{Domain: srv.URL, Timeout: 50 * time.Millisecond, RetryMax: -1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Count(t.Context(), "abcd-1234", "")
	var he *socrata.TransportError
	if !errors.As(err, &he) || he.Attempts != 1 {
		t.Fatalf("err = %v, want a response-header timeout after 1 attempt", err)
	}
	if !strings.Contains(err.Error(), "timeout") {
		t.Errorf("error %q does not say timeout", err)
	}
}

// TestUpsertPipelineOrder: chunks are encoded ahead but sent one at a time,
// in order, so a failure never leaves a later chunk landed before an
// earlier one.
func TestUpsertPipelineOrder(t *testing.T) {
	t.Parallel()
	srv := socratatest.Start(t)
	srv.SetDelay(20 * time.Millisecond)
	c := newFakeClient(t, srv)
	rows := socrata.RowSeq(func(yield func(socrata.Row, error) bool) {
		for i := range 50 {
			if !yield(socrata.Row{"i": i}, nil) {
				return
			}
		}
	})
	res, err := c.Upsert(t.Context(), "abcd-1234", rows, socrata.UpsertOptions{ChunkSize: 7})
	if err != nil || res.Chunks != 8 || res.Rows != 50 {
		t.Fatalf("Upsert = %+v, %v", res, err)
	}
	if got := srv.MaxInFlight(); got != 1 {
		t.Fatalf("%d requests in flight at once, want 1", got)
	}
	var seen []int64
	for _, r := range srv.Upserts("abcd-1234") {
		n, _ := r["i"].(json.Number).Int64()
		seen = append(seen, n)
	}
	if len(seen) != 50 || !slices.IsSorted(seen) {
		t.Fatalf("rows arrived out of order: %v", seen)
	}
}

// TestUpsertFailureWhileChunkInFlight: when the rows fail while the previous
// chunk is still in flight, Upsert waits for it and reports it landed; when
// that chunk fails too, its failure is the one reported.
func TestUpsertFailureWhileChunkInFlight(t *testing.T) {
	t.Parallel()
	boom := errors.New("source broke")
	rows := socrata.RowSeq(func(yield func(socrata.Row, error) bool) {
		for i := range 15 {
			if !yield(socrata.Row{"i": i}, nil) {
				return
			}
		}
		yield(nil, boom) // chunk 2 (rows 10-14) is being encoded, chunk 1 in flight
	})
	tests := []struct {
		name        string
		rejectFirst bool
		wantLanded  int64
		wantChunk   int
		wantErr     error
	}{
		{name: "in-flight chunk lands", wantLanded: 10, wantChunk: 2, wantErr: boom},
		{name: "in-flight chunk fails first", rejectFirst: true, wantLanded: 0, wantChunk: 1, wantErr: socrata.ErrUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := socratatest.Start(t)
			srv.SetDelay(30 * time.Millisecond)
			if tt.rejectFirst {
				srv.RejectChunk(1, http.StatusForbidden, `{"code":"permission_denied","error":true,"message":"no"}`)
			}
			c := newFakeClient(t, srv)
			_, err := c.Upsert(t.Context(), "abcd-1234", rows, socrata.UpsertOptions{ChunkSize: 10})
			var pe *socrata.PublishError
			// The source's failure is never lost, whichever came first.
			if !errors.As(err, &pe) || !errors.Is(err, tt.wantErr) || !errors.Is(err, boom) || pe.RowsLanded != tt.wantLanded || pe.Chunk != tt.wantChunk {
				t.Fatalf("err = %v (%+v), want %v with %d rows landed at chunk %d", err, pe, tt.wantErr, tt.wantLanded, tt.wantChunk)
			}
			if got := int64(len(srv.Upserts("abcd-1234"))); got != tt.wantLanded {
				t.Fatalf("server holds %d rows, want %d", got, tt.wantLanded)
			}
		})
	}
}
