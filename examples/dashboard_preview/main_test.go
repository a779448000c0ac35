package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cityofaustin/atd-executive-dashboard/internal/jobkit"
	"github.com/cityofaustin/atd-executive-dashboard/internal/jobtest"
)

// asOf is the --as-of of the tests, so that ages do not depend on the day.
const asOf = "2025-05-05T12:00"

// chartIDs are the figures the sample page has.
var chartIDs = []string{
	"active-permits", "weekly-ds", "weekly-ex", "weekly-rw",
	"expenses-2400", "expenses-6200", "revenue-2400", "revenue-6200",
	"csr", "stale-datasets",
}

func readPage(t *testing.T, file string) string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// renderPage runs the job with env (nil: no variables) and args, writing
// the page to a file of the test's own, and returns the page and the logs.
// It fails t when the run fails.
func renderPage(t *testing.T, env map[string]string, args ...string) (string, *jobtest.Buffer) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "page.html")
	var logs jobtest.Buffer
	if err := run(t.Context(), append([]string{"--html", out}, args...), jobkit.MapEnv(env), &logs); err != nil {
		t.Fatalf("run: %v\n%s", err, logs.String())
	}
	return readPage(t, out), &logs
}

// selfContained fails t when the page could fetch anything: a script, a
// stylesheet or font link, an image, an iframe, a url() in CSS.
func selfContained(t *testing.T, page string) {
	t.Helper()
	for _, bad := range []string{"<script", "<link", "<img", "<iframe", "<object", "url(", "@import", "src=", "href="} {
		if strings.Contains(page, bad) {
			t.Errorf("the page holds %q: it must open with no network", bad)
		}
	}
	if !strings.Contains(page, `content="default-src 'none'`) {
		t.Error("the page lacks its Content-Security-Policy")
	}
}

func TestSampleMode(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	logs := jobtest.RunSample(t, run, out, "--as-of", asOf)
	page := readPage(t, filepath.Join(out, pageFile))
	selfContained(t, page)
	for _, id := range chartIDs {
		if !strings.Contains(page, `data-chart="`+id+`"`) {
			t.Errorf("the sample page lacks chart %s", id)
		}
	}
	for _, want := range []string{
		// What the sample jobs publish, as points and bars with their numbers.
		`data-series="DS" data-x="2024-03-10T03:05:00" data-value="187"`,
		`data-series="RW" data-x="2024-03-10T03:05:00" data-value="1,462"`,
		`<title>Applications received, Dec 21, 2024: 12</title>`,
		`data-series="Closed" data-category="Oct 2023"`,
		// Times in America/Chicago, with the zone written out.
		"Mar 10, 2024 03:05 CDT",
		"Dataset",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the sample page lacks %q", want)
		}
	}
	if !strings.Contains(logs, "page written") {
		t.Errorf("logs lack the written page:\n%s", logs)
	}
}

// writeFolder writes a sample-mode output folder: socrata/<name> for each
// file.
func writeFolder(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "socrata"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, "socrata", name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// badRun is a folder as a bad day would leave it: an EX count of zero in
// the log, and a weekly summary without the week ending 2025-01-11.
var badRun = map[string]string{
	"active-permits-sample.upsert.json": `[
		{"ds":180,"ex":25,"published_date":"2024-03-08T03:05:00.000","rw":1450},
		{"ds":184,"ex":0,"published_date":"2024-03-09T03:05:00.000","rw":1455},
		{"ds":187,"ex":23,"published_date":"2024-03-10T03:05:00.000","rw":1462}]`,
	"week-summary-sample.replace.json": `[
		{"date":"2024-12-28T00:00:00.000","ds_applications_received":3,"ds_permits_issued":1,"ex_applications_received":1,"ex_permits_issued":0,"rw_applications_received":9,"rw_permits_issued":4},
		{"date":"2025-01-04T00:00:00.000","ds_applications_received":2,"ds_permits_issued":2,"ex_applications_received":0,"ex_permits_issued":1,"rw_applications_received":7,"rw_permits_issued":6},
		{"date":"2025-01-18T00:00:00.000","ds_applications_received":4,"ds_permits_issued":0,"ex_applications_received":2,"ex_permits_issued":0,"rw_applications_received":11,"rw_permits_issued":5}]`,
}

func TestZeroCountAndMissingWeekStandOut(t *testing.T) {
	t.Parallel()
	dir := writeFolder(t, badRun)
	page, logs := renderPage(t, nil, "--from", dir, "--as-of", asOf)
	for _, want := range []string{
		// The zero: a marker on the point, a note above the chart, a title.
		`<g class="zero-marker" data-series="EX" data-x="2024-03-09T03:05:00">`,
		"⚠ EX is 0 on Mar 9, 2024 03:05 CST",
		"EX, Mar 9, 2024 03:05 CST: 0 (zero: check the run)",
		// The missing week: a band on the axis, a note, "no row" in the table.
		`<g class="gap" data-gap="2025-01-11">`,
		"⚠ No row for the week ending Jan 11, 2025",
		"<td>Jan 11, 2025</td><td>no row</td><td>no row</td>",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	// The line breaks at the missing week: two subpaths per weekly series.
	re := regexp.MustCompile(`<path class="series-line" data-series="Applications received" d="([^"]*)"`)
	for _, m := range re.FindAllStringSubmatch(page, -1) {
		if n := strings.Count(m[1], "M"); n != 2 {
			t.Errorf("weekly line %q has %d subpaths, want 2 (broken at the missing week)", m[1], n)
		}
	}
	// Only the active-permit log marks zeros: a zero in a week is ordinary.
	if n := strings.Count(page, `class="zero-marker"`); n != 1 {
		t.Errorf("%d zero markers, want 1", n)
	}
	// The other datasets are missing from the folder: their charts say so.
	if !strings.Contains(page, "No data: no expenses-sample.replace.json or .upsert.json in the folder.") {
		t.Error("the expenses chart does not say the folder lacks its file")
	}
	for _, want := range []string{`level=WARN msg="preview note" job=dashboard_preview chart=active-permits note="EX is 0`, `chart=weekly-ds note="No row for the week ending Jan 11, 2025`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs lack %q:\n%s", want, logs.String())
		}
	}
}

// soql is a Socrata-compatible query endpoint on loopback that answers each
// dataset with canned rows and records the queries.
type soql struct {
	srv     *httptest.Server
	mu      sync.Mutex
	queries map[string]url.Values // by dataset
	answers map[string]string
	// answer, when set, answers instead of answers.
	answer func(id string, q url.Values) (string, bool)
	delay  time.Duration
}

func startSoQL(t *testing.T, answers map[string]string) *soql {
	t.Helper()
	s := &soql{queries: map[string]url.Values{}, answers: answers}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/resource/"), ".json")
		s.mu.Lock()
		s.queries[id] = r.URL.Query()
		body, ok := s.answers[id]
		if s.answer != nil {
			body, ok = s.answer(id, r.URL.Query())
		}
		delay := s.delay
		s.mu.Unlock()
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return
			}
		}
		if r.Method != http.MethodGet || !ok {
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"code":"not_found","error":true,"message":"not found"}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(body))
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *soql) query(id string) url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queries[id]
}

// liveAnswers are what SODA answers the page's queries: strings for
// numbers, floating timestamps with milliseconds.
var liveAnswers = map[string]string{
	"actv-0001": `[{"published_date":"2024-03-10T03:05:00.000","ds":"187","ex":"23","rw":"1462"},{"published_date":"2024-03-09T03:05:00.000","ds":"185","ex":"0","rw":"1460"}]`,
	"week-0001": `[{"date":"2025-02-01T00:00:00.000","ds_applications_received":"4","ds_permits_issued":"2","ex_applications_received":"0","ex_permits_issued":"0","rw_applications_received":"11","rw_permits_issued":"0"}]`,
	"expn-0001": `[{"department":"2400","year":"2024","month":"7","budget":"128384","actual":"96288"}]`,
	"revn-0001": `[{"department":"6200","year":"2024","month":"8","budget":"200600","actual":"180540"}]`,
	"csrq-0001": `[{"month":"2024-11-01T00:00:00.000","sr_status":"Closed","n":"4210"},{"month":"2024-11-01T00:00:00.000","sr_status":"Open","n":"312"}]`,
	"28ys-ieqv": `[{"id":"x1y2-z3w4","name":"Old Counts","dataset_url":"https://data.austintexas.gov/d/x1y2-z3w4","data_updated_at":"2024-05-05T12:00:00.000"}]`,
}

func liveEnv(s *soql) map[string]string {
	return map[string]string{
		"SO_WEB": s.srv.URL, "SO_TOKEN": "app-TOKEN-0xFEED", "SO_KEY": "key-id", "SO_SECRET": "so-SECRET-0xBEEF",
		"ACTIVE_DATASET": "actv-0001", "WEEK_DATASET": "week-0001", "EXP_DATASET": "expn-0001",
		"REV_DATASET": "revn-0001", "CSR_DATASET": "csrq-0001",
	}
}

func TestLive(t *testing.T) {
	t.Parallel()
	s := startSoQL(t, liveAnswers)
	env := liveEnv(s)
	page, logs := renderPage(t, env, "--as-of", asOf, "--max-rows", "800")
	selfContained(t, page)
	for _, want := range []string{
		`data-series="RW" data-x="2024-03-10T03:05:00" data-value="1,462"`,
		`<g class="zero-marker" data-series="EX" data-x="2024-03-09T03:05:00">`,
		`<title>Actual YTD, Jul 2024: 96,288</title>`,
		`<title>Budget YTD, Aug 2024: 200,600</title>`,
		`<title>Open, Nov 2024: 312</title>`,
		"<td>Old Counts</td><td>x1y2-z3w4</td><td>May 5, 2024 12:00 CDT</td><td>365</td>",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the live page lacks %q", want)
		}
	}
	// Every query is bounded; the 3-1-1 and finance ones are aggregates.
	for id := range liveAnswers {
		q := s.query(id)
		if q == nil {
			t.Errorf("dataset %s was not queried", id)
			continue
		}
		if q.Get("$limit") == "" {
			t.Errorf("the query of %s has no $limit: %v", id, q)
		}
	}
	csr := s.query("csrq-0001")
	if !strings.Contains(csr.Get("$select"), "count(*)") || csr.Get("$group") == "" || !strings.HasPrefix(csr.Get("$where"), "created_date >= '2023-06-01T") {
		t.Errorf("the 3-1-1 query is not an aggregate over the last %d months: %v", csrMonths, csr)
	}
	for _, id := range []string{"expn-0001", "revn-0001"} {
		if q := s.query(id); !strings.Contains(q.Get("$select"), "sum(") || q.Get("$group") != "department, year, month" {
			t.Errorf("the finance query of %s is not an aggregate: %v", id, q)
		}
	}
	if got := s.query("actv-0001").Get("$limit"); got != "800" {
		t.Errorf("active log $limit %s, want --max-rows 800", got)
	}
	jobtest.NoSecrets(t, logs.String()+page, map[string]string{"SO_SECRET": env["SO_SECRET"], "SO_TOKEN": env["SO_TOKEN"]})
}

// TestLiveNeverUpdatedFirst: SoQL sorts nulls last, so a dataset that was
// never updated would fall behind ten updated ones; it is asked for apart.
func TestLiveNeverUpdatedFirst(t *testing.T) {
	t.Parallel()
	s := startSoQL(t, liveAnswers)
	s.answer = func(id string, q url.Values) (string, bool) {
		if id != "28ys-ieqv" {
			body, ok := liveAnswers[id]
			return body, ok
		}
		if strings.Contains(q.Get("$where"), "IS NULL") {
			return `[{"id":"nvr0-0001","name":"Never Loaded","data_updated_at":null}]`, true
		}
		var rows []string
		for i := range 10 {
			rows = append(rows, fmt.Sprintf(`{"id":"old0-%04d","name":"Old %d","data_updated_at":"2025-0%d-01T00:00:00.000"}`, i, i, 1+i%4))
		}
		return "[" + strings.Join(rows, ",") + "]", true
	}
	page, _ := renderPage(t, liveEnv(s), "--as-of", asOf)
	if !strings.Contains(page, "<tbody><tr><td>Never Loaded</td><td>nvr0-0001</td><td>never</td><td>no value</td></tr>") ||
		!strings.Contains(page, "⚠ Never Loaded (nvr0-0001) has no data update on record.") {
		t.Error("the never-updated dataset is not listed first, with a note")
	}
	if n := strings.Count(page, `data-category="Old `); n != staleCount-1 {
		t.Errorf("%d updated datasets drawn, want %d (ten in all)", n, staleCount-1)
	}
}

func TestLiveTruncatedAndTimedOut(t *testing.T) {
	t.Parallel()
	t.Run("a query at --max-rows is noted", func(t *testing.T) {
		t.Parallel()
		s := startSoQL(t, liveAnswers)
		page, _ := renderPage(t, liveEnv(s), "--max-rows", "2")
		// The log is read newest first: what is cut off is the oldest.
		if !strings.Contains(page, "Only the latest 2 records were read (--max-rows): older ones are not drawn.") {
			t.Error("the active log's truncation note does not say the latest records were kept")
		}
		if !strings.Contains(page, "Only 2 rows were read (--max-rows): the chart is incomplete.") {
			t.Error("the 3-1-1 chart lacks its truncation note")
		}
		if n := strings.Count(page, "were read (--max-rows)"); n != 2 {
			t.Errorf("%d truncation notes, want 2 (the active log and the 3-1-1 counts hit the limit)", n)
		}
	})
	t.Run("--timeout bounds the queries", func(t *testing.T) {
		t.Parallel()
		s := startSoQL(t, liveAnswers)
		s.delay = 5 * time.Second
		start := time.Now()
		var logs jobtest.Buffer
		err := run(t.Context(), []string{"--html", filepath.Join(t.TempDir(), "p.html"), "--timeout", "200ms"}, jobkit.MapEnv(liveEnv(s)), &logs)
		if err == nil || jobkit.ExitCode(err) != 1 {
			t.Fatalf("err %v, want a failure (exit 1)", err)
		}
		if elapsed := time.Since(start); elapsed > 3*time.Second {
			t.Errorf("took %s with --timeout 200ms", elapsed)
		}
	})
}

func TestUsageAndConfiguration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		wantErr string
	}{
		{name: "partial configuration", env: map[string]string{"SO_WEB": "datahub.austintexas.gov"}, wantErr: "missing required environment variable ACTIVE_DATASET"},
		{name: "live without --html", env: liveEnv(&soql{srv: &httptest.Server{URL: "http://127.0.0.1:9"}}), wantErr: "--html FILE is required"},
		{name: "max rows out of range", args: []string{"--max-rows", "0"}, wantErr: "--max-rows must be between 1 and 50000"},
		{name: "bad as-of", args: []string{"--as-of", "yesterday"}, wantErr: `--as-of "yesterday"`},
		{name: "from a missing folder", args: []string{"--from", "/nonexistent/folder"}, wantErr: "not a folder"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var logs jobtest.Buffer
			args := tt.args
			if tt.env == nil { // a sample run: keep its output in the test's folder
				args = append([]string{"--out", t.TempDir()}, args...)
			}
			err := run(t.Context(), args, jobkit.MapEnv(tt.env), &logs)
			if code := jobkit.ExitCode(err); code != 2 || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err %v (exit %d), want exit 2 with %q", err, code, tt.wantErr)
			}
		})
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	var logs jobtest.Buffer
	if err := run(t.Context(), []string{"--dry-run", "--out", out}, jobkit.MapEnv(nil), &logs); err != nil {
		t.Fatalf("run: %v\n%s", err, logs.String())
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Errorf("dry run wrote %v", entries)
	}
	if !strings.Contains(logs.String(), "--- dry run: would write "+filepath.Join(out, pageFile)) {
		t.Errorf("dry run output lacks the page:\n%s", logs.String())
	}
}

func TestFromFolderWithABadFile(t *testing.T) {
	t.Parallel()
	dir := writeFolder(t, map[string]string{"active-permits-sample.upsert.json": `[{"ds":"many","published_date":"2024-03-10T03:05:00"}]`})
	var logs jobtest.Buffer
	err := run(t.Context(), []string{"--from", dir, "--out", t.TempDir()}, jobkit.MapEnv(nil), &logs)
	if err == nil || jobkit.ExitCode(err) != 1 || !strings.Contains(err.Error(), "active permits row 1: ds") {
		t.Fatalf("err %v, want a failure naming the row and field", err)
	}
}

func TestLastByKeyIsWhatAnUpsertLeaves(t *testing.T) {
	t.Parallel()
	rows, err := decodeRows([]byte(`[{"k":1,"v":"a"},{"k":2,"v":"b"},{"k":1,"v":"c"},{"v":"no key"}]`))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range lastByKey(rows, "k") {
		got = append(got, r["v"].(string))
	}
	if want := []string{"c", "b", "no key"}; !slices.Equal(got, want) {
		t.Errorf("lastByKey = %v, want %v", got, want)
	}
}

func TestNumberAndFloating(t *testing.T) {
	t.Parallel()
	loc, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		in   any
		want string // formatted, or "NaN", or "error"
	}{
		{json.Number("1462"), "1,462"}, {"96288.5", "96,288.5"}, {nil, "NaN"}, {"", "NaN"}, {"x", "error"}, {true, "error"},
	} {
		v, err := number(tt.in)
		got := formatNumber(v)
		switch {
		case err != nil:
			got = "error"
		case v != v:
			got = "NaN"
		}
		if got != tt.want {
			t.Errorf("number(%#v) = %s, want %s", tt.in, got, tt.want)
		}
	}
	for _, tt := range []struct{ in, want string }{
		{"2024-03-10T03:05:00.000", "2024-03-10 03:05:00 CDT"},
		{"2024-03-10T03:05:00", "2024-03-10 03:05:00 CDT"},
		{"2024-03-10T08:05:42Z", "2024-03-10 03:05:42 CDT"},
		{"2024-12-14", "2024-12-14 00:00:00 CST"},
	} {
		got, err := floating(tt.in, loc)
		if err != nil || got.Format("2006-01-02 15:04:05 MST") != tt.want {
			t.Errorf("floating(%q) = %v, %v; want %s", tt.in, got, err, tt.want)
		}
	}
	if _, err := floating("10/03/2024", loc); err == nil {
		t.Error("floating accepted 10/03/2024")
	}
}
