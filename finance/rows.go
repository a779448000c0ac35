package finance

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/cityofaustin/atd-executive-dashboard/internal/csvlimit"
	"github.com/cityofaustin/atd-executive-dashboard/socrata"
)

// ErrBadFile reports a report CSV that cannot be shaped into rows (a
// missing identifier column, a non-numeric value in a numeric column). It
// is wrapped by [*FileError].
var ErrBadFile = errors.New("finance: report file cannot be published")

// FileError reports a problem in one report file, with the 1-based CSV line
// when the problem is a row.
type FileError struct {
	Key  string
	Line int // 0 for the header or the file as a whole
	Err  error
}

// Error names the file, the line when known, and the cause.
func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("finance: %s line %d: %s", e.Key, e.Line, csvlimit.Clip(e.Err.Error()))
	}
	return fmt.Sprintf("finance: %s: %s", e.Key, csvlimit.Clip(e.Err.Error()))
}

// Unwrap returns [ErrBadFile] and the cause.
func (e *FileError) Unwrap() []error { return []error{ErrBadFile, e.Err} }

// Shaper turns the records of one report file into Socrata rows. Build it
// with [Report.NewShaper].
type Shaper struct {
	r       Report
	key     Key
	idx     []int // per column: index into the header, -1 when absent
	missing []string
	fixed   map[string]any
}

// NewShaper prepares the shaping of the file at key, whose CSV header is
// header. Columns that feed row_identifier must be present; other mapped
// columns that are absent become null and are listed by [Shaper.Missing].
func (r Report) NewShaper(key Key, header []string) (*Shaper, error) {
	pos := map[string]int{}
	for i, h := range header {
		if i == 0 {
			h = strings.TrimPrefix(h, "\ufeff")
		}
		pos[h] = i
	}
	ident := map[string]bool{}
	for _, f := range r.Identifier {
		ident[f] = true
	}
	dept, _ := strconv.Atoi(key.Department)
	m := key.Month()
	s := &Shaper{r: r, key: key, fixed: map[string]any{
		"year":         m.Year,
		"month":        m.Month,
		"department":   dept,
		"month_name":   MonthName(m.Month),
		"fiscal_year":  m.FiscalYear(),
		"fiscal_month": m.FiscalMonth(),
	}}
	for _, c := range r.Columns {
		i, ok := pos[c.Source]
		if !ok {
			i = -1
			if _, fromKey := s.fixed[c.Field]; !fromKey {
				if ident[c.Field] {
					return nil, &FileError{Key: key.String(), Err: fmt.Errorf("column %q (for %s, part of row_identifier) is missing", c.Source, c.Field)}
				}
				s.missing = append(s.missing, c.Source)
			}
		}
		s.idx = append(s.idx, i)
	}
	return s, nil
}

// Missing lists mapped report columns absent from the file (their fields
// are null).
func (s *Shaper) Missing() []string { return s.missing }

// Shape returns the Socrata row for one CSV record: the mapped columns
// (empty numeric values null, numbers as json.Number), year, month and
// department from the file name, month_name, fiscal_year, fiscal_month,
// and row_identifier. line is the record's CSV line, for errors.
func (s *Shaper) Shape(rec []string, line int) (socrata.Row, error) {
	row := make(socrata.Row, len(s.r.Columns)+8)
	for ci, c := range s.r.Columns {
		i := s.idx[ci]
		var v string
		if i >= 0 && i < len(rec) {
			v = rec[i]
		}
		switch {
		case i < 0:
			row[c.Field] = nil
		case c.Numeric && strings.TrimSpace(v) == "":
			row[c.Field] = nil
		case c.Numeric:
			t := strings.TrimSpace(v)
			f, err := strconv.ParseFloat(t, 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				return nil, &FileError{Key: s.key.String(), Line: line, Err: fmt.Errorf("column %q: %q is not a number", c.Source, v)}
			}
			if !json.Valid([]byte(t)) {
				// Go accepts ".5", "+1", "1.", "0x1p3"; JSON does not.
				t = strconv.FormatFloat(f, 'f', -1, 64)
			}
			row[c.Field] = json.Number(t)
		default:
			row[c.Field] = v
		}
	}
	for k, v := range s.fixed {
		row[k] = v // the file name's department wins over Department@Dept
	}
	var id strings.Builder
	for _, f := range s.r.Identifier {
		switch v := row[f].(type) {
		case nil:
		case string:
			id.WriteString(v)
		default:
			fmt.Fprint(&id, v)
		}
	}
	row["row_identifier"] = id.String()
	return row, nil
}

// MaxRecordBytes bounds a record of a report CSV: a longer one is a
// [*FileError] wrapping a *csvlimit.RecordTooLargeError, and is never read
// whole. Error messages quote at most about 200 bytes of input.
const MaxRecordBytes = csvlimit.DefaultMaxRecord

// ReadRows reads one report CSV (header first) and yields its Socrata
// rows. Problems are yielded as *FileError values, after which iteration
// stops.
func (r Report) ReadRows(key Key, rd io.Reader) socrata.RowSeq {
	return func(yield func(socrata.Row, error) bool) {
		cr := csv.NewReader(csvlimit.NewReader(rd, MaxRecordBytes))
		cr.ReuseRecord = true
		header, err := cr.Read()
		if err == io.EOF {
			return // an empty object: nothing to publish
		}
		if err != nil {
			yield(nil, &FileError{Key: key.String(), Err: fmt.Errorf("reading CSV header: %w", err)})
			return
		}
		header = append([]string(nil), header...)
		sh, err := r.NewShaper(key, header)
		if err != nil {
			yield(nil, err)
			return
		}
		for {
			rec, err := cr.Read()
			if err == io.EOF {
				return
			}
			if err != nil {
				line := 0
				var pe *csv.ParseError
				var big *csvlimit.RecordTooLargeError
				switch {
				case errors.As(err, &pe):
					line = pe.StartLine
				case errors.As(err, &big):
					line = big.Line
				}
				yield(nil, &FileError{Key: key.String(), Line: line, Err: err})
				return
			}
			line, _ := cr.FieldPos(0)
			row, err := sh.Shape(rec, line)
			if !yield(row, err) || err != nil {
				return
			}
		}
	}
}
