package smartsheet

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"
)

// wire types: the JSON document of GET /sheets/{id}.
type wireSheet struct {
	ID            *int64       `json:"id"`
	Name          string       `json:"name"`
	Version       int64        `json:"version"`
	TotalRowCount *int64       `json:"totalRowCount"`
	TotalPages    int          `json:"totalPages"`
	Permalink     string       `json:"permalink"`
	CreatedAt     string       `json:"createdAt"`
	ModifiedAt    string       `json:"modifiedAt"`
	Columns       []wireColumn `json:"columns"`
	Rows          []wireRow    `json:"rows"`
}

type wireColumn struct {
	ID               int64  `json:"id"`
	Index            int    `json:"index"`
	Title            string `json:"title"`
	Type             string `json:"type"`
	SystemColumnType string `json:"systemColumnType"`
	Primary          bool   `json:"primary"`
}

type wireRow struct {
	ID         int64      `json:"id"`
	RowNumber  int        `json:"rowNumber"`
	CreatedAt  string     `json:"createdAt"`
	ModifiedAt string     `json:"modifiedAt"`
	Cells      []wireCell `json:"cells"`
}

type wireCell struct {
	ColumnID     int64           `json:"columnId"`
	Value        json.RawMessage `json:"value"`
	DisplayValue *string         `json:"displayValue"`
}

// DecodeSheet decodes one GET /sheets/{id} JSON document (a whole sheet or
// one page of it). Cell values are typed by their column's type; the rows
// can be looked up by column title. It returns an error wrapping
// [ErrMalformedResponse] when data is not a sheet: invalid JSON, no id, no
// totalRowCount, duplicate column ids or titles, or a cell that names an
// unknown column.
func DecodeSheet(data []byte) (Sheet, error) {
	sh, _, err := decodeSheet(data, nil)
	return sh, err
}

// decodeSheet decodes a sheet document; a document without columns (a
// later page, should the API leave them out) is decoded with prev's.
func decodeSheet(data []byte, prev []Column) (Sheet, int, error) {
	var w wireSheet
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&w); err != nil {
		return Sheet{}, 0, fmt.Errorf("%w: %w", ErrMalformedResponse, err)
	}
	if _, err := dec.Token(); err == nil {
		return Sheet{}, 0, fmt.Errorf("%w: data after the sheet document", ErrMalformedResponse)
	}
	if w.ID == nil {
		return Sheet{}, 0, fmt.Errorf("%w: sheet document has no id", ErrMalformedResponse)
	}
	if w.TotalRowCount == nil || *w.TotalRowCount < 0 {
		return Sheet{}, 0, fmt.Errorf("%w: sheet document has no valid totalRowCount", ErrMalformedResponse)
	}
	sh := Sheet{
		ID:            *w.ID,
		Name:          w.Name,
		Version:       w.Version,
		TotalRowCount: *w.TotalRowCount,
		Permalink:     w.Permalink,
		CreatedAt:     parseInstant(w.CreatedAt),
		ModifiedAt:    parseInstant(w.ModifiedAt),
		Rows:          make([]Row, len(w.Rows)),
	}
	if len(w.Columns) == 0 && len(prev) > 0 {
		w.Columns = make([]wireColumn, len(prev))
		for i, c := range prev {
			w.Columns[i] = wireColumn(c)
		}
	}
	sh.Columns = make([]Column, len(w.Columns))
	types := make(map[int64]string, len(w.Columns))
	titles := make(map[string]int64, len(w.Columns))
	for i, wc := range w.Columns {
		if _, dup := types[wc.ID]; dup {
			return Sheet{}, 0, fmt.Errorf("%w: column id %d appears twice", ErrMalformedResponse, wc.ID)
		}
		if _, dup := titles[wc.Title]; dup {
			return Sheet{}, 0, fmt.Errorf("%w: column title %q appears twice", ErrMalformedResponse, wc.Title)
		}
		types[wc.ID] = wc.Type
		titles[wc.Title] = wc.ID
		sh.Columns[i] = Column(wc)
	}
	for i, wr := range w.Rows {
		r := Row{
			ID:         wr.ID,
			RowNumber:  wr.RowNumber,
			CreatedAt:  parseInstant(wr.CreatedAt),
			ModifiedAt: parseInstant(wr.ModifiedAt),
			Cells:      make(map[int64]Cell, len(wr.Cells)),
			titles:     titles,
		}
		for _, wc := range wr.Cells {
			typ, ok := types[wc.ColumnID]
			if !ok {
				return Sheet{}, 0, fmt.Errorf("%w: row %d has a cell in unknown column %d", ErrMalformedResponse, wr.RowNumber, wc.ColumnID)
			}
			v, err := decodeValue(typ, wc.Value)
			if err != nil {
				return Sheet{}, 0, fmt.Errorf("%w: row %d column %d: %w", ErrMalformedResponse, wr.RowNumber, wc.ColumnID, err)
			}
			cell := Cell{ColumnID: wc.ColumnID, Value: v}
			if wc.DisplayValue != nil {
				cell.DisplayValue = *wc.DisplayValue
			} else {
				cell.DisplayValue = v.String()
			}
			r.Cells[wc.ColumnID] = cell
		}
		sh.Rows[i] = r
	}
	return sh, w.TotalPages, nil
}

// titleIndex maps column titles to ids.
func titleIndex(cols []Column) map[string]int64 {
	m := make(map[string]int64, len(cols))
	for _, c := range cols {
		m[c.Title] = c.ID
	}
	return m
}

// decodeValue types a cell's raw JSON value by its column type.
func decodeValue(colType string, raw json.RawMessage) (Value, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return Value{}, nil
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return Value{}, err
		}
		return textValue(colType, s), nil
	case 't', 'f':
		var b bool
		if err := json.Unmarshal(raw, &b); err != nil {
			return Value{}, err
		}
		return Value{Kind: KindBool, Bool: b}, nil
	case '{', '[':
		return Value{}, fmt.Errorf("value is a JSON %s, want a string, number or boolean", map[byte]string{'{': "object", '[': "array"}[raw[0]])
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return Value{}, err
	}
	f, err := n.Float64()
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return Value{}, fmt.Errorf("number %s out of range", n)
	}
	switch colType {
	case TypeDate, TypeDateTime, TypeAbstractDateTime:
		// numericDates=true: epoch milliseconds.
		if ms, err := n.Int64(); err == nil {
			t := time.UnixMilli(ms).UTC()
			if colType == TypeDate {
				return Value{Kind: KindDate, Time: time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)}, nil
			}
			return Value{Kind: KindDateTime, Time: t}, nil
		}
	}
	return Value{Kind: KindNumber, Number: f, Text: n.String()}, nil
}

// textValue types a string value by the column type.
func textValue(colType, s string) Value {
	switch colType {
	case TypeDate:
		if t, err := time.Parse(time.DateOnly, s); err == nil {
			return Value{Kind: KindDate, Time: t}
		}
		if t := parseInstant(s); !t.IsZero() {
			return Value{Kind: KindDateTime, Time: t}
		}
	case TypeDateTime, TypeAbstractDateTime:
		if t := parseInstant(s); !t.IsZero() {
			return Value{Kind: KindDateTime, Time: t}
		}
		if t, err := time.Parse(time.DateOnly, s); err == nil {
			return Value{Kind: KindDate, Time: t}
		}
	}
	return Value{Kind: KindText, Text: s}
}

// parseInstant parses Smartsheet's ISO-8601 timestamps ("2023-01-05T14:03:00Z",
// with or without fraction or offset; a zone-less form is taken as UTC). It
// returns the zero time for anything else.
func parseInstant(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}
