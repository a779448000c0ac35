package amanda

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sijms/go-ora/v2/configurations"

	"github.com/cityofaustin/atd-executive-dashboard/internal/faultnet"
)

func TestConfigWithDefaults(t *testing.T) {
	t.Parallel()
	valid := Config{Host: "db.example", ServiceName: "AMANDA", User: "svc", Password: "pw"}
	tests := []struct {
		name    string
		mutate  func(*Config)
		wantErr bool
		check   func(*testing.T, Config)
	}{
		{name: "defaults", check: func(t *testing.T, c Config) {
			if c.Port != 1521 || c.PrefetchRows != DefaultPrefetchRows {
				t.Errorf("defaults not filled: %+v", c)
			}
		}},
		{name: "explicit port kept", mutate: func(c *Config) { c.Port = 1600 }, check: func(t *testing.T, c Config) {
			if c.Port != 1600 {
				t.Errorf("Port = %d", c.Port)
			}
		}},
		{name: "no host", mutate: func(c *Config) { c.Host = "" }, wantErr: true},
		{name: "no service", mutate: func(c *Config) { c.ServiceName = "" }, wantErr: true},
		{name: "no user", mutate: func(c *Config) { c.User = "" }, wantErr: true},
		{name: "port too big", mutate: func(c *Config) { c.Port = 70000 }, wantErr: true},
		{name: "negative port", mutate: func(c *Config) { c.Port = -1 }, wantErr: true},
		{name: "negative timeout", mutate: func(c *Config) { c.ConnectTimeout = -time.Second }, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := valid
			if tt.mutate != nil {
				tt.mutate(&cfg)
			}
			got, err := cfg.withDefaults()
			if tt.wantErr {
				if !errors.Is(err, ErrConfig) {
					t.Fatalf("error = %v, want ErrConfig", err)
				}
				if _, err := Open(cfg, Options{}); !errors.Is(err, ErrConfig) {
					t.Fatalf("Open error = %v, want ErrConfig", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, got)
		})
	}
}

// TestDSN checks that go-ora parses the URL Open builds back into the same
// settings, passwords with URL-special characters included.
func TestDSN(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
	}{
		{"plain", Config{Host: "db.example", Port: 1521, ServiceName: "AMANDA", User: "svc", Password: "secret", PrefetchRows: 1000}},
		{"special characters", Config{Host: "10.0.0.5", Port: 1600, ServiceName: "amanda.rr", User: "svc_ro",
			Password: `p@ss:w/rd?#% "x"&y=1`, PrefetchRows: 50, ConnectTimeout: 1500 * time.Millisecond}},
		{"ipv6", Config{Host: "::1", Port: 1521, ServiceName: "S", User: "u", Password: "pw", PrefetchRows: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pc, err := configurations.ParseConfig(tt.cfg.dsn())
			if err != nil {
				t.Fatalf("go-ora cannot parse the DSN: %v", sanitize(err, tt.cfg.secrets()))
			}
			if pc.UserID != tt.cfg.User || pc.Password != tt.cfg.Password || pc.ServiceName != tt.cfg.ServiceName ||
				len(pc.Servers) != 1 || pc.Servers[0].Addr != tt.cfg.Host || pc.Servers[0].Port != tt.cfg.Port ||
				pc.PrefetchRows != tt.cfg.PrefetchRows {
				t.Errorf("parsed back user %q service %q servers %+v prefetch %d (password equal: %v)",
					pc.UserID, pc.ServiceName, pc.Servers, pc.PrefetchRows, pc.Password == tt.cfg.Password)
			}
			// go-ora applies its "CONNECTION TIMEOUT" to every network read:
			// ConnectTimeout must not become it, or a query slower than a
			// connect timeout to return its first rows would fail.
			if pc.SessionInfo.Timeout != goOraReadTimeout {
				t.Errorf("go-ora read timeout = %v, want its default %v whatever ConnectTimeout is",
					pc.SessionInfo.Timeout, goOraReadTimeout)
			}
		})
	}
}

// goOraReadTimeout is go-ora's default deadline for each network read.
const goOraReadTimeout = 10 * time.Minute

// TestConnectTimeout: a server that accepts the TCP connection and never
// answers the Oracle handshake is given up after ConnectTimeout, not after
// go-ora's 10-minute read deadline.
func TestConnectTimeout(t *testing.T) {
	t.Parallel()
	_, p, _ := net.SplitHostPort(faultnet.Silent(t))
	port, _ := strconv.Atoi(p)
	cfg := Config{Host: "127.0.0.1", Port: port, ServiceName: "S", User: "u", Password: "pw",
		ConnectTimeout: 200 * time.Millisecond}
	c, err := Open(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// The test's own bound, far above ConnectTimeout: without it a silent
	// server would hold Ping for go-ora's 10 minutes.
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	start := time.Now()
	err = c.Ping(ctx)
	if err == nil {
		t.Fatal("Ping to a silent server succeeded")
	}
	if ctx.Err() != nil {
		t.Fatalf("Ping returned only when the test's 20s bound expired (%v): ConnectTimeout was not applied", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "no answer within 200ms") {
		t.Errorf("error %q does not say the connection timed out", err)
	}
	t.Logf("gave up after %v: %v", time.Since(start).Round(time.Millisecond), err)
}

func TestSanitize(t *testing.T) {
	t.Parallel()
	cfg := Config{Password: `p@ss:w/rd?#% x`}
	secrets := cfg.secrets()
	plain := errors.New("ORA-01017: invalid username/password; logon denied")
	tests := []struct {
		name      string
		err       error
		unchanged bool
	}{
		{name: "nil", err: nil, unchanged: true},
		{name: "no secret keeps the chain", err: fmt.Errorf("connect: %w", plain), unchanged: true},
		{name: "raw password", err: fmt.Errorf("login as svc/%s failed", cfg.Password)},
		{name: "path-escaped in a URL", err: &url.Error{Op: "parse", URL: "oracle://svc:" + url.PathEscape(cfg.Password) + "@h:1521/S", Err: errors.New("invalid port")}},
		{name: "query-escaped", err: errors.New("bad option " + url.QueryEscape(cfg.Password))},
		{name: "hidden in the chain", err: hiding{inner: errors.New("pw=" + cfg.Password)}},
		{name: "hidden in a joined chain", err: hiding{inner: errors.Join(plain, errors.New("pw="+cfg.Password))}},
		{name: "hidden in a multi-error", err: hidingMany{errors.New("pw=" + url.PathEscape(cfg.Password))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := sanitize(tt.err, secrets)
			if tt.unchanged {
				if got != tt.err {
					t.Fatalf("sanitize changed a harmless error: %v", got)
				}
				return
			}
			if got == nil {
				t.Fatal("sanitize returned nil")
			}
			switch got.(type) {
			case interface{ Unwrap() error }, interface{ Unwrap() []error }:
				t.Fatalf("sanitized error %v (%T) keeps a chain", got, got)
			}
			for _, s := range secrets {
				if strings.Contains(got.Error(), s) || strings.Contains(fmt.Sprintf("%+v %#v", got, got), s) {
					t.Errorf("sanitized error %q still holds %q", got, s)
				}
			}
			if !strings.HasPrefix(tt.name, "hidden in") && !strings.Contains(got.Error(), redacted) {
				t.Errorf("sanitized text %q has no REDACTED marker", got)
			}
		})
	}
}

// hiding is an error whose own text hides the secret its cause holds.
type hiding struct{ inner error }

func (h hiding) Error() string { return "connection failed" }
func (h hiding) Unwrap() error { return h.inner }

// hidingMany hides the secret of one of its several causes.
type hidingMany []error

func (h hidingMany) Error() string   { return "several failures" }
func (h hidingMany) Unwrap() []error { return h }

func TestSecretsSpellings(t *testing.T) {
	t.Parallel()
	if got := (Config{}).secrets(); got != nil {
		t.Errorf("no password, secrets = %q", got)
	}
	got := (Config{Password: "a b/c"}).secrets()
	for _, want := range []string{"a b/c", url.PathEscape("a b/c"), url.QueryEscape("a b/c")} {
		found := false
		for _, s := range got {
			found = found || s == want
		}
		if !found {
			t.Errorf("secrets %q lack %q", got, want)
		}
	}
}
