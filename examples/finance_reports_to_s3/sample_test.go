package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/cityofaustin/atd-executive-dashboard/finance"
	"github.com/cityofaustin/atd-executive-dashboard/finance/financetest"
	"github.com/cityofaustin/atd-executive-dashboard/mstr/mstrtest"
)

var update = flag.Bool("update", false, "regenerate the sample conversation under sample/mstr")

// sampleMonth is the month the sample pages were produced for.
var sampleMonth = finance.Month{Year: 2024, Month: 8}

// TestSampleConversationUpToDate checks that sample/mstr holds the
// conversation financetest plays (prompt lists, one v2 page per report and
// department); go test -update regenerates it.
func TestSampleConversationUpToDate(t *testing.T) {
	t.Parallel()
	want := map[string][]byte{}
	for _, r := range finance.Reports() {
		want[string(r.Kind)+"_prompts.json"] = financetest.PromptsJSON(r.Kind)
		for _, dept := range finance.Departments() {
			g := mstrtest.Grid{ReportID: r.ID, Name: string(r.Kind), Attributes: financetest.Attributes(r.Kind),
				Metrics: financetest.Metrics(r.Kind), Rows: financetest.DefaultRows(r.Kind, dept, sampleMonth)}
			page, err := g.Page(0, 5000)
			if err != nil {
				t.Fatal(err)
			}
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, page, "", " "); err != nil {
				t.Fatal(err)
			}
			pretty.WriteByte('\n')
			want[string(r.Kind)+"_"+dept+".json"] = pretty.Bytes()
		}
	}
	for file, body := range want {
		path := filepath.Join("sample", "mstr", file)
		if *update {
			if err := os.WriteFile(path, body, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := sample.ReadFile("sample/mstr/" + file)
		if *update {
			got, err = os.ReadFile(path)
		}
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, body) {
			t.Errorf("%s is stale: run go test -update ./examples/finance_reports_to_s3", path)
		}
	}
}
