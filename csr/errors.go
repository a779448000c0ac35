package csr

import (
	"errors"
	"strconv"
)

// Sentinel errors. Test for them with [errors.Is]; they arrive wrapped in
// the typed errors below.
var (
	// ErrNotReport means the endpoint answered with something that is not
	// the expected report (an HTML page, another encoding, missing columns).
	// It is wrapped by [*FormatError].
	ErrNotReport = errors.New("not the expected report")
	// ErrBadDate means a date column holds text in no accepted format.
	ErrBadDate = errors.New("unrecognised date")
	// ErrFieldCount means a record has a different number of fields than
	// the header.
	ErrFieldCount = errors.New("wrong number of fields")
	// ErrQuote means a quoted field is not terminated.
	ErrQuote = errors.New("unterminated quoted field")
	// ErrRecordTooLong means a record (a line, or a quoted field spanning
	// lines) is longer than [MaxRecordSize]: a quote that is never closed,
	// or a body without line ends. Reading stops there rather than hold
	// the rest of the report in memory.
	ErrRecordTooLong = errors.New("record too long")
	// ErrTruncated means the report was cut: its last line has no line end
	// and the response declared no length to show it whole.
	ErrTruncated = errors.New("the report was cut")
	// ErrTooLarge means a download is larger than its documented bound
	// ([MaxFlexNotesSize]).
	ErrTooLarge = errors.New("report too large")
)

// Error records the operation and endpoint that failed and the cause: a
// connection failure while fetching, or a read failure mid-stream (a dropped
// connection, a truncated body).
type Error struct {
	Op  string // "fetch", "read report", "read flex notes"
	URL string // endpoint without query string or user info
	Err error
}

// Error names the operation, the sanitized URL and the cause.
func (e *Error) Error() string {
	if e.URL == "" {
		return "csr: " + e.Op + ": " + e.Err.Error()
	}
	return "csr: " + e.Op + " " + e.URL + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// FormatError says that a response is not the expected report and what
// arrived instead. It wraps [ErrNotReport]. Got never contains more than a
// short prefix of the body.
type FormatError struct {
	// What names the check that failed: "html", "encoding", "empty",
	// "columns" or "xlsx".
	What string
	// Got describes what arrived, e.g. "an HTML page titled 'Request
	// Rejected'".
	Got string
	// Missing lists the missing report columns when What is "columns".
	Missing []string
}

// Error says what arrived instead of the report.
func (e *FormatError) Error() string {
	return "csr: the response is not the report: got " + e.Got
}

// Unwrap returns [ErrNotReport].
func (e *FormatError) Unwrap() error { return ErrNotReport }

// ParseError is a syntax error in the tab-separated report or a value that
// cannot be transformed. It wraps [ErrFieldCount], [ErrQuote],
// [ErrRecordTooLong] or [ErrBadDate].
type ParseError struct {
	Row    int    // 1-based data row (the header is row 0)
	Line   int    // 1-based line of the report where the row starts
	Column string // report column, when known
	// Value is the offending text for date and number columns (never for
	// free-text columns, which may hold personal data), truncated.
	Value string
	Err   error
}

// Error gives the row, line, column, cause and (for dates and numbers)
// the offending text.
func (e *ParseError) Error() string {
	s := "csr: row " + strconv.Itoa(e.Row) + " (line " + strconv.Itoa(e.Line) + ")"
	if e.Column != "" {
		s += ", column " + strconv.Quote(e.Column)
	}
	s += ": " + e.Err.Error()
	if e.Value != "" {
		s += " " + strconv.Quote(e.Value)
	}
	return s
}

// Unwrap returns the cause.
func (e *ParseError) Unwrap() error { return e.Err }
