package finance_test

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
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
