package permits

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"
)

// SheetContribution configures a Smartsheet sheet whose in-flight requests
// are added to an AMANDA folder type's active-permit count: rows whose
// status column holds one of ActiveValues (compared case-insensitively,
// surrounding spaces ignored) count as active.
type SheetContribution struct {
	SheetID      int64    `json:"sheet_id"`
	Name         string   `json:"name"`
	StatusColumn string   `json:"status_column"`
	ActiveValues []string `json:"active_values"`
	FolderType   string   `json:"folder_type"`
}

// Validate reports a configuration that cannot be counted.
func (c SheetContribution) Validate() error {
	var errs []error
	if c.SheetID <= 0 {
		errs = append(errs, errors.New("sheet_id must be a positive sheet id"))
	}
	if strings.TrimSpace(c.StatusColumn) == "" {
		errs = append(errs, errors.New("status_column is empty"))
	}
	if strings.TrimSpace(c.FolderType) == "" {
		errs = append(errs, errors.New("folder_type is empty"))
	}
	active := 0
	for _, v := range c.ActiveValues {
		if strings.TrimSpace(v) != "" {
			active++
		}
	}
	if active == 0 {
		errs = append(errs, errors.New("active_values lists no value"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("permits: sheet contribution %d %q: %w", c.SheetID, c.Name, err)
	}
	return nil
}

// ParseSheetContributions reads a JSON array of [SheetContribution] (the
// optional configuration file of the active_permits job) and validates each
// entry. Unknown fields are an error, so a misspelt key is not silently
// ignored.
func ParseSheetContributions(r io.Reader) ([]SheetContribution, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var out []SheetContribution
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Errorf("permits: sheet contributions: %w", err)
	}
	if dec.More() {
		return nil, errors.New("permits: sheet contributions: data after the JSON array")
	}
	for _, c := range out {
		if err := c.Validate(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// StatusSheet is the part of a sheet [CountActive] reads. The jobs adapt a
// smartsheet.Sheet to it; permits does not import the smartsheet package.
type StatusSheet interface {
	// SheetName is the sheet's name, used when the configuration has none.
	SheetName() string
	// HasColumn reports whether the sheet has a column titled title.
	HasColumn(title string) bool
	// ColumnText yields the text of column title in every row, in row
	// order ("" for an empty cell).
	ColumnText(title string) iter.Seq[string]
}

// ErrNoStatusColumn is wrapped by [CountActive] when the sheet lacks the
// configured status column: counting 0 would hide a renamed column.
var ErrNoStatusColumn = errors.New("sheet has no such status column")

// CountActive counts the rows of sheet whose status is active according to
// cfg and returns them as a [Contribution] to cfg.FolderType (upper case),
// ready for [ActiveCounts.Add]. It returns an error for an invalid cfg or
// a sheet without the status column.
func CountActive(sheet StatusSheet, cfg SheetContribution) (Contribution, error) {
	if err := cfg.Validate(); err != nil {
		return Contribution{}, err
	}
	name := cfg.Name
	if name == "" {
		name = sheet.SheetName()
	}
	if !sheet.HasColumn(cfg.StatusColumn) {
		return Contribution{}, fmt.Errorf("permits: sheet %d %q: %w: %q", cfg.SheetID, name, ErrNoStatusColumn, cfg.StatusColumn)
	}
	active := make(map[string]bool, len(cfg.ActiveValues))
	for _, v := range cfg.ActiveValues {
		if v = normStatus(v); v != "" {
			active[v] = true
		}
	}
	var n int64
	for text := range sheet.ColumnText(cfg.StatusColumn) {
		if active[normStatus(text)] {
			n++
		}
	}
	return Contribution{Sheet: name, FolderType: strings.ToUpper(strings.TrimSpace(cfg.FolderType)), Count: n}, nil
}

func normStatus(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// StatusTable is a plain [StatusSheet]: a name and the text of each column
// by title, one entry per row.
type StatusTable struct {
	Name    string
	Columns map[string][]string
}

var _ StatusSheet = StatusTable{}

// SheetName returns t.Name.
func (t StatusTable) SheetName() string { return t.Name }

// HasColumn reports whether t has a column titled title.
func (t StatusTable) HasColumn(title string) bool { _, ok := t.Columns[title]; return ok }

// ColumnText yields the cells of column title.
func (t StatusTable) ColumnText(title string) iter.Seq[string] {
	return func(yield func(string) bool) {
		for _, s := range t.Columns[title] {
			if !yield(s) {
				return
			}
		}
	}
}

// SheetExport configures one sheet of the smartsheet_to_s3 job: the sheet
// to read, the name of the S3 file (<Name>.csv) and the date column whose
// rows are counted per day.
type SheetExport struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	DateColumn string `json:"date_column"`
}

// Key returns the S3 key of the sheet's daily file: <Name>.csv.
func (e SheetExport) Key() string { return e.Name + ".csv" }

// DefaultSheetExports returns the three sheets of docs/DATASETS.md, whose daily
// files row_data_summary reads.
func DefaultSheetExports() []SheetExport {
	return []SheetExport{
		{ID: 4477152411314052, Name: "Commercial DS Permit Requests", DateColumn: "Date Created"},
		{ID: 1926715770464132, Name: "Extension and Revision Requests", DateColumn: "Created"},
		{ID: 6628516847478660, Name: "Residential DS Permits", DateColumn: "Date Created"},
	}
}

// Validate reports an export that cannot run: a non-positive id, an empty
// date column, or a name that is empty or not a plain file name.
func (e SheetExport) Validate() error {
	var errs []error
	if e.ID <= 0 {
		errs = append(errs, errors.New("id must be a positive sheet id"))
	}
	if strings.TrimSpace(e.Name) == "" || strings.ContainsAny(e.Name, "/\\") || strings.TrimSpace(e.Name) != e.Name {
		errs = append(errs, fmt.Errorf("name %q must be a non-empty file name without slashes or surrounding spaces", e.Name))
	}
	if strings.TrimSpace(e.DateColumn) == "" {
		errs = append(errs, errors.New("date_column is empty"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("permits: sheet export %d: %w", e.ID, err)
	}
	return nil
}

// ParseSheetExports reads a JSON array of [SheetExport] (the --sheets file
// of smartsheet_to_s3), validates each entry and refuses an empty list,
// unknown keys and two entries writing the same file.
func ParseSheetExports(r io.Reader) ([]SheetExport, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var out []SheetExport
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Errorf("permits: sheet exports: %w", err)
	}
	if dec.More() {
		return nil, errors.New("permits: sheet exports: data after the JSON array")
	}
	if len(out) == 0 {
		return nil, errors.New("permits: sheet exports: the list is empty")
	}
	seen := make(map[string]bool, len(out))
	for _, e := range out {
		if err := e.Validate(); err != nil {
			return nil, err
		}
		if seen[e.Key()] {
			return nil, fmt.Errorf("permits: sheet exports: two sheets write %q", e.Key())
		}
		seen[e.Key()] = true
	}
	return out, nil
}
