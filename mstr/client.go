package mstr

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/cityofaustin/atd-executive-dashboard/internal/errbody"
	"github.com/cityofaustin/atd-executive-dashboard/internal/httpretry"
)

// Defaults applied by [New] to zero fields of [Config].
const (
	DefaultPageSize  = 5000
	DefaultLoginMode = 1 // standard login
	DefaultMaxRounds = 5
)

// Header names used by the MicroStrategy REST API.
const (
	HeaderAuthToken = "X-MSTR-AuthToken"
	HeaderProjectID = "X-MSTR-ProjectID"
)

// trimFields drops the formatted values and per-cell extras from v2 report
// data, roughly halving the payload (Library/IServer 2020 Update 2+).
const trimFields = "-data.metricValues.formatted,-data.metricValues.extras"

// Config configures a [Client]. The zero value of every optional field
// means its default.
type Config struct {
	// BaseURL is the MicroStrategy Library root, e.g.
	// "https://host/MicroStrategyLibrary". The REST API lives under
	// BaseURL + "/api". Required.
	BaseURL string
	// Username and Password are the standard-login credentials. Required.
	Username string
	Password string
	// ProjectID is the 32-hex project id sent as X-MSTR-ProjectID on
	// project calls. Required.
	ProjectID string
	// LoginMode is the REST loginMode (default 1, standard).
	LoginMode int

	// HTTPClient performs single attempts. When it has no cookie jar, the
	// client uses a copy of it with its own jar (the session cookie must
	// travel with the auth token). Nil means a pooled client that waits at
	// most 10 minutes for response headers.
	HTTPClient *http.Client
	// Logger receives progress at Info/Debug level and retry warnings.
	// Nil discards.
	Logger *slog.Logger

	// PageSize is the number of rows asked per data page (default 5000).
	PageSize int
	// FullPayload keeps formatted values and extras in data pages. By
	// default they are dropped with the `fields` query parameter, which
	// servers older than 2020 Update 2 reject.
	FullPayload bool

	// RetryMax, RetryWaitMin and RetryWaitMax tune retries on 429, 5xx
	// and connection faults (see internal/httpretry for defaults).
	RetryMax                   int
	RetryWaitMin, RetryWaitMax time.Duration
}

// String renders cfg with the password redacted.
func (cfg Config) String() string {
	pw := ""
	if cfg.Password != "" {
		pw = "REDACTED"
	}
	return fmt.Sprintf("mstr.Config{BaseURL:%q Username:%q Password:%q ProjectID:%q PageSize:%d}",
		cfg.BaseURL, cfg.Username, pw, cfg.ProjectID, cfg.PageSize)
}

// GoString renders cfg for %#v with the password redacted.
func (cfg Config) GoString() string { return cfg.String() }

// LogValue renders cfg for slog with the password redacted.
func (cfg Config) LogValue() slog.Value {
	pw := ""
	if cfg.Password != "" {
		pw = "REDACTED"
	}
	return slog.GroupValue(
		slog.String("base_url", cfg.BaseURL),
		slog.String("username", cfg.Username),
		slog.String("password", pw),
		slog.String("project_id", cfg.ProjectID),
		slog.Int("page_size", cfg.PageSize),
	)
}

// Client talks to one MicroStrategy Library server as one user, in one
// session. It is safe for concurrent use: reports may run in parallel
// within the session. Call [Client.Close] to log out.
type Client struct {
	cfg    Config
	base   *url.URL // BaseURL with a trailing slash
	http   *httpretry.Client
	logger *slog.Logger

	mu     sync.Mutex
	token  string
	gen    int // incremented at every successful login
	closed bool
}

// New validates cfg, fills in defaults and returns a Client. It does not
// contact the server; the first call logs in (or call [Client.Login]).
func New(cfg Config) (*Client, error) {
	if cfg.BaseURL == "" {
		return nil, errors.New("mstr: Config.BaseURL is required")
	}
	u, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/") + "/")
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("mstr: Config.BaseURL must be an absolute http(s) URL")
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	if cfg.Username == "" {
		return nil, errors.New("mstr: Config.Username is required")
	}
	if cfg.Password == "" {
		return nil, errors.New("mstr: Config.Password is required")
	}
	if cfg.ProjectID == "" {
		return nil, errors.New("mstr: Config.ProjectID is required")
	}
	if cfg.LoginMode == 0 {
		cfg.LoginMode = DefaultLoginMode
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = DefaultPageSize
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	inner := cfg.HTTPClient
	if inner == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.ResponseHeaderTimeout = httpretry.DefaultResponseHeaderTimeout
		inner = &http.Client{Transport: t}
	}
	if inner.Jar == nil {
		jar, err := cookiejar.New(nil)
		if err != nil {
			return nil, fmt.Errorf("mstr: cookie jar: %w", err)
		}
		copied := *inner
		copied.Jar = jar
		inner = &copied
	}
	hc := httpretry.New(httpretry.Config{
		HTTPClient:   inner,
		RetryMax:     cfg.RetryMax,
		RetryWaitMin: cfg.RetryWaitMin,
		RetryWaitMax: cfg.RetryWaitMax,
		Logger:       logger,
	})
	return &Client{cfg: cfg, base: u, http: hc, logger: logger}, nil
}

// Login opens a session with the standard login mode (POST
// /api/auth/login). The auth token is kept by the client and the session
// cookie by its cookie jar. Calls log in by themselves when needed, so
// calling Login first is optional; it is useful to fail early on bad
// credentials. A refused login wraps [ErrLoginFailed].
func (c *Client) Login(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return &OpError{Op: "login", Err: ErrNotLoggedIn}
	}
	return c.loginLocked(ctx)
}

func (c *Client) loginLocked(ctx context.Context) error {
	body, err := json.Marshal(struct {
		LoginMode int    `json:"loginMode"`
		Username  string `json:"username"`
		Password  string `json:"password"`
	}{c.cfg.LoginMode, c.cfg.Username, c.cfg.Password})
	if err != nil {
		return &OpError{Op: "login", Err: err}
	}
	req, err := c.newRequest(ctx, http.MethodPost, "api/auth/login", nil)
	if err != nil {
		return &OpError{Op: "login", Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req, httpretry.Bytes(body))
	if err != nil {
		return &OpError{Op: "login", Err: err}
	}
	defer drain(resp)
	if resp.StatusCode/100 != 2 {
		apiErr := checkResponse(resp)
		if apiErr.StatusCode == http.StatusUnauthorized || apiErr.Code == "ERR003" {
			return &OpError{Op: "login", Err: errors.Join(ErrLoginFailed, apiErr)}
		}
		return &OpError{Op: "login", Err: apiErr}
	}
	tok := resp.Header.Get(HeaderAuthToken)
	if tok == "" {
		return &OpError{Op: "login", Err: errors.New("server answered without an X-MSTR-AuthToken header")}
	}
	c.token = tok
	c.gen++
	c.logger.InfoContext(ctx, "mstr login", "base_url", httpretry.SanitizeURL(c.base), "username", c.cfg.Username)
	return nil
}

// Close logs out (POST /api/auth/logout) if a session is open and marks the
// client closed. It is safe to call more than once; later calls return nil.
func (c *Client) Close(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	if c.token == "" {
		return nil
	}
	tok := c.token
	c.token = ""
	req, err := c.newRequest(ctx, http.MethodPost, "api/auth/logout", nil)
	if err != nil {
		return &OpError{Op: "logout", Err: err}
	}
	req.Header.Set(HeaderAuthToken, tok)
	resp, err := c.http.Do(req, nil)
	if err != nil {
		return &OpError{Op: "logout", Err: err}
	}
	defer drain(resp)
	if resp.StatusCode/100 != 2 {
		apiErr := checkResponse(resp)
		if errors.Is(apiErr, ErrSessionExpired) {
			return nil // the session is gone already
		}
		return &OpError{Op: "logout", Err: apiErr}
	}
	c.logger.DebugContext(ctx, "mstr logout")
	return nil
}

// session returns the current token and its generation, logging in first
// when there is none.
func (c *Client) session(ctx context.Context) (string, int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return "", 0, ErrNotLoggedIn
	}
	if c.token == "" {
		if err := c.loginLocked(ctx); err != nil {
			return "", 0, err
		}
	}
	return c.token, c.gen, nil
}

// generation returns the login generation (incremented at every login).
func (c *Client) generation() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// relogin logs in again unless another goroutine already did since gen.
func (c *Client) relogin(ctx context.Context, gen int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrNotLoggedIn
	}
	if c.gen != gen && c.token != "" {
		return nil
	}
	c.token = ""
	c.logger.WarnContext(ctx, "mstr session expired, logging in again")
	return c.loginLocked(ctx)
}

// newRequest resolves path against the base URL.
func (c *Client) newRequest(ctx context.Context, method, path string, query url.Values) (*http.Request, error) {
	u, err := c.base.Parse(path)
	if err != nil {
		return nil, err
	}
	if len(query) > 0 {
		u.RawQuery = query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	return req, nil
}

// call is one authenticated project call.
type call struct {
	method string
	path   string
	query  url.Values
	body   any // marshalled to JSON when non-nil
}

// do sends an authenticated project call and returns the response body of
// a 2xx answer (read fully). An expired session (401 / ERR009) triggers
// one new login and one more try. GET bodies that break off mid-way are
// fetched again up to RetryMax times.
func (c *Client) do(ctx context.Context, cl call) ([]byte, error) {
	data, _, err := c.doGen(ctx, cl)
	return data, err
}

// doGen is do that also returns the login generation of the session the
// successful request was sent in (the session that owns what it created).
func (c *Client) doGen(ctx context.Context, cl call) ([]byte, int, error) {
	var payload []byte
	if cl.body != nil {
		var err error
		if payload, err = json.Marshal(cl.body); err != nil {
			return nil, 0, err
		}
	}
	relogged := false
	readRetries := max(c.cfg.RetryMax, 0)
	if c.cfg.RetryMax == 0 {
		readRetries = httpretry.DefaultRetryMax
	}
	for {
		tok, gen, err := c.session(ctx)
		if err != nil {
			return nil, 0, err
		}
		req, err := c.newRequest(ctx, cl.method, cl.path, cl.query)
		if err != nil {
			return nil, 0, err
		}
		req.Header.Set(HeaderAuthToken, tok)
		req.Header.Set(HeaderProjectID, c.cfg.ProjectID)
		var bodyFn httpretry.BodyFunc
		if payload != nil {
			req.Header.Set("Content-Type", "application/json")
			bodyFn = httpretry.Bytes(payload)
		}
		resp, err := c.http.Do(req, bodyFn)
		if err != nil {
			return nil, 0, err
		}
		if resp.StatusCode/100 != 2 {
			apiErr := checkResponse(resp)
			drain(resp)
			if errors.Is(apiErr, ErrSessionExpired) && !relogged {
				relogged = true
				if lerr := c.relogin(ctx, gen); lerr != nil {
					return nil, 0, errors.Join(apiErr, lerr)
				}
				continue
			}
			return nil, 0, apiErr
		}
		data, err := io.ReadAll(resp.Body)
		drain(resp)
		if err != nil {
			if cl.method == http.MethodGet && readRetries > 0 && ctx.Err() == nil {
				readRetries--
				c.logger.WarnContext(ctx, "mstr response body broke off, fetching again",
					"url", httpretry.SanitizeURL(req.URL), "error", err.Error())
				continue
			}
			return nil, 0, fmt.Errorf("reading response body: %w", err)
		}
		if len(bytes.TrimSpace(data)) > 0 && !looksJSON(data) {
			e := &APIError{StatusCode: resp.StatusCode, Attempts: httpretry.Attempts(resp),
				Method: req.Method, URL: httpretry.SanitizeURL(req.URL), Message: "response is not JSON"}
			e.BodyPrefix = errbody.Text(data, resp.Header.Get("Content-Type"), maxBodyPrefix)
			e.Message = "response is not JSON: " + e.BodyPrefix
			return nil, 0, e
		}
		return data, gen, nil
	}
}

func looksJSON(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 0 && (b[0] == '{' || b[0] == '[')
}

// checkResponse turns a non-2xx response into an *APIError, reading at
// most maxErrorBodySize bytes of the body.
func checkResponse(resp *http.Response) *APIError {
	e := &APIError{
		StatusCode: resp.StatusCode,
		Attempts:   httpretry.Attempts(resp),
		Method:     resp.Request.Method,
		URL:        httpretry.SanitizeURL(resp.Request.URL),
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBodySize))
	parseErrorBody(e, body)
	return e
}

// drain reads what is left of a body (bounded) and closes it so the
// connection can be reused.
func drain(resp *http.Response) {
	if resp == nil || resp.Body == nil {
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
}
