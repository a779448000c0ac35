package finance_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/cityofaustin/atd-executive-dashboard/finance"
)

func mustKey(tb testing.TB, s string) finance.Key {
	tb.Helper()
	k, err := finance.ParseKey(s)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

func TestReadRowsGolden(t *testing.T) {
	t.Parallel()
	key := mustKey(t, "expenses/2024-08-31_2400.csv")
	var rows []map[string]any
	for row, err := range finance.Expenses().ReadRows(key, bytes.NewReader(mustRead(t, "expenses_2024-08-31_2400.csv"))) {
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, row)
	}
	if len(rows) != 3 {
		t.Fatalf("rows = %d, want 3", len(rows))
	}
	r := rows[1]
	if r["row_identifier"] != "2024118400240024176321" {
		t.Errorf("row_identifier = %v", r["row_identifier"])
	}
	if r["proposed_budget_cye_amount"] != nil || r["percent_obligated"] != nil {
		t.Errorf("empty numerics are not null: %v %v", r["proposed_budget_cye_amount"], r["percent_obligated"])
	}
	if r["expenses_mtd"] != json.Number("12000.1") || r["department"] != 2400 || r["month_name"] != "Aug" ||
		r["fiscal_year"] != 2024 || r["fiscal_month"] != 11 || r["year"] != 2024 || r["month"] != 8 {
		t.Errorf("row = %v", r)
	}
	got, err := json.MarshalIndent(rows, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "expenses_rows.golden", append(got, '\n'))
}

func TestRevenueRowIdentifier(t *testing.T) {
	t.Parallel()
	csv := "Fund@Code,Fund@Long Name,Department@Dept,Department@Long Name,Unit@Unit Code,Unit@Long Name," +
		"Revenue Source Category@Code,Revenue Source Category@Long Name,Revenue Source@Code,Revenue Source@Long Name," +
		"Revenue Budget YTD with Period Cutoff,Proposed Revenue Amount CYE Prompted FY & BFY (Phase 6),Revenue MTD with Period Cutoff," +
		"Revenue YTD with Period Cutoff,Revenue ITD with Period Cutoff,Unrecognized Amount,% Unrecognized\n" +
		"8400,Mobility Fund,6200,TPW,6210,Parking,40,Charges,4410,Meters,100,200,10,50,60,50,0.5\n"
	key := mustKey(t, "revenue/2023-10-31_6200.csv")
	for row, err := range finance.Revenue().ReadRows(key, strings.NewReader(csv)) {
		if err != nil {
			t.Fatal(err)
		}
		// fiscal_year 2024, fiscal_month 1, fund 8400, department 6200, unit 6210, category 40, source 4410
		if row["row_identifier"] != "2024184006200621040"+"4410" {
			t.Errorf("row_identifier = %v", row["row_identifier"])
		}
		if row["revenue_budget_ytd"] != json.Number("100") || row["month_name"] != "Oct" {
			t.Errorf("row = %v", row)
		}
	}
}

func TestReadRowsErrors(t *testing.T) {
	t.Parallel()
	header := string(mustRead(t, "expenses_2024-08-31_2400.csv"))
	header = header[:strings.IndexByte(header, '\n')+1]
	tests := []struct {
		name string
		body string
		line int
	}{
		{"identifier column missing", strings.Replace(header, "Object Code@Code,", "Object Code@Key,", 1), 0},
		{"not a number", header + "8400,F,2400,D,2417,U,5000,P,5110,W,5100,S,abc,1,1,1,1,1,1\n", 2},
		{"NaN is not published", header + "8400,F,2400,D,2417,U,5000,P,5110,W,5100,S,NaN,1,1,1,1,1,1\n", 2},
		{"ragged row", header + "8400,F\n", 2},
		{"broken quote", header + "\"8400,F\n", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var err error
			for _, e := range finance.Expenses().ReadRows(mustKey(t, "expenses/2024-08-31_2400.csv"), strings.NewReader(tt.body)) {
				if e != nil {
					err = e
				}
			}
			var fe *finance.FileError
			if !errors.As(err, &fe) || !errors.Is(err, finance.ErrBadFile) {
				t.Fatalf("err = %v, want *FileError", err)
			}
			if fe.Line != tt.line || fe.Key != "expenses/2024-08-31_2400.csv" {
				t.Errorf("FileError = %+v, want line %d", fe, tt.line)
			}
		})
	}
}

func TestMissingOptionalColumnIsNull(t *testing.T) {
	t.Parallel()
	csv := "Fund@Code,Unit@Unit Code,Object Code@Code,Unobligated\n8400,2417,5110,12.5\n"
	key := mustKey(t, "expenses/2024-01-31_6200.csv")
	sh, err := finance.Expenses().NewShaper(key, []string{"Fund@Code", "Unit@Unit Code", "Object Code@Code", "Unobligated"})
	if err != nil {
		t.Fatal(err)
	}
	if len(sh.Missing()) != 14 {
		t.Errorf("missing = %d columns (%q), want 14", len(sh.Missing()), sh.Missing())
	}
	for row, err := range finance.Expenses().ReadRows(key, strings.NewReader(csv)) {
		if err != nil {
			t.Fatal(err)
		}
		if row["fund_name"] != nil || row["expenses_mtd"] != nil || row["unobligated"] != json.Number("12.5") {
			t.Errorf("row = %v", row)
		}
		if row["row_identifier"] != "2024484006200"+"24175110" {
			t.Errorf("row_identifier = %v", row["row_identifier"])
		}
	}
}

func TestEmptyFileHasNoRows(t *testing.T) {
	t.Parallel()
	n := 0
	for _, err := range finance.Expenses().ReadRows(mustKey(t, "expenses/2024-01-31_6200.csv"), strings.NewReader("")) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 0 {
		t.Errorf("rows = %d", n)
	}
}

// TestNumbersAreValidJSON: a numeric cell that parses as a number but is not
// JSON number syntax (a hand-edited file: ".5", "+1", "1.") is published in
// canonical form instead of failing the upsert mid-way.
func TestNumbersAreValidJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		want     json.Number
	}{
		{"plain", "12.5", "12.5"},
		{"padded", " 7 ", "7"},
		{"leading dot", ".5", "0.5"},
		{"plus sign", "+1", "1"},
		{"trailing dot", "1.", "1"},
		{"exponent", "1e3", "1e3"},
		{"negative", "-0.25", "-0.25"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			csv := "Fund@Code,Unit@Unit Code,Object Code@Code,Unobligated\n8400,2417,5110,\"" + tt.in + "\"\n"
			for row, err := range finance.Expenses().ReadRows(mustKey(t, "expenses/2024-01-31_6200.csv"), strings.NewReader(csv)) {
				if err != nil {
					t.Fatal(err)
				}
				if row["unobligated"] != tt.want {
					t.Errorf("unobligated = %#v, want %#v", row["unobligated"], tt.want)
				}
				if _, err := json.Marshal(row); err != nil {
					t.Errorf("row does not encode: %v", err)
				}
			}
		})
	}
}

// FuzzReadRows feeds arbitrary report files to the row shaper: it never
// panics, yields errors only as *FileError, and every row it yields encodes
// as JSON (what the upsert sends).
func FuzzReadRows(f *testing.F) {
	f.Add(mustRead(f, "expenses_2024-08-31_2400.csv"))
	f.Add([]byte("Fund@Code,Unit@Unit Code,Object Code@Code,Unobligated\n8400,2417,5110,.5\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		key := mustKey(t, "expenses/2024-08-31_2400.csv")
		for row, err := range finance.Expenses().ReadRows(key, bytes.NewReader(data)) {
			if err != nil {
				var fe *finance.FileError
				if !errors.As(err, &fe) {
					t.Fatalf("error is not a *FileError: %v", err)
				}
				continue
			}
			if _, err := json.Marshal(row); err != nil {
				t.Fatalf("row does not encode: %v (%v)", err, row)
			}
		}
	})
}
