package amanda

import (
	"context"
	"database/sql"
	"log/slog"
	"time"
)

// DefaultProgressEvery is how many rows pass between two progress reports of
// an export when [Options.ProgressEvery] is zero.
const DefaultProgressEvery = 100_000

// Options tunes a Client. The zero value is ready to use.
type Options struct {
	// Logger receives the client's logs (keys: query, rows, columns,
	// elapsed): export progress at Info, the rest at Debug. nil discards
	// them.
	Logger *slog.Logger

	// Now is the clock used to measure elapsed time; nil means time.Now.
	Now func() time.Time

	// ProgressEvery is the number of rows between two progress reports
	// during an export (a log line at Info level and a call of Progress);
	// 0 means DefaultProgressEvery, a negative value disables them.
	ProgressEvery int64

	// Progress, when set, is called with the query name and the number of
	// rows exported so far every ProgressEvery rows. It runs on the
	// exporting goroutine: keep it quick.
	Progress func(query string, rows int64)
}

// Client runs the named AMANDA queries over a [*sql.DB]. It is safe for
// concurrent use by multiple goroutines; the connection pool is the
// *sql.DB's.
type Client struct {
	db            *sql.DB
	log           *slog.Logger
	now           func() time.Time
	progressEvery int64
	progress      func(string, int64)
	secrets       []string // spellings of the password, redacted from errors
	ownsDB        bool
}

// New returns a Client over db, for callers who bring their own *sql.DB —
// for example one opened with [sql.OpenDB] on their own
// [database/sql/driver.Connector], as tests do with a replaying connector.
// [Client.Close] does not close a db passed to New.
func New(db *sql.DB, opts Options) *Client {
	c := &Client{
		db:            db,
		log:           opts.Logger,
		now:           opts.Now,
		progressEvery: opts.ProgressEvery,
		progress:      opts.Progress,
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.progressEvery == 0 {
		c.progressEvery = DefaultProgressEvery
	}
	return c
}

// Ping checks that the database answers. On failure it returns an [*Error]
// with Op "ping".
func (c *Client) Ping(ctx context.Context) error {
	if err := guard(func() error { return c.db.PingContext(ctx) }); err != nil {
		return c.wrap("ping", "", 0, err)
	}
	return nil
}

// Close releases the connection pool when the Client was created by [Open];
// for a Client from [New] it does nothing (the caller owns the *sql.DB).
func (c *Client) Close() error {
	if !c.ownsDB {
		return nil
	}
	if err := c.db.Close(); err != nil {
		return c.wrap("close", "", 0, err)
	}
	return nil
}
