package socrata

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cityofaustin/atd-executive-dashboard/internal/httpapi"
)

// Defaults applied by [New] to zero fields of [Config].
const (
	DefaultChunkSize = 10000
	// DefaultTimeout bounds each wait of a request attempt: connecting,
	// waiting for the answer, each gap in a body. Socrata answers an
	// upsert or replace only once it is applied, which may take minutes.
	DefaultTimeout = 10 * time.Minute
	// DefaultReadTimeout is the same bound for reads (counts, queries,
	// the catalog) when Config.Timeout is zero: Socrata answers those in
	// seconds, so a silent portal is found out in minutes, not after five
	// attempts of ten.
	DefaultReadTimeout = 2 * time.Minute
)

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

	// HTTPClient performs single attempts (default: a pooled client).
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
	// Timeout bounds every wait of each attempt: connecting, waiting for
	// the answer, and each gap while its body arrives. A body that keeps
	// arriving is not cut. Use the context for an overall deadline. Zero
	// means 10 minutes for writes (Socrata answers a large upsert only once
	// it is applied) and 2 minutes for reads; a value set bounds both.
	Timeout time.Duration

	// CatalogURL is the Discovery API endpoint (default
	// <Domain>/api/catalog/v1, the portal's own catalog).
	CatalogURL string
}

// String describes c with the app token and key secret redacted.
func (c Config) String() string {
	return fmt.Sprintf("socrata.Config{Domain:%q AppToken:%s KeyID:%q KeySecret:%s ChunkSize:%d RetryMax:%d Timeout:%s}",
		c.Domain, httpapi.Redact(c.AppToken), c.KeyID, httpapi.Redact(c.KeySecret), c.ChunkSize, c.RetryMax, c.Timeout)
}

// LogValue implements [slog.LogValuer], redacting the app token and secret.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("domain", c.Domain),
		slog.String("app_token", httpapi.Redact(c.AppToken)),
		slog.String("key_id", c.KeyID),
		slog.String("key_secret", httpapi.Redact(c.KeySecret)),
		slog.Int("chunk_size", c.ChunkSize),
	)
}

// Client talks to one Socrata portal. It is safe for concurrent use; create
// one per portal and reuse it.
type Client struct {
	base      *url.URL // scheme://host[/prefix]/, with a trailing slash
	catalog   *url.URL
	appToken  string
	keyID     string
	keySecret string
	chunkSize int
	logger    *slog.Logger
	http      *httpapi.Client
}

// Host returns the portal's host name (the domain without scheme or path),
// as it goes into X-Socrata-Host and catalog domain filters.
func (c *Client) Host() string { return c.base.Hostname() }

// New validates cfg, fills in defaults and returns a Client. It returns an
// error when Domain is empty or not a host or http(s) URL.
func New(cfg Config) (*Client, error) {
	base, err := parseDomain(cfg.Domain)
	if err != nil {
		return nil, err
	}
	cfg.ChunkSize = cmp.Or(max(cfg.ChunkSize, 0), DefaultChunkSize)
	readTimeout := cmp.Or(max(cfg.Timeout, 0), DefaultReadTimeout)
	cfg.Timeout = cmp.Or(max(cfg.Timeout, 0), DefaultTimeout)
	logger := cmp.Or(cfg.Logger, slog.New(slog.DiscardHandler))
	catalog := base.JoinPath("api", "catalog", "v1")
	if cfg.CatalogURL != "" {
		if catalog, err = parseDomain(cfg.CatalogURL); err != nil {
			return nil, fmt.Errorf("socrata: catalog URL: %w", err)
		}
		catalog.Path = strings.TrimSuffix(catalog.Path, "/")
	}
	c := &Client{
		base:      base,
		catalog:   catalog,
		appToken:  cfg.AppToken,
		keyID:     cfg.KeyID,
		keySecret: cfg.KeySecret,
		chunkSize: cfg.ChunkSize,
		logger:    logger,
		http: httpapi.New(httpapi.Config{
			System:           "socrata",
			BaseURL:          base,
			HTTPClient:       cfg.HTTPClient,
			Timeout:          cfg.Timeout,
			ReadTimeout:      readTimeout,
			RetryMax:         cfg.RetryMax,
			RetryWaitMin:     cfg.RetryWaitMin,
			RetryWaitMax:     cfg.RetryWaitMax,
			RequestIDHeaders: []string{requestIDHeader},
			NewError:         newAPIError,
			Logger:           logger,
		}),
	}
	return c, nil
}

// parseDomain accepts a bare host ("datahub.austintexas.gov", meaning
// https) or an http(s) URL, and returns the base URL with a trailing
// slash; credentials, a query or a fragment are refused.
func parseDomain(d string) (*url.URL, error) {
	d = strings.TrimSpace(d)
	if d == "" {
		return nil, errors.New("socrata: config: Domain is empty")
	}
	if !strings.Contains(d, "://") {
		d = "https://" + d
	}
	u, err := httpapi.ParseBase(d)
	if err != nil {
		return nil, fmt.Errorf("socrata: config: Domain: %w", err)
	}
	return u, nil
}

// resourceRef returns resource/{id}.json, relative to the base URL.
func resourceRef(dataset string) string { return "resource/" + dataset + ".json" }

// newRequest builds a request for ref (relative to the base URL, or
// absolute) with query q, carrying the app token and, when auth is set,
// Basic credentials.
func (c *Client) newRequest(ctx context.Context, method, ref string, q url.Values, auth bool) (*http.Request, error) {
	req, err := c.http.NewRequest(ctx, method, ref, q)
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

// doJSON sends req and decodes a 2xx JSON answer into v.
func (c *Client) doJSON(req *http.Request, v any) error {
	data, resp, err := c.http.Fetch(req, httpapi.Body{})
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return c.http.ResponseError(resp, fmt.Errorf("decoding the answer: %w", err))
	}
	return nil
}
