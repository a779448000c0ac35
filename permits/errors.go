package permits

import (
	"encoding/csv"
	"errors"
	"fmt"
)

// ParseError reports malformed input in one of the CSV files the package
// reads. Line is 1-based; Column names the CSV column when known.
type ParseError struct {
	File   string
	Line   int
	Column string
	Err    error
}

func (e *ParseError) Error() string {
	where := fmt.Sprintf("%s line %d", e.File, e.Line)
	if e.Column != "" {
		where += " column " + e.Column
	}
	return "permits: " + where + ": " + e.Err.Error()
}

func (e *ParseError) Unwrap() error { return e.Err }

// csvError converts an encoding/csv error into a *ParseError.
func csvError(file string, err error) error {
	var ce *csv.ParseError
	if errors.As(err, &ce) {
		return &ParseError{File: file, Line: ce.Line, Err: ce.Err}
	}
	return &ParseError{File: file, Err: err}
}
