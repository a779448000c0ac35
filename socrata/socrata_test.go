package socrata

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden files")

// Recognisable secrets: no log line, error string or golden may contain them.
const (
	testToken  = "tok-SECRET-4pp70k3n"
	testKeyID  = "kid-7e57"
	testSecret = "sec-SECRET-k3y53cr37"
	apiPrefix  = "/soda-prefix"
)

// step is one scripted response.
type step struct {
	status   int
	header   map[string]string
	file     string // fixture under testdata/
	body     string
	drop     bool // hijack and close without answering
	truncate bool // declare a longer Content-Length than the body
	wait     chan struct{}
}

// recorded is one request received by the fake API.
type recorded struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Body   []byte
}

// fakeAPI answers scripted steps in order, then def.
type fakeAPI struct {
	t     testing.TB
	mu    sync.Mutex
	steps []step
	def   step
	reqs  []recorded
	// onBody, when set, receives the request body reader instead of it being
	// read up front (for streaming tests).
	onBody func(r io.Reader) ([]byte, error)
}

func (f *fakeAPI) script(steps ...step) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.steps = append(f.steps, steps...)
}

func (f *fakeAPI) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.reqs...)
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	onBody := f.onBody
	f.mu.Unlock()
	var body []byte
	var err error
	if onBody != nil {
		body, err = onBody(r.Body)
	} else {
		body, err = io.ReadAll(r.Body)
	}
	if err != nil {
		// The client aborted the body: nothing to answer.
		return
	}
	f.mu.Lock()
	f.reqs = append(f.reqs, recorded{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: body})
	s := f.def
	if len(f.steps) > 0 {
		s = f.steps[0]
		f.steps = f.steps[1:]
	}
	n := len(f.reqs)
	f.mu.Unlock()

	if s.wait != nil {
		<-s.wait
	}
	if s.drop {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			f.t.Errorf("hijack: %v", err)
			return
		}
		conn.Close()
		return
	}
	data := []byte(s.body)
	if s.file != "" {
		data = mustRead(f.t, s.file)
	}
	if s.file == "" && s.body == "" && (r.Method == http.MethodPost || r.Method == http.MethodPut) {
		// A write answered by default: the rows received, all created.
		var rows []json.RawMessage
		_ = json.Unmarshal(body, &rows)
		data = fmt.Appendf(nil, `{"Rows Created": %d, "Rows Updated": 0, "Rows Deleted": 0, "Errors": 0}`, len(rows))
	}
	w.Header().Set("X-Socrata-RequestId", fmt.Sprintf("req-%03d", n))
	ct := "application/json"
	if strings.HasSuffix(s.file, ".html") {
		ct = "text/html; charset=utf-8"
	}
	w.Header().Set("Content-Type", ct)
	for k, v := range s.header {
		w.Header().Set(k, v)
	}
	if s.truncate {
		w.Header().Set("Content-Length", strconv.Itoa(len(data)+100))
	}
	status := s.status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	w.Write(data)
}

func mustRead(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// syncBuffer is a concurrency-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// setup starts a fake API mounted under apiPrefix and a client pointed at
// it with millisecond retry waits. mod may adjust the config.
func setup(t *testing.T, mod ...func(*Config)) (*Client, *fakeAPI, *syncBuffer) {
	t.Helper()
	api := &fakeAPI{t: t}
	mux := http.NewServeMux()
	mux.Handle(apiPrefix+"/", http.StripPrefix(apiPrefix, api))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request outside the API prefix: %s %s", r.Method, r.URL.Path)
		http.Error(w, "outside prefix", http.StatusBadRequest)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	logs := &syncBuffer{}
	cfg := Config{
		Domain:       srv.URL + apiPrefix,
		AppToken:     testToken,
		KeyID:        testKeyID,
		KeySecret:    testSecret,
		HTTPClient:   srv.Client(),
		Logger:       slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		RetryMax:     3,
		RetryWaitMin: time.Millisecond,
		RetryWaitMax: 5 * time.Millisecond,
	}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { assertNoSecrets(t, "logs", logs.String()) })
	return c, api, logs
}

func assertNoSecrets(tb testing.TB, what, s string) {
	tb.Helper()
	for _, secret := range []string{testToken, testSecret} {
		if strings.Contains(s, secret) {
			tb.Errorf("%s contain a secret: %q", what, s)
		}
	}
}

func testMethod(t *testing.T, r recorded, want string) {
	t.Helper()
	if r.Method != want {
		t.Errorf("method = %s, want %s", r.Method, want)
	}
}

func testAuth(t *testing.T, r recorded) {
	t.Helper()
	if got := r.Header.Get("X-App-Token"); got != testToken {
		t.Errorf("X-App-Token = %q, want the configured token", got)
	}
	req := &http.Request{Header: r.Header}
	u, p, ok := req.BasicAuth()
	if !ok || u != testKeyID || p != testSecret {
		t.Errorf("Basic auth = %q/%v, want the configured key", u, ok)
	}
}

// golden compares got with testdata/name, rewriting it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs:\ngot:  %s\nwant: %s", name, got, want)
	}
	assertNoSecrets(t, name, string(got))
}
