package csr

import (
	"errors"
	"io"
	"iter"
	"math"
	"strconv"
	"strings"

	"github.com/cityofaustin/atd-executive-dashboard/internal/errbody"
)

// Transformer turns report records into Socrata rows (map[string]any,
// assignable to socrata.Row). It reuses an internal buffer between calls,
// so it is not safe for concurrent use; use one per goroutine.
//
// Each row has the 23 mapped fields plus location and fiscal_year (see
// [Fields]); every key is present, a missing value is nil (JSON null,
// never "NaN"). Value types per field:
//
//   - text columns (service_request_sr_number, department,
//     group_description, sr_description, method_received, sr_status,
//     sr_location): string, exactly as in the report;
//   - the five dates (status_change_date, created_date, overdue_on_date,
//     last_update_date, close_date): string "YYYY-MM-DDTHH:MM:SS", see
//     [AppendDate];
//   - counts and days (is_duplicate_1_0, sr_age_days, response_days,
//     open_count, closed_count, overdue_count, closed_on_time,
//     closed_late, of_days_late): int64 when the text is an integer,
//     float64 otherwise;
//   - state_plane_x_coordinate, state_plane_y_coordinate: float64;
//   - location: string "POINT (<lon> <lat>)", WGS84 degrees in Go's
//     shortest round-trip form, nil when either coordinate is missing;
//   - fiscal_year: int64, the year of created_date plus one from October,
//     nil when created_date is missing.
//
// A value that is missing is one of [DefaultMissingValues], in any column,
// or blanks only in a date or number column.
// A date in no accepted format or a number column holding non-numeric text
// fails the row with a [*ParseError] naming its row, line and column.
type Transformer struct {
	buf []byte
	// intern holds boxed values of the low-cardinality text columns
	// (department, group, description, method, status), so the thousands
	// of rows that share a value share one interface value instead of
	// allocating one each.
	intern map[string]any
}

// maxInterned bounds the intern table; values beyond it are boxed per row.
const maxInterned = 4096

// NewTransformer returns a Transformer.
func NewTransformer() *Transformer {
	return &Transformer{buf: make([]byte, 0, 256), intern: make(map[string]any, 256)}
}

// internable reports whether a text column repeats a few values.
func internable(c Column) bool {
	switch c {
	case ColDepartment, ColGroupDescription, ColSRDescription, ColMethodReceived, ColSRStatus:
		return true
	}
	return false
}

// boxed returns v as an interface value, shared with earlier rows when
// possible.
func (t *Transformer) boxed(v string) any {
	if b, ok := t.intern[v]; ok {
		return b
	}
	if len(t.intern) >= maxInterned || len(v) > 256 {
		return v
	}
	k := strings.Clone(v)
	t.intern[k] = k
	return k
}

// Row transforms rec into a new row map.
func (t *Transformer) Row(rec *Record) (map[string]any, error) {
	row := make(map[string]any, NumColumns+2)
	if err := t.Transform(rec, row); err != nil {
		return nil, err
	}
	return row, nil
}

// Transform writes the Socrata fields of rec into row, overwriting every
// field it owns (other keys are left alone). On error row is partially
// written.
func (t *Transformer) Transform(rec *Record, row map[string]any) error {
	// All dates and the location are appended to one buffer and converted
	// to one string, so a row costs one allocation for them.
	t.buf = t.buf[:0]
	var dateAt [NumColumns]int // start offset in buf, -1 if null
	locAt, locEnd := -1, 0
	var x, y float64
	haveX, haveY := false, false
	for c := range Column(NumColumns) {
		v := rec.Values[c]
		def := &columnDefs[c]
		if isMissing(v) || (def.kind != KindText && trimSpace(v) == "") {
			row[def.field] = nil
			dateAt[c] = -1
			continue
		}
		switch def.kind {
		case KindText:
			if internable(c) {
				row[def.field] = t.boxed(v)
			} else {
				row[def.field] = v
			}
		case KindDate:
			start := len(t.buf)
			var ok bool
			if t.buf, ok = AppendDate(t.buf, v); !ok {
				return &ParseError{Row: rec.Row, Line: rec.Line, Column: def.name, Value: errbody.Truncate(v, maxShown), Err: ErrBadDate}
			}
			dateAt[c] = start
		case KindNumber:
			if c == ColStatePlaneX || c == ColStatePlaneY {
				f, ok := parseFloat(v)
				if !ok {
					return &ParseError{Row: rec.Row, Line: rec.Line, Column: def.name, Value: errbody.Truncate(v, maxShown), Err: ErrBadNumber}
				}
				row[def.field] = f
				if c == ColStatePlaneX {
					x, haveX = f, true
				} else {
					y, haveY = f, true
				}
				continue
			}
			n, ok := parseNumber(v)
			if !ok {
				return &ParseError{Row: rec.Row, Line: rec.Line, Column: def.name, Value: errbody.Truncate(v, maxShown), Err: ErrBadNumber}
			}
			row[def.field] = n
		}
	}
	if haveX && haveY {
		lon, lat := StatePlaneToWGS84(x, y)
		locAt = len(t.buf)
		t.buf = append(t.buf, "POINT ("...)
		t.buf = strconv.AppendFloat(t.buf, lon, 'f', -1, 64)
		t.buf = append(t.buf, ' ')
		t.buf = strconv.AppendFloat(t.buf, lat, 'f', -1, 64)
		t.buf = append(t.buf, ')')
		locEnd = len(t.buf)
	}
	s := string(t.buf)
	for _, c := range [...]Column{ColStatusChangeDate, ColCreatedDate, ColOverdueOnDate, ColLastUpdateDate, ColCloseDate} {
		if at := dateAt[c]; at >= 0 {
			row[columnDefs[c].field] = s[at : at+19]
		}
	}
	if locAt >= 0 {
		row[FieldLocation] = s[locAt:locEnd]
	} else {
		row[FieldLocation] = nil
	}
	if at := dateAt[ColCreatedDate]; at >= 0 {
		year := int(s[at]-'0')*1000 + int(s[at+1]-'0')*100 + int(s[at+2]-'0')*10 + int(s[at+3]-'0')
		month := int(s[at+5]-'0')*10 + int(s[at+6]-'0')
		row[FieldFiscalYear] = int64(FiscalYear(year, month))
	} else {
		row[FieldFiscalYear] = nil
	}
	return nil
}

// FiscalYear returns the City of Austin fiscal year of a date: its year,
// plus one when the month is October or later.
func FiscalYear(year, month int) int {
	if month >= 10 {
		return year + 1
	}
	return year
}

// Rows returns an iterator over the transformed rows of r, in report order,
// each a new map (so a consumer may keep rows, for example to batch them).
// R is any map type such as socrata.Row. Iteration stops after the first
// error, which is yielded with a nil row: a [*ParseError] for a bad record
// or value, or the stream's read error.
func Rows[R ~map[string]any](r *Reader) iter.Seq2[R, error] {
	return func(yield func(R, error) bool) {
		t := NewTransformer()
		for {
			rec, err := r.Read()
			if err != nil {
				if errors.Is(err, io.EOF) {
					return
				}
				yield(nil, err)
				return
			}
			row := make(R, NumColumns+2)
			if err := t.Transform(&rec, row); err != nil {
				yield(nil, err)
				return
			}
			if !yield(row, nil) {
				return
			}
		}
	}
}

// StreamRows is [Rows] for consumers that are done with a row before they
// ask for the next one, such as socrata.Client.Upsert, which encodes each
// row into its chunk buffer as it arrives: it yields the same map every
// time, overwritten, which saves a map allocation per row. Never keep or
// collect the rows it yields.
func StreamRows[R ~map[string]any](r *Reader) iter.Seq2[R, error] {
	return func(yield func(R, error) bool) {
		t := NewTransformer()
		row := make(R, NumColumns+2)
		for {
			rec, err := r.Read()
			if err != nil {
				if errors.Is(err, io.EOF) {
					return
				}
				yield(nil, err)
				return
			}
			if err := t.Transform(&rec, row); err != nil {
				yield(nil, err)
				return
			}
			if !yield(row, nil) {
				return
			}
		}
	}
}

// parseNumber parses a count or a number of days: int64 for integers,
// float64 otherwise.
func parseNumber(s string) (any, bool) {
	s = trimSpace(s)
	if n, ok := parseInt(s); ok {
		return n, true
	}
	f, ok := parseFloat(s)
	if !ok {
		return nil, false
	}
	return f, true
}

// parseInt parses an optionally signed decimal integer of up to 18 digits.
func parseInt(s string) (int64, bool) {
	neg := false
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if len(s) == 0 || len(s) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// parseFloat parses a finite decimal number (digits, sign, point,
// exponent; no hex, underscores, Inf or NaN).
func parseFloat(s string) (float64, bool) {
	s = trimSpace(s)
	digits := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits = true
		case c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E':
		default:
			return 0, false
		}
	}
	if !digits {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}
