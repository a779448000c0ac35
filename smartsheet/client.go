package smartsheet

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/cityofaustin/atd-executive-dashboard/internal/errbody"
	"github.com/cityofaustin/atd-executive-dashboard/internal/httpretry"
)

// DefaultBaseURL is the US Smartsheet API 2.0 endpoint. The EU, Gov and AU
// regions have their own (https://api.smartsheet.eu/2.0, …).
const DefaultBaseURL = "https://api.smartsheet.com/2.0"

// DefaultPageSize is the number of rows [Client.Sheet] asks for per page
// when SheetOptions.PageSize is zero.
const DefaultPageSize = 1000

// defaultUserAgent identifies the client to Smartsheet.
const defaultUserAgent = "atd-executive-dashboard-smartsheet/1"

// Config configures a [Client]. The zero value of every field but Token
// means its default.
type Config struct {
	// Token is the Smartsheet API access token (or an OAuth 2.0 access
	// token). Required. It is sent as a bearer token and never printed.
	Token string
	// BaseURL is the API root, DefaultBaseURL when empty. An http:// URL is
	// accepted (tests, proxies).
	BaseURL string
	// HTTPClient performs single attempts; the default is a pooled client.
	// Retries and authentication are layered on top of it.
	HTTPClient *http.Client
	// RetryMax is the number of retries after the first attempt (default
	// 4; negative for none). RetryWaitMin and RetryWaitMax bound the
	// backoff (defaults 1s and 30s).
	RetryMax                   int
	RetryWaitMin, RetryWaitMax time.Duration
	// RequestsPerMinute paces this client's requests, retries included
	// (default DefaultRequestsPerMinute, Smartsheet's limit per token,
	// with a burst of 10; negative for no pacing). Clients sharing a
	// token do not share the budget.
	RequestsPerMinute int
	// UserAgent overrides the User-Agent header.
	UserAgent string
	// Logger receives retry warnings and per-page debug lines. Nil
	// discards them.
	Logger *slog.Logger
}

// String describes the configuration with the token redacted.
func (c Config) String() string {
	return fmt.Sprintf("smartsheet.Config{Token:%s BaseURL:%s RetryMax:%d}", redact(c.Token), c.BaseURL, c.RetryMax)
}

// LogValue implements [slog.LogValuer]; the token is redacted.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("token", redact(c.Token)),
		slog.String("base_url", c.BaseURL),
		slog.Int("retry_max", c.RetryMax),
	)
}

// GoString makes %#v redact the token too.
func (c Config) GoString() string { return c.String() }

func redact(secret string) string {
	if secret == "" {
		return `""`
	}
	return "REDACTED"
}

// Client is a Smartsheet API 2.0 client. It is safe for concurrent use.
type Client struct {
	base      *url.URL
	http      *httpretry.Client
	userAgent string
	logger    *slog.Logger
	bodyRetry int
	retryWait time.Duration
}

// New validates cfg, fills in defaults and returns a Client. It returns
// [ErrMissingToken] when cfg.Token is empty and an error when BaseURL is
// not an absolute http(s) URL.
func New(cfg Config) (*Client, error) {
	if strings.TrimSpace(cfg.Token) == "" {
		return nil, ErrMissingToken
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	base, err := url.Parse(cfg.BaseURL)
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" {
		return nil, fmt.Errorf("smartsheet: base URL %q is not an absolute http(s) URL", cfg.BaseURL)
	}
	base.User, base.RawQuery, base.Fragment = nil, "", ""
	if !strings.HasSuffix(base.Path, "/") {
		base.Path += "/"
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = defaultUserAgent
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	src := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: cfg.Token, TokenType: "Bearer"})
	if cfg.RequestsPerMinute == 0 {
		cfg.RequestsPerMinute = DefaultRequestsPerMinute
	}
	wrap := func(rt http.RoundTripper) http.RoundTripper { return &oauth2.Transport{Source: src, Base: rt} }
	if cfg.RequestsPerMinute > 0 {
		lim := newLimiter(cfg.RequestsPerMinute, time.Now)
		wrap = func(rt http.RoundTripper) http.RoundTripper {
			return &oauth2.Transport{Source: src, Base: &limitedTransport{l: lim, base: rt}}
		}
	}
	hc := httpretry.New(httpretry.Config{
		HTTPClient:   cfg.HTTPClient,
		Wrap:         wrap,
		RetryMax:     cfg.RetryMax,
		RetryWaitMin: cfg.RetryWaitMin,
		RetryWaitMax: cfg.RetryWaitMax,
		Retryable:    retryableErrorCode,
		Logger:       logger,
	})
	bodyRetry := cfg.RetryMax
	switch {
	case bodyRetry == 0:
		bodyRetry = httpretry.DefaultRetryMax
	case bodyRetry < 0:
		bodyRetry = 0
	}
	wait := cfg.RetryWaitMin
	if wait <= 0 {
		wait = httpretry.DefaultRetryWaitMin
	}
	return &Client{base: base, http: hc, userAgent: cfg.UserAgent, logger: logger, bodyRetry: bodyRetry, retryWait: wait}, nil
}

// retryableErrorCode is the httpretry hook for answers the status-based
// policy does not retry (4xx, and 501): an error whose JSON body carries
// errorCode 4001–4004. It peeks at a bounded prefix of the body and puts it
// back, so the caller still reads the whole body.
func retryableErrorCode(resp *http.Response) bool {
	if resp.StatusCode < 400 || resp.Body == nil {
		return false
	}
	prefix, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBodySize))
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(prefix), errReader{err}, resp.Body), resp.Body}
	var e struct {
		ErrorCode int `json:"errorCode"`
	}
	if json.Unmarshal(prefix, &e) != nil {
		return false
	}
	return retryableCode(e.ErrorCode)
}

// errReader replays a read error (nil: plain EOF, so MultiReader moves on).
type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	return 0, io.EOF
}

// newRequest builds a GET request for path (relative to the base URL) with
// the given query.
func (c *Client) newRequest(ctx context.Context, path string, q url.Values, accept string) (*http.Request, error) {
	u := c.base.ResolveReference(&url.URL{Path: path})
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("User-Agent", c.userAgent)
	return req, nil
}

// do sends req and returns the response when it is 2xx; otherwise it
// returns the typed error built by checkResponse. The caller closes the
// body of a returned response.
func (c *Client) do(req *http.Request) (*http.Response, error) {
	resp, err := c.http.Do(req, nil)
	if err != nil {
		return nil, err
	}
	if err := checkResponse(resp); err != nil {
		drainClose(resp.Body)
		return nil, err
	}
	return resp, nil
}

// checkResponse returns nil for a 2xx response and an [*APIError] built from
// a bounded prefix of the body otherwise.
func checkResponse(resp *http.Response) error {
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBodySize))
	e := &APIError{
		StatusCode: resp.StatusCode,
		Attempts:   httpretry.Attempts(resp),
		Method:     resp.Request.Method,
		URL:        httpretry.SanitizeURL(resp.Request.URL),
	}
	var eb struct {
		ErrorCode *int   `json:"errorCode"`
		Message   string `json:"message"`
		RefID     string `json:"refId"`
	}
	if err := json.Unmarshal(body, &eb); err == nil && (eb.ErrorCode != nil || eb.Message != "") {
		if eb.ErrorCode != nil {
			e.ErrorCode = *eb.ErrorCode
		}
		e.Message = errbody.OneLine(eb.Message, maxErrorText)
		e.RefID = errbody.OneLine(eb.RefID, maxErrorText)
	} else {
		e.Body = errbody.Text(body, resp.Header.Get("Content-Type"), maxErrorText)
		if e.Body == "" {
			e.Body = http.StatusText(resp.StatusCode)
		}
	}
	return e
}

// drainClose reads a bounded rest of body so the connection can be reused,
// then closes it.
func drainClose(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 64<<10))
	_ = body.Close()
}

// getJSON fetches path and returns the whole body of a 2xx answer. A body
// that breaks off mid-transfer is fetched again, up to bodyRetry times.
func (c *Client) getJSON(ctx context.Context, path string, q url.Values) ([]byte, error) {
	for attempt := 0; ; attempt++ {
		req, err := c.newRequest(ctx, path, q, "application/json")
		if err != nil {
			return nil, err
		}
		resp, err := c.do(req)
		if err != nil {
			return nil, err
		}
		body, rerr := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if rerr == nil {
			if ct := resp.Header.Get("Content-Type"); strings.HasPrefix(strings.ToLower(ct), "text/html") {
				return nil, fmt.Errorf("%w: %s answered %s: %q", ErrMalformedResponse,
					httpretry.SanitizeURL(req.URL), ct, errbody.Text(body, ct, maxErrorText))
			}
			return body, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if attempt >= c.bodyRetry {
			return nil, fmt.Errorf("%w: reading body of %s failed after %d attempt(s): %w",
				ErrMalformedResponse, httpretry.SanitizeURL(req.URL), attempt+1, rerr)
		}
		c.logger.WarnContext(ctx, "smartsheet response body cut short, fetching again",
			"url", httpretry.SanitizeURL(req.URL), "attempt", attempt+1, "error", rerr.Error())
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(c.retryWait):
		}
	}
}
