package httpapi

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/cityofaustin/atd-executive-dashboard/internal/errbody"
)

// Defaults applied by [New] to zero fields of [Config].
const (
	DefaultRetryMax      = 4
	DefaultRetryWaitMin  = 1 * time.Second
	DefaultRetryWaitMax  = 30 * time.Second
	DefaultMaxRetryAfter = 5 * time.Minute
	DefaultTimeout       = 5 * time.Minute  // see Config.Timeout
	DefaultWaitLog       = 30 * time.Second // see Config.WaitLog
	DefaultMaxBody       = 256 << 20        // see Config.MaxBody
)

const (
	maxErrorBodySize = 64 << 10 // how much of an error response is read
	maxRedirects     = 10       // the longest chain of same-origin GET redirects
)

// Config configures a [Client]. The zero value of every field but System
// means its default.
type Config struct {
	// System names the service in errors and log lines ("socrata").
	System string
	// BaseURL is what [Client.NewRequest] resolves relative references
	// against ([ParseBase]).
	BaseURL *url.URL
	// HTTPClient performs single attempts (its transport and jar; the
	// redirect policy is the pipeline's). Nil means a pooled client.
	HTTPClient *http.Client
	// Timeout bounds every wait of each attempt: connecting, sending,
	// waiting for the response headers, and each gap between two reads of
	// the response body. A body that keeps arriving, however slowly, is
	// not cut. Default [DefaultTimeout].
	Timeout time.Duration
	// ReadTimeout, when set, is the Timeout of GET and HEAD attempts, for a
	// service whose writes may be slow to answer but whose reads are not
	// (Socrata). Default: Timeout.
	ReadTimeout time.Duration
	// WaitLog is how often an attempt still waiting logs what it waits
	// for (default 30s).
	WaitLog time.Duration
	// MaxBody bounds a body [Client.Fetch] reads whole (default 256 MiB).
	MaxBody int64
	// RetryMax is the number of retries after the first attempt (default
	// 4; negative: none). RetryWaitMin and RetryWaitMax bound the backoff
	// (defaults 1s and 30s).
	RetryMax                   int
	RetryWaitMin, RetryWaitMax time.Duration
	// MaxRetryAfter caps a server's Retry-After (default 5 minutes).
	MaxRetryAfter time.Duration
	// Retryable, when set, is consulted after the default policy for
	// responses the default would not retry (for example a 4xx whose body
	// says "rate limited"). It must leave the body readable.
	Retryable func(resp *http.Response) bool

	// RequestIDHeaders may carry the service's request id, in order of
	// preference.
	RequestIDHeaders []string
	// NewError, when set, turns the shared failure into the package's
	// error type, filling Code, Message and RequestID from the service's
	// error document in body (a bounded prefix; nil for a redirect).
	NewError func(e *APIError, body []byte) error
	// Logger receives retry warnings and wait notices. Nil discards them.
	Logger *slog.Logger
}

// Client is the request pipeline of one service: it builds requests
// against the base URL, sends them under the retry policy, and checks
// responses into the shared error types. It is safe for concurrent use.
type Client struct {
	system   string
	base     *url.URL
	rc       *retryablehttp.Client
	logger   *slog.Logger
	newError func(e *APIError, body []byte) error
	reqIDs   []string
	retryMax int
	waitMin  time.Duration
	maxBody  int64
}

// New builds a Client from cfg, filling in defaults.
func New(cfg Config) *Client {
	switch {
	case cfg.RetryMax == 0:
		cfg.RetryMax = DefaultRetryMax
	case cfg.RetryMax < 0:
		cfg.RetryMax = 0
	}
	cfg.RetryWaitMin = cmp.Or(max(cfg.RetryWaitMin, 0), DefaultRetryWaitMin)
	cfg.RetryWaitMax = max(cmp.Or(max(cfg.RetryWaitMax, 0), DefaultRetryWaitMax), cfg.RetryWaitMin)
	cfg.MaxRetryAfter = cmp.Or(max(cfg.MaxRetryAfter, 0), DefaultMaxRetryAfter)
	cfg.Timeout = cmp.Or(max(cfg.Timeout, 0), DefaultTimeout)
	cfg.WaitLog = cmp.Or(max(cfg.WaitLog, 0), DefaultWaitLog)
	logger := cmp.Or(cfg.Logger, slog.New(slog.DiscardHandler))
	base := cfg.BaseURL
	if base == nil {
		base = &url.URL{}
	}

	var inner http.Client
	if cfg.HTTPClient != nil {
		inner = *cfg.HTTPClient
	}
	rt := inner.Transport
	if rt == nil {
		rt = defaultTransport(cfg.Timeout)
	}
	inner.Transport = &watchTransport{base: rt, timeout: cfg.Timeout, readTimeout: cmp.Or(max(cfg.ReadTimeout, 0), cfg.Timeout),
		every: cfg.WaitLog, system: cfg.System, logger: logger}
	inner.CheckRedirect = checkRedirect

	c := &Client{system: cfg.System, base: base, logger: logger, newError: cfg.NewError,
		reqIDs: cfg.RequestIDHeaders, retryMax: cfg.RetryMax, waitMin: cfg.RetryWaitMin, maxBody: cmp.Or(max(cfg.MaxBody, 0), DefaultMaxBody)}
	rc := &retryablehttp.Client{
		HTTPClient:   &inner,
		RetryWaitMin: cfg.RetryWaitMin,
		RetryWaitMax: cfg.RetryWaitMax,
		RetryMax:     cfg.RetryMax,
		// The final response (or error) is handed back as it is, so it
		// becomes a typed error below.
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
	rc.CheckRetry = func(ctx context.Context, resp *http.Response, err error) (bool, error) {
		retry, cerr := retryablehttp.DefaultRetryPolicy(ctx, resp, err)
		if !retry && cerr == nil && err == nil && resp != nil && cfg.Retryable != nil {
			retry = cfg.Retryable(resp)
		}
		if st, ok := ctx.Value(attemptsKey{}).(*attempts); ok && retry && err != nil {
			c.logger.Warn("http request failed, retrying", "system", c.system, "method", st.method, "url", st.url,
				"attempt", st.n.Load(), "error", sanitizeErr(err))
		}
		return retry, cerr
	}
	rc.Backoff = func(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
		wait := retryablehttp.DefaultBackoff(minWait, maxWait, attempt, resp)
		if resp != nil && resp.Header.Get("Retry-After") != "" {
			wait = min(wait, cfg.MaxRetryAfter)
		}
		if resp == nil {
			return wait // a connection fault, logged by CheckRetry
		}
		args := []any{slog.String("system", c.system), slog.Int("attempt", attempt+1), slog.Duration("wait", wait),
			slog.String("method", resp.Request.Method), slog.String("url", SanitizeURL(resp.Request.URL)), slog.Int("status", resp.StatusCode)}
		c.logger.Warn("http request failed, retrying", args...)
		if wait > cfg.WaitLog {
			// A long Retry-After: say every WaitLog that the job still waits.
			ctx, until := resp.Request.Context(), time.Now().Add(wait)
			if st, ok := ctx.Value(attemptsKey{}).(*attempts); ok {
				ctx = st.ctx // the attempt's own context ended with its body
			}
			var tick func()
			tick = func() {
				if left := time.Until(until); ctx.Err() == nil && left > time.Second {
					c.logger.Info("still waiting to retry "+c.system, append(args, slog.Duration("left", left.Round(time.Second)))...)
					time.AfterFunc(min(cfg.WaitLog, left), tick)
				}
			}
			time.AfterFunc(cfg.WaitLog, tick)
		}
		return wait
	}
	c.rc = rc
	return c
}

func defaultTransport(timeout time.Duration) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 16
	t.DialContext = (&net.Dialer{Timeout: min(timeout, 30*time.Second), KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = min(timeout, 30*time.Second)
	return t
}

// checkRedirect is the redirect policy: a write is never redirected, and a
// GET (or HEAD) follows a redirect only to the scheme and host it was sent
// to, so credentials never reach another host. A redirect not followed is
// answered to the caller as the 3xx it is, which [Client.Do] turns into an
// error naming the Location.
func checkRedirect(req *http.Request, via []*http.Request) error {
	orig := via[0]
	if orig.Method != http.MethodGet && orig.Method != http.MethodHead {
		return http.ErrUseLastResponse
	}
	if req.URL.Scheme != orig.URL.Scheme || req.URL.Host != orig.URL.Host || len(via) >= maxRedirects {
		return http.ErrUseLastResponse
	}
	return nil
}

// NewRequest builds a request for ref, resolved against the base URL (an
// absolute ref is used as is). A non-nil query replaces ref's query.
func (c *Client) NewRequest(ctx context.Context, method, ref string, query url.Values) (*http.Request, error) {
	u, err := c.base.Parse(ref)
	if err != nil {
		return nil, fmt.Errorf("%s: request URL: %w", c.system, errors.Unwrap(err))
	}
	if query != nil {
		u.RawQuery = query.Encode()
	}
	return http.NewRequestWithContext(ctx, method, u.String(), nil)
}

// Do sends req (whose Body must be nil) with body, under the retry policy.
// It returns a 2xx response, whose body the caller must close; every other
// outcome is an error: the package's API error for a non-2xx answer (built
// from a bounded prefix of its body, which is then drained and closed), or
// a [*TransportError] when no answer came.
func (c *Client) Do(req *http.Request, body Body) (*http.Response, error) {
	st := &attempts{ctx: req.Context(), method: req.Method, url: SanitizeURL(req.URL)}
	ctx := context.WithValue(req.Context(), attemptsKey{}, st)
	var raw any
	if body.open != nil && body.n != 0 {
		open := body.open
		// retryablehttp calls the function once when the request is built
		// (to probe for a length) and once per attempt; the lazy reader
		// starts a producer only when the transport actually reads.
		raw = retryablehttp.ReaderFunc(func() (io.Reader, error) { return &lazyReader{open: open}, nil })
	}
	rreq, err := retryablehttp.NewRequestWithContext(ctx, req.Method, req.URL.String(), raw)
	if err != nil {
		return nil, err
	}
	maps.Copy(rreq.Header, req.Header)
	if raw != nil && body.n > 0 {
		// A body of known length goes with Content-Length, not chunked.
		rreq.ContentLength = body.n
	}
	if req.Host != "" {
		rreq.Host = req.Host
	}
	resp, err := c.rc.Do(rreq)
	if err != nil {
		te := &TransportError{System: c.system, Method: req.Method, URL: SanitizeURL(req.URL),
			Attempts: max(int(st.n.Load()), 1), Sent: st.sent.Load(), Err: err}
		if ctxErr := req.Context().Err(); ctxErr != nil {
			te.Err = ctxErr
			if cause := context.Cause(req.Context()); cause != nil && cause != ctxErr {
				te.Err = fmt.Errorf("%w (%v)", ctxErr, cause)
			}
		}
		return nil, te
	}
	if err := c.check(resp, int(st.n.Load())); err != nil {
		return nil, err
	}
	return resp, nil
}

// Fetch sends req like [Client.Do] and reads the whole 2xx body, at most
// Config.MaxBody bytes. A GET whose body breaks off is fetched again, up to
// RetryMax times; a body that still cannot be read, or is too large, is a
// [*ResponseError].
func (c *Client) Fetch(req *http.Request, body Body) ([]byte, *http.Response, error) {
	for try := 0; ; try++ {
		resp, err := c.Do(req, body)
		if err != nil {
			return nil, nil, err
		}
		data, rerr := io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
		resp.Body.Close()
		if int64(len(data)) > c.maxBody {
			return nil, resp, c.ResponseError(resp, fmt.Errorf("the body is larger than %d bytes", c.maxBody))
		}
		if rerr == nil {
			return data, resp, nil
		}
		ctx := req.Context()
		if ctx.Err() != nil || req.Method != http.MethodGet || try >= c.retryMax {
			return nil, resp, c.ResponseError(resp, fmt.Errorf("reading the body after %d attempt(s): %w", try+1, rerr))
		}
		c.logger.WarnContext(ctx, "http response body broke off, fetching again", "system", c.system,
			"url", SanitizeURL(req.URL), "attempt", try+1, "error", rerr.Error())
		select {
		case <-ctx.Done():
			return nil, resp, c.ResponseError(resp, ctx.Err())
		case <-time.After(c.waitMin):
		}
	}
}

// ResponseError describes a 2xx answer of resp that could not be read or
// decoded (cause err).
func (c *Client) ResponseError(resp *http.Response, err error) *ResponseError {
	return &ResponseError{System: c.system, Method: resp.Request.Method, URL: SanitizeURL(resp.Request.URL),
		StatusCode: resp.StatusCode, RequestID: c.requestID(resp.Header), Err: err}
}

// check returns nil for a 2xx response, else the package's error built
// from a bounded prefix of the body, which it drains and closes.
func (c *Client) check(resp *http.Response, attempts int) error {
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBodySize))
	drainClose(resp.Body)
	e := &APIError{
		System:     c.system,
		StatusCode: resp.StatusCode,
		RequestID:  c.requestID(resp.Header),
		Attempts:   max(attempts, 1),
		Method:     resp.Request.Method,
		URL:        SanitizeURL(resp.Request.URL),
		Message:    errbody.Text(data, resp.Header.Get("Content-Type"), errbody.DefaultMax),
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		e.Message, data = redirectMessage(resp), nil
	}
	if c.newError == nil {
		return e
	}
	return c.newError(e, data)
}

// redirectMessage names the Location of a redirect that was not followed,
// and why.
func redirectMessage(resp *http.Response) string {
	loc := "(no Location)"
	if l, err := resp.Location(); err == nil {
		loc = SanitizeURL(l)
	}
	why := "a redirect to another scheme or host is not followed"
	if m := resp.Request.Method; m != http.MethodGet && m != http.MethodHead {
		why = "a " + m + " is never redirected"
	}
	return "redirect to " + loc + " refused: " + why
}

func (c *Client) requestID(h http.Header) string {
	for _, name := range c.reqIDs {
		if v := h.Get(name); v != "" {
			return errbody.OneLine(v, 100)
		}
	}
	return ""
}

// drainClose reads a bounded rest of body so the connection can be reused,
// then closes it.
func drainClose(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, maxErrorBodySize))
	_ = body.Close()
}

// ParseBase parses an absolute http(s) base URL and ends its path with a
// slash. It refuses user info, a query or a fragment: a base URL carries
// no secret. Its errors never quote one.
func ParseBase(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	switch {
	case err != nil:
		return nil, errors.New("not a URL")
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("the scheme must be http or https, got %q", u.Scheme)
	case u.Hostname() == "", strings.ContainsAny(u.Host, " \t"):
		return nil, fmt.Errorf("%q has no valid host", SanitizeURL(u))
	case u.User != nil:
		return nil, errors.New("a base URL must not carry credentials")
	case u.RawQuery != "" || u.Fragment != "":
		return nil, fmt.Errorf("%q must not have a query or fragment", SanitizeURL(u))
	}
	u.Path, u.RawPath = strings.TrimRight(u.Path, "/")+"/", ""
	return u, nil
}

// Redact stands for a secret in a configuration's String or LogValue:
// `""` when it is empty, "[REDACTED]" otherwise.
func Redact(secret string) string {
	if secret == "" {
		return `""`
	}
	return "[REDACTED]"
}

// SanitizeURL renders u without user info, query string or fragment, so it
// is safe for logs and error messages.
func SanitizeURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	c.User, c.RawQuery, c.ForceQuery, c.Fragment, c.RawFragment = nil, "", false, "", ""
	return c.String()
}

// attempts is what the attempts of one Do share: how many were made and
// whether one of them sent the whole request.
type attempts struct {
	ctx         context.Context // the request's, across attempts
	method, url string          // url sanitized
	n           atomic.Int32
	sent        atomic.Bool
}

type attemptsKey struct{}
