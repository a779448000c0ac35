package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cityofaustin/atd-executive-dashboard/internal/jobkit"
	"github.com/cityofaustin/atd-executive-dashboard/internal/jobtest"
)

// TestNullCountStandsOut: active_permits publishes a folder type missing
// from active_permits.csv as null (a failed or partial export, like a
// zero). The page must say so, not just break the line.
func TestNullCountStandsOut(t *testing.T) {
	t.Parallel()
	dir := writeFolder(t, map[string]string{
		"active-permits-sample.upsert.json": `[
		{"ds":180,"ex":25,"published_date":"2024-03-08T03:05:00.000","rw":1450},
		{"ds":184,"ex":null,"published_date":"2024-03-09T03:05:00.000","rw":1455},
		{"ds":187,"ex":23,"published_date":"2024-03-10T03:05:00.000","rw":1462}]`,
	})
	page, logs := renderPage(t, nil, "--from", dir, "--as-of", asOf)
	const note = "EX has no value on Mar 9, 2024 03:05 CST"
	if !strings.Contains(page, "⚠ "+note) {
		t.Errorf("the page does not note the null EX count (%q)", note)
	}
	if want := `chart=active-permits note="` + note; !strings.Contains(logs.String(), want) {
		t.Errorf("logs lack %q:\n%s", want, logs.String())
	}
}

// TestEmptyChartsAreWarnings: a dataset with no rows, or a folder without
// a job's output, draws an empty chart; the run's log must warn about it
// too, since the log is what an unattended run leaves.
func TestEmptyChartsAreWarnings(t *testing.T) {
	t.Parallel()
	dir := writeFolder(t, map[string]string{
		"active-permits-sample.upsert.json": `[]`,
		"week-summary-sample.replace.json":  `[]`,
	})
	_, logs := renderPage(t, nil, "--from", dir, "--as-of", asOf)
	for _, want := range []string{
		`level=WARN msg="chart without data" job=dashboard_preview chart=active-permits why="no records"`,
		`level=WARN msg="chart without data" job=dashboard_preview chart=weekly-ds why="no records"`,
		`level=WARN msg="chart without data" job=dashboard_preview chart=csr why="No data: no csr-sample.replace.json or .upsert.json in the folder."`,
		`msg="page written"`,
	} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs lack %q:\n%s", want, logs.String())
		}
	}
}

// TestLiveOneFailingQuery: one dataset that cannot be read (deleted,
// renamed, made private) must not hide the others: the page is written,
// that chart says why it is empty, the run still fails (exit 1) so that a
// scheduler sees it.
func TestLiveOneFailingQuery(t *testing.T) {
	t.Parallel()
	answers := maps.Clone(liveAnswers)
	delete(answers, "csrq-0001") // the fake answers 404
	s := startSoQL(t, answers)
	env := liveEnv(s)
	out := filepath.Join(t.TempDir(), "live.html")
	var logs jobtest.Buffer
	err := run(t.Context(), []string{"--html", out, "--as-of", asOf}, jobkit.MapEnv(env), &logs)
	if err == nil || jobkit.ExitCode(err) != 1 || !strings.Contains(err.Error(), "CSR_DATASET csrq-0001") {
		t.Fatalf("err %v, want exit 1 naming CSR_DATASET csrq-0001\n%s", err, logs.String())
	}
	if strings.Count(err.Error(), "socrata: ") != 1 {
		t.Errorf("err %q names the system more than once", err)
	}
	page := readPage(t, out)
	for _, want := range []string{
		`data-series="RW" data-x="2024-03-10T03:05:00" data-value="1,462"`,
		`<title>Actual YTD, Jul 2024: 96,288</title>`,
		"<td>Old Counts</td><td>x1y2-z3w4</td>",
		"No data: CSR_DATASET csrq-0001 could not be read:",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if !strings.Contains(logs.String(), `level=WARN msg="chart without data" job=dashboard_preview chart=csr`) {
		t.Errorf("logs lack the failed chart:\n%s", logs.String())
	}
	jobtest.NoSecrets(t, logs.String()+page+err.Error(), map[string]string{"SO_SECRET": env["SO_SECRET"], "SO_TOKEN": env["SO_TOKEN"]})
}

// TestTwoColumnsAtCommonWidths: the page is read on laptop screens, in
// windows with a scroll bar. At 1400 CSS pixels (a 1440 screen less a
// scroll bar and a little) the charts must still sit two by two, and on a
// narrow window nothing may stick out sideways.
func TestTwoColumnsAtCommonWidths(t *testing.T) {
	exe := findChromium(t)
	out := t.TempDir()
	jobtest.RunSample(t, run, out, "--as-of", asOf)
	file := filepath.Join(out, pageFile)
	for _, tt := range []struct {
		width   int64
		columns int
	}{{1920, 2}, {1400, 2}, {1200, 2}, {700, 1}, {420, 1}} {
		tab := browser(t, exe)
		if err := chromedp.Do(tab, chromedp.EmulateViewport(tt.width, 900)); err != nil {
			t.Fatalf("viewport: %v", err)
		}
		load(t, tab, file)
		type layout struct {
			Tops     []float64 `json:"tops"`
			Overflow bool      `json:"overflow"`
		}
		got, err := chromedp.Run(tab, chromedp.Evaluate[layout](`({
			tops: [...document.querySelectorAll("#permits figure.chart")].map(f => f.getBoundingClientRect().top),
			overflow: document.documentElement.scrollWidth > window.innerWidth,
		})`))
		if err != nil {
			t.Fatalf("inspect: %v", err)
		}
		columns := 0
		for _, top := range got.Tops {
			if top == got.Tops[0] {
				columns++
			}
		}
		if columns != tt.columns || got.Overflow {
			t.Errorf("at %d px: %d chart(s) on the first row (tops %v), want %d; overflows sideways: %v",
				tt.width, columns, got.Tops, tt.columns, got.Overflow)
		}
	}
}

// TestMonthLabelsDoNotOverlap: the live 3-1-1 chart always has 24 months,
// and the finance datasets hold years of them; one "Jan 2024" label per
// bar ran into one another and could not be read. Labels are thinned so
// that they keep apart; every month keeps its bars, titles and table row.
func TestMonthLabelsDoNotOverlap(t *testing.T) {
	t.Parallel()
	for _, n := range []int{2, 7, 12, 24, 48, 120} {
		var cats []string
		vals := make([]float64, n)
		for i := range n {
			cats = append(cats, time.Date(2020, time.Month(1+i), 1, 0, 0, 0, 0, time.UTC).Format("Jan 2006"))
			vals[i] = float64(i)
		}
		c := barChart(newChart("x", "t", "d", "Month", "US dollars"), cats, []series{{Name: "Actual YTD", Values: vals}}, false)
		const charW = 6.5 // an 11px DejaVu Sans character, generously
		for i := 1; i < len(c.XTicks); i++ {
			a, b := c.XTicks[i-1], c.XTicks[i]
			if room := b.Pos - a.Pos; room < charW*float64(len(a.Label)+len(b.Label))/2+4 {
				t.Fatalf("%d months: labels %q and %q are %.1f apart: they overlap", n, a.Label, b.Label, room)
			}
		}
		if len(c.XTicks) == 0 || c.XTicks[0].Label != cats[0] || len(c.Bars) != n || len(c.Table.Rows) != n {
			t.Errorf("%d months: %d labels (first %v), %d bars, %d table rows", n, len(c.XTicks), c.XTicks, len(c.Bars), len(c.Table.Rows))
		}
		if n <= 7 && len(c.XTicks) != n {
			t.Errorf("%d months: %d labels, want one per month", n, len(c.XTicks))
		}
	}
}

// TestLongLogIsALine: two years of daily runs are 700 points a series;
// drawn as 4-unit dots with a white rim they overlapped into a fuzzy band
// that hid the line. Dense series get small plain dots; a zero still gets
// its ring.
func TestLongLogIsALine(t *testing.T) {
	t.Parallel()
	var recs []string
	start := time.Date(2023, 1, 1, 3, 5, 0, 0, time.UTC)
	for i := range 700 {
		ex := 20 + i%3
		if i == 400 {
			ex = 0
		}
		recs = append(recs, fmt.Sprintf(`{"ds":%d,"ex":%d,"rw":%d,"published_date":"%s"}`, 180+i%7, ex, 1400+i%11, start.AddDate(0, 0, i).Format("2006-01-02T15:04:05.000")))
	}
	dir := writeFolder(t, map[string]string{"active-permits-sample.upsert.json": "[" + strings.Join(recs, ",") + "]"})
	page, _ := renderPage(t, nil, "--from", dir, "--as-of", asOf)
	i := strings.Index(page, `data-chart="active-permits"`)
	j := strings.Index(page[i:], "</figure>")
	fig := page[i : i+j]
	if n := strings.Count(fig, `<circle class="point dense"`); n != 2100 {
		t.Errorf("%d dense points, want 2100 (700 records, 3 types)", n)
	}
	if strings.Contains(fig, `r="4"`) {
		t.Error("a dense series still has 4-unit dots")
	}
	if n := strings.Count(fig, `class="zero-marker"`); n != 1 {
		t.Errorf("%d zero markers, want 1", n)
	}
}

// TestDuplicateLogRecordsAreNoted: without the row identifier
// published_date, a retried upsert or a rerun in the same minute adds a
// second record for the same moment, and Power BI counts it twice
// (docs/DATASETS.md). The live page must say so.
func TestDuplicateLogRecordsAreNoted(t *testing.T) {
	t.Parallel()
	answers := maps.Clone(liveAnswers)
	answers["actv-0001"] = `[{"published_date":"2024-03-10T03:05:00.000","ds":"187","ex":"23","rw":"1462"},
		{"published_date":"2024-03-10T03:05:00.000","ds":"187","ex":"23","rw":"1462"},
		{"published_date":"2024-03-09T03:05:00.000","ds":"185","ex":"21","rw":"1460"}]`
	s := startSoQL(t, answers)
	page, logs := renderPage(t, liveEnv(s), "--as-of", asOf)
	const note = "2 records for Mar 10, 2024 03:05 CDT: ACTIVE_DATASET lacks its row identifier published_date"
	if !strings.Contains(page, "⚠ "+note) {
		t.Errorf("the page does not note the duplicate records (%q)", note)
	}
	if !strings.Contains(logs.String(), `note="`+note) {
		t.Errorf("logs lack the note:\n%s", logs.String())
	}
}

// TestMaxRowsTenIsNotATruncatedStaleList: the stale list always asks for
// its ten rows; with --max-rows 10 it was taken for a query cut at the
// limit and noted as incomplete.
func TestMaxRowsTenIsNotATruncatedStaleList(t *testing.T) {
	t.Parallel()
	s := startSoQL(t, liveAnswers)
	s.answer = func(id string, q url.Values) (string, bool) {
		if id != "28ys-ieqv" {
			body, ok := liveAnswers[id]
			return body, ok
		}
		if strings.Contains(q.Get("$where"), "IS NULL") {
			return `[]`, true
		}
		var rows []string
		for i := range 10 {
			rows = append(rows, fmt.Sprintf(`{"id":"old0-%04d","name":"Old %d","data_updated_at":"2025-01-0%dT00:00:00.000"}`, i, i, 1+i%9))
		}
		return "[" + strings.Join(rows, ",") + "]", true
	}
	page, _ := renderPage(t, liveEnv(s), "--as-of", asOf, "--max-rows", "10")
	i := strings.Index(page, `data-chart="stale-datasets"`)
	if strings.Contains(page[i:], "were read (--max-rows)") {
		t.Error("the stale list, ten rows by design, is noted as cut at --max-rows")
	}
}

// TestMonthWithoutRequestsIsNoted: a month inside the 3-1-1 range with
// no request at all is a hole in the dataset (the city gets thousands a
// month), as a month missing from the finance datasets is; it was drawn
// as an empty slot and said nothing. The sample has one: November 2023.
func TestMonthWithoutRequestsIsNoted(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	logs := jobtest.RunSample(t, run, out, "--as-of", asOf)
	page := readPage(t, filepath.Join(out, pageFile))
	const note = "No requests created in November 2023: the month is missing from the dataset."
	if !strings.Contains(page, "⚠ "+note) {
		t.Errorf("the 3-1-1 chart does not note the empty month (%q)", note)
	}
	if !strings.Contains(logs, `chart=csr note="`+note) {
		t.Errorf("logs lack the note:\n%s", logs)
	}
	if n := strings.Count(page, "No requests created in"); n != 1 {
		t.Errorf("%d empty-month notes, want 1", n)
	}
}

// TestNullAmountAddsNothing: finance rows carry null amounts (an empty
// metric in the report); SoQL's sum() skips them, and so must the folder
// reading, or one null blanks the department's whole month.
func TestNullAmountAddsNothing(t *testing.T) {
	t.Parallel()
	dir := writeFolder(t, map[string]string{"expenses-sample.upsert.json": `[
		{"department":2400,"year":2024,"month":7,"budget_ytd_with_period_cutoff":1000,"expenses_ytd":null,"row_identifier":"a"},
		{"department":2400,"year":2024,"month":7,"budget_ytd_with_period_cutoff":null,"expenses_ytd":250.5,"row_identifier":"b"}]`})
	page, _ := renderPage(t, nil, "--from", dir, "--as-of", asOf)
	for _, want := range []string{"<title>Budget YTD, Jul 2024: 1,000</title>", "<title>Actual YTD, Jul 2024: 250.5</title>"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}

// TestStaleListIsDatasetsOnly: the metadata dataset lists stories, maps
// and charts too; they have no data of their own, and one in the list
// would show as "never updated" at its top.
func TestStaleListIsDatasetsOnly(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	jobtest.RunSample(t, run, out, "--as-of", asOf)
	page := readPage(t, filepath.Join(out, pageFile))
	i := strings.Index(page, `data-chart="stale-datasets"`)
	if i < 0 {
		t.Fatal("no stale-datasets chart")
	}
	fig := page[i:]
	if strings.Contains(fig, "Mobility Dashboard") || strings.Contains(fig, "has no data update on record") {
		t.Error("the sample's story (Mobility Dashboard) is in the list of stale datasets")
	}
	if !strings.Contains(fig, "Dockless Vehicle Trips") {
		t.Error("the stale list lacks the sample's datasets")
	}
}

// TestInterruptWritesNoPage: a failed dataset still gives a page, but an
// interrupt (SIGINT, SIGTERM: the job's context cancelled) is not a
// failed dataset; nothing is written.
func TestInterruptWritesNoPage(t *testing.T) {
	t.Parallel()
	s := startSoQL(t, liveAnswers)
	s.delay = 5 * time.Second
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(200*time.Millisecond, cancel)
	out := filepath.Join(t.TempDir(), "live.html")
	var logs jobtest.Buffer
	err := run(ctx, []string{"--html", out}, jobkit.MapEnv(liveEnv(s)), &logs)
	if err == nil {
		t.Fatal("an interrupted run succeeded")
	}
	if _, statErr := os.Stat(out); !errors.Is(statErr, fs.ErrNotExist) {
		t.Errorf("an interrupted run wrote %s (stat: %v)", out, statErr)
	}
}
