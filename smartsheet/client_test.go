package smartsheet

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	testToken  = "s3cr3t-test-token-XYZ"
	apiPrefix  = "/api/smartsheet/2.0"
	testSheet  = int64(4477152411314052)
	bigColumn  = int64(9007199254740993) // above 2^53
	sheetPath  = apiPrefix + "/sheets/4477152411314052"
	retryTries = 3
)

// setup starts a test server with the API mounted under apiPrefix and a
// client pointed at it (millisecond retry waits, 2 retries). Handlers
// registered on mux outside apiPrefix are never reached by the client.
func setup(t *testing.T) (*Client, *http.ServeMux, *bytes.Buffer) {
	t.Helper()
	mux := http.NewServeMux()
	api := http.NewServeMux()
	mux.Handle(apiPrefix+"/", api)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request outside the API prefix: %s %s", r.Method, r.URL.Path)
		http.Error(w, "wrong path", http.StatusTeapot)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	var logs bytes.Buffer
	c, err := New(Config{
		Token:        testToken,
		BaseURL:      srv.URL + apiPrefix,
		RetryMax:     retryTries - 1,
		RetryWaitMin: time.Millisecond,
		RetryWaitMax: 5 * time.Millisecond,
		Logger:       slog.New(slog.NewTextHandler(&lockedWriter{w: &logs}, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatal(err)
	}
	return c, mux, &logs
}

type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func mustRead(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// scenario returns the recorded response body of a named mock-server
// scenario from the smartsheet-sdk-tests fixtures.
func scenario(tb testing.TB, file, name string) (int, []byte) {
	tb.Helper()
	var all []struct {
		Scenario string `json:"scenario"`
		Response struct {
			Status   int             `json:"status"`
			JSONBody json.RawMessage `json:"jsonBody"`
		} `json:"response"`
	}
	if err := json.Unmarshal(mustRead(tb, filepath.Join("smartsheet-sdk-tests", file)), &all); err != nil {
		tb.Fatal(err)
	}
	for _, s := range all {
		if s.Scenario == name {
			status := s.Response.Status
			if status == 0 {
				status = 200
			}
			return status, s.Response.JSONBody
		}
	}
	tb.Fatalf("no scenario %q in %s", name, file)
	return 0, nil
}

func testMethod(t *testing.T, r *http.Request, want string) {
	t.Helper()
	if r.Method != want {
		t.Errorf("method = %s, want %s", r.Method, want)
	}
}

func testHeader(t *testing.T, r *http.Request, name, want string) {
	t.Helper()
	if got := r.Header.Get(name); got != want {
		t.Errorf("header %s = %q, want %q", name, got, want)
	}
}

// respond writes status, content type and body.
func respond(w http.ResponseWriter, status int, ctype string, body []byte) {
	w.Header().Set("Content-Type", ctype)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// hangUp hijacks the connection and closes it without an answer.
func hangUp(t *testing.T, w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		t.Fatal("response writer cannot hijack")
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		t.Fatal(err)
	}
	_ = conn.Close()
}

// truncate announces len(body) bytes, sends half and hangs up.
func truncate(t *testing.T, w http.ResponseWriter, ctype string, body []byte) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		t.Fatal("response writer cannot hijack")
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n", ctype, len(body))
	_, _ = buf.Write(body[:len(body)/2])
	_ = buf.Flush()
	_ = conn.Close()
}

func TestNewValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
		want error
	}{
		{"no token", Config{}, ErrMissingToken},
		{"blank token", Config{Token: "  "}, ErrMissingToken},
		{"relative base", Config{Token: "x", BaseURL: "api.smartsheet.com/2.0"}, nil},
		{"ftp base", Config{Token: "x", BaseURL: "ftp://api.smartsheet.com/2.0"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := New(tt.cfg)
			if err == nil || c != nil {
				t.Fatalf("New(%v) = %v, %v; want error", tt.cfg, c, err)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
			if strings.Contains(err.Error(), "x\"") {
				t.Errorf("error %q may contain the token", err)
			}
		})
	}
	c, err := New(Config{Token: "x"})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := c.newRequest(t.Context(), "sheets/1", nil, "application/json")
	if got := req.URL.String(); got != DefaultBaseURL+"/sheets/1" {
		t.Errorf("default base = %q, want %q", got, DefaultBaseURL+"/")
	}
}

func TestConfigRedactsToken(t *testing.T) {
	t.Parallel()
	cfg := Config{Token: testToken, BaseURL: "https://api.smartsheet.eu/2.0"}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "cfg", cfg)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("config", "cfg", cfg)
	outputs := map[string]string{
		"%v":  fmt.Sprintf("%v", cfg),
		"%+v": fmt.Sprintf("%+v", cfg),
		"%#v": fmt.Sprintf("%#v", cfg),
		//lint:ignore S1025 the %s verb itself is what is tested
		"%s":   fmt.Sprintf("%s", cfg),
		"&%v":  fmt.Sprintf("%v", &cfg),
		"slog": logs.String(),
	}
	for verb, out := range outputs {
		if strings.Contains(out, testToken) {
			t.Errorf("%s prints the token: %s", verb, out)
		}
		if !strings.Contains(out, "REDACTED") {
			t.Errorf("%s does not say REDACTED: %s", verb, out)
		}
	}
	if !strings.Contains(outputs["slog"], "api.smartsheet.eu") {
		t.Errorf("slog output lost the base URL: %s", outputs["slog"])
	}
}

func TestRetryableErrorCodeKeepsBody(t *testing.T) {
	t.Parallel()
	body := mustRead(t, "error_500_4004.json")
	tests := []struct {
		name   string
		status int
		body   string
		want   bool
	}{
		{"4004 on 400", 400, string(body), true},
		{"4001 on 403", 403, `{"errorCode":4001,"message":"maintenance"}`, true},
		{"4004 on 501", 501, `{"errorCode":4004,"message":"An unexpected error has occurred. Please retry your request."}`, true},
		{"4000 on 501", 501, `{"errorCode":4000,"message":"An unexpected error has occurred."}`, false},
		{"1006 on 404", 404, string(mustRead(t, "error_404_1006.json")), false},
		{"html on 400", 400, "<html>bad</html>", false},
		{"200 never", 200, `{"errorCode":4004}`, false},
		{"big body", 400, `{"errorCode":4002,"message":"` + strings.Repeat("x", maxErrorBodySize) + `"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			rec.WriteHeader(tt.status)
			rec.Body.WriteString(tt.body)
			resp := rec.Result()
			if got := retryableErrorCode(resp); got != tt.want {
				t.Errorf("retryable = %v, want %v", got, tt.want)
			}
			var rest bytes.Buffer
			_, _ = rest.ReadFrom(resp.Body)
			if rest.String() != tt.body {
				t.Errorf("body after peek has %d bytes, want the %d original bytes", rest.Len(), len(tt.body))
			}
		})
	}
}
