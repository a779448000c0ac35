package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cityofaustin/atd-executive-dashboard/internal/jobtest"

	"github.com/cityofaustin/atd-executive-dashboard/internal/jobkit"
	"github.com/cityofaustin/atd-executive-dashboard/internal/s3test"
	"github.com/cityofaustin/atd-executive-dashboard/internal/socratatest"
)

const (
	bucket  = "exec-dash"
	dataset = "week-smry"
	// golden holds the weekly rows of the five sample files, one JSON
	// object per line with sorted keys; the permits package's golden test
	// keeps it in step with permits.WeeklySummary.
	golden = "../../permits/testdata/weekly/weekly.golden"
)

var dailyFiles = []string{
	"applications_received.csv", "issued_permits.csv", "Commercial DS Permit Requests.csv",
	"Extension and Revision Requests.csv", "Residential DS Permits.csv",
}

type fixture struct {
	s3  *s3test.Server
	soc *socratatest.Server
	env map[string]string
}

// setup starts an S3-compatible server holding the five daily files of
// sample/ and a Socrata-compatible server with an empty WEEK_DATASET, both
// on loopback, and returns the environment pointing the job at them.
func setup(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{s3: s3test.Start(t), soc: socratatest.Start(t)}
	f.s3.CreateBucket(t, bucket)
	for _, key := range dailyFiles {
		f.s3.PutObject(t, bucket, key, mustRead(t, filepath.Join("sample", key)))
	}
	f.soc.SetRows(dataset, nil)
	f.env = map[string]string{"WEEK_DATASET": dataset}
	maps.Copy(f.env, f.s3.Env(bucket))
	maps.Copy(f.env, f.soc.Env())
	return f
}

func (f *fixture) run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out jobtest.Buffer
	err := run(t.Context(), args, jobkit.MapEnv(f.env), &out)
	return out.String(), err
}

func mustRead(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// jsonLines renders rows one JSON object per line (keys sorted, numbers as
// received), the format of the golden file.
func jsonLines(t *testing.T, rows []map[string]any) string {
	t.Helper()
	var b strings.Builder
	for _, r := range rows {
		line, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	return b.String()
}

// methods lists the requests' methods and paths.
func methods(reqs []socratatest.Request) []string {
	out := make([]string, len(reqs))
	for i, r := range reqs {
		out[i] = r.Method + " " + r.Path
	}
	return out
}

func TestReplacesWithWeeklySummary(t *testing.T) {
	t.Parallel()
	f := setup(t)
	logs, err := f.run(t)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, logs)
	}
	replaces := f.soc.Replaces(dataset)
	if len(replaces) != 1 {
		t.Fatalf("socrata applied %d replaces, want exactly 1; requests: %v", len(replaces), methods(f.soc.Requests()))
	}
	if got, want := jsonLines(t, replaces[0]), string(mustRead(t, golden)); got != want {
		t.Fatalf("replaced rows:\n%s\nwant the weekly summary:\n%s", got, want)
	}
	reqs := f.soc.Requests()
	if len(reqs) != 2 || reqs[0].Method != http.MethodGet || !strings.Contains(reqs[0].Query.Get("$select"), "count(*)") ||
		reqs[1].Method != http.MethodPut || reqs[1].Path != "/resource/"+dataset+".json" {
		t.Fatalf("requests %v, want a count(*) query then one PUT", methods(reqs))
	}
	for _, want := range []string{"weeks=8", "first_week=2024-12-14", "last_week=2025-02-01", "current_rows=0", "new_rows=8", "msg=published"} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
	if n := len(f.s3.Keys(t, bucket, "")); n != len(dailyFiles) {
		t.Errorf("the job changed S3: %d keys", n)
	}
}

func TestShrinkGuard(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		held     int64 // rows the dataset holds (count(*) answer)
		args     []string
		replaced bool
		wantMsg  string
	}{
		{name: "bigger dataset refused", held: 9, replaced: false, wantMsg: "replace would shrink the dataset from 9 to 8 rows"},
		{name: "forced", held: 9, args: []string{"--force"}, replaced: true, wantMsg: "data-loss guard skipped"},
		{name: "shrink within --max-shrink", held: 10, args: []string{"--max-shrink", "0.2"}, replaced: true},
		{name: "shrink beyond --max-shrink", held: 10, args: []string{"--max-shrink", "0.1"}, replaced: false, wantMsg: "20.0% fewer; allowed 10.0%"},
		{name: "same size", held: 8, replaced: true},
		{name: "growing", held: 3, replaced: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			f.soc.SetCount(dataset, tt.held)
			logs, err := f.run(t, tt.args...)
			replaces := f.soc.Replaces(dataset)
			if !tt.replaced {
				if err == nil {
					t.Fatalf("run succeeded, want a refusal\n%s", logs)
				}
				if code := jobkit.ExitCode(err); code != 1 {
					t.Errorf("exit code %d, want 1", code)
				}
				if !strings.Contains(err.Error(), tt.wantMsg) || !strings.Contains(err.Error(), "--force") {
					t.Errorf("error %q lacks %q and the --force hint", err, tt.wantMsg)
				}
				for _, r := range f.soc.Requests() {
					if r.Method != http.MethodGet {
						t.Errorf("a refused run sent %s %s", r.Method, r.Path)
					}
				}
				if len(replaces) != 0 {
					t.Errorf("a refused run replaced the dataset")
				}
				return
			}
			if err != nil {
				t.Fatalf("run: %v\n%s", err, logs)
			}
			if len(replaces) != 1 || len(replaces[0]) != 8 {
				t.Fatalf("replaces = %d, want one of 8 rows", len(replaces))
			}
			if tt.wantMsg != "" && !strings.Contains(logs, tt.wantMsg) {
				t.Errorf("logs lack %q:\n%s", tt.wantMsg, logs)
			}
		})
	}
}

func TestSecondRunAgainstLargerDatasetIsRefused(t *testing.T) {
	t.Parallel()
	f := setup(t)
	if logs, err := f.run(t); err != nil {
		t.Fatalf("first run: %v\n%s", err, logs)
	}
	// The dataset now holds the 8 weeks; someone adds rows by hand.
	rows := f.soc.Rows(dataset)
	rows = append(rows, map[string]any{"date": "2025-02-08T00:00:00.000"}, map[string]any{"date": "2025-02-15T00:00:00.000"})
	f.soc.SetRows(dataset, rows)
	before := len(f.soc.Requests())
	_, err := f.run(t)
	if err == nil || !strings.Contains(err.Error(), "from 10 to 8 rows") {
		t.Fatalf("second run: err = %v, want a refusal to shrink from 10 to 8 rows", err)
	}
	after := f.soc.Requests()[before:]
	if len(after) != 1 || after[0].Method != http.MethodGet {
		t.Fatalf("second run sent %v, want only the count query", methods(after))
	}
	if got := len(f.soc.Replaces(dataset)); got != 1 {
		t.Fatalf("%d replaces applied, want only the first run's", got)
	}
	if logs, err := f.run(t, "--force"); err != nil {
		t.Fatalf("forced run: %v\n%s", err, logs)
	}
	if got := len(f.soc.Rows(dataset)); got != 8 {
		t.Fatalf("dataset holds %d rows after the forced replace, want 8", got)
	}
}

func TestRetriedReplaceLandsOnce(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fault func(s *socratatest.Server)
	}{
		{"503 on the count", func(s *socratatest.Server) {
			s.FailNext(1, http.StatusServiceUnavailable, "0", `{"error":true,"message":"busy"}`)
		}},
		{"dropped connection", func(s *socratatest.Server) { s.DropNext(1) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			tt.fault(f.soc)
			logs, err := f.run(t)
			if err != nil {
				t.Fatalf("run: %v\n%s", err, logs)
			}
			if got := f.soc.Replaces(dataset); len(got) != 1 || len(got[0]) != 8 {
				t.Fatalf("replaces = %v, want one of 8 rows", len(got))
			}
		})
	}
}

func TestFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		prepare func(t *testing.T, f *fixture)
		want    []string
	}{
		{name: "missing daily file", prepare: func(t *testing.T, f *fixture) {
			if _, err := f.s3.Client().DeleteObject(t.Context(), deleteInput(bucket, "Residential DS Permits.csv")); err != nil {
				t.Fatal(err)
			}
		}, want: []string{"s3", "Residential DS Permits.csv"}},
		{name: "malformed daily file", prepare: func(t *testing.T, f *fixture) {
			f.s3.PutObject(t, bucket, "issued_permits.csv", []byte("<html><body>Access denied</body></html>"))
		}, want: []string{"issued_permits.csv", "line 1", "lacks column FOLDERTYPE"}},
		{name: "unknown folder type", prepare: func(t *testing.T, f *fixture) {
			f.s3.PutObject(t, bucket, "applications_received.csv",
				[]byte("FOLDERTYPE,SUBCODE,\"TO_CHAR(ROUND(INDATE,'DDD'),'YYYY-MM-DD')\",ISSUEDROWPERMITS\nLA,1,2024-01-01,3\n"))
		}, want: []string{"applications_received.csv", "folder type", `"LA"`}},
		{name: "dataset missing", prepare: func(t *testing.T, f *fixture) {
			// Socrata answers 404 to the guard's count and to the replace.
			f.env["WEEK_DATASET"] = "nope-nope"
			f.soc.FailNext(2, http.StatusNotFound, "", `{"code":"dataset.missing","error":true,"message":"Not found"}`)
		}, want: []string{"replace", "nope-nope", "404", "dataset.missing"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			tt.prepare(t, f)
			logs, err := f.run(t)
			if err == nil {
				t.Fatalf("run succeeded, want an error\n%s", logs)
			}
			if code := jobkit.ExitCode(err); code != 1 {
				t.Errorf("exit code %d, want 1", code)
			}
			var stderr bytes.Buffer
			jobkit.Exit(name, err, &stderr)
			for _, w := range tt.want {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("error %q lacks %q", stderr.String(), w)
				}
			}
			if strings.Count(stderr.String(), "\n") != 1 {
				t.Errorf("error is not one line: %q", stderr.String())
			}
			if len(f.soc.Replaces(dataset)) != 0 {
				t.Error("the dataset was replaced despite the failure")
			}
		})
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.soc.SetCount(dataset, 8)
	logs, err := f.run(t, "--dry-run")
	if err != nil {
		t.Fatalf("run: %v\n%s", err, logs)
	}
	for _, r := range f.soc.Requests() {
		if r.Method != http.MethodGet {
			t.Errorf("dry run sent %s %s", r.Method, r.Path)
		}
	}
	for _, want := range []string{"DRY RUN", "would replace 8 rows to " + dataset, `"date":"2024-12-14T00:00:00.000"`, dataset + " holds 8 rows; the replace would leave 8"} {
		if !strings.Contains(logs, want) {
			t.Errorf("output lacks %q:\n%s", want, logs)
		}
	}
}

func TestSampleMode(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	for run := 1; run <= 2; run++ { // the second run counts the first one's rows: no shrink
		var buf jobtest.Buffer
		if err := runJob(t, []string{"--out", out}, nil, &buf); err != nil {
			t.Fatalf("run %d: %v\n%s", run, err, buf.String())
		}
		first, _, _ := strings.Cut(buf.String(), "\n")
		if !strings.Contains(first, "SAMPLE MODE") {
			t.Fatalf("first log line does not say sample mode: %q", first)
		}
	}
	var rows []map[string]any
	dec := json.NewDecoder(bytes.NewReader(mustRead(t, filepath.Join(out, "socrata", "week-summary-sample.replace.json"))))
	dec.UseNumber()
	if err := dec.Decode(&rows); err != nil {
		t.Fatal(err)
	}
	if got, want := jsonLines(t, rows), string(mustRead(t, golden)); got != want {
		t.Fatalf("sample output:\n%s\nwant:\n%s", got, want)
	}
}

func TestConfigurationErrors(t *testing.T) {
	t.Parallel()
	f := setup(t)
	tests := []struct {
		name    string
		drop    []string
		args    []string
		wantMsg string
	}{
		{name: "missing dataset", drop: []string{"WEEK_DATASET"}, wantMsg: "missing required environment variable WEEK_DATASET"},
		{name: "missing bucket", drop: []string{"BUCKET_NAME"}, wantMsg: "BUCKET_NAME"},
		{name: "max-shrink above one", args: []string{"--max-shrink", "1.5"}, wantMsg: "fraction between 0 and 1"},
		{name: "max-shrink not a number", args: []string{"--max-shrink", "half"}, wantMsg: "max-shrink"},
		{name: "unknown flag", args: []string{"--bogus"}, wantMsg: "bogus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := maps.Clone(f.env)
			for _, k := range tt.drop {
				delete(env, k)
			}
			var out jobtest.Buffer
			err := runJob(t, tt.args, env, &out)
			var stderr bytes.Buffer
			if code := jobkit.Exit(name, err, &stderr); code != 2 {
				t.Fatalf("exit code %d (err %v), want 2", code, err)
			}
			if !strings.Contains(stderr.String(), tt.wantMsg) {
				t.Fatalf("stderr %q, want it to name %q", stderr.String(), tt.wantMsg)
			}
		})
	}
	if n := len(f.soc.Requests()); n != 0 {
		t.Fatalf("work started despite configuration errors: %d socrata requests", n)
	}
}

func TestSecretsNeverPrinted(t *testing.T) {
	t.Parallel()
	secrets := map[string]string{
		"EXEC_DASH_PASS": "s3-SECRET-pass-0xDEADBEEF",
		"SO_SECRET":      "soc-SECRET-key-0xFEEDFACE",
		"SO_TOKEN":       "app-TOKEN-0xCAFEBABE",
	}
	for _, args := range [][]string{{"-v", "--log-json"}, {"-v", "--dry-run"}, {"-v"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			maps.Copy(f.env, secrets) // wrong secrets: S3 and Socrata refuse them
			logs, err := f.run(t, args...)
			var stderr bytes.Buffer
			jobkit.Exit(name, err, &stderr)
			jobtest.NoSecrets(t, logs+stderr.String(), secrets)
		})
	}
}

func runJob(t *testing.T, args []string, env map[string]string, out *jobtest.Buffer) error {
	t.Helper()
	return run(t.Context(), args, jobkit.MapEnv(env), out)
}

func TestEmptyDailyFilesRefused(t *testing.T) {
	t.Parallel()
	headers := map[string]string{
		"applications_received.csv":           "FOLDERTYPE,SUBCODE,\"TO_CHAR(ROUND(INDATE,'DDD'),'YYYY-MM-DD')\",ISSUEDROWPERMITS\n",
		"issued_permits.csv":                  "FOLDERTYPE,SUBCODE,\"TO_CHAR(ROUND(ISSUEDATE,'DDD'),'YYYY-MM-DD')\",ISSUEDROWPERMITS\n",
		"Commercial DS Permit Requests.csv":   "Date Created,Count Permits\n",
		"Extension and Revision Requests.csv": "Created,Count Permits\n",
		"Residential DS Permits.csv":          "Date Created,Count Permits\n",
	}
	tests := []struct {
		name     string
		args     []string
		replaced bool
	}{
		{name: "refused", replaced: false},
		{name: "forced empties the dataset", args: []string{"--force"}, replaced: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			for key, body := range headers {
				f.s3.PutObject(t, bucket, key, []byte(body))
			}
			f.soc.SetCount(dataset, 8)
			logs, err := f.run(t, tt.args...)
			replaces := f.soc.Replaces(dataset)
			if tt.replaced {
				if !strings.Contains(logs, "weekly summary is empty") {
					t.Errorf("logs lack the empty-summary warning:\n%s", logs)
				}
				if err != nil {
					t.Fatalf("run: %v\n%s", err, logs)
				}
				if len(replaces) != 1 || len(replaces[0]) != 0 {
					t.Fatalf("replaces = %v, want one replace with no rows", replaces)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "no rows") || !strings.Contains(err.Error(), "--force") {
				t.Fatalf("err = %v, want a refusal naming the empty daily files and --force", err)
			}
			for key := range headers {
				if !strings.Contains(err.Error(), key) {
					t.Errorf("error %q does not name %s", err, key)
				}
			}
			if code := jobkit.ExitCode(err); code != 1 {
				t.Errorf("exit code %d, want 1", code)
			}
			for _, r := range f.soc.Requests() {
				if r.Method != http.MethodGet {
					t.Errorf("a refused run sent %s %s", r.Method, r.Path)
				}
			}
			if len(replaces) != 0 {
				t.Error("a refused run replaced the dataset")
			}
		})
	}
}

// weekRow returns the replaced row of the week ending on week.
func weekRow(t *testing.T, rows []map[string]any, week string) map[string]any {
	t.Helper()
	for _, r := range rows {
		if r["date"] == week+"T00:00:00.000" {
			return r
		}
	}
	t.Fatalf("no row for the week ending %s in %v", week, rows)
	return nil
}

func TestRepeatedDayIsSummed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, key, body string
		week, field     string
		want            string
		days            string
	}{
		{name: "smartsheet file", key: "Commercial DS Permit Requests.csv",
			// The sample's 2024-12-18 (2) is written twice more: 2+3+1.
			body: "Date Created,Count Permits\n2024-12-14,1\n2024-12-18,2\n2024-12-18,3\n2025-01-03,1\n2025-01-03,4\n2024-12-18,1\n",
			week: "2024-12-21", field: "ds_applications_received", want: "16", days: "2024-12-18, 2025-01-03"},
		{name: "amanda file", key: "issued_permits.csv",
			body: "FOLDERTYPE,SUBCODE,\"TO_CHAR(ROUND(ISSUEDATE,'DDD'),'YYYY-MM-DD')\",ISSUEDROWPERMITS\n" +
				"RW,50500,2024-12-16,10\nDS,50500,2024-12-20,1\nRW,50545,2025-01-02,7\nRW,50500,2025-01-25,5\nRW,50500,2024-12-16,2\n",
			week: "2024-12-21", field: "rw_permits_issued", want: "12", days: "2024-12-16"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			f.s3.PutObject(t, bucket, tt.key, []byte(tt.body))
			logs, err := f.run(t)
			if err != nil {
				t.Fatalf("run: %v\n%s", err, logs)
			}
			replaces := f.soc.Replaces(dataset)
			if len(replaces) != 1 {
				t.Fatalf("%d replaces, want 1", len(replaces))
			}
			if got := fmt.Sprint(weekRow(t, replaces[0], tt.week)[tt.field]); got != tt.want {
				t.Errorf("%s of the week ending %s = %s, want %s (the repeated day summed)", tt.field, tt.week, got, tt.want)
			}
			var warn string
			for _, line := range strings.Split(logs, "\n") {
				if strings.Contains(line, "level=WARN") && strings.Contains(line, "repeated") {
					warn = line
				}
			}
			if !strings.Contains(warn, tt.key) || !strings.Contains(warn, tt.days) {
				t.Errorf("no warning naming %q and the days %q:\n%s", tt.key, tt.days, logs)
			}
		})
	}
}

func TestHeaderOnlyDailyFile(t *testing.T) {
	t.Parallel()
	for _, force := range []bool{false, true} {
		t.Run(fmt.Sprint("force=", force), func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			f.s3.PutObject(t, bucket, "Extension and Revision Requests.csv", []byte("Created,Count Permits\n"))
			var args []string
			if force {
				args = []string{"--force"}
			}
			logs, err := f.run(t, args...)
			if force {
				if err != nil {
					t.Fatalf("forced run: %v\n%s", err, logs)
				}
				// The warning itself, naming the file: not any WARN line and the
				// file name somewhere else in the log.
				if !slices.ContainsFunc(strings.Split(logs, "\n"), func(l string) bool {
					return strings.Contains(l, "level=WARN") && strings.Contains(l, "--force") &&
						strings.Contains(l, "Extension and Revision Requests.csv")
				}) {
					t.Errorf("forced run does not warn about the empty file:\n%s", logs)
				}
				if got := f.soc.Replaces(dataset); len(got) != 1 || len(got[0]) != 8 {
					t.Fatalf("forced run: replaces = %d, want one of 8 rows", len(got))
				}
				return
			}
			if err == nil {
				t.Fatalf("run succeeded with a header-only daily file\n%s", logs)
			}
			if code := jobkit.ExitCode(err); code != 1 {
				t.Errorf("exit code %d, want 1", code)
			}
			for _, w := range []string{"Extension and Revision Requests.csv", "no rows", "--force"} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if reqs := f.soc.Requests(); len(reqs) != 0 {
				t.Errorf("a refused run sent %v to socrata", methods(reqs))
			}
		})
	}
}
