package permits

import (
	"errors"
	"strings"
	"testing"
)

func TestCountActive(t *testing.T) {
	t.Parallel()
	sheet := StatusTable{Name: "Commercial DS Permit Requests", Columns: map[string][]string{
		"Status": {"In Review", "in review ", "Approved", "", "Closed", "Pending  Payment", "New"},
		"Notes":  {"a", "b", "c", "d", "e", "f", "g"},
	}}
	base := SheetContribution{SheetID: 4477152411314052, StatusColumn: "Status", ActiveValues: []string{"In Review", "pending payment"}, FolderType: "ds"}
	tests := []struct {
		name    string
		cfg     func(c SheetContribution) SheetContribution
		want    Contribution
		wantErr error
		errText string
	}{
		{name: "counts active values case-insensitively", cfg: func(c SheetContribution) SheetContribution { return c },
			want: Contribution{Sheet: "Commercial DS Permit Requests", FolderType: "DS", Count: 3}},
		{name: "configured name wins", cfg: func(c SheetContribution) SheetContribution {
			c.Name = "Commercial DS"
			c.ActiveValues = []string{"New"}
			return c
		},
			want: Contribution{Sheet: "Commercial DS", FolderType: "DS", Count: 1}},
		{name: "no row active", cfg: func(c SheetContribution) SheetContribution { c.ActiveValues = []string{"Cancelled"}; return c },
			want: Contribution{Sheet: "Commercial DS Permit Requests", FolderType: "DS", Count: 0}},
		{name: "missing status column", cfg: func(c SheetContribution) SheetContribution { c.StatusColumn = "State"; return c },
			wantErr: ErrNoStatusColumn, errText: `"State"`},
		{name: "no active values", cfg: func(c SheetContribution) SheetContribution { c.ActiveValues = []string{" "}; return c },
			errText: "active_values"},
		{name: "no folder type", cfg: func(c SheetContribution) SheetContribution { c.FolderType = ""; return c },
			errText: "folder_type"},
		{name: "no sheet id", cfg: func(c SheetContribution) SheetContribution { c.SheetID = 0; return c },
			errText: "sheet_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := CountActive(sheet, tt.cfg(base))
			if tt.errText != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errText) || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) {
					t.Fatalf("err = %v, want one containing %q", err, tt.errText)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("CountActive = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestCountActiveFeedsActiveCounts(t *testing.T) {
	t.Parallel()
	c, err := CountActive(StatusTable{Name: "Residential DS Permits", Columns: map[string][]string{"Status": {"Open", "Open", "Done"}}},
		SheetContribution{SheetID: 6628516847478660, StatusColumn: "Status", ActiveValues: []string{"open"}, FolderType: "DS"})
	if err != nil {
		t.Fatal(err)
	}
	counts := ActiveCounts{Counts: map[string]int64{"DS": 10, "RW": 4}}
	counts.Add(c)
	if counts.Counts["DS"] != 12 || len(counts.Added) != 1 || counts.Added[0].Sheet != "Residential DS Permits" {
		t.Errorf("counts = %+v", counts)
	}
}

func TestParseSheetContributions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		n        int
		errText  string
	}{
		{name: "two sheets", n: 2, in: `[
			{"sheet_id": 4477152411314052, "name": "Commercial DS Permit Requests", "status_column": "Status", "active_values": ["In Review"], "folder_type": "DS"},
			{"sheet_id": 6628516847478660, "status_column": "Status", "active_values": ["Open", "Pending"], "folder_type": "DS"}]`},
		{name: "empty list", in: `[]`},
		{name: "misspelt key", in: `[{"sheet_id": 1, "status_colum": "Status", "active_values": ["x"], "folder_type": "DS"}]`, errText: "unknown field"},
		{name: "invalid entry", in: `[{"sheet_id": 1, "status_column": "Status", "folder_type": "DS"}]`, errText: "active_values"},
		{name: "not json", in: `sheet_id=1`, errText: "invalid character"},
		{name: "trailing data", in: `[] []`, errText: "after the JSON array"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseSheetContributions(strings.NewReader(tt.in))
			if tt.errText != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errText) {
					t.Fatalf("err = %v, want %q", err, tt.errText)
				}
				return
			}
			if err != nil || len(got) != tt.n {
				t.Fatalf("got %+v, %v; want %d entries", got, err, tt.n)
			}
		})
	}
	got, _ := ParseSheetContributions(strings.NewReader(tests[0].in))
	if got[0].SheetID != 4477152411314052 || got[1].ActiveValues[1] != "Pending" {
		t.Errorf("decoded %+v", got)
	}
}

func TestParseSheetExports(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		n        int
		errText  string
	}{
		{name: "one sheet", n: 1, in: `[{"id": 4477152411314052, "name": "Commercial DS Permit Requests", "date_column": "Date Created"}]`},
		{name: "id above 2^53 kept exact", n: 1, in: `[{"id": 9007199254740993, "name": "x", "date_column": "Created"}]`},
		{name: "empty list", in: `[]`, errText: "empty"},
		{name: "unknown key", in: `[{"id": 1, "name": "x", "date": "Created"}]`, errText: "unknown field"},
		{name: "no date column", in: `[{"id": 1, "name": "x"}]`, errText: "date_column"},
		{name: "path in name", in: `[{"id": 1, "name": "../x", "date_column": "Created"}]`, errText: "file name"},
		{name: "same file twice", in: `[{"id": 1, "name": "x", "date_column": "A"}, {"id": 2, "name": "x", "date_column": "B"}]`, errText: "two sheets"},
		{name: "string id", in: `[{"id": "1", "name": "x", "date_column": "A"}]`, errText: "cannot unmarshal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseSheetExports(strings.NewReader(tt.in))
			if tt.errText != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errText) {
					t.Fatalf("err = %v, want %q", err, tt.errText)
				}
				return
			}
			if err != nil || len(got) != tt.n {
				t.Fatalf("got %+v, %v", got, err)
			}
			if tt.name == "id above 2^53 kept exact" && got[0].ID != 9007199254740993 {
				t.Errorf("id = %d", got[0].ID)
			}
		})
	}
	for _, e := range DefaultSheetExports() {
		if err := e.Validate(); err != nil {
			t.Errorf("default export invalid: %v", err)
		}
	}
	defaults := DefaultSheetExports()
	files := DefaultWeeklySources()
	for i, want := range []WeeklySource{files.CommercialDS, files.ExtensionRequests, files.ResidentialDS} {
		if defaults[i].Key() != want.Key || defaults[i].DateColumn != want.DayColumn {
			t.Errorf("export %d writes %q/%q, the weekly summary reads %q/%q", i, defaults[i].Key(), defaults[i].DateColumn, want.Key, want.DayColumn)
		}
	}
}
