package csr

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/cityofaustin/atd-executive-dashboard/internal/httpapi"
)

// DefaultTimeout bounds each wait of a request attempt (connecting,
// waiting for the answer, each gap while the report streams) when
// Config.Timeout is zero.
const DefaultTimeout = 2 * time.Minute

// APIError is returned by [Client.Fetch] when the endpoint answers with a
// non-2xx status (after retries, for 429 and 5xx): the shared failure of
// every client here, printed the same way. Message summarises the body (an
// HTML page's title, or the first bytes of a text body, bounded and on one
// line); RequestID is an X-Request-Id or similar header.
type APIError struct {
	httpapi.APIError
}

// TransportError is a request that got no answer (connection faults or
// stalls on every attempt, or the context ended).
type TransportError = httpapi.TransportError

// Config configures a [Client]. The zero value of every optional field
// means its default.
type Config struct {
	// Endpoint is the report's URL (required; http or https). It may carry
	// credentials in its query string: they never reach a log line or an
	// error message.
	Endpoint string
	// Timeout bounds every wait of each attempt: connecting, waiting for
	// the answer and each gap while the report streams; a report that
	// keeps arriving is not cut (default 2 minutes).
	Timeout time.Duration
	// Logger receives retry warnings and a line per fetch (nil: discard).
	Logger *slog.Logger
	// RetryMax, RetryWaitMin and RetryWaitMax tune retries of connection
	// faults, 429 and 5xx before the response starts (defaults 4, 1s,
	// 30s; RetryMax < 0 disables retries).
	RetryMax                   int
	RetryWaitMin, RetryWaitMax time.Duration
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
	return httpapi.SanitizeURL(u)
}

// Client downloads a report from one endpoint. It is safe for concurrent
// use.
type Client struct {
	endpoint *url.URL
	safeURL  string
	http     *httpapi.Client
	logger   *slog.Logger
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
	logger := cmp.Or(cfg.Logger, slog.New(slog.DiscardHandler))
	return &Client{
		endpoint: u,
		safeURL:  httpapi.SanitizeURL(u),
		logger:   logger,
		http: httpapi.New(httpapi.Config{
			System:           "csr",
			BaseURL:          u,
			Timeout:          cmp.Or(cfg.Timeout, DefaultTimeout),
			RetryMax:         cfg.RetryMax,
			RetryWaitMin:     cfg.RetryWaitMin,
			RetryWaitMax:     cfg.RetryWaitMax,
			RequestIDHeaders: []string{"X-Request-Id", "X-Amzn-Requestid", "X-Ms-Request-Id", "Request-Id"},
			NewError: func(e *httpapi.APIError, body []byte) error {
				if s := htmlSummary(body); s != "" {
					e.Message = s
				}
				return &APIError{APIError: *e}
			},
			Logger: logger,
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
// answered (or stalled past Config.Timeout on every attempt) returns a
// [*TransportError]. Fetch does not look at the
// body: [NewReader] (or [Client.Open]) recognises what arrived.
func (c *Client) Fetch(ctx context.Context) (io.ReadCloser, error) {
	req, err := c.http.NewRequest(ctx, http.MethodGet, c.endpoint.String(), nil)
	if err != nil {
		return nil, &Error{Op: "fetch", URL: c.safeURL, Err: err}
	}
	req.Header.Set("User-Agent", "atd-executive-dashboard-csr")
	req.Header.Set("Accept", "*/*")
	started := time.Now()
	resp, err := c.http.Do(req, httpapi.Body{})
	if err != nil {
		return nil, err
	}
	c.logger.InfoContext(ctx, "report response", "url", c.safeURL, "status", resp.StatusCode,
		"content_type", resp.Header.Get("Content-Type"), "content_length", resp.ContentLength,
		"wait", time.Since(started).Round(time.Millisecond))
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

// htmlSummary names an HTML error page by its title, also a UTF-16 one
// (the report's encoding); "" for any other body, which the pipeline keeps
// as bounded text.
func htmlSummary(p []byte) string {
	text := string(p)
	if len(p) >= 2 && (p[0] == 0xFF && p[1] == 0xFE || p[0] == 0xFE && p[1] == 0xFF) {
		text = decodeUTF16Prefix(p[2:], p[0] == 0xFE)
	}
	if ferr := sniffHTML(text); ferr != nil {
		return ferr.Got
	}
	return ""
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
