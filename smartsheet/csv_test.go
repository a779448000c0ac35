package smartsheet

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

func TestSheetCSV(t *testing.T) {
	t.Parallel()
	csvBody := mustRead(t, "sheet_4477152411314052.csv")
	tests := []struct {
		name     string
		handler  func(t *testing.T, n int32, w http.ResponseWriter, r *http.Request)
		attempts int32
		want     []byte // nil: an error is expected
		err      error
		status   int
	}{
		{
			name: "recorded csv",
			handler: func(t *testing.T, n int32, w http.ResponseWriter, r *http.Request) {
				testMethod(t, r, http.MethodGet)
				testHeader(t, r, "Accept", "text/csv")
				testHeader(t, r, "Authorization", "Bearer "+testToken)
				if r.URL.RawQuery != "" {
					t.Errorf("query = %q, want none", r.URL.RawQuery)
				}
				w.Header().Set("Content-Disposition", `attachment; filename="Commercial DS Permit Requests.csv";`)
				respond(w, 200, "text/csv;charset=UTF-8", csvBody)
			},
			attempts: 1, want: csvBody,
		},
		{
			name: "429 with Retry-After then success",
			handler: func(t *testing.T, n int32, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					w.Header().Set("Retry-After", "0")
					respond(w, 429, "application/json", mustRead(t, "error_429_4003.json"))
					return
				}
				respond(w, 200, "text/csv", csvBody)
			},
			attempts: 2, want: csvBody,
		},
		{
			name: "5xx storm gives up",
			handler: func(t *testing.T, n int32, w http.ResponseWriter, r *http.Request) {
				respond(w, 502, "text/html", mustRead(t, "error_502_proxy.html"))
			},
			attempts: retryTries, status: 502,
		},
		{
			name: "HTML page with 200 writes nothing",
			handler: func(t *testing.T, n int32, w http.ResponseWriter, r *http.Request) {
				respond(w, 200, "text/html", []byte("<html>The requested URL was rejected.</html>"))
			},
			attempts: 1, err: ErrMalformedResponse,
		},
		{
			name: "406 bad Accept",
			handler: func(t *testing.T, n int32, w http.ResponseWriter, r *http.Request) {
				respond(w, 406, "application/json", []byte(`{"errorCode":1052,"message":"Invalid Accept header. Media type not supported.","refId":"a1"}`))
			},
			attempts: 1, status: 406,
		},
		{
			name: "truncated body",
			handler: func(t *testing.T, n int32, w http.ResponseWriter, r *http.Request) {
				truncate(t, w, "text/csv", csvBody)
			},
			attempts: 1, err: io.ErrUnexpectedEOF,
		},
		{
			name: "dropped connection then success",
			handler: func(t *testing.T, n int32, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					hangUp(t, w)
					return
				}
				respond(w, 200, "text/csv", csvBody)
			},
			attempts: 2, want: csvBody,
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
			var out bytes.Buffer
			n, err := c.SheetCSV(ctx, testSheet, &out)
			if got := hits.Load(); got != tt.attempts {
				t.Errorf("server hits = %d, want %d", got, tt.attempts)
			}
			if tt.want != nil {
				if err != nil {
					t.Fatalf("SheetCSV: %v", err)
				}
				if n != int64(len(tt.want)) || !bytes.Equal(out.Bytes(), tt.want) {
					t.Errorf("wrote %d bytes %q, want %q", n, out.Bytes(), tt.want)
				}
				return
			}
			if err == nil {
				t.Fatal("SheetCSV succeeded, want an error")
			}
			if n != int64(out.Len()) {
				t.Errorf("reported %d bytes, wrote %d", n, out.Len())
			}
			var op *OpError
			if !errors.As(err, &op) || op.Op != "get sheet csv" {
				t.Errorf("err = %v, want *OpError get sheet csv", err)
			}
			if tt.err != nil && !errors.Is(err, tt.err) {
				t.Errorf("err = %v, want %v", err, tt.err)
			}
			if tt.status != 0 {
				var apiErr *APIError
				if !errors.As(err, &apiErr) || apiErr.StatusCode != tt.status || apiErr.Attempts != int(tt.attempts) {
					t.Errorf("err = %v, want *APIError status %d after %d attempts", err, tt.status, tt.attempts)
				}
				if out.Len() != 0 {
					t.Errorf("error answer reached the writer: %q", out.String())
				}
			}
			if errors.Is(err, ErrMalformedResponse) && tt.err == ErrMalformedResponse && out.Len() != 0 {
				t.Errorf("HTML page reached the writer: %q", out.String())
			}
		})
	}
}

type failWriter struct{ err error }

func (f failWriter) Write([]byte) (int, error) { return 0, f.err }

func TestSheetCSVWriterError(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c, mux, _ := setup(t)
	mux.HandleFunc(sheetPath, func(w http.ResponseWriter, r *http.Request) {
		respond(w, 200, "text/csv", mustRead(t, "sheet_4477152411314052.csv"))
	})
	diskFull := errors.New("disk full")
	_, err := c.SheetCSV(ctx, testSheet, failWriter{diskFull})
	if !errors.Is(err, diskFull) || errors.Is(err, ErrMalformedResponse) {
		t.Fatalf("err = %v, want the writer's error and not ErrMalformedResponse", err)
	}
	if !strings.Contains(err.Error(), "writing CSV") {
		t.Errorf("err = %q", err)
	}
}
