package httpretry

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// AttemptsHeader is the response header in which [Client.Do] records how many
// attempts a request took when it gave up on a retryable status. It is set on
// the response handed back to the caller only; it never goes on the wire.
const AttemptsHeader = "X-Httpretry-Attempts"

// Defaults applied by [New] to zero fields of [Config].
const (
	DefaultRetryMax              = 4
	DefaultRetryWaitMin          = 1 * time.Second
	DefaultRetryWaitMax          = 30 * time.Second
	DefaultMaxRetryAfter         = 5 * time.Minute
	DefaultResponseHeaderTimeout = 10 * time.Minute
)

// Config configures a [Client]. The zero value of every field means its
// default.
type Config struct {
	// HTTPClient is the client that performs single attempts. When nil, a
	// pooled client is built whose transport waits at most
	// ResponseHeaderTimeout for response headers (bodies may stream for as
	// long as the request context allows).
	HTTPClient *http.Client
	// Wrap, when set, wraps the inner client's transport (it receives that
	// transport as its base). Use it for authentication layers such as
	// oauth2.Transport, so every retry is authenticated again.
	Wrap func(base http.RoundTripper) http.RoundTripper

	// RetryMax is the number of retries after the first attempt
	// (default 4). Use a negative value for no retries.
	RetryMax int
	// RetryWaitMin and RetryWaitMax bound the exponential backoff
	// (defaults 1s and 30s).
	RetryWaitMin, RetryWaitMax time.Duration
	// MaxRetryAfter caps a server's Retry-After (default 5 minutes).
	MaxRetryAfter time.Duration
	// ResponseHeaderTimeout bounds the wait for response headers on the
	// default transport (default 10 minutes: large Socrata upserts answer
	// only when they are done).
	ResponseHeaderTimeout time.Duration

	// Retryable, when set, is consulted after the default policy for
	// responses the default would not retry (for example a 200 whose body
	// says "rate limited"). It must not consume the body.
	Retryable func(resp *http.Response) bool

	// Logger receives retry warnings. Nil discards them.
	Logger *slog.Logger
}

// Client sends HTTP requests with retries. It is safe for concurrent use.
type Client struct {
	rc     *retryablehttp.Client
	logger *slog.Logger
}

// New builds a Client from cfg, filling in defaults.
func New(cfg Config) *Client {
	if cfg.RetryMax == 0 {
		cfg.RetryMax = DefaultRetryMax
	}
	if cfg.RetryMax < 0 {
		cfg.RetryMax = 0
	}
	if cfg.RetryWaitMin <= 0 {
		cfg.RetryWaitMin = DefaultRetryWaitMin
	}
	if cfg.RetryWaitMax <= 0 {
		cfg.RetryWaitMax = DefaultRetryWaitMax
	}
	if cfg.RetryWaitMax < cfg.RetryWaitMin {
		cfg.RetryWaitMax = cfg.RetryWaitMin
	}
	if cfg.MaxRetryAfter <= 0 {
		cfg.MaxRetryAfter = DefaultMaxRetryAfter
	}
	if cfg.ResponseHeaderTimeout <= 0 {
		cfg.ResponseHeaderTimeout = DefaultResponseHeaderTimeout
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}

	inner := cfg.HTTPClient
	if inner == nil {
		inner = &http.Client{Transport: defaultTransport(cfg.ResponseHeaderTimeout)}
	}
	if cfg.Wrap != nil {
		base := inner.Transport
		if base == nil {
			base = http.DefaultTransport
		}
		copied := *inner
		copied.Transport = cfg.Wrap(base)
		inner = &copied
	}

	c := &Client{logger: logger}
	rc := &retryablehttp.Client{
		HTTPClient:   inner,
		Logger:       nil, // retries are logged by backoff below, once, sanitized
		RetryWaitMin: cfg.RetryWaitMin,
		RetryWaitMax: cfg.RetryWaitMax,
		RetryMax:     cfg.RetryMax,
		ErrorHandler: errorHandler,
	}
	rc.CheckRetry = func(ctx context.Context, resp *http.Response, err error) (bool, error) {
		retry, cerr := retryablehttp.DefaultRetryPolicy(ctx, resp, err)
		if !retry && cerr == nil && err == nil && resp != nil && cfg.Retryable != nil {
			retry = cfg.Retryable(resp)
		}
		return retry, cerr
	}
	rc.Backoff = func(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
		wait := retryablehttp.DefaultBackoff(minWait, maxWait, attempt, resp)
		if resp != nil && resp.Header.Get("Retry-After") != "" {
			wait = min(wait, cfg.MaxRetryAfter)
		}
		args := []any{slog.Int("attempt", attempt+1), slog.Duration("wait", wait)}
		if resp != nil {
			args = append(args, slog.String("method", resp.Request.Method),
				slog.String("url", SanitizeURL(resp.Request.URL)), slog.Int("status", resp.StatusCode))
		}
		c.logger.Warn("http request failed, retrying", args...)
		return wait
	}
	// Connection faults arrive without a response; log them from CheckRetry's
	// perspective through a request hook so the URL is known.
	rc.RequestLogHook = func(_ retryablehttp.Logger, req *http.Request, attempt int) {
		if attempt > 0 {
			c.logger.Debug("http retry attempt", "method", req.Method, "url", SanitizeURL(req.URL), "attempt", attempt+1)
		}
	}
	c.rc = rc
	return c
}

func defaultTransport(headerTimeout time.Duration) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.ResponseHeaderTimeout = headerTimeout
	t.MaxIdleConnsPerHost = 16
	t.DialContext = (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	return t
}

// errorHandler runs when retries are exhausted or a non-retryable transport
// error occurred. A final response is passed through (annotated with the
// attempt count) so the caller can build a typed API error from its body.
func errorHandler(resp *http.Response, err error, attempts int) (*http.Response, error) {
	if resp != nil {
		resp.Header.Set(AttemptsHeader, strconv.Itoa(attempts))
		return resp, nil
	}
	return nil, &Error{Attempts: attempts, Err: err}
}

// BodyFunc returns a fresh request body. It is called once per attempt.
// Returning a nil reader sends no body.
type BodyFunc func() (io.Reader, error)

// Bytes returns a BodyFunc that sends b on every attempt.
func Bytes(b []byte) BodyFunc {
	return func() (io.Reader, error) { return bytes.NewReader(b), nil }
}

// Do sends req (whose Body must be nil) with body produced by body, retrying
// as configured. Set req.ContentLength when every attempt's body has that
// length; otherwise the body goes out chunked. On a retryable status that persists it returns the last
// response (see [Attempts]); on a transport failure after retries it returns
// an [*Error]. The caller must close the response body.
func (c *Client) Do(req *http.Request, body BodyFunc) (*http.Response, error) {
	var raw any
	if body != nil {
		// retryablehttp calls the function once when the request is built
		// (to probe for a length) and once per attempt; the lazy reader
		// starts a producer only when the transport actually reads.
		raw = retryablehttp.ReaderFunc(func() (io.Reader, error) { return &lazyReader{open: body}, nil })
	}
	rreq, err := retryablehttp.NewRequestWithContext(req.Context(), req.Method, req.URL.String(), raw)
	if err != nil {
		return nil, err
	}
	for k, v := range req.Header {
		rreq.Header[k] = v
	}
	if body != nil && req.ContentLength > 0 {
		// A caller that knows the body's length gets a Content-Length
		// header instead of chunked transfer encoding.
		rreq.ContentLength = req.ContentLength
	}
	if req.Host != "" {
		rreq.Host = req.Host
	}
	resp, err := c.rc.Do(rreq)
	if err != nil {
		var herr *Error
		if errors.As(err, &herr) {
			return nil, herr
		}
		if ctxErr := req.Context().Err(); ctxErr != nil {
			return nil, ctxErr
		}
		return nil, &Error{Attempts: 1, Err: err}
	}
	return resp, nil
}

// StandardClient returns an *http.Client that retries through c. Request
// bodies sent through it are buffered in memory so they can be re-sent; use
// [Client.Do] with a [BodyFunc] for large bodies.
func (c *Client) StandardClient() *http.Client {
	return c.rc.StandardClient()
}

// Attempts reports how many attempts produced resp: the value recorded when
// retries gave up on a retryable status, or 1.
func Attempts(resp *http.Response) int {
	if resp == nil {
		return 0
	}
	if n, err := strconv.Atoi(resp.Header.Get(AttemptsHeader)); err == nil && n > 0 {
		return n
	}
	return 1
}

// Error is returned when a request could not get any response: the
// connection failed on every attempt, or the failure was not retryable.
type Error struct {
	Attempts int
	Err      error
}

func (e *Error) Error() string {
	return fmt.Sprintf("no response after %d attempt(s): %v", e.Attempts, sanitizeErr(e.Err))
}

func (e *Error) Unwrap() error { return e.Err }

// SanitizeURL renders u without user info, query string or fragment, so it
// is safe for logs and error messages.
func SanitizeURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	c.User = nil
	c.RawQuery = ""
	c.ForceQuery = false
	c.Fragment = ""
	c.RawFragment = ""
	return c.String()
}

// sanitizeErr rewrites *url.Error values so they never print a query string
// or user info.
func sanitizeErr(err error) string {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		if u, perr := url.Parse(uerr.URL); perr == nil {
			return fmt.Sprintf("%s %q: %v", uerr.Op, SanitizeURL(u), uerr.Err)
		}
		return fmt.Sprintf("%s: %v", uerr.Op, uerr.Err)
	}
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// lazyReader calls open on its first Read, so building a request does not
// start producing its body.
type lazyReader struct {
	open BodyFunc
	r    io.Reader
	err  error
}

func (l *lazyReader) Read(p []byte) (int, error) {
	if l.r == nil && l.err == nil {
		l.r, l.err = l.open()
		if l.r == nil && l.err == nil {
			l.err = io.EOF
		}
	}
	if l.err != nil {
		return 0, l.err
	}
	return l.r.Read(p)
}

// Close closes the underlying reader if it was opened and is a Closer (an
// io.PipeReader: closing it stops the producer).
func (l *lazyReader) Close() error {
	if c, ok := l.r.(io.Closer); ok {
		return c.Close()
	}
	return nil
}
