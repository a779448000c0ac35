package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/cityofaustin/atd-executive-dashboard/internal/jobkit"
	"github.com/cityofaustin/atd-executive-dashboard/internal/jobtest"
)

// TestFromALiveDryRunFolder: a live --dry-run --out folder names its files
// by the real dataset ids; --from reads them when the job's dataset
// variables name those ids, without the live Socrata settings, and still
// reads a section under its sample name.
func TestFromALiveDryRunFolder(t *testing.T) {
	t.Parallel()
	dir := writeFolder(t, map[string]string{
		"actv-prmt.upsert.json": `[{"ds":201,"ex":24,"published_date":"2025-05-04T02:00:00.000","rw":1500}]`,
		"week-smry.replace.json": `[{"date":"2025-05-03T00:00:00.000","ds_applications_received":17,"ds_permits_issued":5,` +
			`"ex_applications_received":1,"ex_permits_issued":0,"rw_applications_received":9,"rw_permits_issued":4}]`,
		// A sample run into the same folder: the id's file wins.
		"active-permits-sample.upsert.json": `[{"ds":999,"ex":24,"published_date":"2025-05-04T02:00:00.000","rw":1500}]`,
		"csr-sample.upsert.json":            `[{"service_request_sr_number":"23-1","created_date":"2023-10-02T09:00:00.000","sr_status":"Closed"}]`,
	})
	tests := []struct {
		name string
		env  map[string]string
	}{
		{name: "two dataset variables", env: map[string]string{"ACTIVE_DATASET": "actv-prmt", "WEEK_DATASET": "week-smry"}},
		{name: "every dataset variable, live mode", env: map[string]string{
			"DASHBOARD_MODE": "live", "ACTIVE_DATASET": "actv-prmt", "WEEK_DATASET": "week-smry",
			"EXP_DATASET": "expn-0001", "REV_DATASET": "revn-0001", "CSR_DATASET": "csrq-0001", "METADATA_DATASET": "meta-0001",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := t.TempDir()
			var logs jobtest.Buffer
			err := run(t.Context(), []string{"--from", dir, "--out", out, "--as-of", asOf}, jobkit.MapEnv(tt.env), &logs)
			if err != nil {
				t.Fatalf("run: %v\n%s", err, logs.String())
			}
			page := readPage(t, filepath.Join(out, pageFile))
			for _, want := range []string{
				`data-series="DS" data-x="2025-05-04T02:00:00" data-value="201"`,
				`data-series="RW" data-x="2025-05-04T02:00:00" data-value="1,500"`,
				`<title>Applications received, May 3, 2025: 17</title>`,
				`data-series="Closed" data-category="Oct 2023"`,
			} {
				if !strings.Contains(page, want) {
					t.Errorf("the page lacks %q", want)
				}
			}
			if strings.Contains(page, `data-value="999"`) {
				t.Error("the page draws the sample-named file, not the dataset id's")
			}
			if tt.env["EXP_DATASET"] != "" && !strings.Contains(page, "no expn-0001.replace.json or .upsert.json, nor expenses-sample.replace.json or .upsert.json in the folder") {
				t.Error("the empty expenses chart does not name both files it looked for")
			}
			for _, want := range []string{"file=actv-prmt.upsert.json", "file=week-smry.replace.json", "file=csr-sample.upsert.json"} {
				if !strings.Contains(logs.String(), want) {
					t.Errorf("logs lack %q:\n%s", want, logs.String())
				}
			}
			if strings.Contains(logs.String(), "SAMPLE MODE") {
				t.Errorf("a --from run says it runs on the sample:\n%s", logs.String())
			}
		})
	}
}

// TestFromChecksTheDatasetVariables: with --from the dataset variables are
// still checked (a malformed id is exit 2).
func TestFromChecksTheDatasetVariables(t *testing.T) {
	t.Parallel()
	var logs jobtest.Buffer
	err := run(t.Context(), []string{"--from", t.TempDir(), "--out", t.TempDir()}, jobkit.MapEnv(map[string]string{"ACTIVE_DATASET": "actvprmt"}), &logs)
	if jobkit.ExitCode(err) != 2 || !strings.Contains(err.Error(), "ACTIVE_DATASET") {
		t.Fatalf("err %v (exit %d), want exit 2 naming ACTIVE_DATASET", err, jobkit.ExitCode(err))
	}
}
