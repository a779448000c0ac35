package main

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cityofaustin/atd-executive-dashboard/internal/jobkit"
	"github.com/cityofaustin/atd-executive-dashboard/internal/jobtest"
)

// The README's pictures of the sample page and of a bad run; -update
// rewrites them.
const (
	screenshotFile       = "../../docs/dashboard-preview.png"
	badRunScreenshotFile = "../../docs/dashboard-preview-bad-run.png"
)

// findChromium returns Debian's chromium, skipping the test when it is
// absent, unless CI is set: CI installs it (.ci/run), so there a missing
// browser is a failure.
func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if ci := os.Getenv("CI"); ci != "" && ci != "false" && ci != "0" {
		t.Fatal("CI is set but chromium is not installed (.ci/run installs it with apt-get)")
	}
	t.Skip("chromium not installed (apt-get install chromium); the browser test needs it")
	return ""
}

// browser starts headless Chromium with a fresh profile and no background
// network, and returns a tab's context.
func browser(t *testing.T, exe string) context.Context {
	t.Helper()
	profile := t.TempDir()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1440, 900),
	}
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	t.Cleanup(cancel)
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	tab, cancelTab := chromedp.NewContext(alloc)
	t.Cleanup(cancelTab)
	return tab
}

// figureInfo is what the DOM says about one chart after layout.
type figureInfo struct {
	ID      string   `json:"id"`
	Title   string   `json:"title"`
	Empty   bool     `json:"empty"`
	Points  []string `json:"points"` // "series|x|value" of each circle.point
	Bars    []string `json:"bars"`   // "series|category|value" of each rect.bar
	Zeros   []string `json:"zeros"`  // "series|x" of each zero marker
	Gaps    []string `json:"gaps"`   // the missing weeks
	Legend  []string `json:"legend"`
	Labels  []string `json:"labels"` // the axis labels
	XTicks  int      `json:"xticks"`
	YTicks  int      `json:"yticks"`
	Rows    int      `json:"rows"`    // rows of the numbers table
	Titles  int      `json:"titles"`  // <title>s of data elements
	Width   float64  `json:"width"`   // the svg's laid-out size
	Height  float64  `json:"height"`  //
	Outside int      `json:"outside"` // data elements laid out outside their svg
}

// inspect is run in the page through the DevTools protocol (the page itself
// has no script): for each figure, its data elements and their layout.
const inspect = `[...document.querySelectorAll("figure[data-chart]")].map(f => {
	const svg = f.querySelector("svg[role=img]");
	const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
	const data = svg ? [...svg.querySelectorAll("circle.point, rect.bar")] : [];
	const outside = data.filter(e => {
		const r = e.getBoundingClientRect();
		return r.width === 0 || r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1;
	}).length;
	const attrs = (sel, names) => svg ? [...svg.querySelectorAll(sel)].map(e => names.map(n => e.getAttribute(n)).join("|")) : [];
	return {
		id: f.dataset.chart,
		title: f.querySelector("figcaption h3").textContent,
		empty: !!f.querySelector(".empty"),
		points: attrs("circle.point", ["data-series", "data-x", "data-value"]),
		bars: attrs("rect.bar", ["data-series", "data-category", "data-value"]),
		zeros: attrs("g.zero-marker", ["data-series", "data-x"]),
		gaps: attrs("g.gap", ["data-gap"]),
		legend: [...f.querySelectorAll("ul.legend li")].map(li => li.textContent),
		labels: svg ? [...svg.querySelectorAll("text.axis-label")].map(e => e.textContent) : [],
		xticks: svg ? svg.querySelectorAll("g.x-axis text").length : 0,
		yticks: svg ? svg.querySelectorAll("g.y-axis text").length : 0,
		rows: f.querySelectorAll("details table tbody tr").length,
		titles: data.filter(e => e.querySelector("title") && e.querySelector("title").textContent).length,
		width: box.width, height: box.height,
		outside: outside,
	};
})`

// load opens file in the tab, collects the console's messages while it
// loads and lays out, and returns the figures and the messages.
func load(t *testing.T, tab context.Context, file string) ([]figureInfo, []chromedp.ConsoleMessage) {
	t.Helper()
	abs, err := filepath.Abs(file)
	if err != nil {
		t.Fatal(err)
	}
	// Start the tab on its own context first: the first use ties the tab's
	// life to the context it is given, and the console's is cancelled below.
	if err := chromedp.Do(tab, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start the browser: %v", err)
	}
	var mu sync.Mutex
	var messages []chromedp.ConsoleMessage
	consoleCtx, stop := context.WithCancel(tab)
	console := chromedp.Console(consoleCtx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range console {
			if err != nil {
				return
			}
			mu.Lock()
			messages = append(messages, m)
			mu.Unlock()
		}
	}()
	if err := chromedp.Do(tab, chromedp.Navigate((&url.URL{Scheme: "file", Path: abs}).String())); err != nil {
		t.Fatalf("navigate: %v", err)
	}
	// Layout is done once the document is complete and a frame was drawn.
	if _, err := chromedp.Run(tab, chromedp.Evaluate[bool](`new Promise(r => requestAnimationFrame(() => r(document.readyState === "complete")))`, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatalf("wait for layout: %v", err)
	}
	figures, err := chromedp.Run(tab, chromedp.Evaluate[[]figureInfo](inspect))
	if err != nil {
		t.Fatalf("inspect the DOM: %v", err)
	}
	time.Sleep(200 * time.Millisecond) // let late console events arrive
	stop()
	<-done
	mu.Lock()
	defer mu.Unlock()
	return figures, messages
}

// consoleErrors are the messages a clean page never logs: errors,
// exceptions, and warnings (a blocked fetch is reported as one).
func consoleErrors(messages []chromedp.ConsoleMessage) []string {
	var out []string
	for _, m := range messages {
		switch m.Type {
		case chromedp.ConsoleError, chromedp.ConsoleException, chromedp.ConsoleWarning:
			out = append(out, m.String())
		}
	}
	return out
}

// TestSamplePageInChromium renders the sample page in headless Chromium:
// every chart is laid out with its title, axis labels, legend, ticks, data
// points (each with a <title>) and table; nothing is logged to the console;
// a full-page screenshot is taken (-update writes it to docs/).
func TestSamplePageInChromium(t *testing.T) {
	exe := findChromium(t)
	out := t.TempDir()
	jobtest.RunSample(t, run, out, "--as-of", asOf)
	file := filepath.Join(out, pageFile)

	// What the page must show, drawn from the same data in process.
	d, err := readFolder(mustSub(t), nil, chicago(t), discard())
	if err != nil {
		t.Fatal(err)
	}
	d.AsOf, _ = parseAsOf(asOf, chicago(t))
	var page bytes.Buffer
	charts, err := render(&page, d, chicago(t), time.Now())
	if err != nil {
		t.Fatal(err)
	}

	tab := browser(t, exe)
	figures, messages := load(t, tab, file)
	if errs := consoleErrors(messages); len(errs) > 0 {
		t.Errorf("console errors:\n%s", strings.Join(errs, "\n"))
	}
	byID := map[string]figureInfo{}
	for _, f := range figures {
		byID[f.ID] = f
	}
	for _, id := range chartIDs {
		if _, ok := byID[id]; !ok {
			t.Errorf("chart %s is not in the DOM", id)
		}
	}
	for _, c := range charts {
		f, ok := byID[c.ID]
		if !ok {
			continue
		}
		if f.Empty || f.Width < 300 || f.Height < 150 {
			t.Errorf("%s: empty %v, laid out %gx%g", c.ID, f.Empty, f.Width, f.Height)
		}
		if f.Title != c.Title || len(f.Labels) != 2 || f.Labels[0] != c.XLabel || f.Labels[1] != c.YLabel {
			t.Errorf("%s: title %q, axis labels %q; want %q, [%q %q]", c.ID, f.Title, f.Labels, c.Title, c.XLabel, c.YLabel)
		}
		if len(f.Legend) != len(c.Legend) || f.XTicks == 0 || f.YTicks == 0 && len(c.CategoryLabels) == 0 {
			t.Errorf("%s: legend %q, %d x ticks, %d y ticks", c.ID, f.Legend, f.XTicks, f.YTicks)
		}
		n := len(c.Points) + len(c.Bars)
		if n == 0 || len(f.Points)+len(f.Bars) != n || f.Titles != n || f.Outside != 0 {
			t.Errorf("%s: %d points and %d bars (%d with a title, %d laid out outside the chart), want %d data elements",
				c.ID, len(f.Points), len(f.Bars), f.Titles, f.Outside, n)
		}
		if f.Rows != len(c.Table.Rows) || f.Rows == 0 {
			t.Errorf("%s: %d table rows, want %d", c.ID, f.Rows, len(c.Table.Rows))
		}
	}
	// The numbers the sample jobs publish, as the DOM carries them.
	for id, want := range map[string][]string{
		"active-permits": {"DS|2024-03-10T03:05:00|187", "EX|2024-03-10T03:05:00|23", "RW|2024-03-10T03:05:00|1,462"},
		"weekly-ds":      {"Applications received|2024-12-21T00:00:00|12", "Permits issued|2025-02-01T00:00:00|2"},
	} {
		for _, w := range want {
			if !contains(byID[id].Points, w) {
				t.Errorf("%s: no point %q in %q", id, w, byID[id].Points)
			}
		}
	}
	if bars := byID["stale-datasets"].Bars; len(bars) != 3 || bars[0] != "Days since update|Austin Transportation & Public Works Active Permits|7" {
		t.Errorf("stale datasets: bars %q, want the three datasets, the least recently updated first", bars)
	}

	if b := screenshot(t, tab, screenshotFile); b.Dy() < 1500 {
		t.Errorf("screenshot is %dx%d, want the whole page", b.Dx(), b.Dy())
	}
}

// screenshot takes a full-page PNG of the tab, into the test's folder, or
// into file with -update.
func screenshot(t *testing.T, tab context.Context, file string) image.Rectangle {
	t.Helper()
	shot, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 1000 || b.Dy() < 600 {
		t.Errorf("screenshot is %dx%d", b.Dx(), b.Dy())
	}
	name := filepath.Join(t.TempDir(), filepath.Base(file))
	if *update {
		name = file
	}
	if err := os.WriteFile(name, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%dx%d)", name, img.Bounds().Dx(), img.Bounds().Dy())
	return img.Bounds()
}

// TestBadRunInChromium renders the bad-run folder's page: the zero count and
// the missing week are laid out inside their charts, and still nothing is
// logged to the console.
func TestBadRunInChromium(t *testing.T) {
	exe := findChromium(t)
	file := filepath.Join(t.TempDir(), "bad.html")
	var logs jobtest.Buffer
	if err := run(t.Context(), []string{"--from", writeFolder(t, badRun), "--html", file, "--as-of", asOf}, jobkit.MapEnv(nil), &logs); err != nil {
		t.Fatalf("run: %v\n%s", err, logs.String())
	}
	tab := browser(t, exe)
	figures, messages := load(t, tab, file)
	if errs := consoleErrors(messages); len(errs) > 0 {
		t.Errorf("console errors:\n%s", strings.Join(errs, "\n"))
	}
	screenshot(t, tab, badRunScreenshotFile)
	got := map[string]figureInfo{}
	for _, f := range figures {
		got[f.ID] = f
	}
	if z := got["active-permits"].Zeros; len(z) != 1 || z[0] != "EX|2024-03-09T03:05:00" {
		t.Errorf("zero markers %q, want EX on 2024-03-09", z)
	}
	for _, id := range []string{"weekly-ds", "weekly-ex", "weekly-rw"} {
		if g := got[id].Gaps; len(g) != 1 || g[0] != "2025-01-11" {
			t.Errorf("%s: gaps %q, want the week ending 2025-01-11", id, g)
		}
		if f := got[id]; f.Outside != 0 || len(f.Points) != 6 {
			t.Errorf("%s: %d points (%d outside), want 6: three weeks of two series, none in the gap", id, len(f.Points), f.Outside)
		}
	}
	if !got["expenses"].Empty {
		t.Error("the expenses chart does not say it has no data")
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func chicago(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

func mustSub(t *testing.T) fs.FS {
	t.Helper()
	sub, err := fs.Sub(sample, "sample/socrata")
	if err != nil {
		t.Fatal(err)
	}
	return sub
}
