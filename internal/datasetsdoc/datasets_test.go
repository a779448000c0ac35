// Package datasetsdoc holds the test that keeps docs/DATASETS.md, the
// datasets contract, in step with the code that writes the datasets: every
// field, column and S3 key the jobs write must be named, in backquotes, in
// the section of the output that holds it.
package datasetsdoc

import (
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cityofaustin/atd-executive-dashboard/amanda"
	"github.com/cityofaustin/atd-executive-dashboard/csr"
	"github.com/cityofaustin/atd-executive-dashboard/finance"
	"github.com/cityofaustin/atd-executive-dashboard/permits"
	"github.com/cityofaustin/atd-executive-dashboard/socratameta"
)

const doc = "../../docs/DATASETS.md"

// sections splits the document at its "### " headings; the key of a
// section is its heading line.
func sections(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile(doc)
	if err != nil {
		t.Fatalf("the datasets contract: %v", err)
	}
	out := map[string]string{}
	var head string
	var body strings.Builder
	flush := func() {
		if head != "" {
			out[head] = body.String()
		}
		body.Reset()
	}
	for line := range strings.Lines(string(b)) {
		if strings.HasPrefix(line, "### ") {
			flush()
			head = strings.TrimSpace(line)
			continue
		}
		body.WriteString(line)
	}
	flush()
	return out
}

// section returns the body of the one section whose heading names token
// in backquotes.
func section(t *testing.T, all map[string]string, token string) string {
	t.Helper()
	var found []string
	for head := range all {
		if strings.Contains(head, "`"+token+"`") {
			found = append(found, head)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s: %d sections whose heading names `%s` (%v), want 1", doc, len(found), token, found)
	}
	return all[found[0]]
}

func TestEveryOutputIsDocumented(t *testing.T) {
	t.Parallel()
	all := sections(t)
	loc := time.UTC
	active := slices.Sorted(maps.Keys(permits.ActiveCounts{Counts: map[string]int64{"DS": 1, "EX": 1, "RW": 1}}.Record(loc)))
	week := permits.WeekRow{ApplicationsReceived: map[string]int64{}, PermitsIssued: map[string]int64{}}
	for _, ft := range permits.DefaultFolderTypes() {
		week.ApplicationsReceived[ft], week.PermitsIssued[ft] = 0, 0
	}
	weekly := slices.Sorted(maps.Keys(week.Record()))
	// The CSV a report writes has its report columns; the dataset has
	// those, their fields, and the fields taken from the file name.
	sources := func(r finance.Report) []string {
		var out []string
		for _, c := range r.Columns {
			out = append(out, c.Source)
		}
		return out
	}
	financeFields := func(r finance.Report) []string {
		out := sources(r)
		for _, c := range r.Columns {
			out = append(out, c.Field)
		}
		return append(out, "year", "month", "department", "month_name", "fiscal_year", "fiscal_month", "row_identifier")
	}
	want := map[string][]string{
		"ACTIVE_DATASET":                   active,
		"WEEK_DATASET":                     weekly,
		"CSR_DATASET":                      csr.Fields(),
		"FLEX_NOTES_DATASET":               csr.FlexFields(),
		"EXP_DATASET":                      financeFields(finance.Expenses()),
		"REV_DATASET":                      financeFields(finance.Revenue()),
		"METADATA_DATASET":                 socratameta.Fields(),
		"expenses/<YYYY-MM-DD>_<dept>.csv": sources(finance.Expenses()),
		"revenue/<YYYY-MM-DD>_<dept>.csv":  sources(finance.Revenue()),
		permits.CommercialDSKey:            {"Date Created", permits.SheetCountHeader},
		permits.ExtensionRequestsKey:       {"Created", permits.SheetCountHeader},
		permits.ResidentialDSKey:           {"Date Created", permits.SheetCountHeader},
	}
	for _, q := range amanda.Queries() {
		want[q.Name+".csv"] = q.Columns
	}
	for token, names := range want {
		body := section(t, all, token)
		for _, n := range names {
			if !strings.Contains(body, "`"+n+"`") {
				t.Errorf("%s: the section of `%s` does not name `%s`", doc, token, n)
			}
		}
	}
	if len(want) != len(all) {
		t.Errorf("%s has %d \"### \" sections, the code writes %d outputs: every section documents one output", doc, len(all), len(want))
	}
}
