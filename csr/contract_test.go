package csr

import (
	"slices"
	"testing"
)

// TestFieldMapContract spells out SPEC.md's csr_to_socrata field map (report
// column → Socrata field), independently of columnDefs and of the golden
// files, so a renamed column or field fails here.
func TestFieldMapContract(t *testing.T) {
	t.Parallel()
	spec := [][2]string{
		{"Service Request (SR) Number", "service_request_sr_number"},
		{"Department", "department"},
		{"Group Description", "group_description"},
		{"SR Description", "sr_description"},
		{"Method Received", "method_received"},
		{"SR Status", "sr_status"},
		{"Is Duplicate? (1/0)", "is_duplicate_1_0"},
		{"Status Change Date", "status_change_date"},
		{"Created Date", "created_date"},
		{"Overdue On Date", "overdue_on_date"},
		{"Last Update Date", "last_update_date"},
		{"Close Date", "close_date"},
		{"SR Age (days)", "sr_age_days"},
		{"Response Days", "response_days"},
		{"Open Count", "open_count"},
		{"Closed Count", "closed_count"},
		{"Overdue Count", "overdue_count"},
		{"Closed on Time", "closed_on_time"},
		{"Closed Late", "closed_late"},
		{"# of Days Late", "of_days_late"},
		{"SR Location", "sr_location"},
		{"State Plane X Coordinate", "state_plane_x_coordinate"},
		{"State Plane Y Coordinate", "state_plane_y_coordinate"},
	}
	if len(spec) != NumColumns {
		t.Fatalf("NumColumns = %d, SPEC maps %d columns", NumColumns, len(spec))
	}
	var want []string
	for c := range Column(NumColumns) {
		if c.Name() != spec[c][0] || c.Field() != spec[c][1] {
			t.Errorf("column %d maps %q → %q, SPEC says %q → %q", c, c.Name(), c.Field(), spec[c][0], spec[c][1])
		}
		want = append(want, spec[c][1])
	}
	want = append(want, "location", "fiscal_year")
	if got := Fields(); !slices.Equal(got, want) {
		t.Errorf("Fields() = %q, want %q", got, want)
	}
	dates := []string{"status_change_date", "created_date", "overdue_on_date", "last_update_date", "close_date"}
	for c := range Column(NumColumns) {
		if isDate := slices.Contains(dates, c.Field()); isDate != (c.Kind() == KindDate) {
			t.Errorf("%s: Kind %v, SPEC's date columns are %q", c.Field(), c.Kind(), dates)
		}
	}
}

// TestMissingValuesEveryColumn puts every missing-value marker SPEC.md lists
// in every column and requires null there (never the marker, never "NaN"),
// a null location when a coordinate is missing and a null fiscal_year when
// the created date is.
func TestMissingValuesEveryColumn(t *testing.T) {
	t.Parallel()
	markers := []string{"", "N/A", "n/a", "NA", "#N/A", "#N/A N/A", "#NA", "NULL", "null", "NaN", "nan",
		"-NaN", "-nan", "None", "<NA>", "1.#IND", "1.#QNAN", "-1.#IND", "-1.#QNAN"}
	if got := DefaultMissingValues(); !slices.Equal(got, markers) {
		t.Errorf("DefaultMissingValues() = %q, want SPEC's %q", got, markers)
	}
	tr := NewTransformer()
	for _, m := range markers {
		for c := range Column(NumColumns) {
			rec := Record{Row: 1, Line: 2, Values: sampleValues(0)}
			rec.Values[c] = m
			row, err := tr.Row(&rec)
			if err != nil {
				t.Errorf("marker %q in %s: %v", m, c.Field(), err)
				continue
			}
			if v, ok := row[c.Field()]; !ok || v != nil {
				t.Errorf("marker %q in %s gives %#v, want null", m, c.Field(), v)
			}
			wantLoc := c != ColStatePlaneX && c != ColStatePlaneY
			if (row[FieldLocation] != nil) != wantLoc {
				t.Errorf("marker %q in %s: location = %#v", m, c.Field(), row[FieldLocation])
			}
			wantFY := c != ColCreatedDate
			if (row[FieldFiscalYear] != nil) != wantFY {
				t.Errorf("marker %q in %s: fiscal_year = %#v", m, c.Field(), row[FieldFiscalYear])
			}
		}
	}
	// Near misses are values, as in pandas: markers match exactly.
	for _, s := range []string{"na", "Na", "NA ", " N/A", "NONE", "nil", "-", "0"} {
		rec := Record{Values: sampleValues(0)}
		rec.Values[ColSRLocation] = s
		row, err := tr.Row(&rec)
		if err != nil || row["sr_location"] != s {
			t.Errorf("sr_location %q gives %#v, %v; want the text", s, row["sr_location"], err)
		}
	}
}
