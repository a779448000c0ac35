package smartsheet

import (
	"errors"
	"math"
	"testing"
	"time"
)

func TestDecodeSheetRecorded(t *testing.T) {
	t.Parallel()
	_, body := scenario(t, "header_scenarios.json", "Assume User - Can Be Set")
	sh, err := DecodeSheet(body)
	if err != nil {
		t.Fatal(err)
	}
	if sh.ID != 123 || sh.Name != "New Sheet" || sh.Version != 73 || sh.TotalRowCount != 6 ||
		!sh.CreatedAt.Equal(time.Date(2017, 11, 3, 15, 27, 29, 0, time.UTC)) {
		t.Errorf("sheet = %+v", sh)
	}
	col, ok := sh.Column("Primary Column")
	if !ok || col.ID != 234 || col.Type != TypeTextNumber || !col.Primary || col.Index != 0 {
		t.Errorf("column = %+v, %v", col, ok)
	}
	if len(sh.Rows) != 1 || sh.Rows[0].ID != 345 || sh.Rows[0].RowNumber != 1 {
		t.Fatalf("rows = %+v", sh.Rows)
	}
	cell, ok := sh.Rows[0].Cell("Primary Column")
	if !ok || cell.Value.Kind != KindText || cell.Value.Text != "Some Value" || cell.DisplayValue != "Some Value" {
		t.Errorf("cell = %+v", cell)
	}
}

func TestDecodeValue(t *testing.T) {
	t.Parallel()
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		name, typ, raw string
		want           Value
		wantErr        bool
	}{
		{"absent", TypeTextNumber, ``, Value{}, false},
		{"null", TypeDate, `null`, Value{}, false},
		{"text", TypeTextNumber, `"abc"`, Value{Kind: KindText, Text: "abc"}, false},
		{"integer", TypeTextNumber, `42`, Value{Kind: KindNumber, Number: 42, Text: "42"}, false},
		{"big integer literal kept", TypeTextNumber, `9007199254740993`, Value{Kind: KindNumber, Number: 9007199254740992, Text: "9007199254740993"}, false},
		{"date", TypeDate, `"2024-02-29"`, Value{Kind: KindDate, Time: day(2024, 2, 29)}, false},
		{"bad date stays text", TypeDate, `"2024-02-30"`, Value{Kind: KindText, Text: "2024-02-30"}, false},
		{"datetime", TypeDateTime, `"2024-03-10T08:30:00Z"`, Value{Kind: KindDateTime, Time: time.Date(2024, 3, 10, 8, 30, 0, 0, time.UTC)}, false},
		{"datetime with offset", TypeDateTime, `"2024-03-10T02:30:00-06:00"`, Value{Kind: KindDateTime, Time: time.Date(2024, 3, 10, 8, 30, 0, 0, time.UTC)}, false},
		{"datetime millis", TypeDateTime, `"2024-03-10T08:30:00.250Z"`, Value{Kind: KindDateTime, Time: time.Date(2024, 3, 10, 8, 30, 0, 250e6, time.UTC)}, false},
		{"abstract datetime without zone", TypeAbstractDateTime, `"2024-03-10T08:30:00"`, Value{Kind: KindDateTime, Time: time.Date(2024, 3, 10, 8, 30, 0, 0, time.UTC)}, false},
		{"date in datetime column", TypeDateTime, `"2024-03-10"`, Value{Kind: KindDate, Time: day(2024, 3, 10)}, false},
		{"numeric date", TypeDate, `1710028800000`, Value{Kind: KindDate, Time: day(2024, 3, 10)}, false},
		{"numeric datetime", TypeDateTime, `1710059400000`, Value{Kind: KindDateTime, Time: time.Date(2024, 3, 10, 8, 30, 0, 0, time.UTC)}, false},
		{"checkbox", TypeCheckbox, `true`, Value{Kind: KindBool, Bool: true}, false},
		{"object", TypeTextNumber, `{"a":1}`, Value{}, true},
		{"array", TypeTextNumber, `[1]`, Value{}, true},
		{"huge number", TypeTextNumber, `1e400`, Value{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := decodeValue(tt.typ, []byte(tt.raw))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if got.Kind != tt.want.Kind || got.Text != tt.want.Text || got.Number != tt.want.Number ||
				got.Bool != tt.want.Bool || !got.Time.Equal(tt.want.Time) {
				t.Errorf("decodeValue(%s, %s) = %+v, want %+v", tt.typ, tt.raw, got, tt.want)
			}
		})
	}
}

func TestDecodeSheetRejects(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, doc string }{
		{"empty", ``},
		{"array", `[]`},
		{"no totalRowCount", `{"id":1}`},
		{"negative totalRowCount", `{"id":1,"totalRowCount":-1}`},
		{"id overflows int64", `{"id":9223372036854775808,"totalRowCount":0}`},
		{"duplicate column id", `{"id":1,"totalRowCount":0,"columns":[{"id":2,"title":"a"},{"id":2,"title":"b"}]}`},
		{"duplicate title", `{"id":1,"totalRowCount":0,"columns":[{"id":2,"title":"a"},{"id":3,"title":"a"}]}`},
		{"cell in unknown column", `{"id":1,"totalRowCount":1,"columns":[{"id":2,"title":"a"}],"rows":[{"id":5,"cells":[{"columnId":3,"value":"x"}]}]}`},
		{"trailing garbage", `{"id":1,"totalRowCount":0} {"id":2}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := DecodeSheet([]byte(tt.doc)); !errors.Is(err, ErrMalformedResponse) {
				t.Errorf("DecodeSheet(%s) err = %v, want ErrMalformedResponse", tt.doc, err)
			}
		})
	}
}

func FuzzDecodeSheet(f *testing.F) {
	f.Add(mustRead(f, "sheet_4477152411314052_page1.json"))
	f.Add([]byte(`{"id":1,"totalRowCount":1,"columns":[{"id":2,"title":"d","type":"DATE"}],"rows":[{"id":5,"cells":[{"columnId":2,"value":"2024-01-01"}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		sh, err := DecodeSheet(data)
		if err != nil {
			if !errors.Is(err, ErrMalformedResponse) {
				t.Fatalf("error %v does not wrap ErrMalformedResponse", err)
			}
			return
		}
		ids := make(map[int64]bool, len(sh.Columns))
		for _, c := range sh.Columns {
			ids[c.ID] = true
		}
		for _, r := range sh.Rows {
			for id, cell := range r.Cells {
				if !ids[id] || cell.ColumnID != id {
					t.Fatalf("row %d holds cell %d outside the columns", r.ID, id)
				}
				if cell.Value.Kind == KindNumber && (math.IsNaN(cell.Value.Number) || math.IsInf(cell.Value.Number, 0)) {
					t.Fatalf("non-finite number %v", cell.Value.Number)
				}
				_ = cell.Value.String()
			}
		}
	})
}

func BenchmarkDecodeSheet(b *testing.B) {
	page := mustRead(b, "sheet_4477152411314052_all.json")
	b.SetBytes(int64(len(page)))
	for b.Loop() {
		if _, err := DecodeSheet(page); err != nil {
			b.Fatal(err)
		}
	}
}
