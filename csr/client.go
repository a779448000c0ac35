package csr

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cityofaustin/atd-executive-dashboard/internal/errbody"
	"github.com/cityofaustin/atd-executive-dashboard/internal/httpretry"
)

// maxErrorBodySize bounds how much of an error response is read.
const maxErrorBodySize = 8 << 10

// Config configures a [Client]. The zero value of every optional field
// means its default.
type Config struct {
	// Endpoint is the report's URL (required; http or https). It may carry
	// credentials in its query string: they never reach a log line or an
	// error message.
	Endpoint string
	// HTTPClient performs single attempts (default: httpretry's pooled
	// client). Its Timeout, if any, bounds the whole download.
	HTTPClient *http.Client
	// Logger receives retry warnings and a line per fetch (nil: discard).
	Logger *slog.Logger
	// RetryMax, RetryWaitMin and RetryWaitMax tune retries of connection
	// faults, 429 and 5xx before the response starts (defaults from
	// internal/httpretry: 4, 1s, 30s; RetryMax < 0 disables retries).
	RetryMax                   int
	RetryWaitMin, RetryWaitMax time.Duration
	// UserAgent is sent as User-Agent (default "atd-executive-dashboard-csr").
	UserAgent string
}

// String renders the configuration without the endpoint's query string or
// user info.
func (c Config) String() string {
	return fmt.Sprintf("csr.Config{Endpoint: %q, RetryMax: %d}", redactURL(c.Endpoint), c.RetryMax)
}

// LogValue renders the configuration for slog, redacted like String.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(slog.String("endpoint", redactURL(c.Endpoint)), slog.Int("retry_max", c.RetryMax))
}

func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<invalid URL>"
	}
	return httpretry.SanitizeURL(u)
}

// Client downloads a report from one endpoint. It is safe for concurrent
// use.
type Client struct {
	endpoint  *url.URL
	safeURL   string
	userAgent string
	http      *httpretry.Client
	logger    *slog.Logger
}

// New validates cfg and returns a Client. It returns an error when the
// endpoint is missing or not an absolute http(s) URL.
func New(cfg Config) (*Client, error) {
	if cfg.Endpoint == "" {
		return nil, errors.New("csr: Config.Endpoint is required")
	}
	u, err := url.Parse(cfg.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("csr: Config.Endpoint %q is not an http(s) URL", redactURL(cfg.Endpoint))
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	ua := cfg.UserAgent
	if ua == "" {
		ua = "atd-executive-dashboard-csr"
	}
	return &Client{
		endpoint:  u,
		safeURL:   httpretry.SanitizeURL(u),
		userAgent: ua,
		logger:    logger,
		http: httpretry.New(httpretry.Config{
			HTTPClient:   cfg.HTTPClient,
			RetryMax:     cfg.RetryMax,
			RetryWaitMin: cfg.RetryWaitMin,
			RetryWaitMax: cfg.RetryWaitMax,
			Logger:       logger,
		}),
	}, nil
}

// Fetch requests the report and returns its body as a stream; the caller
// must close it. Connection faults, 429 (honouring Retry-After) and 5xx are
// retried before the body starts; once it streams, a failure (a dropped
// connection, a body shorter than its Content-Length) surfaces from Read as
// an [*Error] with Op "read" that says how many bytes arrived.
//
// A non-2xx final status returns an [*APIError]; a connection that never
// answered returns an [*Error] with Op "fetch". Fetch does not look at the
// body: [NewReader] (or [Client.Open]) recognises what arrived.
func (c *Client) Fetch(ctx context.Context) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.endpoint.String(), nil)
	if err != nil {
		return nil, &Error{Op: "fetch", URL: c.safeURL, Err: err}
	}
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("Accept", "*/*")
	started := time.Now()
	resp, err := c.http.Do(req, nil)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, &Error{Op: "fetch", URL: c.safeURL, Err: ctxErr}
		}
		return nil, &Error{Op: "fetch", URL: c.safeURL, Err: err}
	}
	if err := c.checkResponse(resp); err != nil {
		return nil, err
	}
	c.logger.InfoContext(ctx, "report response", "url", c.safeURL, "status", resp.StatusCode,
		"content_type", resp.Header.Get("Content-Type"), "content_length", resp.ContentLength,
		"attempts", httpretry.Attempts(resp), "wait", time.Since(started).Round(time.Millisecond))
	return &body{rc: resp.Body, url: c.safeURL, declared: resp.ContentLength >= 0}, nil
}

// Open fetches the report and returns a [Reader] over it (see [NewReader]
// for the checks). Closing the Reader closes the response body.
func (c *Client) Open(ctx context.Context) (*Reader, error) {
	rc, err := c.Fetch(ctx)
	if err != nil {
		return nil, err
	}
	b, _ := rc.(*body)
	rd, err := newReader(rc, b == nil || !b.declared)
	if err != nil {
		rc.Close()
		return nil, err
	}
	rd.closer = rc
	return rd, nil
}

// checkResponse turns a non-2xx response into an *APIError, reading at most
// maxErrorBodySize bytes of its body, and closes the body.
func (c *Client) checkResponse(resp *http.Response) error {
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	defer resp.Body.Close()
	prefix, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBodySize))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return &APIError{
		StatusCode: resp.StatusCode,
		Status:     resp.Status,
		Message:    summarizeBody(prefix),
		RequestID:  firstHeader(resp.Header, "X-Request-Id", "X-Amzn-Requestid", "X-Ms-Request-Id", "Request-Id"),
		Attempts:   httpretry.Attempts(resp),
		Method:     resp.Request.Method,
		URL:        c.safeURL,
	}
}

func firstHeader(h http.Header, names ...string) string {
	for _, n := range names {
		if v := h.Get(n); v != "" {
			return errbody.Truncate(v, 100)
		}
	}
	return ""
}

// summarizeBody describes an error body in one bounded line: an HTML
// page's title, or the first bytes of text.
func summarizeBody(p []byte) string {
	if len(p) == 0 {
		return ""
	}
	if ferr := sniffHTML(string(p)); ferr != nil {
		return ferr.Got
	}
	if bytesHasUTF16BOM(p) {
		if ferr := sniffHTML(decodeUTF16Prefix(p[2:], p[0] == 0xFE)); ferr != nil {
			return ferr.Got
		}
	}
	return fmt.Sprintf("%q", shown(strings.TrimSpace(string(p))))
}

func bytesHasUTF16BOM(p []byte) bool {
	return len(p) >= 2 && ((p[0] == 0xFF && p[1] == 0xFE) || (p[0] == 0xFE && p[1] == 0xFF))
}

// body wraps a streaming response body so a read failure says what and how
// much arrived.
type body struct {
	rc       io.ReadCloser
	url      string
	n        int64
	err      error
	declared bool // the response declared its length (net/http checks it)
}

func (b *body) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	n, err := b.rc.Read(p)
	b.n += int64(n)
	if err != nil && !errors.Is(err, io.EOF) {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			err = fmt.Errorf("body truncated after %d bytes: %w", b.n, err)
		} else {
			err = fmt.Errorf("after %d bytes: %w", b.n, err)
		}
		b.err = &Error{Op: "read", URL: b.url, Err: err}
		return n, b.err
	}
	return n, err
}

// Close closes the response body without draining it: a drain would
// block on a stalled stream.
func (b *body) Close() error {
	return b.rc.Close()
}
