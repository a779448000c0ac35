package amandatest_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cityofaustin/atd-executive-dashboard/amanda"
	"github.com/cityofaustin/atd-executive-dashboard/amanda/amandatest"
)

func openDB(t *testing.T, c *amandatest.Connector) *sql.DB {
	t.Helper()
	db := sql.OpenDB(c)
	t.Cleanup(func() { db.Close() })
	return db
}

func TestConnector(t *testing.T) {
	t.Parallel()
	cols := []amandatest.Column{{Name: "N", Type: "NUMBER"}, {Name: "D", Type: "DATE"}}
	when := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	boom := errors.New("ORA-01555: snapshot too old")
	tests := []struct {
		name     string
		sql      string
		rs       amandatest.ResultSet
		connErr  error
		wantRows int
		wantErr  func(error) bool
	}{
		{name: "recorded rows", sql: "SELECT 1", rs: amandatest.ResultSet{Columns: cols, Rows: [][]driver.Value{{"1", when}, {nil, nil}}}, wantRows: 2},
		{name: "generated rows", sql: "SELECT 1", rs: amandatest.ResultSet{Columns: cols, N: 1000, Generate: func(i int64, d []driver.Value) { d[0], d[1] = i, when }}, wantRows: 1000},
		{name: "cursor error", sql: "SELECT 1", rs: amandatest.ResultSet{Columns: cols, N: 10, Generate: func(i int64, d []driver.Value) { d[0], d[1] = i, when }, ErrAfter: 4, Err: boom},
			wantRows: 4, wantErr: func(err error) bool { return errors.Is(err, boom) }},
		{name: "unexpected SQL", sql: "SELECT 2", rs: amandatest.ResultSet{Columns: cols}, wantErr: func(err error) bool {
			var ue *amandatest.UnexpectedSQLError
			return errors.As(err, &ue) && ue.SQL == "SELECT 2"
		}},
		{name: "connect fails", sql: "SELECT 1", rs: amandatest.ResultSet{Columns: cols}, connErr: boom,
			wantErr: func(err error) bool { return errors.Is(err, boom) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			c := amandatest.NewConnector()
			c.Handle("SELECT 1", tt.rs)
			c.FailConnect(tt.connErr)
			db := openDB(t, c)
			n, err := countRows(ctx, db, tt.sql)
			if n != tt.wantRows {
				t.Errorf("read %d rows, want %d", n, tt.wantRows)
			}
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !tt.wantErr(err) {
				t.Errorf("error = %v", err)
			}
		})
	}
}

func countRows(ctx context.Context, db *sql.DB, query string) (int, error) {
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return 0, err
	}
	if types[1].DatabaseTypeName() != "DATE" {
		return 0, errors.New("type name lost: " + types[1].DatabaseTypeName())
	}
	n := 0
	for rows.Next() {
		var num sql.NullInt64
		var d sql.NullTime
		if err := rows.Scan(&num, &d); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}

func TestConnectorIsReadOnly(t *testing.T) {
	t.Parallel()
	c := amandatest.NewConnector()
	c.Handle("DELETE FROM FOLDER", amandatest.ResultSet{})
	db := openDB(t, c)
	if _, err := db.ExecContext(t.Context(), "DELETE FROM FOLDER"); !errors.Is(err, amandatest.ErrNotSupported) {
		t.Errorf("Exec error = %v, want ErrNotSupported", err)
	}
	if _, err := db.BeginTx(t.Context(), nil); !errors.Is(err, amandatest.ErrNotSupported) {
		t.Errorf("Begin error = %v, want ErrNotSupported", err)
	}
	if got := c.Executed(); !slices.Equal(got, []string{"DELETE FROM FOLDER"}) {
		t.Errorf("Executed() = %q", got)
	}
}

// TestRecordedMatchesQueries checks every named query has a recorded result
// whose columns are the query's contract.
func TestRecordedMatchesQueries(t *testing.T) {
	t.Parallel()
	for _, q := range amanda.Queries() {
		t.Run(q.Name, func(t *testing.T) {
			t.Parallel()
			rs, err := amandatest.LoadResultSet(amandatest.Recorded, amandatest.RecordedPath(q.Name))
			if err != nil {
				t.Fatal(err)
			}
			if got := rs.ColumnNames(); !slices.Equal(got, q.Columns) {
				t.Errorf("recorded columns %q, query columns %q", got, q.Columns)
			}
			if rs.Len() == 0 {
				t.Error("empty recording")
			}
		})
	}
	if _, err := amandatest.NewRecorded(); err != nil {
		t.Fatal(err)
	}
}

func TestParseResultSet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    []driver.Value // first row
		wantErr string
	}{
		{name: "types", in: `{"columns":[{"name":"A","type":"NCHAR"},{"name":"B","type":"NUMBER"},{"name":"C","type":"DATE"},{"name":"D","type":"NUMBER"}],
			"rows":[["x", 12, "2024-03-10 02:30:00", "-0.5"]]}`,
			want: []driver.Value{"x", "12", time.Date(2024, 3, 10, 2, 30, 0, 0, time.UTC), "-0.5"}},
		{name: "nulls", in: `{"columns":[{"name":"A","type":"CHAR"},{"name":"B","type":"TIMESTAMP"}],"rows":[[null,null]]}`,
			want: []driver.Value{nil, nil}},
		{name: "not JSON", in: `<html>`, wantErr: "fixture"},
		{name: "unknown field", in: `{"columns":[{"name":"A","type":"NCHAR"}],"rows":[],"sql":"x"}`, wantErr: "unknown field"},
		{name: "no columns", in: `{"rows":[]}`, wantErr: "no columns"},
		{name: "unknown type", in: `{"columns":[{"name":"A","type":"BLOB"}]}`, wantErr: "unknown type"},
		{name: "short row", in: `{"columns":[{"name":"A","type":"NCHAR"},{"name":"B","type":"NCHAR"}],"rows":[["x"]]}`, wantErr: "row 1 has 1 values"},
		{name: "exponent", in: `{"columns":[{"name":"A","type":"NUMBER"}],"rows":[[1e5]]}`, wantErr: "decimal"},
		{name: "text for number", in: `{"columns":[{"name":"A","type":"NUMBER"}],"rows":[["many"]]}`, wantErr: "decimal"},
		{name: "number for text", in: `{"columns":[{"name":"A","type":"NCHAR"}],"rows":[[1]]}`, wantErr: "JSON string"},
		{name: "bad date", in: `{"columns":[{"name":"A","type":"DATE"}],"rows":[["03/10/2024"]]}`, wantErr: "YYYY-MM-DD"},
		{name: "trailing data", in: `{"columns":[{"name":"A","type":"NCHAR"}]} {}`, wantErr: "trailing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rs, err := amandatest.ParseResultSet([]byte(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.EqualFunc(rs.Rows[0], tt.want, func(a, b driver.Value) bool { return a == b }) {
				t.Errorf("row = %#v, want %#v", rs.Rows[0], tt.want)
			}
		})
	}
}

// FuzzParseResultSet feeds arbitrary bytes to the fixture loader: it must
// not panic, and whatever it accepts must be rectangular and replayable.
func FuzzParseResultSet(f *testing.F) {
	files, _ := filepath.Glob("replay/*.json")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, err := amandatest.ParseResultSet(data)
		if err != nil {
			return
		}
		for i, row := range rs.Rows {
			if len(row) != len(rs.Columns) {
				t.Fatalf("row %d has %d values for %d columns", i, len(row), len(rs.Columns))
			}
		}
		c := amandatest.NewConnector()
		c.Handle("Q", rs)
		db := sql.OpenDB(c)
		defer db.Close()
		rows, err := db.QueryContext(context.Background(), "Q")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		dest := make([]any, len(rs.Columns))
		for i := range dest {
			dest[i] = new(any)
		}
		n := 0
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				t.Fatal(err)
			}
			n++
		}
		if err := rows.Err(); err != nil || int64(n) != rs.Len() {
			t.Fatalf("replayed %d of %d rows: %v", n, rs.Len(), err)
		}
	})
}
