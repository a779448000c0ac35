package csr

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// setup starts a server with the report endpoint mounted under a path
// prefix, and a Client pointed at it with millisecond retry waits.
func setup(t *testing.T, h http.HandlerFunc) (*Client, *bytes.Buffer) {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/reports/", http.StripPrefix("/reports", h))
	server := httptest.NewServer(mux)
	t.Cleanup(server.Close)
	var logs bytes.Buffer
	c, err := New(Config{
		Endpoint:     server.URL + "/reports/csr.tsv?token=SECRET-TOKEN",
		Logger:       slog.New(slog.NewTextHandler(&syncWriter{w: &logs}, &slog.HandlerOptions{Level: slog.LevelDebug})),
		RetryMax:     2,
		RetryWaitMin: time.Millisecond,
		RetryWaitMax: 5 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c, &logs
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func mustRead(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// hijackClose answers with headers and the first n bytes of body, then drops
// the connection.
func hijackClose(w http.ResponseWriter, body []byte, n int) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("no hijacker")
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	if n < 0 {
		return // drop before any response
	}
	buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n")
	buf.Write(body[:n])
	buf.Flush()
}

func TestClientOpen(t *testing.T) {
	t.Parallel()
	sample := mustRead(t, "report_sample.tsv")
	waf := mustRead(t, "report_waf_block.html")
	for _, tc := range []struct {
		name     string
		handler  func(calls int32, w http.ResponseWriter, r *http.Request)
		rows     int // rows read before the error (or in total)
		calls    int32
		check    func(t *testing.T, err error)
		logHas   string
		openFail bool
	}{
		{
			name: "ok",
			handler: func(_ int32, w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/csv; charset=utf-16")
				w.Write(sample)
			},
			rows: 6, calls: 1,
		},
		{
			name: "429 with Retry-After then success",
			handler: func(calls int32, w http.ResponseWriter, _ *http.Request) {
				if calls == 1 {
					w.Header().Set("Retry-After", "0")
					w.WriteHeader(http.StatusTooManyRequests)
					return
				}
				w.Write(sample)
			},
			rows: 6, calls: 2, logHas: "status=429",
		},
		{
			name: "5xx then success",
			handler: func(calls int32, w http.ResponseWriter, _ *http.Request) {
				if calls == 1 {
					http.Error(w, "upstream timeout", http.StatusGatewayTimeout)
					return
				}
				w.Write(sample)
			},
			rows: 6, calls: 2, logHas: "status=504",
		},
		{
			name: "connection dropped before the response, then success",
			handler: func(calls int32, w http.ResponseWriter, _ *http.Request) {
				if calls == 1 {
					hijackClose(w, nil, -1)
					return
				}
				w.Write(sample)
			},
			rows: 6, calls: 2,
		},
		{
			name: "5xx storm gives up",
			handler: func(_ int32, w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("X-Request-Id", "req-42")
				http.Error(w, "<html><head><title>Service Unavailable</title></head><body>down</body></html>", http.StatusServiceUnavailable)
			},
			calls: 3, openFail: true,
			check: func(t *testing.T, err error) {
				var aerr *APIError
				if !errors.As(err, &aerr) {
					t.Fatalf("got %T %v, want *APIError", err, err)
				}
				if aerr.StatusCode != 503 || aerr.Attempts != 3 || aerr.RequestID != "req-42" ||
					aerr.Message != "an HTML page titled 'Service Unavailable'" || aerr.Method != "GET" {
					t.Fatalf("got %+v", aerr)
				}
			},
		},
		{
			name: "403 firewall page",
			handler: func(_ int32, w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(http.StatusForbidden)
				w.Write(waf)
			},
			calls: 1, openFail: true,
			check: func(t *testing.T, err error) {
				var aerr *APIError
				if !errors.As(err, &aerr) || aerr.StatusCode != 403 || !strings.Contains(aerr.Message, "Request Rejected") {
					t.Fatalf("got %T %v", err, err)
				}
			},
		},
		{
			name: "HTML firewall page with status 200",
			handler: func(_ int32, w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.Write(waf)
			},
			calls: 1, openFail: true,
			check: func(t *testing.T, err error) {
				var ferr *FormatError
				if !errors.As(err, &ferr) || !errors.Is(err, ErrNotReport) || ferr.What != "html" {
					t.Fatalf("got %T %v, want *FormatError html", err, err)
				}
				if !strings.Contains(err.Error(), "got an HTML page titled 'Request Rejected'") {
					t.Fatalf("message %q", err)
				}
			},
		},
		{
			name: "dropped connection mid-stream",
			handler: func(_ int32, w http.ResponseWriter, _ *http.Request) {
				// cut inside the fourth data row
				cut := bytes.Index(sample, utf16le(t, "24-00000001")[2:]) + 10
				hijackClose(w, sample, cut)
			},
			rows: 3, calls: 1,
			check: func(t *testing.T, err error) {
				var cerr *Error
				if !errors.As(err, &cerr) || cerr.Op != "read" {
					t.Fatalf("got %T %v, want *Error op read", err, err)
				}
				if !errors.Is(err, io.ErrUnexpectedEOF) || !strings.Contains(err.Error(), "truncated after") {
					t.Fatalf("got %v", err)
				}
			},
		},
		{
			name: "truncated body (Content-Length says more)",
			handler: func(_ int32, w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Length", strconv.Itoa(len(sample)+100))
				w.Write(sample)
			},
			rows: 6, calls: 1,
			check: func(t *testing.T, err error) {
				var cerr *Error
				if !errors.As(err, &cerr) || cerr.Op != "read" || !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Fatalf("got %T %v, want *Error op read wrapping io.ErrUnexpectedEOF", err, err)
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			var calls atomic.Int32
			c, logs := setup(t, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/csr.tsv" || r.URL.Query().Get("token") != "SECRET-TOKEN" {
					http.Error(w, "wrong path "+r.URL.Path, http.StatusNotFound)
					return
				}
				tc.handler(calls.Add(1), w, r)
			})
			rd, err := c.Open(ctx)
			rows := 0
			if err == nil {
				defer rd.Close()
				for _, rerr := range mapRows(rd) {
					if rerr != nil {
						err = rerr
						break
					}
					rows++
				}
			} else if !tc.openFail {
				t.Fatalf("Open: %v", err)
			}
			if tc.check == nil && err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if tc.check != nil {
				if err == nil {
					t.Fatal("no error")
				}
				tc.check(t, err)
				if strings.Contains(err.Error(), "SECRET-TOKEN") {
					t.Errorf("error leaks the query string: %v", err)
				}
			}
			if rows != tc.rows {
				t.Errorf("read %d rows, want %d", rows, tc.rows)
			}
			if got := calls.Load(); got != tc.calls {
				t.Errorf("server saw %d calls, want %d", got, tc.calls)
			}
			if tc.logHas != "" && !strings.Contains(logs.String(), tc.logHas) {
				t.Errorf("log lacks %q:\n%s", tc.logHas, logs)
			}
			if strings.Contains(logs.String(), "SECRET-TOKEN") {
				t.Errorf("log leaks the query string:\n%s", logs)
			}
		})
	}
}

func TestClientContextCancelled(t *testing.T) {
	t.Parallel()
	c, _ := setup(t, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("x")) })
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := c.Fetch(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

func TestNewConfig(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, endpoint string
		ok             bool
	}{
		{"empty", "", false},
		{"relative", "/report", false},
		{"ftp", "ftp://host/r", false},
		{"https", "https://user:pw@host/r?k=v", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := Config{Endpoint: tc.endpoint}
			_, err := New(cfg)
			if (err == nil) != tc.ok {
				t.Fatalf("New(%q) error = %v, want ok=%v", tc.endpoint, err, tc.ok)
			}
			if s := cfg.String(); strings.Contains(s, "pw") || strings.Contains(s, "k=v") {
				t.Errorf("String leaks secrets: %s", s)
			}
			var logged strings.Builder
			slog.New(slog.NewTextHandler(&logged, nil)).Info("config", "cfg", cfg)
			if s := logged.String(); strings.Contains(s, "pw") || strings.Contains(s, "k=v") || (tc.ok && !strings.Contains(s, "host/r")) {
				t.Errorf("LogValue: %s", s)
			}
			if err != nil && strings.Contains(err.Error(), "pw") {
				t.Errorf("error leaks secrets: %v", err)
			}
		})
	}
}

// TestCloseInterruptsStalledRead stops a consumer early on a report stream
// that has stalled: closing the Reader must return, not wait for (or
// drain) the stream.
func TestCloseInterruptsStalledRead(t *testing.T) {
	t.Parallel()
	data := benchReport(t, 512)
	release := make(chan struct{})
	defer close(release) // before Cleanup's server.Close, which waits for the handler
	c, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(2*len(data)))
		w.Write(data)
		w.(http.Flusher).Flush()
		select { // stall: the rest never comes
		case <-release:
		case <-r.Context().Done():
		}
	})
	rd, err := c.Open(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, err := range Rows(rd, NewTransformer()).Rows {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 10 {
			break
		}
	}
	closed := make(chan error, 1)
	go func() { closed <- rd.Close() }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Reader.Close blocked on the stalled stream")
	}
}
