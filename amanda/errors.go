package amanda

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors, wrapped inside an [*Error]; test with [errors.Is].
var (
	// ErrConfig means the Config is invalid (a required field is empty, the
	// port is out of range).
	ErrConfig = errors.New("invalid configuration")

	// ErrUnknownQuery means no named query has the given name.
	ErrUnknownQuery = errors.New("unknown query")

	// ErrColumns means the database reported other column names than the
	// query's contract (Query.Columns): nothing was written, because
	// downstream jobs and Power BI key on those names.
	ErrColumns = errors.New("unexpected result columns")

	// ErrValue means a value could not be converted to its typed field.
	ErrValue = errors.New("unexpected value")

	// ErrDriver means the Oracle driver panicked, typically on bytes from
	// the server it could not parse (something other than an Oracle
	// listener on the port, or a broken answer). The panic is recovered and
	// reported as this error, never as a stack trace.
	ErrDriver = errors.New("the Oracle driver failed on an unexpected answer from the server")
)

// guard runs f, a call into the driver, and returns a panic of it as an
// error wrapping [ErrDriver]. database/sql runs the driver's query, fetch
// and scan code on the caller's goroutine, so the panic can be recovered
// here; panics of a caller's own code (an iterator's loop body, a writer)
// are not guarded and propagate as usual.
func guard(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = driverPanic(r)
		}
	}()
	return f()
}

// next is rows.Next under [guard].
func next(rows *sql.Rows) (more bool, err error) {
	err = guard(func() error { more = rows.Next(); return nil })
	return more, err
}

// driverPanic converts a recovered panic value into an error wrapping
// [ErrDriver], in one line.
func driverPanic(r any) error {
	return fmt.Errorf("%w (driver panic: %s)", ErrDriver, strings.Join(strings.Fields(fmt.Sprint(r)), " "))
}

// Error records which operation failed on which query, how many rows had been
// read (or written) before, and the cause. Its text never contains the
// database password.
type Error struct {
	Op    string // "open", "ping", "lookup", "query", "columns", "scan", "fetch", "write", "close"
	Query string // the query name, "" when none applies
	Rows  int64  // rows read before the failure
	Err   error  // the cause
}

// Error returns "amanda: OP QUERY (after N rows): cause", leaving out the
// parts that do not apply.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("amanda: ")
	b.WriteString(e.Op)
	if e.Query != "" {
		b.WriteString(" ")
		b.WriteString(e.Query)
	}
	if e.Rows > 0 {
		fmt.Fprintf(&b, " (after %d rows)", e.Rows)
	}
	b.WriteString(": ")
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	} else {
		b.WriteString("unknown error")
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// wrap builds the typed error for op, with the cause sanitized.
func (c *Client) wrap(op, query string, rows int64, err error) error {
	return &Error{Op: op, Query: query, Rows: rows, Err: sanitize(err, c.secrets)}
}

// redactedError stands in for a cause whose text held a secret. It keeps no
// reference to the original, so no Unwrap chain can leak it.
type redactedError struct{ msg string }

func (e *redactedError) Error() string { return e.msg }

// sanitize returns err unchanged when its text (and the text of every error
// it wraps, through Unwrap() error and Unwrap() []error alike) contains none
// of secrets; otherwise an error with the same text, every spelling of the
// secret replaced by REDACTED and no Unwrap chain. Driver errors (go-ora,
// url.Parse) can echo the connection URL.
func sanitize(err error, secrets []string) error {
	if err == nil || len(secrets) == 0 {
		return err
	}
	if !leaks(err, secrets) {
		return err
	}
	msg := err.Error()
	for _, s := range secrets {
		msg = strings.ReplaceAll(msg, s, redacted)
	}
	return &redactedError{msg: msg}
}

// leaks reports whether the text of err or of any error in its tree holds
// one of secrets.
func leaks(err error, secrets []string) bool {
	if err == nil {
		return false
	}
	if containsAny(err.Error(), secrets) {
		return true
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		return leaks(u.Unwrap(), secrets)
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			if leaks(e, secrets) {
				return true
			}
		}
	}
	return false
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if sub != "" && strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
