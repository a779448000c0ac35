// Package financetest provides a fake MicroStrategy server that plays the
// two finance reports (expenses and revenue) the way finance_reports_to_s3
// meets them: prompt lists of the expected shape, and data that depends on
// the department and period-end answers. The values are synthetic.
package financetest

import (
	"embed"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/cityofaustin/atd-executive-dashboard/finance"
	"github.com/cityofaustin/atd-executive-dashboard/mstr"
	"github.com/cityofaustin/atd-executive-dashboard/mstr/mstrtest"
)

//go:embed expenses_prompts.json revenue_prompts.json
var files embed.FS

// Prompts returns the prompt list of report kind, in the server's JSON shape
// (see expenses_prompts.json, revenue_prompts.json). It panics on a broken
// embedded file.
func Prompts(kind finance.Kind) []mstr.Prompt {
	b, err := files.ReadFile(string(kind) + "_prompts.json")
	if err != nil {
		panic(err)
	}
	var ps []mstr.Prompt
	if err := json.Unmarshal(b, &ps); err != nil {
		panic(err)
	}
	return ps
}

// PromptsJSON returns the raw prompt list of report kind.
func PromptsJSON(kind finance.Kind) []byte {
	b, err := files.ReadFile(string(kind) + "_prompts.json")
	if err != nil {
		panic(err)
	}
	return b
}

// Attributes returns the attributes (with their forms) of report kind, in
// grid order.
func Attributes(kind finance.Kind) []mstrtest.Attribute {
	two := func(name, code string) mstrtest.Attribute {
		return mstrtest.Attribute{Name: name, Forms: []string{code, "Long Name"}}
	}
	attrs := []mstrtest.Attribute{two("Fund", "Code"), two("Department", "Dept"), two("Unit", "Unit Code")}
	if kind == finance.KindExpenses {
		return append(attrs, two("Object Code Category", "Code"), two("Object Code", "Code"), two("Object Code - Spending Plan", "Code"))
	}
	return append(attrs, two("Revenue Source Category", "Code"), two("Revenue Source", "Code"))
}

// Metrics returns the metric names of report kind.
func Metrics(kind finance.Kind) []string {
	r, _ := finance.ReportOf(kind)
	var out []string
	for _, c := range r.Columns {
		if c.Numeric {
			out = append(out, c.Source)
		}
	}
	return out
}

// DefaultRows returns synthetic rows for a run: three expense rows or two
// revenue rows whose amounts depend on the department and month; one cell
// of each run is null.
func DefaultRows(kind finance.Kind, dept string, m finance.Month) [][]string {
	base := float64(m.Month*1000 + m.Year%100)
	if dept == "6200" {
		base *= 2
	}
	num := func(f float64) string { return fmt.Sprintf("%.2f", f) }
	if kind == finance.KindExpenses {
		return [][]string{
			{"8400", "Mobility Fund", dept, "Transportation and Public Works", "2417", "Signal Operations", "5000", "Personnel", "5110", "Regular Wages", "5100", "Salaries",
				num(base * 12), num(base * 13), num(base), num(base * float64(m.FiscalMonth())), "0", num(base * 2), "0.8333"},
			{"8400", "Mobility Fund", dept, "Transportation and Public Works", "2417", "Signal Operations", "6000", "Contractuals", "6321", "Maintenance, Signals", "6300", "Contracts",
				num(base * 4), "", num(base / 4), num(base), num(base / 2), num(base * 2.5), ""},
			{"5020", "Transportation Fund", dept, "Transportation and Public Works", "2425", "Sign Shop", "7000", "Commodities", "7410", "Sign Materials", "7400", "Supplies",
				num(base), num(base), num(base / 10), num(base / 2), "0", num(base / 2), "0.5"},
		}
	}
	return [][]string{
		{"8400", "Mobility Fund", dept, "Transportation and Public Works", "6210", "Parking Enterprise", "40", "Charges for Services", "4410", "Parking Meters",
			num(base * 20), num(base * 21), num(base * 2), num(base * 18), num(base * 40), num(base * 2), "0.1"},
		{"5020", "Transportation Fund", dept, "Transportation and Public Works", "6220", "Right of Way", "45", "Licenses and Permits", "4520", "ROW Permits",
			num(base * 5), "", num(base / 2), num(base * 4), num(base * 9), num(base), ""},
	}
}

// Options configures [NewFake].
type Options struct {
	Username, Password, ProjectID string
	// Rows returns the rows of a run; nil means [DefaultRows]. Return no
	// rows for an empty result.
	Rows func(kind finance.Kind, dept string, m finance.Month) ([][]string, error)
}

// NewFake returns a fake MicroStrategy server knowing both finance reports.
// It checks the answers the way the real reports need them: a department,
// a period end "YYYY-MM-DDT05:00:00.000+0000" on the month's last day, and
// fiscal-year element ids "h<FY>;<attribute id>" of that month.
func NewFake(opts Options) *mstrtest.Fake {
	reports := map[string]*mstrtest.Report{}
	for _, r := range finance.Reports() {
		prompts := Prompts(r.Kind)
		reports[r.ID] = &mstrtest.Report{
			Name:   string(r.Kind),
			Rounds: [][]mstr.Prompt{prompts},
			Pages: mstrtest.GridPages(func(a mstrtest.Answers) (mstrtest.Grid, error) {
				dept, m, err := decode(r, prompts, a)
				if err != nil {
					return mstrtest.Grid{}, err
				}
				var rows [][]string
				if opts.Rows != nil {
					if rows, err = opts.Rows(r.Kind, dept, m); err != nil {
						return mstrtest.Grid{}, err
					}
				} else {
					rows = DefaultRows(r.Kind, dept, m)
				}
				return mstrtest.Grid{ReportID: r.ID, Name: string(r.Kind), Attributes: Attributes(r.Kind), Metrics: Metrics(r.Kind), Rows: rows}, nil
			}),
		}
	}
	return &mstrtest.Fake{Username: opts.Username, Password: opts.Password, ProjectID: opts.ProjectID, Reports: reports}
}

// decode reads the department and month from the answers and checks the
// fiscal-year answers.
func decode(r finance.Report, prompts []mstr.Prompt, a mstrtest.Answers) (string, finance.Month, error) {
	dept := a[prompts[0].Key].Value
	date := a[prompts[2].Key].Value
	day, ok := strings.CutSuffix(date, "T05:00:00.000+0000")
	t, err := time.Parse("2006-01-02", day)
	if !ok || err != nil {
		return "", finance.Month{}, fmt.Errorf("bad period end answer %q", date)
	}
	m := finance.MonthOf(t)
	if !m.LastDay().Equal(t) {
		return "", finance.Month{}, fmt.Errorf("period end %s is not the last day of its month", day)
	}
	for _, i := range []int{1, r.BudgetFYPrompt} {
		p := prompts[i]
		want := fmt.Sprintf("h%d;%s", m.FiscalYear(), p.Source.ID)
		got := a[p.Key].Elements
		if len(got) != 1 || got[0].ID != want {
			return "", finance.Month{}, fmt.Errorf("prompt %s: answer %v, want element %s", p.Name, got, want)
		}
	}
	if dept == "" {
		return "", finance.Month{}, fmt.Errorf("no department answer")
	}
	return dept, m, nil
}
