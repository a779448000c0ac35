package mstr

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/cityofaustin/atd-executive-dashboard/internal/errbody"
	"github.com/cityofaustin/atd-executive-dashboard/internal/httpapi"
)

// Defaults applied by [New] to zero fields of [Config].
const (
	DefaultPageSize  = 5000
	DefaultMaxRounds = 5
	// DefaultTimeout bounds each wait of a request attempt (connecting,
	// waiting for the answer, each gap in a body): creating an instance
	// runs the report before the server answers.
	DefaultTimeout = 5 * time.Minute
	// LogoutTimeout bounds the logout of [Client.Close], whatever the
	// context allows: a hung server must not hold a stopping job.
	LogoutTimeout = 3 * time.Second
)

// loginMode is the REST loginMode of a standard login.
const loginMode = 1

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
	// BaseURL + "/api"; a BaseURL that already ends in "/api" reaches the
	// same endpoints. Required.
	BaseURL string
	// Username and Password are the standard-login credentials. Required.
	Username string
	Password string
	// ProjectID is the 32-hex project id sent as X-MSTR-ProjectID on
	// project calls. Required.
	ProjectID string

	// HTTPClient performs single attempts. When it has no cookie jar, the
	// client uses a copy of it with its own jar (the session cookie must
	// travel with the auth token). Nil means a pooled client.
	HTTPClient *http.Client
	// Timeout bounds every wait of each attempt: connecting, waiting for
	// the answer and each gap while a body arrives (default 5 minutes).
	Timeout time.Duration
	// Logger receives progress at Info/Debug level and retry warnings.
	// Nil discards.
	Logger *slog.Logger

	// PageSize is the number of rows asked per data page (default 5000).
	PageSize int

	// RetryMax, RetryWaitMin and RetryWaitMax tune retries on 429, 5xx
	// and connection faults (defaults 4, 1s, 30s).
	RetryMax                   int
	RetryWaitMin, RetryWaitMax time.Duration
}

// String renders cfg with the password redacted.
func (cfg Config) String() string {
	return fmt.Sprintf("mstr.Config{BaseURL:%q Username:%q Password:%s ProjectID:%q PageSize:%d}",
		cfg.BaseURL, cfg.Username, httpapi.Redact(cfg.Password), cfg.ProjectID, cfg.PageSize)
}

// GoString renders cfg for %#v with the password redacted.
func (cfg Config) GoString() string { return cfg.String() }

// LogValue renders cfg for slog with the password redacted.
func (cfg Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("base_url", cfg.BaseURL),
		slog.String("username", cfg.Username),
		slog.String("password", httpapi.Redact(cfg.Password)),
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
	http   *httpapi.Client
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
	// The paths below start with api/: a BaseURL ending in /api is the same root.
	u, err := httpapi.ParseBase(strings.TrimSuffix(strings.TrimRight(cfg.BaseURL, "/"), "/api"))
	if err != nil {
		return nil, errors.New("mstr: Config.BaseURL must be an absolute http(s) URL")
	}
	if cfg.Username == "" {
		return nil, errors.New("mstr: Config.Username is required")
	}
	if cfg.Password == "" {
		return nil, errors.New("mstr: Config.Password is required")
	}
	if cfg.ProjectID == "" {
		return nil, errors.New("mstr: Config.ProjectID is required")
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = DefaultPageSize
	}
	logger := cmp.Or(cfg.Logger, slog.New(slog.DiscardHandler))
	inner := cfg.HTTPClient
	if inner == nil {
		inner = &http.Client{}
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
	hc := httpapi.New(httpapi.Config{
		System:       "mstr",
		BaseURL:      u,
		HTTPClient:   inner,
		Timeout:      cmp.Or(cfg.Timeout, DefaultTimeout),
		RetryMax:     cfg.RetryMax,
		RetryWaitMin: cfg.RetryWaitMin,
		RetryWaitMax: cfg.RetryWaitMax,
		NewError:     newAPIError,
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
	body, err := httpapi.JSON(struct {
		LoginMode int    `json:"loginMode"`
		Username  string `json:"username"`
		Password  string `json:"password"`
	}{loginMode, c.cfg.Username, c.cfg.Password})
	if err != nil {
		return &OpError{Op: "login", Err: err}
	}
	req, err := c.newRequest(ctx, http.MethodPost, "api/auth/login", nil)
	if err != nil {
		return &OpError{Op: "login", Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req, body)
	var apiErr *APIError
	if errors.As(err, &apiErr) && (apiErr.StatusCode == http.StatusUnauthorized || apiErr.Code == "ERR003") {
		return &OpError{Op: "login", Err: errors.Join(ErrLoginFailed, apiErr)}
	}
	if err != nil {
		return &OpError{Op: "login", Err: err}
	}
	resp.Body.Close()
	tok := resp.Header.Get(HeaderAuthToken)
	if tok == "" {
		return &OpError{Op: "login", Err: errors.New("server answered without an X-MSTR-AuthToken header")}
	}
	c.token = tok
	c.gen++
	c.logger.InfoContext(ctx, "mstr login", "base_url", httpapi.SanitizeURL(c.base), "username", c.cfg.Username)
	return nil
}

// Close logs out (POST /api/auth/logout, once, within [LogoutTimeout]) if
// a session is open and marks the client closed. It is safe to call more
// than once; later calls return nil.
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
	ctx, cancel := context.WithTimeout(ctx, LogoutTimeout)
	defer cancel()
	req, err := c.newRequest(ctx, http.MethodPost, "api/auth/logout", nil)
	if err != nil {
		return &OpError{Op: "logout", Err: err}
	}
	req.Header.Set(HeaderAuthToken, tok)
	resp, err := c.http.Do(req, httpapi.Body{})
	if errors.Is(err, ErrSessionExpired) {
		return nil // the session is gone already
	}
	if err != nil {
		return &OpError{Op: "logout", Err: err}
	}
	resp.Body.Close()
	c.logger.DebugContext(ctx, "mstr logout")
	return nil
}

// session returns the current token and its login generation, logging in
// when there is none, or again when the token of generation expired is
// still the current one (not when another call logged in since).
func (c *Client) session(ctx context.Context, expired int) (string, int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return "", 0, ErrNotLoggedIn
	}
	if c.token != "" && c.gen == expired {
		c.token = ""
		c.logger.WarnContext(ctx, "mstr session expired, logging in again")
	}
	if c.token == "" {
		if err := c.loginLocked(ctx); err != nil {
			return "", 0, err
		}
	}
	return c.token, c.gen, nil
}

// newRequest resolves path against the base URL.
func (c *Client) newRequest(ctx context.Context, method, path string, query url.Values) (*http.Request, error) {
	req, err := c.http.NewRequest(ctx, method, path, query)
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
// a 2xx answer (read fully; a GET body that breaks off is fetched again).
// An expired session (401 / ERR009) triggers one new login and one more
// try; anything else is returned.
func (c *Client) do(ctx context.Context, cl call) ([]byte, error) {
	var body httpapi.Body
	if cl.body != nil {
		var err error
		if body, err = httpapi.JSON(cl.body); err != nil {
			return nil, err
		}
	}
	var expired error // the answer of the expired session, once
	for stale := 0; ; {
		tok, gen, err := c.session(ctx, stale)
		if err != nil {
			return nil, errors.Join(expired, err)
		}
		req, err := c.newRequest(ctx, cl.method, cl.path, cl.query)
		if err != nil {
			return nil, err
		}
		req.Header.Set(HeaderAuthToken, tok)
		req.Header.Set(HeaderProjectID, c.cfg.ProjectID)
		if cl.body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		data, resp, err := c.http.Fetch(req, body)
		if errors.Is(err, ErrSessionExpired) && expired == nil {
			expired, stale = err, gen
			continue
		}
		var apiErr *APIError
		if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusNotFound && gen > 1 {
			return nil, fmt.Errorf("%w (after logging in again: a report instance belongs to the session that expired; run the report again)", err)
		}
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(data)) > 0 && !looksJSON(data) {
			return nil, c.http.ResponseError(resp, fmt.Errorf("not JSON: %s",
				errbody.Text(data, resp.Header.Get("Content-Type"), maxBodyPrefix)))
		}
		return data, nil
	}
}

func looksJSON(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 0 && (b[0] == '{' || b[0] == '[')
}
