package smartsheet

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cityofaustin/atd-executive-dashboard/internal/errbody"
	"github.com/cityofaustin/atd-executive-dashboard/internal/httpapi"
)

// DefaultBaseURL is the US Smartsheet API 2.0 endpoint. The EU, Gov and AU
// regions have their own (https://api.smartsheet.eu/2.0, …).
const DefaultBaseURL = "https://api.smartsheet.com/2.0"

// DefaultPageSize is the number of rows [Client.Sheet] asks for per page
// when SheetOptions.PageSize is zero.
const DefaultPageSize = 1000

// defaultUserAgent identifies the client to Smartsheet.
const defaultUserAgent = "atd-executive-dashboard-smartsheet/1"

// DefaultTimeout bounds each wait of a request attempt (connecting,
// waiting for the answer, each gap in a body) when Config.Timeout is zero.
const DefaultTimeout = time.Minute

// Config configures a [Client]. The zero value of every field but Token
// means its default.
type Config struct {
	// Token is the Smartsheet API access token (or an OAuth 2.0 access
	// token). Required. It is sent as a bearer token, only to the API's
	// host, and never printed.
	Token string
	// BaseURL is the API root, DefaultBaseURL when empty. An http:// URL is
	// accepted (tests, proxies).
	BaseURL string
	// Timeout bounds every wait of each attempt: connecting, waiting for
	// the answer and each gap while a body arrives (default 1 minute).
	Timeout time.Duration
	// RetryMax is the number of retries after the first attempt (default
	// 4; negative for none). RetryWaitMin and RetryWaitMax bound the
	// backoff (defaults 1s and 30s); a 429's Retry-After is honoured.
	RetryMax                   int
	RetryWaitMin, RetryWaitMax time.Duration
	// Logger receives retry warnings and per-page debug lines. Nil
	// discards them.
	Logger *slog.Logger
}

// String describes the configuration with the token redacted.
func (c Config) String() string {
	return fmt.Sprintf("smartsheet.Config{Token:%s BaseURL:%s RetryMax:%d}", httpapi.Redact(c.Token), c.BaseURL, c.RetryMax)
}

// LogValue implements [slog.LogValuer]; the token is redacted.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("token", httpapi.Redact(c.Token)),
		slog.String("base_url", c.BaseURL),
		slog.Int("retry_max", c.RetryMax),
	)
}

// GoString makes %#v redact the token too.
func (c Config) GoString() string { return c.String() }

// Client is a Smartsheet API 2.0 client. It is safe for concurrent use.
type Client struct {
	http   *httpapi.Client
	bearer string // the Authorization header value
	logger *slog.Logger
}

// New validates cfg, fills in defaults and returns a Client. It returns
// [ErrMissingToken] when cfg.Token is empty and an error when BaseURL is
// not an absolute http(s) URL.
func New(cfg Config) (*Client, error) {
	if strings.TrimSpace(cfg.Token) == "" {
		return nil, ErrMissingToken
	}
	base, err := httpapi.ParseBase(cmp.Or(cfg.BaseURL, DefaultBaseURL))
	if err != nil {
		return nil, fmt.Errorf("smartsheet: BaseURL is not an absolute http(s) URL: %w", err)
	}
	logger := cmp.Or(cfg.Logger, slog.New(slog.DiscardHandler))
	hc := httpapi.New(httpapi.Config{
		System:       "smartsheet",
		BaseURL:      base,
		Timeout:      cmp.Or(cfg.Timeout, DefaultTimeout),
		RetryMax:     cfg.RetryMax,
		RetryWaitMin: cfg.RetryWaitMin,
		RetryWaitMax: cfg.RetryWaitMax,
		Retryable:    retryableErrorCode,
		NewError:     newAPIError,
		Logger:       logger,
	})
	return &Client{http: hc, bearer: "Bearer " + cfg.Token, logger: logger}, nil
}

// retryableErrorCode is the pipeline's Retryable hook for answers the
// status-based policy does not retry (4xx, and 501): an error whose JSON
// body carries errorCode 4001–4004. It peeks at a bounded prefix of the
// body and puts it back, so the error still reads the whole body.
func retryableErrorCode(resp *http.Response) bool {
	if resp.StatusCode < 400 || resp.Body == nil {
		return false
	}
	// A read error only shortens this error body, which becomes bounded text.
	prefix, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBodySize))
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(prefix), resp.Body), resp.Body}
	var e struct {
		ErrorCode int `json:"errorCode"`
	}
	if json.Unmarshal(prefix, &e) != nil {
		return false
	}
	return retryableCode(e.ErrorCode)
}

// newRequest builds an authenticated GET request for path (relative to the
// base URL) with the given query.
func (c *Client) newRequest(ctx context.Context, path string, q url.Values, accept string) (*http.Request, error) {
	req, err := c.http.NewRequest(ctx, http.MethodGet, path, q)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("User-Agent", defaultUserAgent)
	req.Header.Set("Authorization", c.bearer)
	return req, nil
}

// getJSON fetches path and returns the whole body of a 2xx answer (a body
// that breaks off is fetched again). An HTML page wraps
// [ErrMalformedResponse].
func (c *Client) getJSON(ctx context.Context, path string, q url.Values) ([]byte, error) {
	req, err := c.newRequest(ctx, path, q, "application/json")
	if err != nil {
		return nil, err
	}
	body, resp, err := c.http.Fetch(req, httpapi.Body{})
	var re *httpapi.ResponseError
	if errors.As(err, &re) {
		return nil, fmt.Errorf("%w: %w", ErrMalformedResponse, err)
	}
	if err != nil {
		return nil, err
	}
	if ct := resp.Header.Get("Content-Type"); errbody.IsHTML(body, ct) {
		return nil, fmt.Errorf("%w: %w", ErrMalformedResponse,
			c.http.ResponseError(resp, fmt.Errorf("an HTML page: %s", errbody.Text(body, ct, maxErrorText))))
	}
	return body, nil
}
