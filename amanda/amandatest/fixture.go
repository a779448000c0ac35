package amandatest

import (
	"bytes"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"
)

// A fixture file records one result set as JSON:
//
//	{
//	  "columns": [{"name": "FOLDERTYPE", "type": "NCHAR"}, {"name": "ACTIVEPERMITS", "type": "NUMBER"}],
//	  "rows": [["DS", 412], ["RW", null]]
//	}
//
// Values are decoded by column type the way go-ora hands them to
// database/sql: character types (NCHAR, CHAR, VARCHAR, LONG) as string,
// NUMBER as its decimal string (go-ora's representation; a JSON number or a
// numeric string is accepted), DATE and TIMESTAMP as a [time.Time] in UTC
// holding the stored wall-clock time (written "YYYY-MM-DD HH:MM:SS", with
// optional fractional seconds), and null as nil.

type fixtureFile struct {
	Columns []Column            `json:"columns"`
	Rows    [][]json.RawMessage `json:"rows"`
}

// maxFixtureColumns bounds the column count of a fixture (Oracle's own limit
// for a select list is 1000).
const maxFixtureColumns = 1000

// ParseResultSet decodes a fixture file (see the format above). It returns an
// error naming the row and column of the first bad value.
func ParseResultSet(data []byte) (ResultSet, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f fixtureFile
	if err := dec.Decode(&f); err != nil {
		return ResultSet{}, fmt.Errorf("amandatest: fixture: %w", err)
	}
	if dec.More() {
		return ResultSet{}, errors.New("amandatest: fixture: trailing data after the JSON object")
	}
	if len(f.Columns) == 0 {
		return ResultSet{}, errors.New("amandatest: fixture: no columns")
	}
	if len(f.Columns) > maxFixtureColumns {
		return ResultSet{}, fmt.Errorf("amandatest: fixture: %d columns (max %d)", len(f.Columns), maxFixtureColumns)
	}
	for i, c := range f.Columns {
		if c.Name == "" {
			return ResultSet{}, fmt.Errorf("amandatest: fixture: column %d has no name", i+1)
		}
		if _, ok := kindOf(c.Type); !ok {
			return ResultSet{}, fmt.Errorf("amandatest: fixture: column %s: unknown type %q", c.Name, c.Type)
		}
	}
	rs := ResultSet{Columns: f.Columns, Rows: make([][]driver.Value, 0, len(f.Rows))}
	for r, raw := range f.Rows {
		if len(raw) != len(f.Columns) {
			return ResultSet{}, fmt.Errorf("amandatest: fixture: row %d has %d values, want %d", r+1, len(raw), len(f.Columns))
		}
		row := make([]driver.Value, len(raw))
		for i, v := range raw {
			val, err := decodeValue(f.Columns[i].Type, v)
			if err != nil {
				return ResultSet{}, fmt.Errorf("amandatest: fixture: row %d column %s: %w", r+1, f.Columns[i].Name, err)
			}
			row[i] = val
		}
		rs.Rows = append(rs.Rows, row)
	}
	return rs, nil
}

// LoadResultSet reads and parses the fixture file name from fsys (an
// [os.DirFS] in tests, an [embed.FS] in a job's sample mode).
func LoadResultSet(fsys fs.FS, name string) (ResultSet, error) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return ResultSet{}, fmt.Errorf("amandatest: %w", err)
	}
	rs, err := ParseResultSet(data)
	if err != nil {
		return ResultSet{}, fmt.Errorf("%w (%s)", err, name)
	}
	return rs, nil
}

type kind int

const (
	kindText kind = iota + 1
	kindNumber
	kindTime
)

func kindOf(typ string) (kind, bool) {
	switch strings.ToUpper(typ) {
	case "NCHAR", "CHAR", "VARCHAR", "VARCHAR2", "NVARCHAR2", "LONG", "LONGVARCHAR":
		return kindText, true
	case "NUMBER", "FLOAT", "BFLOAT", "BDOUBLE", "IBFLOAT", "IBDOUBLE":
		return kindNumber, true
	case "DATE", "TIMESTAMP", "TIMESTAMPDTY":
		return kindTime, true
	}
	return 0, false
}

// timeLayouts are the accepted spellings of a DATE/TIMESTAMP value.
var timeLayouts = []string{
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02",
}

func decodeValue(typ string, raw json.RawMessage) (driver.Value, error) {
	raw = bytes.TrimSpace(raw)
	if string(raw) == "null" {
		return nil, nil
	}
	k, _ := kindOf(typ)
	switch k {
	case kindText:
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("want a JSON string for %s, got %.40s", typ, raw)
		}
		return s, nil
	case kindNumber:
		s := string(raw)
		if len(raw) > 0 && raw[0] == '"' {
			if err := json.Unmarshal(raw, &s); err != nil {
				return nil, err
			}
		}
		if !isDecimal(s) {
			return nil, fmt.Errorf("want a decimal number for %s, got %.40q", typ, s)
		}
		return s, nil
	case kindTime:
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("want a JSON string for %s, got %.40s", typ, raw)
		}
		for _, layout := range timeLayouts {
			if t, err := time.Parse(layout, s); err == nil {
				return t, nil
			}
		}
		return nil, fmt.Errorf("want YYYY-MM-DD HH:MM:SS for %s, got %.40q", typ, s)
	}
	return nil, fmt.Errorf("unknown type %q", typ)
}

// isDecimal reports whether s is a plain decimal number as Oracle prints a
// NUMBER: optional minus, digits, optional fraction; no exponent.
func isDecimal(s string) bool {
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '-' && i == 0, r == '.':
		default:
			return false
		}
	}
	return digits > 0 && strings.Count(s, ".") <= 1
}
