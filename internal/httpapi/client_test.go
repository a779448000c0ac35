package httpapi

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

// step answers one request.
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
	mu      sync.Mutex
	bodies  []string
	headers []http.Header
	calls   atomic.Int32
}

// serve answers request n with step n (the last step repeats).
func serve(t *testing.T, steps ...step) (*httptest.Server, *recorder) {
	t.Helper()
	rec := &recorder{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rec.mu.Lock()
		rec.bodies = append(rec.bodies, string(b))
		rec.headers = append(rec.headers, r.Header.Clone())
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

func newClient(t *testing.T, srv *httptest.Server, logs io.Writer, mod ...func(*Config)) *Client {
	t.Helper()
	base, _ := url.Parse(srv.URL + "/api/")
	if logs == nil {
		logs = io.Discard
	}
	cfg := Config{System: "test", BaseURL: base, RetryMax: 3, RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(logs, nil))}
	for _, m := range mod {
		m(&cfg)
	}
	return New(cfg)
}

func TestDo(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		steps      []step
		wantStatus int // 0: a *TransportError is expected
		wantCalls  int32
		wantTries  int
		wantLog    string
	}{
		{name: "ok first time", steps: []step{status(200)}, wantStatus: 200, wantCalls: 1, wantTries: 1},
		{name: "429 with Retry-After then ok", steps: []step{status(429, "Retry-After", "0"), status(200)}, wantStatus: 200, wantCalls: 2, wantLog: "status=429"},
		{name: "503 then 502 then ok", steps: []step{status(503), status(502), status(200)}, wantStatus: 200, wantCalls: 3},
		{name: "5xx storm gives up with last response", steps: []step{status(500)}, wantStatus: 500, wantCalls: 4, wantTries: 4},
		{name: "dropped connection then ok", steps: []step{drop, status(200)}, wantStatus: 200, wantCalls: 2, wantLog: "error=EOF"},
		{name: "dropped every time", steps: []step{drop}, wantStatus: 0, wantCalls: 4, wantTries: 4},
		{name: "400 is not retried", steps: []step{status(400), status(200)}, wantStatus: 400, wantCalls: 1, wantTries: 1},
		{name: "501 is not retried", steps: []step{status(501), status(200)}, wantStatus: 501, wantCalls: 1, wantTries: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, rec := serve(t, tt.steps...)
			logs := &logSink{}
			c := newClient(t, srv, logs)
			req, _ := c.NewRequest(t.Context(), http.MethodPost, "x?token=SECRET", nil)
			resp, err := c.Do(req, Bytes([]byte(`["row"]`)))
			switch {
			case tt.wantStatus == 0:
				var te *TransportError
				if !errors.As(err, &te) || te.Attempts != tt.wantTries {
					t.Fatalf("err = %v, want *TransportError after %d attempts", err, tt.wantTries)
				}
			case tt.wantStatus == 200:
				if err != nil {
					t.Fatalf("Do: %v", err)
				}
				resp.Body.Close()
			default:
				var ae *APIError
				if !errors.As(err, &ae) || ae.StatusCode != tt.wantStatus || ae.Attempts != tt.wantTries || ae.Method != "POST" {
					t.Fatalf("err = %v, want *APIError %d after %d attempts", err, tt.wantStatus, tt.wantTries)
				}
				if want := "test: POST " + srv.URL + "/api/x: HTTP "; !strings.HasPrefix(err.Error(), want) {
					t.Errorf("error %q does not start with %q", err, want)
				}
			}
			if err != nil && strings.Contains(err.Error(), "SECRET") {
				t.Fatalf("error leaks the query string: %v", err)
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

// TestErrorBody checks the shared failure keeps a bounded, one-line text
// of a body that is not the service's error document, and that NewError
// can turn it into the package's type.
func TestErrorBody(t *testing.T) {
	t.Parallel()
	page := "<html><head><title>Request Rejected</title></head><body>" + strings.Repeat("é oops ", 20000) + "</body></html>"
	srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("X-Req", "r-1")
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, page)
	})
	type wrapped struct{ *APIError }
	var got []byte
	c := newClient(t, srv, nil, func(cfg *Config) {
		cfg.RequestIDHeaders = []string{"X-Missing", "X-Req"}
		cfg.NewError = func(e *APIError, body []byte) error { got = body; return wrapped{e} }
	})
	req, _ := c.NewRequest(t.Context(), http.MethodGet, "x", nil)
	_, err := c.Do(req, Body{})
	var w wrapped
	if !errors.As(err, &w) {
		t.Fatalf("err = %T %v, want the package's type", err, err)
	}
	if !strings.HasPrefix(w.Message, "HTML page: Request Rejected — é oops") || len(w.Message) > 200 || w.RequestID != "r-1" {
		t.Errorf("APIError = %+v", w.APIError)
	}
	if len(got) != maxErrorBodySize {
		t.Errorf("NewError got %d bytes of the body, want the %d-byte bound", len(got), maxErrorBodySize)
	}
}

// TestRedirects: a write is never redirected, a GET only to its own
// scheme and host, and credentials never reach another host.
func TestRedirects(t *testing.T) {
	t.Parallel()
	var otherCalls atomic.Int32
	var otherHeaders sync.Map
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		otherCalls.Add(1)
		otherHeaders.Store(r.URL.Path, r.Header.Clone())
		io.WriteString(w, `[]`)
	}))
	t.Cleanup(other.Close)
	mux := http.NewServeMux()
	mux.HandleFunc("/api/write", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/elsewhere?sig=SECRET", http.StatusFound)
	})
	mux.HandleFunc("/api/write307", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/api/moved", http.StatusTemporaryRedirect)
	})
	mux.HandleFunc("/api/get-away", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/away", http.StatusFound)
	})
	mux.HandleFunc("/api/get-home", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/api/moved", http.StatusMovedPermanently)
	})
	var movedAuth atomic.Value
	mux.HandleFunc("/api/moved", func(w http.ResponseWriter, r *http.Request) {
		movedAuth.Store(r.Header.Get("Authorization"))
		io.WriteString(w, "home")
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	c := newClient(t, srv, nil)

	tests := []struct {
		name, method, ref string
		wantStatus        int // 0: followed
		wantMsg           string
	}{
		{"POST 302 to another host", http.MethodPost, "write", 302, "redirect to " + other.URL + "/elsewhere refused: a POST is never redirected"},
		{"PUT 302", http.MethodPut, "write", 302, "a PUT is never redirected"},
		{"DELETE 307 to the same host", http.MethodDelete, "write307", 307, "/api/moved refused: a DELETE is never redirected"},
		{"PATCH 307", http.MethodPatch, "write307", 307, "a PATCH is never redirected"},
		{"GET to another host", http.MethodGet, "get-away", 302, "redirect to " + other.URL + "/away refused: a redirect to another scheme or host is not followed"},
		{"GET to the same host", http.MethodGet, "get-home", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := c.NewRequest(t.Context(), tt.method, tt.ref, nil)
			req.SetBasicAuth("key", "SECRET-PW")
			req.Header.Set("X-App-Token", "SECRET-TOKEN")
			data, _, err := c.Fetch(req, Bytes([]byte(`[{"a":1}]`)))
			if tt.wantStatus == 0 {
				if err != nil || string(data) != "home" {
					t.Fatalf("Fetch = %q, %v; want the redirect followed", data, err)
				}
				if got, _ := movedAuth.Load().(string); got == "" {
					t.Errorf("credentials dropped on a same-host redirect")
				}
				return
			}
			var ae *APIError
			if !errors.As(err, &ae) || ae.StatusCode != tt.wantStatus || !strings.Contains(ae.Message, tt.wantMsg) {
				t.Fatalf("err = %v, want HTTP %d naming the Location (%q)", err, tt.wantStatus, tt.wantMsg)
			}
			if strings.Contains(err.Error(), "SECRET") {
				t.Errorf("error leaks a secret: %v", err)
			}
		})
	}
	if n := otherCalls.Load(); n != 0 {
		t.Errorf("the other host got %d requests", n)
	}
}

// TestContentLength: a body of known size goes with Content-Length on
// every attempt (a server refusing chunked bodies with 411 accepts it); a
// streamed one goes chunked.
func TestContentLength(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		body func() Body
		want []string // Content-Length seen per attempt ("" = chunked)
	}{
		{name: "bytes", body: func() Body { return Bytes([]byte(`["row"]`)) }, want: []string{"7", "7"}},
		{name: "json", body: func() Body { b, _ := JSON(map[string]int{"a": 1}); return b }, want: []string{"7", "7"}},
		{name: "sized", body: func() Body {
			return Sized(3, func() (io.Reader, error) { return strings.NewReader("abc"), nil })
		}, want: []string{"3", "3"}},
		{name: "stream", body: func() Body {
			return Stream(func() (io.Reader, error) { return strings.NewReader("abc"), nil })
		}, want: []string{""}}, // 411 is not retried
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
				switch {
				case len(r.TransferEncoding) > 0:
					w.WriteHeader(http.StatusLengthRequired)
				case n == 1:
					w.WriteHeader(http.StatusServiceUnavailable)
				}
			}))
			t.Cleanup(srv.Close)
			c := newClient(t, srv, nil, func(cfg *Config) { cfg.RetryMax = 2 })
			req, _ := c.NewRequest(t.Context(), http.MethodPost, "x", nil)
			resp, err := c.Do(req, tt.body())
			if tt.want[0] == "" {
				var ae *APIError
				if !errors.As(err, &ae) || ae.StatusCode != http.StatusLengthRequired {
					t.Fatalf("err = %v, want the 411 of a chunked body", err)
				}
			} else if err != nil {
				t.Fatal(err)
			} else {
				resp.Body.Close()
			}
			if fmt.Sprint(seen) != fmt.Sprint(tt.want) {
				t.Fatalf("Content-Length per attempt %q, want %q", seen, tt.want)
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
		{name: "long wait is logged while it lasts", retryAfter: "2", wantWait: `msg="still waiting to retry test"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, rec := serve(t, status(429, "Retry-After", tt.retryAfter), status(200))
			logs := &logSink{}
			c := newClient(t, srv, logs, func(cfg *Config) { cfg.MaxRetryAfter, cfg.WaitLog = tt.maxAfter, 500*time.Millisecond })
			req, _ := c.NewRequest(t.Context(), http.MethodGet, "x", nil)
			resp, err := c.Do(req, Body{})
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

// TestStreamedBodyResentPerAttempt checks a Stream body is opened for every
// attempt, so it is produced again rather than buffered.
func TestStreamedBodyResentPerAttempt(t *testing.T) {
	t.Parallel()
	srv, rec := serve(t, status(503), status(200))
	var produced atomic.Int32
	body := Stream(func() (io.Reader, error) {
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
	})
	c := newClient(t, srv, nil)
	req, _ := c.NewRequest(t.Context(), http.MethodPut, "x", nil)
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
	c := newClient(t, srv, nil, func(cfg *Config) { cfg.RetryMax, cfg.RetryWaitMin, cfg.RetryWaitMax = 10, time.Hour, time.Hour })
	ctx, cancel := contextWithCancel(t)
	req, _ := c.NewRequest(ctx, http.MethodGet, "x", nil)
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	_, err := c.Do(req, Body{})
	var te *TransportError
	if !errors.Is(err, contextCanceled) || !errors.As(err, &te) {
		t.Fatalf("err = %v, want a *TransportError wrapping context.Canceled", err)
	}
}

// TestFetchRefetchesBrokenGET: a GET whose body breaks off is fetched
// again; a write's is not (its outcome is unknown).
func TestFetchRefetchesBrokenGET(t *testing.T) {
	t.Parallel()
	cut := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		w.WriteHeader(200)
		io.WriteString(w, `{"partial":`)
	}
	whole := func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"ok":true}`) }
	for _, tt := range []struct {
		method    string
		wantCalls int32
		wantErr   bool
	}{{http.MethodGet, 2, false}, {http.MethodPost, 1, true}} {
		t.Run(tt.method, func(t *testing.T) {
			t.Parallel()
			srv, rec := serve(t, cut, whole)
			c := newClient(t, srv, nil)
			req, _ := c.NewRequest(t.Context(), tt.method, "x", nil)
			data, _, err := c.Fetch(req, Body{})
			var re *ResponseError
			if tt.wantErr != (err != nil) || (tt.wantErr && !errors.As(err, &re)) || (!tt.wantErr && string(data) != `{"ok":true}`) {
				t.Fatalf("Fetch = %q, %v", data, err)
			}
			if n := rec.calls.Load(); n != tt.wantCalls {
				t.Errorf("%d calls, want %d", n, tt.wantCalls)
			}
		})
	}
}

// TestMaxBody: a 2xx body larger than MaxBody is an error, not read whole.
func TestMaxBody(t *testing.T) {
	t.Parallel()
	srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, strings.Repeat("x", 1000)) })
	c := newClient(t, srv, nil, func(cfg *Config) { cfg.MaxBody = 999 })
	req, _ := c.NewRequest(t.Context(), http.MethodGet, "x", nil)
	_, _, err := c.Fetch(req, Body{})
	var re *ResponseError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "larger than 999 bytes") {
		t.Fatalf("err = %v, want the body refused", err)
	}
	c = newClient(t, srv, nil, func(cfg *Config) { cfg.MaxBody = 1000 })
	if data, _, err := c.Fetch(req, Body{}); err != nil || len(data) != 1000 {
		t.Fatalf("Fetch = %d bytes, %v", len(data), err)
	}
}

// TestSentFlag: a request dropped after it was sent is marked Sent (a
// write may have been applied); one refused before it went out is not.
func TestSentFlag(t *testing.T) {
	t.Parallel()
	srv, _ := serve(t, drop)
	c := newClient(t, srv, nil, func(cfg *Config) { cfg.RetryMax = -1 })
	req, _ := c.NewRequest(t.Context(), http.MethodPost, "x", nil)
	_, err := c.Do(req, Bytes([]byte(`[1]`)))
	var te *TransportError
	if !errors.As(err, &te) || !te.Sent || !strings.Contains(err.Error(), "it may have been applied") {
		t.Fatalf("err = %v, want Sent", err)
	}

	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close() // nothing listens there any more
	c = newClient(t, closed, nil, func(cfg *Config) { cfg.RetryMax = -1 })
	req, _ = c.NewRequest(t.Context(), http.MethodPost, "x", nil)
	_, err = c.Do(req, Bytes([]byte(`[1]`)))
	if !errors.As(err, &te) || te.Sent {
		t.Fatalf("err = %v, want not Sent", err)
	}
}

// TestStalls: an attempt on which nothing happens for Timeout is cut (and
// retried), whether it waits for the answer or for the next bytes of a
// body; a body that keeps arriving slowly is not cut; a waiting attempt
// says what it waits for.
func TestStalls(t *testing.T) {
	t.Parallel()
	const timeout = 300 * time.Millisecond
	silent := func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
	stallBody := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		w.WriteHeader(200)
		io.WriteString(w, "[")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}
	slow := func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		for range 12 { // 12 × 50ms = 600ms in all, twice the timeout
			io.WriteString(w, "x")
			w.(http.Flusher).Flush()
			time.Sleep(timeout / 6)
		}
	}
	t.Run("no answer", func(t *testing.T) {
		t.Parallel()
		srv, rec := serve(t, silent)
		logs := &logSink{}
		c := newClient(t, srv, logs, func(cfg *Config) { cfg.Timeout, cfg.RetryMax, cfg.WaitLog = timeout, 1, 40*time.Millisecond })
		req, _ := c.NewRequest(t.Context(), http.MethodGet, "x", nil)
		start := time.Now()
		_, err := c.Do(req, Body{})
		var stall *StallError
		var te *TransportError
		if !errors.As(err, &te) || !errors.As(err, &stall) || stall.Phase != "waiting for the answer" || te.Attempts != 2 {
			t.Fatalf("err = %v, want a stall while waiting for the answer, on 2 attempts", err)
		}
		if d := time.Since(start); d > 20*timeout {
			t.Errorf("took %s", d)
		}
		if rec.calls.Load() != 2 {
			t.Errorf("%d calls, want 2", rec.calls.Load())
		}
		if !strings.Contains(logs.String(), `msg="still waiting for test"`) || !strings.Contains(logs.String(), `phase="waiting for the answer"`) {
			t.Errorf("wait not logged:\n%s", logs)
		}
	})
	t.Run("stalled body", func(t *testing.T) {
		t.Parallel()
		srv, rec := serve(t, stallBody)
		c := newClient(t, srv, nil, func(cfg *Config) { cfg.Timeout, cfg.RetryMax = timeout, 1 })
		req, _ := c.NewRequest(t.Context(), http.MethodGet, "x", nil)
		_, _, err := c.Fetch(req, Body{})
		var stall *StallError
		if !errors.As(err, &stall) || stall.Phase != "reading the answer" {
			t.Fatalf("err = %v, want a stall while reading the answer", err)
		}
		if rec.calls.Load() != 2 { // fetched again once
			t.Errorf("%d calls, want 2", rec.calls.Load())
		}
	})
	t.Run("reads have their own bound", func(t *testing.T) {
		t.Parallel()
		// A silent server: a GET is cut at ReadTimeout, a POST only at
		// Timeout (writes may take long to answer; reads do not).
		srv, _ := serve(t, silent)
		c := newClient(t, srv, nil, func(cfg *Config) { cfg.Timeout, cfg.ReadTimeout, cfg.RetryMax = 8*timeout, timeout, -1 })
		for _, tc := range []struct {
			method string
			want   time.Duration
		}{{http.MethodGet, timeout}, {http.MethodPost, 8 * timeout}} {
			req, _ := c.NewRequest(t.Context(), tc.method, "x", nil)
			var body Body
			if tc.method == http.MethodPost {
				body = Bytes([]byte(`[]`))
			}
			_, err := c.Do(req, body)
			var stall *StallError
			if !errors.As(err, &stall) || stall.After != tc.want {
				t.Errorf("%s: err = %v, want a stall after %s", tc.method, err, tc.want)
			}
		}
	})
	t.Run("slow body is not cut", func(t *testing.T) {
		t.Parallel()
		srv, _ := serve(t, slow)
		c := newClient(t, srv, nil, func(cfg *Config) { cfg.Timeout, cfg.RetryMax = timeout, -1 })
		req, _ := c.NewRequest(t.Context(), http.MethodGet, "x", nil)
		data, _, err := c.Fetch(req, Body{})
		if err != nil || string(data) != "xxxxxxxxxxxx" {
			t.Fatalf("Fetch = %q, %v", data, err)
		}
	})
}

func TestSanitizeURL(t *testing.T) {
	t.Parallel()
	u, _ := url.Parse("https://key:secret@host.example/resource/abcd-1234.json?$$app_token=tok#frag")
	if got, want := SanitizeURL(u), "https://host.example/resource/abcd-1234.json"; got != want {
		t.Fatalf("SanitizeURL = %q, want %q", got, want)
	}
}
