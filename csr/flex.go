package csr

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"strconv"
	"strings"

	"github.com/cityofaustin/atd-executive-dashboard/internal/errbody"
	"github.com/cityofaustin/atd-executive-dashboard/socrata"
	"github.com/xuri/excelize/v2"
)

// The flex-notes report columns and their Socrata fields (docs/DATASETS.md,
// flex_notes_to_socrata).
var flexColumns = [...]struct{ name, field string }{
	{"Flex Notes ID", "flex_note_id"},
	{"Service Request Number", "service_request_number"},
	{"Flex Notes Definition ID", "flex_notes_definition_id"},
	{"Service Request ID", "service_request_id"},
	{"Flex Question", "flex_question"},
	{"Flex Answer", "flex_answer"},
}

const (
	flexID = iota
	flexSRNumber
	flexDefinitionID
	flexSRID
	flexQuestion
	flexAnswer
	flexNumColumns
)

var flexSchema = socrata.NewSchema(FlexFields()...)

// FlexFields returns the Socrata field names of a flex-notes row, in report
// order. It returns a new slice on every call.
func FlexFields() []string {
	out := make([]string, len(flexColumns))
	for i, c := range flexColumns {
		out[i] = c.field
	}
	return out
}

// DefaultIgnoredQuestions returns the flex questions whose answers are
// private (reporter information, license plates, card digits, APD case
// numbers, ParkATX user ids, citation numbers) and are never published.
// The texts are those of the pandas job this module replaces
// (cityofaustin/atd-executive-dashboard csr/flex_notes_to_socrata.py,
// IGNORED_QUESTIONS), matched exactly, including the double space in the
// APD question. It returns a new slice on every call.
func DefaultIgnoredQuestions() []string {
	return []string{
		"Mobile Apps Reporter Information",
		"Provide license plate number of vehicle, if known.",
		"*What are the last 4 digits of the card number that you used for this transaction?",
		"Enter APD  # if known (Case #, Officer #, etc.).",
		"Provide User ID from ParkATX App (If user ID is unavailable, type N/A)",
		"What are the last 4 digits of the card number that you used for this transaction?",
		"What is the 9-digit citation number (top line)?",
	}
}

// FlexOptions configures [NewFlexNotes].
type FlexOptions struct {
	// Sheet is the worksheet to read (default: the first one).
	Sheet string
	// IgnoredQuestions lists the Flex Question texts whose rows are
	// dropped, matched exactly. Nil means [DefaultIgnoredQuestions]; an
	// empty non-nil slice keeps every row.
	IgnoredQuestions []string
}

// FlexStats counts what a [FlexNotes] reader did.
type FlexStats struct {
	Rows       int            // data rows read (dropped ones included)
	Published  int            // rows returned by Read
	Dropped    int            // rows dropped because of their question
	ByQuestion map[string]int // dropped rows per ignored question
}

// Bounds of the flex-notes workbook, in bytes: the download (excelize
// holds it in memory; the real one is a few MB), the workbook unzipped,
// and a cell (Excel itself caps one at 32,767 characters).
const (
	MaxFlexNotesSize     = 64 << 20
	MaxFlexNotesUnzipped = 1 << 30
	MaxFlexCellSize      = 128 << 10
)

// FlexNotes reads the flex-notes xlsx report and returns Socrata rows with
// the private questions dropped.
//
// Rows are streamed from the worksheet with excelize's row iterator; the
// workbook's compressed bytes are held in memory (a ZIP archive needs
// random access) and excelize spills a large worksheet to a temporary file.
// Cells are read raw (no number formatting).
//
// Row values: flex_note_id, flex_notes_definition_id and service_request_id
// are integers when the cell is one, otherwise the text as is;
// service_request_number, flex_question and flex_answer are strings.
// Cells holding one of [DefaultMissingValues] are nil.
//
// A FlexNotes is not safe for concurrent use.
type FlexNotes struct {
	f       *excelize.File
	rows    *excelize.Rows
	closer  io.Closer
	idx     [flexNumColumns]int
	ignored map[string]struct{}
	line    int // spreadsheet row number of the last row read
	stats   FlexStats
	err     error
}

// NewFlexNotes opens the xlsx workbook in r and reads its header. It
// returns a [*FormatError] when r holds something else (an HTML page,
// text) or the header lacks some of the six columns (all listed).
func NewFlexNotes(r io.Reader, opts FlexOptions) (_ *FlexNotes, err error) {
	defer recoverExcelize(&err)
	br := bufio.NewReaderSize(r, 64<<10)
	p, err := br.Peek(sniffLen)
	if len(p) == 0 && err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if ferr := sniffXLSX(p); ferr != nil {
		return nil, ferr
	}
	capped := &io.LimitedReader{R: br, N: MaxFlexNotesSize + 1}
	f, err := excelize.OpenReader(capped, excelize.Options{RawCellValue: true, UnzipSizeLimit: MaxFlexNotesUnzipped})
	if capped.N == 0 {
		if f != nil {
			f.Close()
		}
		return nil, &Error{Op: "read flex notes", Err: fmt.Errorf("%w: the workbook is larger than %d bytes", ErrTooLarge, MaxFlexNotesSize)}
	}
	if err != nil {
		var cerr *Error
		if errors.As(err, &cerr) {
			return nil, err // the stream failed
		}
		return nil, &FormatError{What: "xlsx", Got: "a ZIP archive that is not a readable xlsx workbook (" + errbody.Truncate(err.Error(), 120) + ")"}
	}
	sheet := opts.Sheet
	if sheet == "" {
		list := f.GetSheetList()
		if len(list) == 0 {
			f.Close()
			return nil, &FormatError{What: "xlsx", Got: "an xlsx workbook without worksheets"}
		}
		sheet = list[0]
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		f.Close()
		return nil, &FormatError{What: "xlsx", Got: fmt.Sprintf("an xlsx workbook without the sheet %q (it has %s)", sheet, quoteList(f.GetSheetList()))}
	}
	ignored := opts.IgnoredQuestions
	if ignored == nil {
		ignored = DefaultIgnoredQuestions()
	}
	fn := &FlexNotes{f: f, rows: rows, ignored: make(map[string]struct{}, len(ignored)),
		stats: FlexStats{ByQuestion: map[string]int{}}}
	for _, q := range ignored {
		fn.ignored[q] = struct{}{}
	}
	if err := fn.readHeader(); err != nil {
		fn.Close()
		return nil, err
	}
	return fn, nil
}

// next reads the next sheet row's cells; ok is false at the end. A panic
// inside excelize, or a cell over MaxFlexCellSize, is an error.
func (fn *FlexNotes) next() (cells []string, ok bool, err error) {
	defer recoverExcelize(&err)
	if ok = fn.rows.Next(); ok {
		fn.line++
		cells, err = fn.rows.Columns(excelize.Options{RawCellValue: true})
	} else {
		err = fn.rows.Error()
	}
	if err != nil {
		return nil, false, &Error{Op: "read flex notes", Err: fmt.Errorf("sheet row %d: %w", fn.line, err)}
	}
	for i, c := range cells {
		if len(c) > MaxFlexCellSize {
			name, _ := excelize.ColumnNumberToName(i + 1)
			return nil, false, &Error{Op: "read flex notes", Err: fmt.Errorf("sheet row %d: %w: cell %s%d holds %d bytes, more than %d",
				fn.line, ErrRecordTooLong, name, fn.line, len(c), MaxFlexCellSize)}
		}
	}
	return cells, ok, nil
}

func (fn *FlexNotes) readHeader() error {
	for {
		cells, ok, err := fn.next()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		if allBlank(cells) {
			continue
		}
		pos := make(map[string]int, len(cells))
		for i, c := range cells {
			if _, dup := pos[strings.TrimSpace(c)]; !dup {
				pos[strings.TrimSpace(c)] = i
			}
		}
		var missing []string
		for i, c := range flexColumns {
			j, ok := pos[c.name]
			if !ok {
				missing = append(missing, c.name)
				continue
			}
			fn.idx[i] = j
		}
		if len(missing) > 0 {
			return &FormatError{What: "columns", Missing: missing,
				Got: fmt.Sprintf("an xlsx sheet whose header (%s) lacks %s", strconv.Quote(errbody.Truncate(strings.Join(cells, "|"), 120)), quoteList(missing))}
		}
		return nil
	}
	return &FormatError{What: "empty", Got: "an xlsx workbook with an empty sheet"}
}

func allBlank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// Read fills row, which must hold one value per [FlexFields] field, with
// the next published row, skipping blank rows and rows whose question is
// ignored. It returns io.EOF at the end.
func (fn *FlexNotes) Read(row []socrata.Value) error {
	if fn.err != nil {
		return fn.err
	}
	for {
		cells, ok, err := fn.next()
		if err != nil {
			fn.err = err
			return err
		}
		if !ok {
			break
		}
		if allBlank(cells) {
			continue
		}
		fn.stats.Rows++
		var v [flexNumColumns]string
		for i, j := range fn.idx {
			if j < len(cells) {
				v[i] = cells[j]
			}
		}
		if _, drop := fn.ignored[v[flexQuestion]]; drop {
			fn.stats.Dropped++
			fn.stats.ByQuestion[v[flexQuestion]]++
			continue
		}
		row = row[:flexNumColumns]
		for i, s := range v {
			switch {
			case isMissing(s):
				row[i] = socrata.Null()
			case i == flexID || i == flexDefinitionID || i == flexSRID:
				if n, ok := parseInt(trimSpace(s)); ok {
					row[i] = socrata.Int(n)
				} else {
					row[i] = socrata.Text(s)
				}
			default:
				row[i] = socrata.Text(s)
			}
		}
		fn.stats.Published++
		return nil
	}
	fn.err = io.EOF
	return io.EOF
}

// Stats returns the counts so far (a copy).
func (fn *FlexNotes) Stats() FlexStats {
	s := fn.stats
	s.ByQuestion = maps.Clone(fn.stats.ByQuestion)
	return s
}

// recoverExcelize turns a panic inside excelize into a one-line *Error.
func recoverExcelize(err *error) {
	if r := recover(); r != nil {
		*err = &Error{Op: "read flex notes", Err: fmt.Errorf("the xlsx library failed (panic): %s", errbody.Truncate(fmt.Sprint(r), 160))}
	}
}

// Close releases the workbook (and its temporary files) and, when the
// reader came from [Client.OpenFlexNotes], the response body.
func (fn *FlexNotes) Close() error {
	var errs []error
	if fn.rows != nil {
		errs = append(errs, fn.rows.Close())
		fn.rows = nil
	}
	if fn.f != nil {
		errs = append(errs, fn.f.Close())
		fn.f = nil
	}
	if fn.closer != nil {
		errs = append(errs, fn.closer.Close())
		fn.closer = nil
	}
	return errors.Join(errs...)
}

// FlexRows returns fn's published rows as a socrata.Table ([FlexFields]).
// It fills and yields the same value slice for every row. Iteration stops
// after the first error.
func FlexRows(fn *FlexNotes) socrata.Table {
	return socrata.Table{Schema: flexSchema, Rows: func(yield func([]socrata.Value, error) bool) {
		row := make([]socrata.Value, flexNumColumns)
		for {
			err := fn.Read(row)
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				yield(nil, err)
				return
			}
			if !yield(row, nil) {
				return
			}
		}
	}}
}

// OpenFlexNotes fetches the flex-notes workbook from the client's endpoint
// and returns a reader over it (see [NewFlexNotes]).
func (c *Client) OpenFlexNotes(ctx context.Context, opts FlexOptions) (*FlexNotes, error) {
	rc, err := c.Fetch(ctx)
	if err != nil {
		return nil, err
	}
	fn, err := NewFlexNotes(rc, opts)
	if err != nil {
		rc.Close()
		return nil, err
	}
	fn.closer = rc
	return fn, nil
}
