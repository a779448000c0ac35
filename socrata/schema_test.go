package socrata

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"reflect"
	"strings"
	"testing"
)

// tableOf builds a re-iterable Table over rows held in memory, yielding
// one reused slice as a streaming producer would.
func tableOf(s *Schema, rows ...[]Value) Table {
	return Table{Schema: s, Rows: func(yield func([]Value, error) bool) {
		buf := make([]Value, s.Len())
		for _, r := range rows {
			copy(buf, r)
			if !yield(buf[:len(r)], nil) {
				return
			}
		}
	}}
}

// TestTableMatchesRow: a Table row and the Row holding the same values
// encode to the same JSON values (keys in schema order instead of sorted),
// with the same NaN-to-null rule.
func TestTableMatchesRow(t *testing.T) {
	t.Parallel()
	row := Row{"text": "quote \" back \\ nl \n é \u2028 <b>", "int": int64(-7), "float": 2.22, "nan": math.NaN(),
		"inf": math.Inf(-1), "big": 1e21, "small": 1e-7, "yes": true, "no": false, "null": nil,
		"num": json.Number("12345678901234567890.5")}
	schema := NewSchema("text", "int", "float", "nan", "inf", "big", "small", "yes", "no", "null", "num")
	vals := []Value{Text(row["text"].(string)), Int(-7), Float(2.22), Float(math.NaN()), Float(math.Inf(-1)), Float(1e21),
		Float(1e-7), Bool(true), Bool(false), Null(), Number("12345678901234567890.5")}
	for i, f := range schema.Fields() {
		if got, want := vals[i].Interface(), row[f]; got != want && f != "nan" && f != "inf" || (f == "nan" || f == "inf") && got != nil {
			t.Errorf("%s: Interface() = %#v, want %#v", f, got, want)
		}
	}
	var fromTable, fromRow bytes.Buffer
	if _, err := WriteJSON(&fromTable, tableOf(schema, vals)); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteJSON(&fromRow, SliceRows([]Row{row})); err != nil {
		t.Fatal(err)
	}
	want := `[{"text":"quote \" back \\ nl \n é \u2028 <b>","int":-7,"float":2.22,"nan":null,"inf":null,"big":1e+21,"small":1e-7,` +
		`"yes":true,"no":false,"null":null,"num":12345678901234567890.5}]`
	if fromTable.String() != want {
		t.Errorf("table JSON\n got %s\nwant %s", fromTable.String(), want)
	}
	var a, b []map[string]any
	dec := func(s string, v any) {
		d := json.NewDecoder(strings.NewReader(s))
		d.UseNumber()
		if err := d.Decode(v); err != nil {
			t.Fatal(err)
		}
	}
	dec(fromTable.String(), &a)
	dec(fromRow.String(), &b)
	if !reflect.DeepEqual(a, b) {
		t.Errorf("table and row differ:\n%s\n%s", fromTable.String(), fromRow.String())
	}
}

func TestSchemaErrors(t *testing.T) {
	t.Parallel()
	for _, fields := range [][]string{{"a", "a"}, {"a", ""}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewSchema(%q) accepted", fields)
				}
			}()
			NewSchema(fields...)
		}()
	}
	s := NewSchema("a", "b")
	for _, tc := range []struct {
		name string
		rows [][]Value
		want string
	}{
		{"short row", [][]Value{{Int(1), Int(2)}, {Int(1)}}, "reading row 1: a row of 1 values for a schema of 2 fields"},
		{"bad number", [][]Value{{Int(1), Number("NaN")}}, `reading row 0: field "b": "NaN" is not a JSON number`},
	} {
		_, err := WriteJSON(io.Discard, tableOf(s, tc.rows...))
		var re *RowsError
		if !errors.As(err, &re) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want a *RowsError %q", tc.name, err, tc.want)
		}
	}
	var buf bytes.Buffer
	if _, err := WriteJSON(&buf, tableOf(NewSchema())); err != nil || buf.String() != "[]" {
		t.Errorf("no rows: %q, %v", buf.String(), err)
	}
	if _, err := WriteJSON(&buf, tableOf(NewSchema(), []Value{})); err != nil || !strings.HasSuffix(buf.String(), "[{}]") {
		t.Errorf("empty schema: %q, %v", buf.String(), err)
	}
}

// TestUpsertTable: a Table goes through the same chunking and accounting
// as Rows, and a row error stops it the same way.
func TestUpsertTable(t *testing.T) {
	t.Parallel()
	c, api, _ := setup(t)
	s := NewSchema("id", "name")
	n := 25
	boom := errors.New("boom")
	rows := func(fail bool) Table {
		return Table{Schema: s, Rows: func(yield func([]Value, error) bool) {
			row := make([]Value, 2)
			for i := range n {
				row[0], row[1] = Int(int64(i)), Text("row")
				if !yield(row, nil) {
					return
				}
			}
			if fail {
				yield(nil, boom)
			}
		}}
	}
	res, err := c.Upsert(t.Context(), "abcd-1234", rows(false), UpsertOptions{ChunkSize: 10})
	if err != nil || res.Chunks != 3 || res.Rows != 25 {
		t.Fatalf("Upsert = %+v, %v", res, err)
	}
	reqs := api.requests()
	if len(reqs) != 3 || rowsInBody(t, reqs[2].Body) != 5 || !bytes.HasPrefix(reqs[0].Body, []byte(`[{"id":0,"name":"row"},{"id":1,`)) {
		t.Fatalf("%d requests; first body %.60s", len(reqs), reqs[0].Body)
	}
	_, err = c.Upsert(t.Context(), "abcd-1234", rows(true), UpsertOptions{ChunkSize: 10})
	var pe *PublishError
	var re *RowsError
	if !errors.Is(err, boom) || !errors.As(err, &pe) || !errors.As(err, &re) || re.Row != 25 || pe.RowsLanded != 20 {
		t.Fatalf("err = %v", err)
	}
}

// csrLikeTable yields n rows shaped like a 3-1-1 row: 25 fields.
func csrLikeTable(n int) Table {
	fields := []string{"service_request_sr_number", "department", "group_description", "sr_description", "method_received",
		"sr_status", "is_duplicate_1_0", "status_change_date", "created_date", "overdue_on_date", "last_update_date",
		"close_date", "sr_age_days", "response_days", "open_count", "closed_count", "overdue_count", "closed_on_time",
		"closed_late", "of_days_late", "sr_location", "state_plane_x_coordinate", "state_plane_y_coordinate", "location", "fiscal_year"}
	s := NewSchema(fields...)
	return Table{Schema: s, Rows: func(yield func([]Value, error) bool) {
		row := []Value{Text("24-00012345"), Text("Transportation & Public Works"), Text("TPW - Street Maintenance"),
			Text("Pothole Repair"), Text("Spot311 Interface"), Text("Closed"), Int(0), Text("2023-10-03T14:15:07"),
			Text("2023-10-01T09:05:00"), Text("2023-10-08T09:05:00"), Text("2023-10-03T14:15:07"), Text("2023-10-03T14:15:07"),
			Int(2), Float(2.22), Int(0), Int(1), Int(0), Int(1), Int(0), Int(0), Text("1100 CONGRESS AVE, AUSTIN, TX 78701"),
			Float(3114567.891), Float(10070123.456), Text("POINT (-97.74204105377774 30.26631862467003)"), Int(2024)}
		for i := range n {
			row[14] = Int(int64(i))
			if !yield(row, nil) {
				return
			}
		}
	}}
}

// BenchmarkUpsertTable pushes 100,000 3-1-1-shaped rows in chunks of
// 10,000 to a loopback server that discards them.
func BenchmarkUpsertTable(b *testing.B) {
	c := benchClient(b)
	const n = 100000
	rows := csrLikeTable(n)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Upsert(b.Context(), "abcd-1234", rows, UpsertOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/row")
}
