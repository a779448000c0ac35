package socrata

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"math"
	"strconv"
)

// Rows is what [Client.Upsert] and [Client.Replace] publish, in one of two
// forms: a [Table] (fixed-schema rows, for large publishes) or a [RowSeq]
// ([Row] maps, for small and ad-hoc ones). Both write NaN and ±Inf as null
// and go through the same chunking, retries and accounting.
type Rows interface {
	// JSON yields each row as one JSON object (valid until the next row),
	// or the error that stopped the rows, the iterator's own or a value
	// that cannot be encoded.
	JSON() iter.Seq2[[]byte, error]
	rows() // Rows is implemented by RowSeq and Table only
}

// RowSeq is a stream of [Row] maps. A function literal
// func(yield func(socrata.Row, error) bool) converts to it.
type RowSeq iter.Seq2[Row, error]

func (RowSeq) rows() {}

// JSON implements [Rows]: each row with its keys sorted.
func (s RowSeq) JSON() iter.Seq2[[]byte, error] {
	var keys []string // sort scratch, for one range over the result at a time
	return encoded(iter.Seq2[Row, error](s), func(dst []byte, row Row) (out []byte, err error) {
		out, keys, err = appendRow(dst, keys, row)
		return out, err
	})
}

// SliceRows returns a re-iterable [RowSeq] over rows held in memory.
func SliceRows(rows []Row) RowSeq {
	return func(yield func(Row, error) bool) {
		for _, r := range rows {
			if !yield(r, nil) {
				return
			}
		}
	}
}

// Schema is the field names of a [Table]'s rows, in the order of their
// values. It is immutable and safe for concurrent use.
type Schema struct {
	fields []string
	keys   []string // `{"name":` for the first field, `,"name":` after
}

// NewSchema returns the schema of rows with the given fields, in order.
// It panics on an empty or repeated field name: a schema is fixed in code.
func NewSchema(fields ...string) *Schema {
	s := &Schema{fields: append([]string(nil), fields...), keys: make([]string, len(fields))}
	seen := make(map[string]bool, len(fields))
	for i, f := range fields {
		if f == "" || seen[f] {
			panic(fmt.Sprintf("socrata: schema field %d %q is empty or repeated", i, f))
		}
		seen[f] = true
		sep := byte(',')
		if i == 0 {
			sep = '{'
		}
		s.keys[i] = string(append(appendString([]byte{sep}, f), ':'))
	}
	return s
}

// Fields returns the field names in order (a new slice).
func (s *Schema) Fields() []string { return append([]string(nil), s.fields...) }

// Len returns the number of fields: the length of every row.
func (s *Schema) Len() int { return len(s.fields) }

// AppendRow appends vals, one per field in order, as a JSON object.
func (s *Schema) AppendRow(dst []byte, vals []Value) ([]byte, error) {
	if len(vals) != len(s.fields) {
		return dst, fmt.Errorf("a row of %d values for a schema of %d fields", len(vals), len(s.fields))
	}
	if len(vals) == 0 {
		return append(dst, "{}"...), nil
	}
	for i := range vals {
		dst = append(dst, s.keys[i]...)
		var err error
		if dst, err = vals[i].appendJSON(dst); err != nil {
			return dst, fmt.Errorf("field %q: %w", s.fields[i], err)
		}
	}
	return append(dst, '}'), nil
}

// Table is a stream of fixed-schema rows, each one [Value] per field of
// Schema, in order, so that encoding a row is appending its values. A row
// is encoded before the next is asked for: Rows may yield one slice,
// filled again for every row.
type Table struct {
	Schema *Schema
	Rows   iter.Seq2[[]Value, error]
}

func (Table) rows() {}

// JSON implements [Rows]: each row with its keys in schema order.
func (t Table) JSON() iter.Seq2[[]byte, error] { return encoded(t.Rows, t.Schema.AppendRow) }

// encoded yields each row of seq as encode appends it to one reused
// buffer, stopping at the first error.
func encoded[R any](seq iter.Seq2[R, error], encode func([]byte, R) ([]byte, error)) iter.Seq2[[]byte, error] {
	return func(yield func([]byte, error) bool) {
		var buf []byte
		for row, err := range seq {
			if err == nil {
				buf, err = encode(buf[:0], row)
			}
			if err != nil {
				yield(nil, err)
				return
			}
			if !yield(buf, nil) {
				return
			}
		}
	}
}

// WriteJSON writes rows to w as one JSON array ("[]" for none) and returns
// how many rows it wrote. A row that cannot be read or encoded stops it
// with a [*RowsError]; a failure of w is returned as is.
func WriteJSON(w io.Writer, rows Rows) (int64, error) {
	bw := bufio.NewWriterSize(w, 32<<10)
	var n int64
	for b, err := range rows.JSON() {
		if err != nil {
			return n, &RowsError{Row: n, Err: err}
		}
		sep := byte(',')
		if n == 0 {
			sep = '['
		}
		bw.WriteByte(sep)
		bw.Write(b)
		n++
	}
	if n == 0 {
		bw.WriteByte('[')
	}
	bw.WriteByte(']')
	return n, bw.Flush()
}

// Value is one value of a fixed-schema row: null (the zero Value), or
// one made by [Text], [Int], [Float], [Bool] or [Number]. (A value of any
// other kind, such as a GeoJSON object, goes in a [Row].)
type Value struct {
	kind valueKind
	s    string // text, number
	n    uint64 // int, float bits, bool
}

type valueKind uint8

const (
	kindNull valueKind = iota
	kindText
	kindInt
	kindFloat
	kindBool
	kindNumber
)

// Null returns the null value, the zero Value.
func Null() Value { return Value{} }

// Text returns a string value.
func Text(s string) Value { return Value{kind: kindText, s: s} }

// Int returns an integer value.
func Int(n int64) Value { return Value{kind: kindInt, n: uint64(n)} }

// Float returns a number; NaN and ±Inf are written as null.
func Float(f float64) Value { return Value{kind: kindFloat, n: math.Float64bits(f)} }

// Bool returns a boolean value.
func Bool(b bool) Value {
	if b {
		return Value{kind: kindBool, n: 1}
	}
	return Value{kind: kindBool}
}

// Number returns a number written as the text s, which must be a JSON
// number (encoding fails otherwise); "" is null.
func Number(s string) Value {
	if s == "" {
		return Value{}
	}
	return Value{kind: kindNumber, s: s}
}

// Interface returns v as a [Row] would hold it: nil (null, NaN, ±Inf),
// string, int64, float64, bool or json.Number.
func (v Value) Interface() any {
	switch f := math.Float64frombits(v.n); {
	case v.kind == kindText:
		return v.s
	case v.kind == kindInt:
		return int64(v.n)
	case v.kind == kindFloat && !math.IsNaN(f) && !math.IsInf(f, 0):
		return f
	case v.kind == kindBool:
		return v.n == 1
	case v.kind == kindNumber:
		return json.Number(v.s)
	}
	return nil
}

func (v *Value) appendJSON(dst []byte) ([]byte, error) {
	switch v.kind {
	case kindText:
		return appendString(dst, v.s), nil
	case kindInt:
		return strconv.AppendInt(dst, int64(v.n), 10), nil
	case kindFloat:
		return appendFloat(dst, math.Float64frombits(v.n), 64), nil
	case kindBool:
		return strconv.AppendBool(dst, v.n == 1), nil
	case kindNumber:
		if !validNumber(v.s) {
			return dst, fmt.Errorf("%q is not a JSON number", v.s)
		}
		return append(dst, v.s...), nil
	}
	return append(dst, "null"...), nil
}
