package mstr_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/cityofaustin/atd-executive-dashboard/mstr"
	"github.com/cityofaustin/atd-executive-dashboard/mstr/mstrtest"
)

// The v2 response sketched in the fact sheet: Fund shows two forms and
// becomes Fund@Code and Fund@Long Name; Fiscal Year shows one form and
// keeps its bare name; then the metrics.
func ExampleParsePage() {
	page := `{"status":1,"definition":{"grid":{"crossTab":false,"metricsPosition":{"axis":"columns","index":0},
	 "rows":[{"name":"Fund","forms":[{"name":"Code"},{"name":"Long Name"}],
	          "elements":[{"formValues":["8400","Mobility Fund"]},{"formValues":["5020","Transportation Fund"]}]},
	         {"name":"Fiscal Year","forms":[{"name":"ID"}],"elements":[{"formValues":["2024"]}]}],
	 "columns":[{"name":"Metrics","type":"templateMetrics","elements":[{"name":"Budget"},{"name":"Expenses"}]}]}},
	 "data":{"paging":{"total":2,"current":2,"offset":0,"limit":1000},
	         "headers":{"rows":[[0,0],[1,0]],"columns":[[0,1]]},
	         "metricValues":{"raw":[[100.5,20],[300,null]]}}}`
	p, err := mstr.ParsePage([]byte(page))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(strings.Join(p.Columns, ","))
	for _, r := range p.Rows {
		fmt.Println(strings.Join(r.Strings(), ","))
	}
	// Output:
	// Fund@Code,Fund@Long Name,Fiscal Year,Budget,Expenses
	// 8400,Mobility Fund,2024,100.5,20
	// 5020,Transportation Fund,2024,300,
}

// Run a prompted report and stream it as CSV. The server here is the
// in-process fake from mstrtest; against a real server only Config changes.
func ExampleClient_Run() {
	ctx := context.Background()
	fake := &mstrtest.Fake{Username: "reporter", Password: "example-password", ProjectID: "P1",
		Reports: map[string]*mstrtest.Report{
			"R1": {
				Name: "Expenses",
				Rounds: [][]mstr.Prompt{{
					{ID: "D1", Key: "D1@0@10", Name: "Department", Type: mstr.PromptValue, Required: true},
				}},
				Pages: mstrtest.GridPages(func(a mstrtest.Answers) (mstrtest.Grid, error) {
					dept := a["D1@0@10"].Value
					return mstrtest.Grid{
						Attributes: []mstrtest.Attribute{{Name: "Department", Forms: []string{"Dept", "Long Name"}}},
						Metrics:    []string{"Expenses MTD"},
						Rows:       [][]string{{dept, "Transportation", "1250.5"}},
					}, nil
				}),
			},
		}}
	c, err := mstr.New(mstr.Config{
		BaseURL: "https://mstr.example/MicroStrategyLibrary", Username: "reporter", Password: "example-password",
		ProjectID: "P1", HTTPClient: &http.Client{Transport: mstrtest.Transport{Handler: fake}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close(ctx)

	plan := mstr.Expectations(mstr.Expect{Index: 0, Name: "Department", Type: mstr.PromptValue,
		Answer: func(p mstr.Prompt) mstr.PromptAnswer { return mstr.ValueAnswer(p, "2400") }})
	t, err := c.Run(ctx, "R1", mstr.RunOptions{Answerer: plan})
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := t.WriteCSV(ctx, os.Stdout); err != nil {
		fmt.Println(err)
	}
	// Output:
	// Department@Dept,Department@Long Name,Expenses MTD
	// 2400,Transportation,1250.5
}

// A prompt list that does not fit is reported with the prompt's name.
func ExamplePromptError() {
	err := error(&mstr.OpError{Op: "answer prompts", ReportID: "R1",
		Err: &mstr.PromptError{Round: 1, Index: 3, Key: "F44@0@10", Name: "Budget Fiscal Year", Reason: "type is VALUE, expected ELEMENTS"}})
	fmt.Println(err)
	// Output:
	// mstr: answer prompts (report R1): prompt "Budget Fiscal Year" (position 4, key F44@0@10): type is VALUE, expected ELEMENTS (answer round 1)
}
