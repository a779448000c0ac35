package socrata

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestEncoderMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		row  Row
	}{
		{"strings", Row{"a": "plain", "b": "quote\" back\\ ctl\x01\x1f nl\n", "c": "é 日本 \u2028\u2029", "d": ""}},
		{"ints", Row{"a": 0, "b": -1, "c": int64(math.MaxInt64), "d": uint64(math.MaxUint64), "e": int8(-8), "f": uint16(7)}},
		{"floats", Row{"a": 0.0, "b": -2.5, "c": 1e20, "d": 1e21, "e": 1e-6, "f": 1e-7, "g": 123456789.125, "h": float32(3.14), "i": -1e-300}},
		{"misc", Row{"a": true, "b": false, "c": nil, "d": json.Number("-0.5e+10"), "e": []any{1, "x"}, "f": map[string]any{"k": 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, _, err := appendRow(nil, nil, tt.row)
			if err != nil {
				t.Fatal(err)
			}
			var want bytes.Buffer
			enc := json.NewEncoder(&want)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(map[string]any(tt.row)); err != nil {
				t.Fatal(err)
			}
			if string(got) != strings.TrimSpace(want.String()) {
				t.Errorf("got  %s\nwant %s", got, want.String())
			}
		})
	}
}

func TestEncoderInvalidUTF8(t *testing.T) {
	t.Parallel()
	got, _, err := appendRow(nil, nil, Row{"a": "x\xffy"})
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]string
	if err := json.Unmarshal(got, &back); err != nil || back["a"] != "x\uFFFDy" {
		t.Errorf("got %s (%v)", got, err)
	}
}

func TestWriteJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		rows    []Row
		want    string
		wantErr bool
	}{
		{"no rows", nil, `[]`, false},
		{"two rows", []Row{{"b": 1, "a": nil}, {"t": time.Date(2025, 1, 2, 3, 4, 5, 6e6, time.UTC)}}, `[{"a":null,"b":1},{"t":"2025-01-02T03:04:05.006"}]`, false},
		{"bad number", []Row{{"a": 1}, {"n": json.Number("NaN")}}, ``, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			n, err := WriteJSON(&buf, SliceRows(tt.rows))
			if tt.wantErr {
				var re *RowsError
				if !errors.As(err, &re) || re.Row != 1 {
					t.Fatalf("err = %v, want *RowsError for row 1", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if buf.String() != tt.want {
				t.Errorf("got %s, want %s", buf.String(), tt.want)
			}
			if n != int64(len(tt.rows)) {
				t.Errorf("wrote %d rows", n)
			}
		})
	}
}

func TestValidNumber(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"0": true, "-0": true, "12.5e-3": true, "1E+9": true, "01": false, "1.": false, ".5": false, "-": false,
		"1e": false, "NaN": false, "Inf": false, "0x10": false, "1_000": false, "1 ": false, "--1": false,
	} {
		if got := validNumber(s); got != want {
			t.Errorf("validNumber(%q) = %v", s, got)
		}
		if want != json.Valid([]byte(s)) && strings.TrimSpace(s) == s {
			t.Errorf("test table disagrees with json.Valid for %q", s)
		}
	}
}

func TestDecodeWriteResult(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    WriteResult
		wantErr bool
	}{
		{"empty body", ``, WriteResult{}, false},
		{"string numbers", `{"Rows Created":"3","Errors":"0"}`, WriteResult{Created: 3}, false},
		{"float integral", `{"Rows Updated":2.0}`, WriteResult{Updated: 2}, false},
		{"snake errors count", `{"rows_deleted":4,"errors":2}`, WriteResult{Deleted: 4, Errors: 2}, false},
		{"single delete", `[{"typ":"delete","id":"row-1"}]`, WriteResult{Deleted: 1}, false},
		{"error row with numeric id", `[{"typ":"error","id":42,"err":"bad"}]`, WriteResult{Errors: 1, RowErrors: []RowError{{Index: 0, Key: "42", Message: "bad"}}}, false},
		{"unknown keys", `{"message":"ok","Rows Created":1,"By SID":9}`, WriteResult{Created: 1}, false},
		{"html", `<html>`, WriteResult{}, true},
		{"fractional count", `{"Rows Created":1.5}`, WriteResult{}, true},
		{"truncated", `{"Rows Created":1`, WriteResult{}, true},
		{"scalar in array", `[1]`, WriteResult{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := DecodeWriteResult([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if !tt.wantErr && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func FuzzDecodeWriteResult(f *testing.F) {
	for _, name := range []string{"upsert_200_summary.json", "upsert_200_summary_legacy.json", "upsert_200_snake.json",
		"upsert_200_rows.json", "upsert_200_rows_nested.json", "replace_200.json", "error_400.json"} {
		f.Add(mustRead(f, name))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := DecodeWriteResult(data)
		if err != nil {
			return
		}
		if len(res.RowErrors) > maxRowErrors {
			t.Fatalf("%d row errors kept", len(res.RowErrors))
		}
		if int64(len(res.RowErrors)) > res.Errors {
			t.Fatalf("more row errors (%d) than Errors (%d)", len(res.RowErrors), res.Errors)
		}
	})
}

func BenchmarkEncodeRow(b *testing.B) {
	row := Row{
		"service_request_sr_number": "24-00012345", "department": "Transportation and Public Works",
		"sr_status": "Closed", "created_date": "2024-03-10T02:30:00", "sr_age_days": 12.5, "open_count": 0,
		"closed_count": 1, "location": "POINT (-97.7431 30.2672)", "fiscal_year": 2024, "is_duplicate_1_0": nil,
		"state_plane_x_coordinate": 3114567.25, "state_plane_y_coordinate": 10072345.5,
	}
	var buf []byte
	var keys []string
	b.ReportAllocs()
	for b.Loop() {
		buf, keys, _ = appendRow(buf[:0], keys, row)
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkEncodeRowEncodingJSON(b *testing.B) {
	row := map[string]any{
		"service_request_sr_number": "24-00012345", "department": "Transportation and Public Works",
		"sr_status": "Closed", "created_date": "2024-03-10T02:30:00", "sr_age_days": 12.5, "open_count": 0,
		"closed_count": 1, "location": "POINT (-97.7431 30.2672)", "fiscal_year": 2024, "is_duplicate_1_0": nil,
		"state_plane_x_coordinate": 3114567.25, "state_plane_y_coordinate": 10072345.5,
	}
	b.ReportAllocs()
	for b.Loop() {
		json.Marshal(row)
	}
}
