package permits

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/cityofaustin/atd-executive-dashboard/internal/csvlimit"
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
	return "permits: " + where + ": " + csvlimit.Clip(e.Err.Error())
}

func (e *ParseError) Unwrap() error { return e.Err }

// csvError converts an encoding/csv error into a *ParseError.
func csvError(file string, err error) error {
	var ce *csv.ParseError
	if errors.As(err, &ce) {
		return &ParseError{File: file, Line: ce.Line, Err: ce.Err}
	}
	var big *csvlimit.RecordTooLargeError
	if errors.As(err, &big) {
		return &ParseError{File: file, Line: big.Line, Err: err}
	}
	return &ParseError{File: file, Err: err}
}

// MaxRecordBytes bounds a record (a line, or lines joined by a quoted
// field) of the CSV files the package reads: a longer one is a
// [*ParseError] wrapping a *csvlimit.RecordTooLargeError, and is never read
// whole. Error messages quote at most about 200 bytes of input.
const MaxRecordBytes = csvlimit.DefaultMaxRecord

// readHeader starts reading a CSV file: it returns a reader that allows
// ragged rows, reuses records and bounds them at MaxRecordBytes, and the
// header record (copied). An empty file or a malformed header is a
// *ParseError naming file.
func readHeader(r io.Reader, file string) (*csv.Reader, []string, error) {
	cr := csv.NewReader(csvlimit.NewReader(r, MaxRecordBytes))
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
