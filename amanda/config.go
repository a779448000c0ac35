package amanda

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"time"

	go_ora "github.com/sijms/go-ora/v2"
)

// DefaultPort is the Oracle listener port used when [Config.Port] is zero.
const DefaultPort = 1521

// DefaultPrefetchRows is the number of rows fetched per round trip when
// [Config.PrefetchRows] is zero. go-ora's own default (25) makes a
// multi-million-row export needlessly chatty.
const DefaultPrefetchRows = 1000

// redacted replaces secrets in String, LogValue and sanitized errors.
const redacted = "REDACTED"

// Config is how to reach the AMANDA read replica. The zero value of a field
// means its default. Password is a secret: [Config.String], [Config.GoString]
// and [Config.LogValue] never show it.
type Config struct {
	Host        string // listener host name or address (required)
	Port        int    // listener port; 0 means DefaultPort (1521)
	ServiceName string // Oracle service name (required)
	User        string // database user (required)
	Password    string // database password (secret)

	// ConnectTimeout bounds establishing a connection (dial, handshake,
	// logon); 0 means no bound beyond the caller's context. It does not
	// bound queries. (go-ora's own "CONNECTION TIMEOUT" option is not used
	// for it: go-ora applies that value as the deadline of every network
	// read, so a query whose first rows take longer than a connect timeout
	// would fail. Reads keep go-ora's default deadline, 10 minutes without
	// a packet from the server.)
	ConnectTimeout time.Duration

	// PrefetchRows is how many rows go-ora fetches per round trip; 0 means
	// DefaultPrefetchRows.
	PrefetchRows int
}

// String returns the configuration with the password redacted.
func (c Config) String() string {
	pw := ""
	if c.Password != "" {
		pw = redacted
	}
	return fmt.Sprintf("amanda.Config{Host: %q, Port: %d, ServiceName: %q, User: %q, Password: %q}",
		c.Host, c.Port, c.ServiceName, c.User, pw)
}

// GoString is String, so %#v does not print the password either.
func (c Config) GoString() string { return c.String() }

// LogValue implements [slog.LogValuer]: the configuration as a group with the
// password redacted.
func (c Config) LogValue() slog.Value {
	pw := ""
	if c.Password != "" {
		pw = redacted
	}
	return slog.GroupValue(
		slog.String("host", c.Host),
		slog.Int("port", c.Port),
		slog.String("service_name", c.ServiceName),
		slog.String("user", c.User),
		slog.String("password", pw),
	)
}

// withDefaults validates c and fills in the defaults, in one place.
func (c Config) withDefaults() (Config, error) {
	if c.Port == 0 {
		c.Port = DefaultPort
	}
	if c.PrefetchRows == 0 {
		c.PrefetchRows = DefaultPrefetchRows
	}
	switch {
	case c.Host == "":
		return c, fmt.Errorf("%w: Host is required", ErrConfig)
	case c.ServiceName == "":
		return c, fmt.Errorf("%w: ServiceName is required", ErrConfig)
	case c.User == "":
		return c, fmt.Errorf("%w: User is required", ErrConfig)
	case c.Port < 0 || c.Port > 65535:
		return c, fmt.Errorf("%w: Port %d out of range", ErrConfig, c.Port)
	case c.PrefetchRows < 0:
		return c, fmt.Errorf("%w: PrefetchRows %d is negative", ErrConfig, c.PrefetchRows)
	case c.ConnectTimeout < 0:
		return c, fmt.Errorf("%w: ConnectTimeout %v is negative", ErrConfig, c.ConnectTimeout)
	}
	return c, nil
}

// dsn returns the go-ora connection URL. It contains the password: it is a
// secret and must never be logged or put into an error.
func (c Config) dsn() string {
	opts := map[string]string{"PREFETCH_ROWS": strconv.Itoa(c.PrefetchRows)}
	return go_ora.BuildUrl(c.Host, c.Port, c.ServiceName, c.User, c.Password, opts)
}

// safeConnector turns a panic of the wrapped connector (go-ora panics on
// junk from the server while it opens the session) into an error wrapping
// [ErrDriver]. database/sql also calls Connect from its own goroutine to
// fill the pool, where nothing else could recover the panic.
type safeConnector struct{ driver.Connector }

func (c safeConnector) Connect(ctx context.Context) (conn driver.Conn, err error) {
	defer func() {
		if r := recover(); r != nil {
			conn, err = nil, fmt.Errorf("connect: %w", driverPanic(r))
		}
	}()
	return c.Connector.Connect(ctx)
}

// timeoutConnector bounds each Connect of the wrapped connector by timeout.
// go-ora watches the context only while it opens the connection, so the
// bound does not reach the queries run on it.
type timeoutConnector struct {
	driver.Connector
	timeout time.Duration
}

func (c timeoutConnector) Connect(ctx context.Context) (driver.Conn, error) {
	bounded, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	conn, err := c.Connector.Connect(bounded)
	if err != nil && ctx.Err() == nil && errors.Is(bounded.Err(), context.DeadlineExceeded) {
		// go-ora reports the connection it closed, not why.
		return nil, fmt.Errorf("connect: no answer within %v (%w): %w", c.timeout, context.DeadlineExceeded, err)
	}
	return conn, err
}

// secrets lists every spelling of the password that could appear in a
// driver's error text: raw, and escaped as go-ora escapes it in the URL.
func (c Config) secrets() []string {
	if c.Password == "" {
		return nil
	}
	out := []string{c.Password}
	for _, s := range []string{url.PathEscape(c.Password), url.QueryEscape(c.Password), url.UserPassword("", c.Password).String()[1:]} {
		if s != c.Password {
			out = append(out, s)
		}
	}
	return out
}

// Open validates cfg and returns a Client for the AMANDA read replica through
// go-ora. It does not connect: the first query (or [Client.Ping]) does. The
// connection URL, which holds the password, is never logged nor returned in
// an error; errors from the driver have any spelling of the password
// replaced. On an invalid cfg Open returns an error wrapping [ErrConfig].
func Open(cfg Config, opts Options) (*Client, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, &Error{Op: "open", Err: err}
	}
	var connector driver.Connector = safeConnector{go_ora.NewConnector(cfg.dsn())}
	if cfg.ConnectTimeout > 0 {
		connector = timeoutConnector{Connector: connector, timeout: cfg.ConnectTimeout}
	}
	db := sql.OpenDB(connector)
	c := New(db, opts)
	c.secrets = cfg.secrets()
	c.ownsDB = true
	c.log.Debug("amanda client configured", slog.Any("config", cfg))
	return c, nil
}
