package httpretry

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// script answers request n with step n (the last step repeats).
type step func(w http.ResponseWriter, r *http.Request)

func status(code int, hdr ...string) step {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(hdr); i += 2 {
			w.Header().Set(hdr[i], hdr[i+1])
		}
		w.WriteHeader(code)
		io.WriteString(w, http.StatusText(code))
	}
}

func drop(w http.ResponseWriter, r *http.Request) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

type recorder struct {
	mu     sync.Mutex
	bodies []string
	calls  atomic.Int32
}

func serve(t *testing.T, steps ...step) (*httptest.Server, *recorder) {
	t.Helper()
	rec := &recorder{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rec.mu.Lock()
		rec.bodies = append(rec.bodies, string(b))
		rec.mu.Unlock()
		n := int(rec.calls.Add(1)) - 1
		steps[min(n, len(steps)-1)](w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, rec
}

type logSink struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *logSink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

func TestDo(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		steps      []step
		wantStatus int // 0: a transport *Error is expected
		wantCalls  int32
		wantTries  int
		wantLog    string
	}{
		{name: "ok first time", steps: []step{status(200)}, wantStatus: 200, wantCalls: 1, wantTries: 1},
		{name: "429 with Retry-After then ok", steps: []step{status(429, "Retry-After", "0"), status(200)}, wantStatus: 200, wantCalls: 2, wantTries: 1, wantLog: "status=429"},
		{name: "503 then 502 then ok", steps: []step{status(503), status(502), status(200)}, wantStatus: 200, wantCalls: 3, wantTries: 1},
		{name: "5xx storm gives up with last response", steps: []step{status(500)}, wantStatus: 500, wantCalls: 4, wantTries: 4},
		{name: "dropped connection then ok", steps: []step{drop, status(200)}, wantStatus: 200, wantCalls: 2, wantTries: 1},
		{name: "dropped every time", steps: []step{drop}, wantStatus: 0, wantCalls: 4, wantTries: 4},
		{name: "400 is not retried", steps: []step{status(400), status(200)}, wantStatus: 400, wantCalls: 1, wantTries: 1},
		{name: "501 is not retried", steps: []step{status(501), status(200)}, wantStatus: 501, wantCalls: 1, wantTries: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, rec := serve(t, tt.steps...)
			logs := &logSink{}
			c := New(Config{RetryMax: 3, RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond,
				Logger: slog.New(slog.NewTextHandler(logs, nil))})
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/x?token=SECRET", nil)
			resp, err := c.Do(req, Bytes([]byte(`["row"]`)))
			if tt.wantStatus == 0 {
				var herr *Error
				if !errors.As(err, &herr) || herr.Attempts != tt.wantTries {
					t.Fatalf("err = %v, want *Error after %d attempts", err, tt.wantTries)
				}
				if strings.Contains(err.Error(), "SECRET") {
					t.Fatalf("error leaks the query string: %v", err)
				}
			} else {
				if err != nil {
					t.Fatalf("Do: %v", err)
				}
				resp.Body.Close()
				if resp.StatusCode != tt.wantStatus || Attempts(resp) != tt.wantTries {
					t.Fatalf("status %d attempts %d, want %d and %d", resp.StatusCode, Attempts(resp), tt.wantStatus, tt.wantTries)
				}
			}
			if got := rec.calls.Load(); got != tt.wantCalls {
				t.Fatalf("server saw %d calls, want %d", got, tt.wantCalls)
			}
			for i, b := range rec.bodies {
				if b != `["row"]` && b != "" { // a dropped request may be cut short
					t.Fatalf("attempt %d sent body %q", i+1, b)
				}
			}
			if strings.Contains(logs.String(), "SECRET") {
				t.Fatalf("log leaks the query string:\n%s", logs)
			}
			if tt.wantLog != "" && !strings.Contains(logs.String(), tt.wantLog) {
				t.Fatalf("log lacks %q:\n%s", tt.wantLog, logs)
			}
		})
	}
}

// TestRetryAfterHonoured checks the wait computed for a 429 is the server's
// Retry-After (capped by MaxRetryAfter), not the exponential backoff.
func TestRetryAfterHonoured(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		retryAfter string
		maxAfter   time.Duration
		wantWait   string
	}{
		{name: "seconds", retryAfter: "1", wantWait: "wait=1s"},
		{name: "capped", retryAfter: "120", maxAfter: 20 * time.Millisecond, wantWait: "wait=20ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, rec := serve(t, status(429, "Retry-After", tt.retryAfter), status(200))
			logs := &logSink{}
			c := New(Config{RetryWaitMin: time.Millisecond, RetryWaitMax: 2 * time.Millisecond, MaxRetryAfter: tt.maxAfter,
				Logger: slog.New(slog.NewTextHandler(logs, nil))})
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL, nil)
			resp, err := c.Do(req, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 || rec.calls.Load() != 2 {
				t.Fatalf("status %d after %d calls", resp.StatusCode, rec.calls.Load())
			}
			if !strings.Contains(logs.String(), tt.wantWait) {
				t.Fatalf("log lacks %q:\n%s", tt.wantWait, logs)
			}
		})
	}
}

// TestStreamedBodyResentPerAttempt checks a BodyFunc is called for every
// attempt, so a streamed body is produced again rather than buffered.
func TestStreamedBodyResentPerAttempt(t *testing.T) {
	t.Parallel()
	srv, rec := serve(t, status(503), status(200))
	var produced atomic.Int32
	body := func() (io.Reader, error) {
		produced.Add(1)
		pr, pw := io.Pipe()
		go func() {
			for i := range 1000 {
				if _, err := io.WriteString(pw, strings.Repeat("x", i%7)+"\n"); err != nil {
					return
				}
			}
			pw.Close()
		}()
		return pr, nil
	}
	c := New(Config{RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPut, srv.URL, nil)
	resp, err := c.Do(req, body)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if produced.Load() != 2 || len(rec.bodies) != 2 || rec.bodies[0] != rec.bodies[1] || len(rec.bodies[1]) < 3000 {
		t.Fatalf("produced %d bodies, server saw %d (%d bytes)", produced.Load(), len(rec.bodies), len(rec.bodies[len(rec.bodies)-1]))
	}
}

func TestContextCancelStopsRetrying(t *testing.T) {
	t.Parallel()
	srv, _ := serve(t, status(503))
	c := New(Config{RetryMax: 10, RetryWaitMin: time.Hour, RetryWaitMax: time.Hour})
	ctx, cancel := contextWithCancel(t)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	_, err := c.Do(req, nil)
	if !errors.Is(err, contextCanceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestSanitizeURL(t *testing.T) {
	t.Parallel()
	u, _ := url.Parse("https://key:secret@host.example/resource/abcd-1234.json?$$app_token=tok#frag")
	if got, want := SanitizeURL(u), "https://host.example/resource/abcd-1234.json"; got != want {
		t.Fatalf("SanitizeURL = %q, want %q", got, want)
	}
}

// TestContentLength checks a known length is sent as Content-Length on
// every attempt, and an unknown one goes chunked.
func TestContentLength(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		length int64
		want   []string // Content-Length seen per attempt ("" = chunked)
	}{
		{name: "known", length: 7, want: []string{"7", "7"}},
		{name: "unknown", length: 0, want: []string{"", ""}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var seen []string
			var mu sync.Mutex
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				mu.Lock()
				seen = append(seen, r.Header.Get("Content-Length"))
				n := len(seen)
				mu.Unlock()
				if n == 1 {
					w.WriteHeader(http.StatusServiceUnavailable)
				}
			}))
			t.Cleanup(srv.Close)
			c := New(Config{RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL, nil)
			req.ContentLength = tt.length
			resp, err := c.Do(req, Bytes([]byte(`["row"]`)))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if fmt.Sprint(seen) != fmt.Sprint(tt.want) {
				t.Fatalf("Content-Length per attempt %q, want %q", seen, tt.want)
			}
		})
	}
}
