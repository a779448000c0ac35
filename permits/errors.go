package permits

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
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

// readHeader starts reading a CSV file: it returns a reader that allows
// ragged rows and reuses records, and the header record (copied). An empty
// file or a malformed header is a *ParseError naming file.
func readHeader(r io.Reader, file string) (*csv.Reader, []string, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, nil, &ParseError{File: file, Line: 1, Err: errors.New("empty file: no header")}
	}
	if err != nil {
		return nil, nil, csvError(file, err)
	}
	return cr, slices.Clone(header), nil
}
