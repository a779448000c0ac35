package amandatest

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
)

// Column describes one column of a replayed result set: the name Oracle reports
// for the select list and the database type name as go-ora reports it through
// [driver.RowsColumnTypeDatabaseTypeName] ("NCHAR" for VARCHAR2, "CHAR",
// "NUMBER", "DATE", "TIMESTAMP", …).
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// ResultSet is what the replaying driver answers to one SQL text: either the
// recorded Rows, or — when Generate is set — N rows produced lazily, one at a
// time, so a test can stream millions of rows without holding them.
//
// When Err is non-nil, the cursor fails with Err after ErrAfter rows (a
// dropped connection or an ORA- error in the middle of a fetch).
type ResultSet struct {
	Columns []Column
	Rows    [][]driver.Value

	// N and Generate describe a generated result: Generate fills dest with
	// row i (0-based) for i in [0, N). dest has one slot per column and is
	// reused between calls.
	N        int64
	Generate func(i int64, dest []driver.Value)

	// ErrAfter and Err inject a cursor failure after ErrAfter rows.
	ErrAfter int64
	Err      error
}

// Len returns how many rows the result set yields when nothing fails.
func (rs *ResultSet) Len() int64 {
	if rs.Generate != nil {
		return rs.N
	}
	return int64(len(rs.Rows))
}

// ColumnNames returns the names of rs's columns.
func (rs *ResultSet) ColumnNames() []string {
	names := make([]string, len(rs.Columns))
	for i, c := range rs.Columns {
		names[i] = c.Name
	}
	return names
}

// UnexpectedSQLError is returned by the replaying driver for a SQL text it
// has no result set for. A query whose text changed by one character fails
// this way, so tests notice any edit of a query.
type UnexpectedSQLError struct {
	SQL string
}

// Error quotes the unexpected SQL text.
func (e *UnexpectedSQLError) Error() string {
	return fmt.Sprintf("amandatest: no recorded result set for SQL %q", e.SQL)
}

// ErrNotSupported is returned for operations the read-only replay does not
// implement (Exec, transactions).
var ErrNotSupported = errors.New("amandatest: operation not supported by the replaying driver")

// Connector is a [driver.Connector] that replays recorded result sets. Open
// it with [database/sql.OpenDB]; nothing is registered globally. It is safe
// for concurrent use.
type Connector struct {
	mu       sync.Mutex
	sets     map[string]*ResultSet
	executed []string
	connErr  error
}

var (
	_ driver.Connector          = (*Connector)(nil)
	_ driver.Conn               = (*conn)(nil)
	_ driver.QueryerContext     = (*conn)(nil)
	_ driver.ConnPrepareContext = (*conn)(nil)
	_ driver.Pinger             = (*conn)(nil)
	_ driver.StmtQueryContext   = (*stmt)(nil)
	_ driver.Rows               = (*rows)(nil)

	_ driver.RowsColumnTypeDatabaseTypeName = (*rows)(nil)
)

// NewConnector returns a Connector that knows no SQL yet; add result sets
// with [Connector.Handle].
func NewConnector() *Connector {
	return &Connector{sets: make(map[string]*ResultSet)}
}

// Handle makes the connector answer the exact SQL text sql with rs. A later
// Handle for the same text replaces the earlier one.
func (c *Connector) Handle(sql string, rs ResultSet) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sets[sql] = &rs
}

// FailConnect makes every later Connect fail with err (nil restores it).
func (c *Connector) FailConnect(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.connErr = err
}

// Executed returns the SQL texts queried so far, in order, including
// unexpected ones.
func (c *Connector) Executed() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.executed)
}

// Connect implements [driver.Connector].
func (c *Connector) Connect(ctx context.Context) (driver.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.connErr != nil {
		return nil, c.connErr
	}
	return &conn{c: c}, nil
}

// Driver implements [driver.Connector]. The returned driver cannot open
// connections by name: use the Connector.
func (c *Connector) Driver() driver.Driver { return replayDriver{} }

type replayDriver struct{}

func (replayDriver) Open(string) (driver.Conn, error) { return nil, ErrNotSupported }

func (c *Connector) lookup(query string) (*ResultSet, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.executed = append(c.executed, query)
	rs, ok := c.sets[query]
	if !ok {
		return nil, &UnexpectedSQLError{SQL: query}
	}
	return rs, nil
}

type conn struct {
	c *Connector
}

func (cn *conn) Prepare(query string) (driver.Stmt, error) {
	return cn.PrepareContext(context.Background(), query)
}

func (cn *conn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rs, err := cn.c.lookup(query)
	if err != nil {
		return nil, err
	}
	return &stmt{rs: rs}, nil
}

func (cn *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(args) > 0 {
		return nil, fmt.Errorf("amandatest: unexpected bind arguments (%d) for %q", len(args), query)
	}
	rs, err := cn.c.lookup(query)
	if err != nil {
		return nil, err
	}
	return newRows(rs), nil
}

func (cn *conn) Ping(ctx context.Context) error { return ctx.Err() }
func (cn *conn) Close() error                   { return nil }
func (cn *conn) Begin() (driver.Tx, error)      { return nil, ErrNotSupported }

type stmt struct {
	rs *ResultSet
}

func (s *stmt) Close() error  { return nil }
func (s *stmt) NumInput() int { return 0 }
func (s *stmt) Exec([]driver.Value) (driver.Result, error) {
	return nil, ErrNotSupported
}
func (s *stmt) Query([]driver.Value) (driver.Rows, error) { return newRows(s.rs), nil }
func (s *stmt) QueryContext(ctx context.Context, _ []driver.NamedValue) (driver.Rows, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return newRows(s.rs), nil
}

type rows struct {
	rs     *ResultSet
	names  []string
	i      int64
	closed bool
}

func newRows(rs *ResultSet) *rows {
	return &rows{rs: rs, names: rs.ColumnNames()}
}

func (r *rows) Columns() []string { return r.names }

func (r *rows) ColumnTypeDatabaseTypeName(i int) string { return r.rs.Columns[i].Type }

func (r *rows) Close() error {
	r.closed = true
	return nil
}

func (r *rows) Next(dest []driver.Value) error {
	if r.closed {
		return io.EOF
	}
	if r.rs.Err != nil && r.i == r.rs.ErrAfter {
		return r.rs.Err
	}
	if r.i >= r.rs.Len() {
		return io.EOF
	}
	if r.rs.Generate != nil {
		r.rs.Generate(r.i, dest)
	} else {
		copy(dest, r.rs.Rows[r.i])
	}
	r.i++
	return nil
}
