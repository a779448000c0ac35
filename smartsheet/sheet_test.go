package smartsheet

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// pagedHandler serves the three recorded pages of the test sheet by the
// page parameter, checking the request on the way.
func pagedHandler(t *testing.T) http.HandlerFunc {
	pages := map[string][]byte{
		"1": mustRead(t, "sheet_4477152411314052_page1.json"),
		"2": mustRead(t, "sheet_4477152411314052_page2.json"),
		"3": mustRead(t, "sheet_4477152411314052_page3.json"),
	}
	return func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodGet)
		testHeader(t, r, "Authorization", "Bearer "+testToken)
		testHeader(t, r, "Accept", "application/json")
		if got := r.URL.Query().Get("pageSize"); got != "2" {
			t.Errorf("pageSize = %q, want 2", got)
		}
		body, ok := pages[r.URL.Query().Get("page")]
		if !ok {
			t.Errorf("unexpected page %q", r.URL.Query().Get("page"))
			http.NotFound(w, r)
			return
		}
		respond(w, 200, "application/json;charset=UTF-8", body)
	}
}

func TestSheet(t *testing.T) {
	t.Parallel()
	type want struct {
		rows     int
		attempts int32 // server hits
		err      error // errors.Is target
		status   int   // APIError status, when an APIError is expected
		code     int   // APIError errorCode
		text     string
		noAPIErr bool
	}
	page1 := "sheet_4477152411314052_page1.json"
	all := "sheet_4477152411314052_all.json"
	tests := []struct {
		name     string
		pageSize int
		handler  func(t *testing.T, n int32, w http.ResponseWriter, r *http.Request)
		want     want
	}{
		{
			name: "single page", pageSize: 1000,
			handler: func(t *testing.T, n int32, w http.ResponseWriter, r *http.Request) {
				if r.URL.Query().Get("page") != "1" || r.URL.Query().Get("pageSize") != "1000" {
					t.Errorf("query = %s, want page=1 pageSize=1000", r.URL.RawQuery)
				}
				respond(w, 200, "application/json", mustRead(t, all))
			},
			want: want{rows: 5, attempts: 1},
		},
		{
			name: "three pages", pageSize: 2,
			handler: func(t *testing.T, n int32, w http.ResponseWriter, r *http.Request) {
				pagedHandler(t)(w, r)
			},
			want: want{rows: 5, attempts: 3},
		},
		{
			name: "429 with Retry-After then success", pageSize: 1000,
			handler: func(t *testing.T, n int32, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					w.Header().Set("Retry-After", "0")
					respond(w, 429, "application/json", mustRead(t, "error_429_4003.json"))
					return
				}
				respond(w, 200, "application/json", mustRead(t, all))
			},
			want: want{rows: 5, attempts: 2},
		},
		{
			name: "429 storm gives up", pageSize: 1000,
			handler: func(t *testing.T, n int32, w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", "0")
				respond(w, 429, "application/json", mustRead(t, "error_429_4003.json"))
			},
			want: want{attempts: retryTries, err: ErrRateLimited, status: 429, code: 4003, text: "Rate limit exceeded"},
		},
		{
			name: "5xx then success", pageSize: 1000,
			handler: func(t *testing.T, n int32, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					respond(w, 500, "application/json", mustRead(t, "error_500_4004.json"))
					return
				}
				respond(w, 200, "application/json", mustRead(t, all))
			},
			want: want{rows: 5, attempts: 2},
		},
		{
			name: "5xx storm gives up", pageSize: 1000,
			handler: func(t *testing.T, n int32, w http.ResponseWriter, r *http.Request) {
				respond(w, 503, "application/json", []byte(`{"errorCode":4001,"message":"Smartsheet.com is currently offline for system maintenance. Please check back again shortly.","refId":"mt1"}`))
			},
			want: want{attempts: retryTries, status: 503, code: 4001, text: "after 3 attempts"},
		},
		{
			name: "errorCode 4004 on a 400 is retried", pageSize: 1000,
			handler: func(t *testing.T, n int32, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					respond(w, 400, "application/json", mustRead(t, "error_500_4004.json"))
					return
				}
				respond(w, 200, "application/json", mustRead(t, all))
			},
			want: want{rows: 5, attempts: 2},
		},
		{
			name: "404 is not retried", pageSize: 1000,
			handler: func(t *testing.T, n int32, w http.ResponseWriter, r *http.Request) {
				respond(w, 404, "application/json", mustRead(t, "error_404_1006.json"))
			},
			want: want{attempts: 1, err: ErrNotFound, status: 404, code: 1006, text: "request id 1x2y3z4w5v6u"},
		},
		{
			name: "recorded 400 error body", pageSize: 1000,
			handler: func(t *testing.T, n int32, w http.ResponseWriter, r *http.Request) {
				status, body := scenario(t, "sheets_scenarios.json", "Create Sheet - Invalid - No Columns")
				respond(w, status, "application/json", body)
			},
			want: want{attempts: 1, status: 400, code: 1054, text: "requires either a fromId or columns"},
		},
		{
			name: "HTML 502 storm", pageSize: 1000,
			handler: func(t *testing.T, n int32, w http.ResponseWriter, r *http.Request) {
				respond(w, 502, "text/html", mustRead(t, "error_502_proxy.html"))
			},
			want: want{attempts: retryTries, status: 502, text: "HTML page: 502 Bad Gateway — awselb/2.0"},
		},
		{
			name: "HTML page with 200", pageSize: 1000,
			handler: func(t *testing.T, n int32, w http.ResponseWriter, r *http.Request) {
				respond(w, 200, "text/html; charset=utf-8", []byte("<html><body>Access denied by firewall</body></html>"))
			},
			want: want{attempts: 1, err: ErrMalformedResponse, text: "Access denied by firewall", noAPIErr: true},
		},
		{
			name: "dropped connection then success", pageSize: 1000,
			handler: func(t *testing.T, n int32, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					hangUp(t, w)
					return
				}
				respond(w, 200, "application/json", mustRead(t, all))
			},
			want: want{rows: 5, attempts: 2},
		},
		{
			name: "dropped connection every time", pageSize: 1000,
			handler: func(t *testing.T, n int32, w http.ResponseWriter, r *http.Request) {
				hangUp(t, w)
			},
			want: want{attempts: retryTries, text: "no response after 3 attempt(s)", noAPIErr: true},
		},
		{
			name: "truncated body fetched again", pageSize: 1000,
			handler: func(t *testing.T, n int32, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					truncate(t, w, "application/json", mustRead(t, all))
					return
				}
				respond(w, 200, "application/json", mustRead(t, all))
			},
			want: want{rows: 5, attempts: 2},
		},
		{
			name: "truncated body every time", pageSize: 1000,
			handler: func(t *testing.T, n int32, w http.ResponseWriter, r *http.Request) {
				truncate(t, w, "application/json", mustRead(t, all))
			},
			want: want{attempts: retryTries, err: ErrMalformedResponse, text: "unexpected EOF", noAPIErr: true},
		},
		{
			name: "malformed JSON", pageSize: 1000,
			handler: func(t *testing.T, n int32, w http.ResponseWriter, r *http.Request) {
				respond(w, 200, "application/json", []byte(`{"id": 4477152411314052, "totalRowCount": 1, "rows": [{"id": 1,`))
			},
			want: want{attempts: 1, err: ErrMalformedResponse, noAPIErr: true},
		},
		{
			name: "not a sheet", pageSize: 1000,
			handler: func(t *testing.T, n int32, w http.ResponseWriter, r *http.Request) {
				respond(w, 200, "application/json", []byte(`{"pageNumber":1,"data":[]}`))
			},
			want: want{attempts: 1, err: ErrMalformedResponse, text: "no id", noAPIErr: true},
		},
		{
			name: "recorded sheet short of totalRowCount", pageSize: 1000,
			handler: func(t *testing.T, n int32, w http.ResponseWriter, r *http.Request) {
				_, body := scenario(t, "header_scenarios.json", "Assume User - Can Be Set")
				respond(w, 200, "application/json", body)
			},
			want: want{attempts: 1, err: ErrRowCountMismatch, text: "read 1 rows, totalRowCount is 6", noAPIErr: true},
		},
		{
			name: "sheet changed between pages", pageSize: 2,
			handler: func(t *testing.T, n int32, w http.ResponseWriter, r *http.Request) {
				body := mustRead(t, "sheet_4477152411314052_page"+r.URL.Query().Get("page")+".json")
				if r.URL.Query().Get("page") == "2" {
					body = []byte(strings.Replace(string(body), `"version": 412`, `"version": 413`, 1))
				}
				respond(w, 200, "application/json", body)
			},
			want: want{attempts: 2, err: ErrSheetChanged, noAPIErr: true},
		},
		{
			name: "later pages without columns", pageSize: 2,
			handler: func(t *testing.T, n int32, w http.ResponseWriter, r *http.Request) {
				body := mustRead(t, "sheet_4477152411314052_page"+r.URL.Query().Get("page")+".json")
				if r.URL.Query().Get("page") != "1" {
					var doc map[string]any
					dec := json.NewDecoder(bytes.NewReader(body))
					dec.UseNumber() // keep the column id above 2^53 exact
					if err := dec.Decode(&doc); err != nil {
						t.Fatal(err)
					}
					delete(doc, "columns")
					body, _ = json.Marshal(doc)
				}
				respond(w, 200, "application/json", body)
			},
			want: want{rows: 5, attempts: 3},
		},
		{
			name: "pages end early", pageSize: 2,
			handler: func(t *testing.T, n int32, w http.ResponseWriter, r *http.Request) {
				if r.URL.Query().Get("page") == "1" {
					respond(w, 200, "application/json", mustRead(t, page1))
					return
				}
				body := strings.Replace(string(mustRead(t, page1)), `"rows": [`, `"rows": [], "ignored": [`, 1)
				respond(w, 200, "application/json", []byte(body))
			},
			want: want{attempts: 2, err: ErrRowCountMismatch, noAPIErr: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			c, mux, _ := setup(t)
			var hits atomic.Int32
			mux.HandleFunc(sheetPath, func(w http.ResponseWriter, r *http.Request) {
				tt.handler(t, hits.Add(1), w, r)
			})
			sh, err := c.Sheet(ctx, testSheet, SheetOptions{PageSize: tt.pageSize})
			if got := hits.Load(); got != tt.want.attempts {
				t.Errorf("server hits = %d, want %d", got, tt.want.attempts)
			}
			if tt.want.rows > 0 {
				if err != nil {
					t.Fatalf("Sheet: %v", err)
				}
				checkTestSheet(t, sh)
				return
			}
			if err == nil {
				t.Fatalf("Sheet succeeded with %d rows, want an error", len(sh.Rows))
			}
			var op *OpError
			if !errors.As(err, &op) || op.SheetID != testSheet || op.Op != "get sheet" {
				t.Errorf("err = %#v, want *OpError for sheet %d", err, testSheet)
			}
			if tt.want.err != nil && !errors.Is(err, tt.want.err) {
				t.Errorf("err = %v, want errors.Is %v", err, tt.want.err)
			}
			if !strings.Contains(err.Error(), tt.want.text) {
				t.Errorf("err = %q, want it to contain %q", err, tt.want.text)
			}
			if strings.Contains(err.Error(), testToken) {
				t.Errorf("err = %q contains the token", err)
			}
			var apiErr *APIError
			if tt.want.noAPIErr {
				if errors.As(err, &apiErr) {
					t.Errorf("err = %v, want no *APIError", err)
				}
				if tt.want.text == "no response after 3 attempt(s)" {
					var herr *TransportError
					if !errors.As(err, &herr) || herr.Attempts != retryTries {
						t.Errorf("err = %v, want *TransportError with %d attempts", err, retryTries)
					}
				}
				return
			}
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %v, want *APIError", err)
			}
			if apiErr.StatusCode != tt.want.status || apiErr.ErrorCode != tt.want.code ||
				apiErr.Attempts != int(tt.want.attempts) || apiErr.Method != "GET" ||
				!strings.HasSuffix(apiErr.URL, sheetPath) || strings.Contains(apiErr.URL, "?") {
				t.Errorf("APIError = %+v", apiErr)
			}
		})
	}
}

// checkTestSheet asserts the typed content of the synthetic test sheet.
func checkTestSheet(t *testing.T, sh Sheet) {
	t.Helper()
	if sh.ID != testSheet || sh.Name != "Commercial DS Permit Requests" || sh.Version != 412 || sh.TotalRowCount != 5 {
		t.Errorf("sheet header = %d %q v%d total %d", sh.ID, sh.Name, sh.Version, sh.TotalRowCount)
	}
	if len(sh.Columns) != 6 || sh.Columns[1].ID != bigColumn || sh.Columns[1].Title != "Date Created" ||
		sh.Columns[1].Type != TypeDateTime || sh.Columns[1].SystemColumnType != "CREATED_DATE" || !sh.Columns[0].Primary {
		t.Errorf("columns = %+v", sh.Columns)
	}
	if len(sh.Rows) != 5 {
		t.Fatalf("rows = %d, want 5", len(sh.Rows))
	}
	for i, r := range sh.Rows {
		if r.RowNumber != i+1 || r.ID != 7000000000000000+int64(i+1) {
			t.Errorf("row %d: number %d id %d", i, r.RowNumber, r.ID)
		}
	}
	r0, r2, r3, r4 := sh.Rows[0], sh.Rows[2], sh.Rows[3], sh.Rows[4]
	checks := []struct {
		name string
		got  Value
		want Value
	}{
		{"text", r0.Value("Permit Number"), Value{Kind: KindText, Text: "DS-24-0001"}},
		{"datetime", r0.Value("Date Created"), Value{Kind: KindDateTime, Time: time.Date(2024, 3, 9, 17, 12, 44, 0, time.UTC)}},
		{"number", r0.Value("Est. Cost"), Value{Kind: KindNumber, Number: 1200, Text: "1200"}},
		{"date", r0.Value("Start Date"), Value{Kind: KindDate, Time: time.Date(2024, 3, 20, 0, 0, 0, 0, time.UTC)}},
		{"bool", r0.Value("Approved"), Value{Kind: KindBool, Bool: false}},
		{"picklist", r0.Value("Status"), Value{Kind: KindText, Text: "New"}},
		{"fraction", sh.Rows[1].Value("Est. Cost"), Value{Kind: KindNumber, Number: 350.5, Text: "350.5"}},
		{"text in number column", r2.Value("Est. Cost"), Value{Kind: KindText, Text: "TBD"}},
		{"text in date column", r2.Value("Start Date"), Value{Kind: KindText, Text: "see notes"}},
		{"cell without value", r3.Value("Est. Cost"), Value{}},
		{"absent cell", r4.Value("Date Created"), Value{}},
		{"unknown column", r4.Value("No Such Column"), Value{}},
	}
	for _, c := range checks {
		if !c.got.Time.Equal(c.want.Time) || c.got.Kind != c.want.Kind || c.got.Text != c.want.Text ||
			c.got.Number != c.want.Number || c.got.Bool != c.want.Bool {
			t.Errorf("%s: got %+v, want %+v", c.name, c.got, c.want)
		}
	}
	if cell, ok := r0.CellByID(bigColumn); !ok || cell.Value.Kind != KindDateTime {
		t.Errorf("CellByID(%d) = %+v, %v", bigColumn, cell, ok)
	}
	if cell, ok := r3.Cell("Est. Cost"); !ok || cell.DisplayValue != "" {
		t.Errorf("empty cell = %+v, %v; want present with empty display value", cell, ok)
	}
	if _, ok := r4.Cell("Date Created"); ok {
		t.Error("absent cell reported present")
	}
	if cell, _ := r0.Cell("Status"); cell.DisplayValue != "New" {
		t.Errorf("display value = %q", cell.DisplayValue)
	}
}

func TestSheetQueryOptions(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c, mux, logs := setup(t)
	mux.HandleFunc(sheetPath, func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		want := map[string]string{"pageSize": "1000", "page": "1", "columnIds": "1001,9007199254740993",
			"include": "objectValue", "exclude": "nonexistentCells"}
		for k, v := range want {
			if q.Get(k) != v {
				t.Errorf("query %s = %q, want %q", k, q.Get(k), v)
			}
		}
		testHeader(t, r, "User-Agent", defaultUserAgent)
		respond(w, 200, "application/json", mustRead(t, "sheet_4477152411314052_all.json"))
	})
	_, err := c.Sheet(ctx, testSheet, SheetOptions{ColumnIDs: []int64{1001, bigColumn},
		Include: []string{"objectValue"}, Exclude: []string{"nonexistentCells"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "smartsheet page read") || strings.Contains(logs.String(), testToken) {
		t.Errorf("logs = %s", logs)
	}
}

func TestSheetContextCancelled(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	mux.HandleFunc(sheetPath, func(w http.ResponseWriter, r *http.Request) {
		respond(w, 503, "text/plain", []byte("busy"))
	})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := c.Sheet(ctx, testSheet, SheetOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}
