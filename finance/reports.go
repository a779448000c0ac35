package finance

import (
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/cityofaustin/atd-executive-dashboard/mstr"
)

// Kind names a finance report; it is also the S3 key prefix of its files.
type Kind string

// The two finance reports.
const (
	KindExpenses Kind = "expenses"
	KindRevenue  Kind = "revenue"
)

// Column maps one report (CSV) column to a Socrata field.
type Column struct {
	Source  string // CSV header, e.g. "Fund@Code"
	Field   string // Socrata field, e.g. "fund"
	Numeric bool   // empty → null; otherwise must be a number
}

// Report describes one MicroStrategy finance report: where it lives, how
// its prompts are answered and how its rows become Socrata rows.
type Report struct {
	Kind Kind
	// ID is the MicroStrategy report id.
	ID string
	// BudgetFYPrompt is the 0-based position of the budget fiscal year
	// prompt (3 for expenses, 4 for revenue).
	BudgetFYPrompt int
	// Columns map report columns to Socrata fields, in output order.
	Columns []Column
	// Identifier lists the fields concatenated into row_identifier.
	Identifier []string
}

// Department codes the jobs report on: 2400 (ATD) and 6200 (TPW).
func Departments() []string { return []string{"2400", "6200"} }

var orgColumns = []Column{
	{"Fund@Code", "fund", false},
	{"Fund@Long Name", "fund_name", false},
	{"Department@Dept", "department", false},
	{"Department@Long Name", "department_name", false},
	{"Unit@Unit Code", "unit", false},
	{"Unit@Long Name", "unit_name", false},
}

// Expenses returns the expenses report definition.
func Expenses() Report {
	cols := append(append([]Column(nil), orgColumns...),
		Column{"Object Code Category@Code", "object_category_code", false},
		Column{"Object Code Category@Long Name", "object_category_name", false},
		Column{"Object Code@Code", "object_code", false},
		Column{"Object Code@Long Name", "object_name", false},
		Column{"Object Code - Spending Plan@Code", "object_spend_plan_code", false},
		Column{"Object Code - Spending Plan@Long Name", "object_spend_plan_name", false},
		Column{"Budget YTD with Period Cutoff", "budget_ytd_with_period_cutoff", true},
		Column{"Proposed Budget CYE Amount FY & BFY Prompted (Phase 6)", "proposed_budget_cye_amount", true},
		Column{"Expenses MTD with Period Cutoff", "expenses_mtd", true},
		Column{"Expenses YTD with Period Cutoff", "expenses_ytd", true},
		Column{"Encumbrance YTD with Period Cutoff", "encumbrance_ytd", true},
		Column{"Unobligated", "unobligated", true},
		Column{"% Obligated", "percent_obligated", true},
	)
	return Report{
		Kind: KindExpenses, ID: "1C804F8891479811944EF68F99835649", BudgetFYPrompt: 3, Columns: cols,
		Identifier: []string{"fiscal_year", "fiscal_month", "fund", "department", "unit", "object_code"},
	}
}

// Revenue returns the revenue report definition.
func Revenue() Report {
	cols := append(append([]Column(nil), orgColumns...),
		Column{"Revenue Source Category@Code", "revenue_source_category_code", false},
		Column{"Revenue Source Category@Long Name", "revenue_source_category_name", false},
		Column{"Revenue Source@Code", "revenue_source_code", false},
		Column{"Revenue Source@Long Name", "revenue_source_name", false},
		Column{"Revenue Budget YTD with Period Cutoff", "revenue_budget_ytd", true},
		Column{"Proposed Revenue Amount CYE Prompted FY & BFY (Phase 6)", "revenue_cye", true},
		Column{"Revenue MTD with Period Cutoff", "revenue_mtd", true},
		Column{"Revenue YTD with Period Cutoff", "revenue_ytd", true},
		Column{"Revenue ITD with Period Cutoff", "revenue_itd", true},
		Column{"Unrecognized Amount", "unrecognized_amount", true},
		Column{"% Unrecognized", "percent_unrecognized", true},
	)
	return Report{
		Kind: KindRevenue, ID: "FBC5E5F30744717D7079ADADB956C3BC", BudgetFYPrompt: 4, Columns: cols,
		Identifier: []string{"fiscal_year", "fiscal_month", "fund", "department", "unit", "revenue_source_category_code", "revenue_source_code"},
	}
}

// Reports returns both report definitions, expenses first.
func Reports() []Report { return []Report{Expenses(), Revenue()} }

// ErrReportID is wrapped by the error for a report id that is not 32
// hexadecimal digits.
var ErrReportID = errors.New("a MicroStrategy report id is 32 hexadecimal digits")

// checkReportID checks that id has the shape of a MicroStrategy object id:
// 32 hexadecimal digits (either case), nothing else. The error wraps
// [ErrReportID] and quotes at most the first 40 bytes of id.
func checkReportID(id string) error {
	if _, err := hex.DecodeString(id); err == nil && len(id) == 32 {
		return nil
	}
	q := id
	if len(q) > 40 {
		q = q[:40] + "…"
	}
	return fmt.Errorf("report id %q: %w", q, ErrReportID)
}

// WithID returns r running report id instead of r.ID (the city has moved
// these reports to new ids before); an empty id keeps r.ID. An id of the
// wrong shape is an error wrapping [ErrReportID].
func (r Report) WithID(id string) (Report, error) {
	if id == "" {
		return r, nil
	}
	if err := checkReportID(id); err != nil {
		return r, err
	}
	r.ID = id
	return r, nil
}

// ReportOf returns the definition of kind.
func ReportOf(kind Kind) (Report, bool) {
	for _, r := range Reports() {
		if r.Kind == kind {
			return r, true
		}
	}
	return Report{}, false
}

// Plan returns the prompt answers for department dept and month m:
// department (VALUE, 1st prompt), fiscal year (ELEMENTS "h<FY>;<prompt
// source id>", 2nd), the month's last day "YYYY-MM-DDT05:00:00.000+0000"
// (VALUE, 3rd) and the budget fiscal year (ELEMENTS, BudgetFYPrompt). A
// prompt of another type, or an element prompt without source attribute,
// fails the run with a *mstr.PromptError naming it.
func (r Report) Plan(dept string, m Month) *mstr.Plan {
	fy := fmt.Sprint(m.FiscalYear())
	needSource := func(p mstr.Prompt) error {
		if p.Source.ID == "" {
			return errors.New("element prompt has no source attribute id")
		}
		return nil
	}
	fyAnswer := func(p mstr.Prompt) mstr.PromptAnswer {
		return mstr.ElementsAnswer(p, mstr.Element{ID: "h" + fy + ";" + p.Source.ID, Name: fy})
	}
	return mstr.Expectations(
		mstr.Expect{Index: 0, Type: mstr.PromptValue, Answer: func(p mstr.Prompt) mstr.PromptAnswer { return mstr.ValueAnswer(p, dept) }},
		mstr.Expect{Index: 1, Type: mstr.PromptElements, Validate: needSource, Answer: fyAnswer},
		mstr.Expect{Index: 2, Type: mstr.PromptValue, Answer: func(p mstr.Prompt) mstr.PromptAnswer { return mstr.ValueAnswer(p, m.PromptDate()) }},
		mstr.Expect{Index: r.BudgetFYPrompt, Type: mstr.PromptElements, Validate: needSource, Answer: fyAnswer},
	)
}
