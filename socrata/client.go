package socrata

import (
	"bytes"
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

	"github.com/cityofaustin/atd-executive-dashboard/internal/httpretry"
)

// Defaults applied by [New] to zero fields of [Config].
const (
	DefaultChunkSize    = 10000
	DefaultRetryMax     = 4
	DefaultRetryWaitMin = 1 * time.Second
	DefaultRetryWaitMax = 30 * time.Second
	DefaultTimeout      = 10 * time.Minute
)

// maxErrorBodySize bounds how much of an error response is read.
const maxErrorBodySize = 64 << 10

// Config configures a [Client]. The zero value of every field except Domain
// means its default.
type Config struct {
	// Domain is the portal: a host such as "datahub.austintexas.gov"
	// (meaning https) or a full http:// or https:// URL, which may carry a
	// path prefix.
	Domain string
	// AppToken is sent in the X-App-Token header when set.
	AppToken string
	// KeyID and KeySecret are the API key (or user name and password) sent
	// with HTTP Basic authentication when KeyID is set.
	KeyID, KeySecret string

	// HTTPClient performs single attempts (default: a pooled client whose
	// transport waits at most Timeout for response headers).
	HTTPClient *http.Client
	// Logger receives progress (Info) and retry/row-error warnings (Warn).
	// Nil discards them.
	Logger *slog.Logger

	// ChunkSize is the number of rows per upsert request (default 10,000,
	// the size Socrata's DataSync uses).
	ChunkSize int
	// RetryMax is the number of retries after the first attempt of each
	// request (default 4; negative means none).
	RetryMax int
	// RetryWaitMin and RetryWaitMax bound the exponential backoff
	// (defaults 1s and 30s). A server's Retry-After is honoured.
	RetryWaitMin, RetryWaitMax time.Duration
	// Timeout bounds the wait for response headers of each attempt when
	// HTTPClient is nil (default 10 minutes: Socrata answers a large upsert
	// only once it is applied). Use the context for an overall deadline.
	Timeout time.Duration

	// CatalogURL is the Discovery API endpoint (default
	// <Domain>/api/catalog/v1, the portal's own catalog).
	CatalogURL string
}

// String describes c with the app token and key secret redacted.
func (c Config) String() string {
	return fmt.Sprintf("socrata.Config{Domain:%q AppToken:%s KeyID:%q KeySecret:%s ChunkSize:%d RetryMax:%d Timeout:%s}",
		c.Domain, redact(c.AppToken), c.KeyID, redact(c.KeySecret), c.ChunkSize, c.RetryMax, c.Timeout)
}

// LogValue implements [slog.LogValuer], redacting the app token and secret.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("domain", c.Domain),
		slog.String("app_token", redact(c.AppToken)),
		slog.String("key_id", c.KeyID),
		slog.String("key_secret", redact(c.KeySecret)),
		slog.Int("chunk_size", c.ChunkSize),
	)
}

func redact(s string) string {
	if s == "" {
		return `""`
	}
	return "[REDACTED]"
}

// Client talks to one Socrata portal. It is safe for concurrent use; create
// one per portal and reuse it.
type Client struct {
	base      *url.URL // scheme://host[/prefix], no trailing slash
	catalog   *url.URL
	host      string // the domain's host, for X-Socrata-Host
	appToken  string
	keyID     string
	keySecret string
	chunkSize int
	logger    *slog.Logger
	http      *httpretry.Client
}

// New validates cfg, fills in defaults and returns a Client. It returns an
// error when Domain is empty or not a host or http(s) URL.
func New(cfg Config) (*Client, error) {
	base, err := parseDomain(cfg.Domain)
	if err != nil {
		return nil, err
	}
	if cfg.ChunkSize <= 0 {
		cfg.ChunkSize = DefaultChunkSize
	}
	if cfg.RetryMax == 0 {
		cfg.RetryMax = DefaultRetryMax
	}
	if cfg.RetryWaitMin <= 0 {
		cfg.RetryWaitMin = DefaultRetryWaitMin
	}
	if cfg.RetryWaitMax <= 0 {
		cfg.RetryWaitMax = max(DefaultRetryWaitMax, cfg.RetryWaitMin)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	catalog := base.JoinPath("api", "catalog", "v1")
	if cfg.CatalogURL != "" {
		catalog, err = parseDomain(cfg.CatalogURL)
		if err != nil {
			return nil, fmt.Errorf("socrata: catalog URL: %w", err)
		}
	}
	c := &Client{
		base:      base,
		catalog:   catalog,
		host:      base.Hostname(),
		appToken:  cfg.AppToken,
		keyID:     cfg.KeyID,
		keySecret: cfg.KeySecret,
		chunkSize: cfg.ChunkSize,
		logger:    logger,
		http: httpretry.New(httpretry.Config{
			HTTPClient:            cfg.HTTPClient,
			RetryMax:              cfg.RetryMax,
			RetryWaitMin:          cfg.RetryWaitMin,
			RetryWaitMax:          cfg.RetryWaitMax,
			ResponseHeaderTimeout: cfg.Timeout,
			Logger:                logger,
		}),
	}
	return c, nil
}

// parseDomain accepts a bare host ("datahub.austintexas.gov", meaning
// https) or an http(s) URL, and returns the base URL without a trailing
// slash, query or fragment.
func parseDomain(d string) (*url.URL, error) {
	d = strings.TrimSpace(d)
	if d == "" {
		return nil, errors.New("socrata: config: Domain is empty")
	}
	if !strings.Contains(d, "://") {
		d = "https://" + d
	}
	u, err := url.Parse(d)
	if err != nil {
		return nil, fmt.Errorf("socrata: config: invalid Domain: %w", errors.Unwrap(err))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("socrata: config: Domain scheme must be http or https, got %q", u.Scheme)
	}
	if u.Host == "" || u.Hostname() == "" || strings.ContainsAny(u.Host, " \t") {
		return nil, fmt.Errorf("socrata: config: Domain %q has no valid host", httpretry.SanitizeURL(u))
	}
	if u.User != nil {
		return nil, errors.New("socrata: config: Domain must not carry credentials; use KeyID/KeySecret")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("socrata: config: Domain %q must not have a query or fragment", httpretry.SanitizeURL(u))
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// Host returns the portal's host name (as sent in X-Socrata-Host).
func (c *Client) Host() string { return c.host }

// resourceURL returns <base>/resource/{id}.json with query q.
func (c *Client) resourceURL(dataset string, q url.Values) *url.URL {
	u := c.base.JoinPath("resource", dataset+".json")
	if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
	return u
}

// newRequest builds a request carrying the app token and, when auth is
// set, Basic credentials.
func (c *Client) newRequest(ctx context.Context, method string, u *url.URL, auth bool) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "atd-executive-dashboard-socrata/1")
	if c.appToken != "" {
		req.Header.Set("X-App-Token", c.appToken)
	}
	if auth && c.keyID != "" {
		req.SetBasicAuth(c.keyID, c.keySecret)
	}
	return req, nil
}

// do sends req and returns the whole body of a 2xx response (at most limit
// bytes, 0 = unlimited), or an *APIError / transport error.
func (c *Client) do(req *http.Request, body httpretry.BodyFunc) (*http.Response, []byte, error) {
	resp, err := c.http.Do(req, body)
	if err != nil {
		return nil, nil, err
	}
	defer func() {
		io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBodySize))
		resp.Body.Close()
	}()
	if err := checkResponse(req, resp); err != nil {
		return resp, nil, err
	}
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp, nil, &ResponseError{StatusCode: resp.StatusCode, RequestID: resp.Header.Get(requestIDHeader), Err: fmt.Errorf("reading response body: %w", err)}
	}
	return resp, data, nil
}

// doJSON sends req and decodes a 2xx JSON answer into v.
func (c *Client) doJSON(req *http.Request, v any) error {
	resp, data, err := c.do(req, nil)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return &ResponseError{StatusCode: resp.StatusCode, RequestID: resp.Header.Get(requestIDHeader), Err: fmt.Errorf("decoding response: %w", err)}
	}
	return nil
}
