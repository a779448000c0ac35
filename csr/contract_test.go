package csr

import (
	"bytes"
	"maps"
	"slices"
	"testing"
)

// TestFieldMapContract spells out docs/DATASETS.md's csr_to_socrata field map (report
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

// TestMissingValuesEveryColumn puts every missing-value marker docs/DATASETS.md lists
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
			row, err := mapRow(tr, &rec)
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
		row, err := mapRow(tr, &rec)
		if err != nil || row["sr_location"] != s {
			t.Errorf("sr_location %q gives %#v, %v; want the text", s, row["sr_location"], err)
		}
	}
}

// TestFlexContract spells out docs/DATASETS.md's flex_notes_to_socrata field map and
// checks that a row with each private question of the pandas job
// (IGNORED_QUESTIONS, matched exactly) is dropped, and a near miss kept.
func TestFlexContract(t *testing.T) {
	t.Parallel()
	wantFields := []string{"flex_note_id", "service_request_number", "flex_notes_definition_id", "service_request_id", "flex_question", "flex_answer"}
	if got := FlexFields(); !slices.Equal(got, wantFields) {
		t.Errorf("FlexFields() = %q, want %q", got, wantFields)
	}
	private := []string{
		"Mobile Apps Reporter Information",
		"Provide license plate number of vehicle, if known.",
		"*What are the last 4 digits of the card number that you used for this transaction?",
		"Enter APD  # if known (Case #, Officer #, etc.).",
		"Provide User ID from ParkATX App (If user ID is unavailable, type N/A)",
		"What are the last 4 digits of the card number that you used for this transaction?",
		"What is the 9-digit citation number (top line)?",
	}
	// The header in another order than SPEC's, to check the mapping by name.
	sheet := [][]any{{"Flex Answer", "Flex Question", "Service Request ID", "Flex Notes Definition ID", "Service Request Number", "Flex Notes ID"}}
	for i, q := range private {
		sheet = append(sheet, []any{"secret", q, 500 + i, 70 + i, "24-0000000" + string(rune('0'+i)), 1000 + i})
	}
	sheet = append(sheet, []any{"kept", "Enter APD # if known (Case #, Officer #, etc.).", 9, 8, "24-1", 7})
	fn, err := NewFlexNotes(bytes.NewReader(mustXLSX(t, sheet)), FlexOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer fn.Close()
	var rows []map[string]any
	for row, err := range flexMapRows(fn) {
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, row)
	}
	want := map[string]any{"flex_note_id": int64(7), "service_request_number": "24-1", "flex_notes_definition_id": int64(8),
		"service_request_id": int64(9), "flex_question": "Enter APD # if known (Case #, Officer #, etc.).", "flex_answer": "kept"}
	if len(rows) != 1 || !maps.Equal(rows[0], want) {
		t.Fatalf("published %v, want only %v", rows, want)
	}
	if st := fn.Stats(); st.Dropped != len(private) || len(st.ByQuestion) != len(private) {
		t.Fatalf("stats %+v, want each of the %d private questions dropped once", st, len(private))
	}
}
