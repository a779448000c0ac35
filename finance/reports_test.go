package finance_test

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/cityofaustin/atd-executive-dashboard/finance"
	"github.com/cityofaustin/atd-executive-dashboard/finance/financetest"
	"github.com/cityofaustin/atd-executive-dashboard/mstr"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func mustRead(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := "testdata/" + name
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs (go test -update rewrites it):\ngot:\n%s", path, got)
	}
}

func TestPlanAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		report  finance.Report
		prompts finance.Kind
		golden  string
	}{
		{"expenses answers prompts 1-4", finance.Expenses(), finance.KindExpenses, "expenses_answers.golden"},
		{"revenue answers prompts 1-3 and 5", finance.Revenue(), finance.KindRevenue, "revenue_answers.golden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// October 2024 belongs to fiscal year 2025.
			plan := tt.report.Plan("2400", finance.Month{Year: 2024, Month: 10})
			answers, err := plan.Answer(t.Context(), 1, financetest.Prompts(tt.prompts))
			if err != nil {
				t.Fatal(err)
			}
			if err := plan.Unanswered(); err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(map[string]any{"prompts": answers}, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tt.golden, append(got, '\n'))
		})
	}
}

func TestPlanRejectsChangedPrompts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		report    finance.Report
		prompts   finance.Kind
		edit      func(ps []mstr.Prompt) []mstr.Prompt
		wantIndex int
	}{
		{"department became an element prompt", finance.Expenses(), finance.KindExpenses, func(ps []mstr.Prompt) []mstr.Prompt {
			ps[0].Type = mstr.PromptElements
			return ps
		}, 0},
		{"fiscal year prompt lost its attribute", finance.Expenses(), finance.KindExpenses, func(ps []mstr.Prompt) []mstr.Prompt {
			ps[1].Source.ID = ""
			return ps
		}, 1},
		{"revenue report lost its 5th prompt", finance.Revenue(), finance.KindRevenue, func(ps []mstr.Prompt) []mstr.Prompt {
			return ps[:4]
		}, 4},
		{"expenses report got the revenue layout", finance.Expenses(), finance.KindRevenue, func(ps []mstr.Prompt) []mstr.Prompt {
			// The expenses plan answers the 4th prompt with the budget fiscal
			// year and leaves the required 5th one unanswered.
			ps[4].Required = true
			return ps
		}, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			plan := tt.report.Plan("6200", finance.Month{Year: 2024, Month: 3})
			_, err := plan.Answer(t.Context(), 1, tt.edit(financetest.Prompts(tt.prompts)))
			var pe *mstr.PromptError
			if !errors.As(err, &pe) || !errors.Is(err, mstr.ErrPromptMismatch) {
				t.Fatalf("err = %v, want *mstr.PromptError", err)
			}
			if pe.Index != tt.wantIndex {
				t.Errorf("PromptError names position %d, want %d: %v", pe.Index, tt.wantIndex, err)
			}
		})
	}
}

func TestReportDefinitions(t *testing.T) {
	t.Parallel()
	exp, rev := finance.Expenses(), finance.Revenue()
	if exp.ID != "1C804F8891479811944EF68F99835649" || rev.ID != "FBC5E5F30744717D7079ADADB956C3BC" {
		t.Errorf("report ids changed: %s %s", exp.ID, rev.ID)
	}
	for _, r := range finance.Reports() {
		numeric := 0
		fields := map[string]bool{}
		for _, c := range r.Columns {
			if c.Numeric {
				numeric++
			}
			if fields[c.Field] {
				t.Errorf("%s: field %s mapped twice", r.Kind, c.Field)
			}
			fields[c.Field] = true
		}
		wantCols := map[finance.Kind]int{finance.KindExpenses: 19, finance.KindRevenue: 17}[r.Kind]
		if numeric != 7 || len(r.Columns) != wantCols {
			t.Errorf("%s: %d columns, %d numeric", r.Kind, len(r.Columns), numeric)
		}
		for _, f := range r.Identifier {
			if !fields[f] && f != "fiscal_year" && f != "fiscal_month" {
				t.Errorf("%s: identifier field %s is not mapped", r.Kind, f)
			}
		}
	}
	if got, ok := finance.ReportOf(finance.KindRevenue); !ok || got.ID != rev.ID {
		t.Errorf("ReportOf(revenue) = %v, %v", got.ID, ok)
	}
}

// TestColumnMaps pins both column maps, report column → Socrata field, in
// order, with the numeric ones marked (SPEC "finance_reports_to_socrata"),
// and the row_identifier order.
func TestColumnMaps(t *testing.T) {
	t.Parallel()
	org := []finance.Column{
		{Source: "Fund@Code", Field: "fund"}, {Source: "Fund@Long Name", Field: "fund_name"},
		{Source: "Department@Dept", Field: "department"}, {Source: "Department@Long Name", Field: "department_name"},
		{Source: "Unit@Unit Code", Field: "unit"}, {Source: "Unit@Long Name", Field: "unit_name"},
	}
	num := func(source, field string) finance.Column {
		return finance.Column{Source: source, Field: field, Numeric: true}
	}
	tests := []struct {
		name  string
		r     finance.Report
		cols  []finance.Column
		ident []string
	}{
		{"expenses", finance.Expenses(), append(slices.Clone(org),
			finance.Column{Source: "Object Code Category@Code", Field: "object_category_code"},
			finance.Column{Source: "Object Code Category@Long Name", Field: "object_category_name"},
			finance.Column{Source: "Object Code@Code", Field: "object_code"},
			finance.Column{Source: "Object Code@Long Name", Field: "object_name"},
			finance.Column{Source: "Object Code - Spending Plan@Code", Field: "object_spend_plan_code"},
			finance.Column{Source: "Object Code - Spending Plan@Long Name", Field: "object_spend_plan_name"},
			num("Budget YTD with Period Cutoff", "budget_ytd_with_period_cutoff"),
			num("Proposed Budget CYE Amount FY & BFY Prompted (Phase 6)", "proposed_budget_cye_amount"),
			num("Expenses MTD with Period Cutoff", "expenses_mtd"),
			num("Expenses YTD with Period Cutoff", "expenses_ytd"),
			num("Encumbrance YTD with Period Cutoff", "encumbrance_ytd"),
			num("Unobligated", "unobligated"),
			num("% Obligated", "percent_obligated"),
		), []string{"fiscal_year", "fiscal_month", "fund", "department", "unit", "object_code"}},
		{"revenue", finance.Revenue(), append(slices.Clone(org),
			finance.Column{Source: "Revenue Source Category@Code", Field: "revenue_source_category_code"},
			finance.Column{Source: "Revenue Source Category@Long Name", Field: "revenue_source_category_name"},
			finance.Column{Source: "Revenue Source@Code", Field: "revenue_source_code"},
			finance.Column{Source: "Revenue Source@Long Name", Field: "revenue_source_name"},
			num("Revenue Budget YTD with Period Cutoff", "revenue_budget_ytd"),
			num("Proposed Revenue Amount CYE Prompted FY & BFY (Phase 6)", "revenue_cye"),
			num("Revenue MTD with Period Cutoff", "revenue_mtd"),
			num("Revenue YTD with Period Cutoff", "revenue_ytd"),
			num("Revenue ITD with Period Cutoff", "revenue_itd"),
			num("Unrecognized Amount", "unrecognized_amount"),
			num("% Unrecognized", "percent_unrecognized"),
		), []string{"fiscal_year", "fiscal_month", "fund", "department", "unit", "revenue_source_category_code", "revenue_source_code"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if !slices.Equal(tt.r.Columns, tt.cols) {
				t.Errorf("columns:\n got %v\nwant %v", tt.r.Columns, tt.cols)
			}
			if !slices.Equal(tt.r.Identifier, tt.ident) {
				t.Errorf("row_identifier = %v, want %v", tt.r.Identifier, tt.ident)
			}
		})
	}
}

// TestPlanFiscalYearBoundary: September closes a fiscal year, October opens
// the next; both fiscal-year prompts follow the month, the date prompt is
// the month's last day.
func TestPlanFiscalYearBoundary(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		m        finance.Month
		fy, date string
	}{
		{"september", finance.Month{Year: 2024, Month: 9}, "2024", "2024-09-30T05:00:00.000+0000"},
		{"october", finance.Month{Year: 2024, Month: 10}, "2025", "2024-10-31T05:00:00.000+0000"},
		{"january", finance.Month{Year: 2025, Month: 1}, "2025", "2025-01-31T05:00:00.000+0000"},
	}
	for _, tt := range tests {
		for _, r := range finance.Reports() {
			t.Run(tt.name+" "+string(r.Kind), func(t *testing.T) {
				t.Parallel()
				// The budget fiscal year is the 4th prompt for expenses, the 5th for revenue.
				if want := map[finance.Kind]int{finance.KindExpenses: 3, finance.KindRevenue: 4}[r.Kind]; r.BudgetFYPrompt != want {
					t.Errorf("BudgetFYPrompt = %d, want %d", r.BudgetFYPrompt, want)
				}
				prompts := financetest.Prompts(r.Kind)
				answers, err := r.Plan("6200", tt.m).Answer(t.Context(), 1, prompts)
				if err != nil {
					t.Fatal(err)
				}
				byKey := map[string]mstr.PromptAnswer{}
				for _, a := range answers {
					byKey[a.Key] = a
				}
				if a := byKey[prompts[0].Key]; a.Type != mstr.PromptValue || a.Value != "6200" {
					t.Errorf("department answer = %+v", a)
				}
				if a := byKey[prompts[2].Key]; a.Type != mstr.PromptValue || a.Value != tt.date {
					t.Errorf("date answer = %+v, want %s", a, tt.date)
				}
				for _, i := range []int{1, r.BudgetFYPrompt} {
					p := prompts[i]
					a := byKey[p.Key]
					want := []mstr.Element{{ID: "h" + tt.fy + ";" + p.Source.ID, Name: tt.fy}}
					if a.Type != mstr.PromptElements || !slices.Equal(a.Elements, want) {
						t.Errorf("prompt %d answer = %+v, want %v", i+1, a, want)
					}
				}
				if len(answers) != 4 {
					t.Errorf("%d answers, want 4", len(answers))
				}
			})
		}
	}
}

func TestReportWithID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		id, want string
		ok       bool
	}{
		{"", finance.Expenses().ID, true},
		{"0A1B2C3D4E5F60718293A4B5C6D7E8F9", "0A1B2C3D4E5F60718293A4B5C6D7E8F9", true},
		{"99887766554433221100ffeeddccbbaa", "99887766554433221100ffeeddccbbaa", true},
		{"1C804F88", "", false},
		{"1C804F8891479811944EF68F99835649 ", "", false},
		{"1C804F8891479811944EF68F9983564G", "", false},
		{strings.Repeat("A", 33), "", false},
		{strings.Repeat("é", 16), "", false},
	}
	for _, tt := range tests {
		r, err := finance.Expenses().WithID(tt.id)
		if tt.ok != (err == nil) || (tt.ok && r.ID != tt.want) {
			t.Errorf("WithID(%q) = %q, %v; want %q, ok=%v", tt.id, r.ID, err, tt.want, tt.ok)
		}
		if err != nil && !errors.Is(err, finance.ErrReportID) {
			t.Errorf("WithID(%q): %v does not wrap ErrReportID", tt.id, err)
		}
	}
	rev, _ := finance.Revenue().WithID("99887766554433221100ffeeddccbbaa")
	tasks := finance.Tasks(finance.Month{Year: 2024, Month: 8}, finance.Expenses(), rev)
	if len(tasks) != 8 || tasks[7].Report.ID != rev.ID || tasks[0].Report.ID != finance.Expenses().ID {
		t.Errorf("Tasks with configured reports: %d tasks, last %s", len(tasks), tasks[len(tasks)-1].Report.ID)
	}
}
