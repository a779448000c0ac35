package csr

import (
	"errors"
	"io"
	"math"
	"strconv"

	"github.com/cityofaustin/atd-executive-dashboard/internal/errbody"
	"github.com/cityofaustin/atd-executive-dashboard/socrata"
)

// NumFields is the number of fields of a transformed row: the mapped
// columns, then location and fiscal_year (see [Fields]).
const NumFields = NumColumns + 2

// The added fields follow the mapped columns (a column's value is at its
// index).
const slotLocation, slotFiscalYear = NumColumns, NumColumns + 1

// schema is the Socrata schema of a transformed row: [Fields], in order.
var schema = socrata.NewSchema(Fields()...)

// maxOddRows is how many row numbers [NotNumber] keeps per column.
const maxOddRows = 5

// NotNumber counts the values of one numeric column that were not numbers
// and were published as their text.
type NotNumber struct {
	Column Column
	Count  int
	Rows   []int // the first few data rows (1-based), in order
}

// Transformer turns report records into Socrata rows, filling the values
// of a row in place, in [Fields] order. It reuses a buffer between calls:
// use one per goroutine.
//
// Every field is set; a missing value is null (never "NaN"). Values:
//
//   - text columns ([KindText]): the text, exactly as in the report;
//   - the five dates ([KindDate]): text "YYYY-MM-DDTHH:MM:SS", see
//     [AppendDate];
//   - counts and days ([KindNumber]): an integer when the text is one, a
//     number otherwise (the state-plane coordinates always a number);
//     text that is not a number (Pending, 1,234.5) is published as it is,
//     as the pandas job did, and counted in [Transformer.NotNumbers];
//   - location: text "POINT (<lon> <lat>)", WGS84 degrees in Go's
//     shortest round-trip form, null when either coordinate is missing or
//     not a number;
//   - fiscal_year: an integer, the year of created_date plus one from
//     October, null when created_date is missing.
//
// A value that is missing is one of [DefaultMissingValues], in any column,
// or blanks only in a date or number column. A date in no accepted format
// fails the row with a [*ParseError] naming its row, line and column.
type Transformer struct {
	buf []byte
	odd [NumColumns]NotNumber
}

// NewTransformer returns a Transformer.
func NewTransformer() *Transformer { return &Transformer{buf: make([]byte, 0, 256)} }

// NotNumbers returns, per numeric column in report order, the values that
// were not numbers; columns without any are left out.
func (t *Transformer) NotNumbers() []NotNumber {
	var out []NotNumber
	for _, o := range t.odd {
		if o.Count > 0 {
			o.Rows = append([]int(nil), o.Rows...)
			out = append(out, o)
		}
	}
	return out
}

func (t *Transformer) notNumber(c Column, row int) {
	o := &t.odd[c]
	o.Column = c
	o.Count++
	if len(o.Rows) < maxOddRows {
		o.Rows = append(o.Rows, row)
	}
}

// Transform fills row, which must hold [NumFields] values, with the Socrata
// values of rec. On error row is partially written.
func (t *Transformer) Transform(rec *Record, row []socrata.Value) error {
	row = row[:NumFields]
	// All dates and the location are appended to one buffer and converted
	// to one string, so a row costs one allocation for them.
	t.buf = t.buf[:0]
	var dateAt [NumColumns]int32 // end offset in buf, 0 if null
	var x, y float64
	haveX, haveY := false, false
	for c := range Column(NumColumns) {
		v := rec.Values[c]
		kind := columnDefs[c].kind
		if isMissing(v) || (kind != KindText && trimSpace(v) == "") {
			row[c] = socrata.Null()
			continue
		}
		switch kind {
		case KindText:
			row[c] = socrata.Text(v)
		case KindDate:
			var ok bool
			if t.buf, ok = AppendDate(t.buf, v); !ok {
				return &ParseError{Row: rec.Row, Line: rec.Line, Column: columnDefs[c].name, Value: errbody.Truncate(v, maxShown), Err: ErrBadDate}
			}
			dateAt[c] = int32(len(t.buf))
		case KindNumber:
			s := trimSpace(v)
			if n, ok := parseInt(s); ok && c != ColStatePlaneX && c != ColStatePlaneY {
				row[c] = socrata.Int(n)
			} else if f, ok := parseFloat(s); ok {
				row[c] = socrata.Float(f)
				if c == ColStatePlaneX {
					x, haveX = f, true
				} else if c == ColStatePlaneY {
					y, haveY = f, true
				}
			} else {
				row[c] = socrata.Text(v)
				t.notNumber(c, rec.Row)
			}
		}
	}
	locAt := -1
	if haveX && haveY {
		lon, lat := StatePlaneToWGS84(x, y)
		locAt = len(t.buf)
		t.buf = append(strconv.AppendFloat(append(t.buf, "POINT ("...), lon, 'f', -1, 64), ' ')
		t.buf = append(strconv.AppendFloat(t.buf, lat, 'f', -1, 64), ')')
	}
	s := string(t.buf)
	for c, end := range dateAt { // set for the dates only
		if end > 0 {
			row[c] = socrata.Text(s[end-19 : end])
		}
	}
	row[slotLocation] = socrata.Null()
	if locAt >= 0 {
		row[slotLocation] = socrata.Text(s[locAt:])
	}
	row[slotFiscalYear] = socrata.Null()
	if end := dateAt[ColCreatedDate]; end > 0 {
		at := end - 19
		year := int(s[at]-'0')*1000 + int(s[at+1]-'0')*100 + int(s[at+2]-'0')*10 + int(s[at+3]-'0')
		month := int(s[at+5]-'0')*10 + int(s[at+6]-'0')
		row[slotFiscalYear] = socrata.Int(int64(FiscalYear(year, month)))
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

// Rows returns the transformed rows of r as a socrata.Table, read, decoded
// and transformed by t in report order. It fills and yields the same
// value slice for every row (socrata.Client.Upsert encodes each row before
// it asks for the next): a consumer that keeps rows must copy them.
// Iteration stops after the first error, which is yielded with a nil row:
// a [*ParseError] for a bad record or date, or the stream's read error.
// Read t.NotNumbers once iteration is over.
func Rows(r *Reader, t *Transformer) socrata.Table {
	return socrata.Table{Schema: schema, Rows: func(yield func([]socrata.Value, error) bool) {
		row := make([]socrata.Value, NumFields)
		for {
			rec, err := r.Read()
			if err == nil {
				err = t.Transform(&rec, row)
			}
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
