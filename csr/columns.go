package csr

// Column identifies one column of the 3-1-1 CSR report that the job
// publishes. Its value is the index into [Record.Values].
type Column int

// The report columns, in the order of the field map of docs/DATASETS.md.
const (
	ColSRNumber Column = iota
	ColDepartment
	ColGroupDescription
	ColSRDescription
	ColMethodReceived
	ColSRStatus
	ColIsDuplicate
	ColStatusChangeDate
	ColCreatedDate
	ColOverdueOnDate
	ColLastUpdateDate
	ColCloseDate
	ColSRAgeDays
	ColResponseDays
	ColOpenCount
	ColClosedCount
	ColOverdueCount
	ColClosedOnTime
	ColClosedLate
	ColDaysLate
	ColSRLocation
	ColStatePlaneX
	ColStatePlaneY

	// NumColumns is the number of report columns the job reads.
	NumColumns = iota
)

// Kind says how a column's text becomes a Socrata value.
type Kind int

// Column kinds.
const (
	// KindText columns are published as strings.
	KindText Kind = iota
	// KindDate columns are local wall-clock times, reformatted (never
	// converted) to the Socrata floating timestamp YYYY-MM-DDTHH:MM:SS.
	KindDate
	// KindNumber columns are published as JSON numbers: int64 when the text
	// is an integer, float64 otherwise.
	KindNumber
)

type columnDef struct {
	name  string // header in the report
	field string // Socrata field name
	kind  Kind
}

var columnDefs = [NumColumns]columnDef{
	ColSRNumber:         {"Service Request (SR) Number", "service_request_sr_number", KindText},
	ColDepartment:       {"Department", "department", KindText},
	ColGroupDescription: {"Group Description", "group_description", KindText},
	ColSRDescription:    {"SR Description", "sr_description", KindText},
	ColMethodReceived:   {"Method Received", "method_received", KindText},
	ColSRStatus:         {"SR Status", "sr_status", KindText},
	ColIsDuplicate:      {"Is Duplicate? (1/0)", "is_duplicate_1_0", KindNumber},
	ColStatusChangeDate: {"Status Change Date", "status_change_date", KindDate},
	ColCreatedDate:      {"Created Date", "created_date", KindDate},
	ColOverdueOnDate:    {"Overdue On Date", "overdue_on_date", KindDate},
	ColLastUpdateDate:   {"Last Update Date", "last_update_date", KindDate},
	ColCloseDate:        {"Close Date", "close_date", KindDate},
	ColSRAgeDays:        {"SR Age (days)", "sr_age_days", KindNumber},
	ColResponseDays:     {"Response Days", "response_days", KindNumber},
	ColOpenCount:        {"Open Count", "open_count", KindNumber},
	ColClosedCount:      {"Closed Count", "closed_count", KindNumber},
	ColOverdueCount:     {"Overdue Count", "overdue_count", KindNumber},
	ColClosedOnTime:     {"Closed on Time", "closed_on_time", KindNumber},
	ColClosedLate:       {"Closed Late", "closed_late", KindNumber},
	ColDaysLate:         {"# of Days Late", "of_days_late", KindNumber},
	ColSRLocation:       {"SR Location", "sr_location", KindText},
	ColStatePlaneX:      {"State Plane X Coordinate", "state_plane_x_coordinate", KindNumber},
	ColStatePlaneY:      {"State Plane Y Coordinate", "state_plane_y_coordinate", KindNumber},
}

// Fields added by the transform in addition to the mapped columns.
const (
	// FieldLocation holds the WGS84 point "POINT (<lon> <lat>)".
	FieldLocation = "location"
	// FieldFiscalYear holds the City fiscal year of the Created Date.
	FieldFiscalYear = "fiscal_year"
)

// def returns the column's definition (the zero one out of range).
func (c Column) def() (d columnDef) {
	if c >= 0 && c < NumColumns {
		d = columnDefs[c]
	}
	return d
}

// Name returns the column's header in the report, for example
// "Service Request (SR) Number".
func (c Column) Name() string { return c.def().name }

// Field returns the Socrata field name the column maps to, for example
// "service_request_sr_number".
func (c Column) Field() string { return c.def().field }

// Kind returns how the column is published.
func (c Column) Kind() Kind { return c.def().kind }

// String returns the column's report header.
func (c Column) String() string { return c.Name() }

// Fields returns the Socrata field names of a transformed row, in a stable
// order: the mapped columns in report order, then location and fiscal_year.
// It returns a new slice on every call.
func Fields() []string {
	out := make([]string, 0, NumColumns+2)
	for c := range Column(NumColumns) {
		out = append(out, c.Field())
	}
	return append(out, FieldLocation, FieldFiscalYear)
}

// DefaultMissingValues returns the texts that mean "no value" in every
// column, as the pandas job read them (pandas' default na_values plus the
// empty string). It returns a new slice on every call.
func DefaultMissingValues() []string {
	return []string{"", "N/A", "n/a", "NA", "#N/A", "#N/A N/A", "#NA", "NULL", "null", "NaN", "nan",
		"-NaN", "-nan", "None", "<NA>", "1.#IND", "1.#QNAN", "-1.#IND", "-1.#QNAN"}
}

// isMissing reports whether s is one of the default missing-value markers.
// It is a hand-rolled switch so the hot path does no hashing.
func isMissing(s string) bool {
	switch len(s) {
	case 0:
		return true
	case 2:
		return s == "NA"
	case 3:
		return s == "N/A" || s == "n/a" || s == "#NA" || s == "NaN" || s == "nan"
	case 4:
		return s == "#N/A" || s == "NULL" || s == "null" || s == "-NaN" || s == "-nan" || s == "None" || s == "<NA>"
	case 6:
		return s == "1.#IND"
	case 7:
		return s == "1.#QNAN" || s == "-1.#IND"
	case 8:
		return s == "#N/A N/A" || s == "-1.#QNAN"
	}
	return false
}
