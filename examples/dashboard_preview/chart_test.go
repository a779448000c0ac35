package main

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

func TestNiceTicks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		lo, hi float64
		want   []float64
	}{
		{0, 1462, []float64{0, 500, 1000, 1500}},
		{0, 12, []float64{0, 5, 10, 15}},
		{0, 2, []float64{0, 1, 2}},
		{0, 0, []float64{0, 1}},
		{0, 0.3, []float64{0, 0.1, 0.2, 0.3}},
		{-40, 90, []float64{-50, 0, 50, 100}},
		{0, 128384, []float64{0, 50000, 100000, 150000}},
	}
	for _, tt := range tests {
		got := niceTicks(tt.lo, tt.hi, 5)
		if !slices.Equal(got, tt.want) {
			t.Errorf("niceTicks(%g, %g) = %v, want %v", tt.lo, tt.hi, got, tt.want)
		}
	}
}

func TestFormatNumber(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   float64
		want string
	}{
		{0, "0"}, {187, "187"}, {1462, "1,462"}, {9000000, "9,000,000"}, {802.4, "802.4"}, {-16048, "-16,048"},
		{0.8333, "0.83"}, {math.NaN(), "–"},
	} {
		if got := formatNumber(tt.in); got != tt.want {
			t.Errorf("formatNumber(%g) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTimeTicksInChicago(t *testing.T) {
	t.Parallel()
	loc := chicago(t)
	// Across the DST change of 2024-03-10: ticks stay at local midnight.
	ticks, layout := timeTicks(time.Date(2024, 3, 8, 3, 5, 0, 0, loc), time.Date(2024, 3, 12, 3, 5, 0, 0, loc), 7)
	var got []string
	for i, l := range tickLabels(ticks, layout) {
		got = append(got, l+" "+ticks[i].Format("15:04 MST"))
	}
	want := []string{"Mar 9 2024 00:00 CST", "Mar 10 00:00 CST", "Mar 11 00:00 CDT", "Mar 12 00:00 CDT"}
	if !slices.Equal(got, want) {
		t.Errorf("ticks %q, want %q", got, want)
	}
	// A year: months.
	ticks, layout = timeTicks(time.Date(2024, 1, 15, 0, 0, 0, 0, loc), time.Date(2025, 1, 15, 0, 0, 0, 0, loc), 7)
	if layout != "Jan 2006" || len(ticks) > 7 || ticks[0].Day() != 1 {
		t.Errorf("a year: %d ticks from %s, layout %q", len(ticks), ticks[0], layout)
	}
}

func TestWeekGrid(t *testing.T) {
	t.Parallel()
	sat := func(d int) weekRow { return weekRow{Week: time.Date(2025, 1, d, 0, 0, 0, 0, time.UTC)} }
	weeks, _, missing, off := weekGrid([]weekRow{sat(1), sat(4), sat(11), sat(25)})
	var got []string
	for i, w := range weeks {
		got = append(got, fmt.Sprintf("%s %v", w.Format("01-02"), missing[i]))
	}
	want := []string{"01-04 false", "01-11 false", "01-18 true", "01-25 false"}
	if !slices.Equal(got, want) || off != 1 {
		t.Errorf("grid %q off-grid %d, want %q and 1 (the 1st is a Wednesday)", got, off, want)
	}
	// Eleven years of weeks: the last maxWeeks are drawn, the older counted.
	var rows []weekRow
	for w := time.Date(2014, 1, 4, 0, 0, 0, 0, time.UTC); w.Year() < 2025; w = w.AddDate(0, 0, 7) {
		rows = append(rows, weekRow{Week: w})
	}
	weeks, _, _, off = weekGrid(rows)
	if len(weeks) != maxWeeks || !weeks[len(weeks)-1].Equal(rows[len(rows)-1].Week) || off != len(rows)-maxWeeks {
		t.Errorf("%d weeks ending %s, %d off grid; want %d ending %s, %d", len(weeks), weeks[len(weeks)-1], off,
			maxWeeks, rows[len(rows)-1].Week, len(rows)-maxWeeks)
	}
}

// TestNegativeAmountsStayInTheChart: a refund month (a negative actual) is
// drawn below the zero line, inside the plot.
func TestNegativeAmountsStayInTheChart(t *testing.T) {
	t.Parallel()
	c := barChart(newChart("x", "t", "d", "Month", "US dollars"), []string{"Jul 2024", "Aug 2024"},
		[]series{{Name: "Actual YTD", Values: []float64{-500, 1200}}}, false)
	for _, b := range c.Bars {
		if b.H < 0 || b.Y < c.Y0 || b.Y+b.H > c.Y1+0.01 {
			t.Errorf("bar %+v is outside the plot [%g, %g]", b, c.Y0, c.Y1)
		}
	}
}

// FuzzFolder feeds any bytes as one dataset file of a --from folder: the
// job reads it or fails with an error, and whatever it reads renders.
func FuzzFolder(f *testing.F) {
	for _, name := range []string{"active-permits-sample.upsert.json", "week-summary-sample.replace.json",
		"expenses-sample.upsert.json", "csr-sample.upsert.json", "socrata-metadata-sample.replace.json"} {
		b, err := os.ReadFile("sample/socrata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, uint8(slices.Index(fuzzFiles, name)))
	}
	for _, s := range badRun {
		f.Add([]byte(s), uint8(0))
	}
	f.Add([]byte(`[{"date":"1900-01-06T00:00:00","ds_applications_received":"NaN"},{"date":"9999-12-25"}]`), uint8(1))
	f.Add([]byte(`[{"department":2400,"year":2024,"month":13,"budget_ytd_with_period_cutoff":"-1e308"}]`), uint8(2))
	f.Fuzz(func(t *testing.T, body []byte, which uint8) {
		name := fuzzFiles[int(which)%len(fuzzFiles)]
		fsys := fstest.MapFS{name: {Data: body}}
		d, err := readFolder(fsys, nil, chicago(t), discard())
		if err != nil {
			return
		}
		d.AsOf = time.Date(2025, 5, 5, 12, 0, 0, 0, time.UTC)
		var page bytes.Buffer
		if _, err := render(&page, d, chicago(t), d.AsOf); err != nil {
			t.Fatalf("render: %v", err)
		}
		if strings.Contains(page.String(), "NaN") || strings.Contains(page.String(), "Inf") {
			t.Fatalf("the page writes NaN or Inf")
		}
	})
}

var fuzzFiles = []string{"active-permits-sample.upsert.json", "week-summary-sample.replace.json",
	"expenses-sample.upsert.json", "revenue-sample.upsert.json", "csr-sample.upsert.json", "socrata-metadata-sample.replace.json"}
