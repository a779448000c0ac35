package main

import (
	"bytes"
	"cmp"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

//go:embed page.html.tmpl
var pageTemplate string

var tmpl = template.Must(template.New("page").Funcs(template.FuncMap{
	"f":   func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) },
	"add": func(a, b float64) float64 { return a + b },
	"sub": func(a, b float64) float64 { return a - b },
	"mid": func(a, b float64) float64 { return (a + b) / 2 },
}).Parse(pageTemplate))

// Colours: one per folder type, the same in every chart.
var (
	folderColor = map[string]string{"DS": "#1f5fa8", "EX": "#d35400", "RW": "#1e8449"}
	receivedCol = "#1f5fa8"
	issuedCol   = "#d35400"
	budgetCol   = "#9cb9d9"
	actualCol   = "#1a3f6b"
	statusCols  = []string{"#1e8449", "#d35400", "#1f5fa8", "#8e44ad", "#b7950b", "#7f8c8d", "#c0392b"}
	staleCol    = "#b03a2e"
)

// page is the template's data.
type page struct {
	Title     string
	Source    string
	AsOf      string
	Generated string
	Sections  []section
}

type section struct {
	ID, Title, Intro string
	Charts           []*chart
}

// timeLayout is how the page writes a moment in America/Chicago.
const timeLayout = "Jan 2, 2006 15:04 MST"

// render writes the page for d, times shown in loc, and returns its charts
// (for the log: their notes are the warnings of the run).
func render(w io.Writer, d *data, loc *time.Location, generated time.Time) ([]*chart, error) {
	p := page{
		Title:     "Executive dashboard preview",
		Source:    d.Source,
		AsOf:      d.AsOf.In(loc).Format(timeLayout),
		Generated: generated.In(loc).Format(timeLayout),
	}
	p.Sections = []section{
		{ID: "permits", Title: "Permits", Intro: "The rolling log of active permits and the weekly summary, as Power BI will read them.",
			Charts: append([]*chart{activeChart(d, loc)}, weekCharts(d, loc)...)},
		{ID: "finance", Title: "Finance", Intro: "Year-to-date budget and actual by month, summed over each department's rows.",
			Charts: append(financeCharts(d, secExpenses, "Expenses", d.Expenses), financeCharts(d, secRevenue, "Revenue", d.Revenue)...)},
		{ID: "service-requests", Title: "3-1-1 service requests",
			Intro:  "Requests per month of their created date, by status (counted by the server, never downloaded whole).",
			Charts: []*chart{csrChart(d)}},
		{ID: "datasets", Title: "Datasets", Intro: "The department's datasets that have gone longest without a data update.",
			Charts: []*chart{staleChart(d, loc)}},
	}
	var charts []*chart
	for _, s := range p.Sections {
		charts = append(charts, s.Charts...)
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, p); err != nil {
		return nil, fmt.Errorf("render the page: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return charts, err
}

// sourceNotes adds what the data says about how it was read: a dataset the
// folder lacks, a query cut at --max-rows.
func sourceNotes(c *chart, d *data, sec string) {
	if why, ok := d.Missing[sec]; ok {
		c.Empty = "No data: " + why + "."
	}
	if n, ok := d.Truncated[sec]; ok {
		if sec == secActive || sec == secWeeks { // read newest first
			c.Notes = append(c.Notes, fmt.Sprintf("Only the latest %s records were read (--max-rows): older ones are not drawn.", formatNumber(float64(n))))
		} else {
			c.Notes = append(c.Notes, fmt.Sprintf("Only %s rows were read (--max-rows): the chart is incomplete.", formatNumber(float64(n))))
		}
	}
}

func activeChart(d *data, loc *time.Location) *chart {
	c := newChart("active-permits", "Active permits over time",
		"Active permits by folder type, one record per run of active_permits (ACTIVE_DATASET).",
		"Published (America/Chicago)", "Active permits (count)")
	c.MarkZeros = true
	sourceNotes(c, d, secActive)
	var xs []time.Time
	ss := []series{{Name: "DS", Color: folderColor["DS"]}, {Name: "EX", Color: folderColor["EX"]}, {Name: "RW", Color: folderColor["RW"]}}
	for _, p := range d.Active {
		xs = append(xs, p.At.In(loc))
		ss[0].Values = append(ss[0].Values, p.DS)
		ss[1].Values = append(ss[1].Values, p.EX)
		ss[2].Values = append(ss[2].Values, p.RW)
	}
	if len(xs) == 1 {
		c.Notes = append(c.Notes, "The log holds one record: a line needs two runs.")
	}
	// Two records of one moment: the dataset lacks its row identifier, so
	// a retried upsert or a rerun added a record (docs/DATASETS.md).
	for i := 0; i < len(xs); {
		j := i + 1
		for j < len(xs) && xs[j].Equal(xs[i]) {
			j++
		}
		if n := j - i; n > 1 {
			c.Notes = append(c.Notes, fmt.Sprintf("%d records for %s: ACTIVE_DATASET lacks its row identifier published_date, and Power BI counts this moment %d times.",
				n, xs[i].Format(timeLayout), n))
		}
		i = j
	}
	// A null count is a type missing from active_permits.csv (the job
	// publishes it as null, never as 0): as telling as a zero.
	for i, at := range xs {
		for _, s := range ss {
			if math.IsNaN(s.Values[i]) {
				c.Notes = append(c.Notes, fmt.Sprintf("%s has no value on %s: active_permits.csv had no %s row (a failed or partial export, or no active permit of that type).",
					s.Name, at.Format(timeLayout), s.Name))
			}
		}
	}
	return lineChart(c, xs, ss, nil, timeLayout)
}

// maxWeeks bounds the weekly grid (ten years of Saturdays).
const maxWeeks = 520

// weekGrid lays the weeks out seven days apart, back from the last week
// to the first (at most maxWeeks of them), marking those without a row;
// rows off the grid (not a multiple of seven days from the last week, or
// older than the grid) are counted.
func weekGrid(rows []weekRow) (weeks []time.Time, byWeek map[string]weekRow, missing []bool, offGrid int) {
	if len(rows) == 0 {
		return nil, nil, nil, 0
	}
	byWeek = map[string]weekRow{}
	for _, r := range rows {
		byWeek[r.Week.Format("2006-01-02")] = r
	}
	first, last := rows[0].Week, rows[len(rows)-1].Week
	on := 0
	for w := last; !w.Before(first) && len(weeks) < maxWeeks; w = w.AddDate(0, 0, -7) {
		_, ok := byWeek[w.Format("2006-01-02")]
		if ok {
			on++
		}
		weeks = append(weeks, w)
		missing = append(missing, !ok)
	}
	slices.Reverse(weeks)
	slices.Reverse(missing)
	return weeks, byWeek, missing, len(byWeek) - on
}

func weekCharts(d *data, loc *time.Location) []*chart {
	weeks, byWeek, missing, offGrid := weekGrid(d.Weeks)
	var out []*chart
	for _, f := range weekFields {
		c := newChart("weekly-"+strings.ToLower(f.Type), f.Type+" permits per week",
			"Applications received and permits issued per week for folder type "+f.Type+" (WEEK_DATASET), weeks ending on Saturday.",
			"Week ending (Saturday, America/Chicago)", "Permits per week (count)")
		sourceNotes(c, d, secWeeks)
		if offGrid > 0 {
			c.Notes = append(c.Notes, fmt.Sprintf("%d row(s) are not drawn: not a whole number of weeks before the last week, or older than %d weeks.", offGrid, maxWeeks))
		}
		ss := []series{{Name: "Applications received", Color: receivedCol}, {Name: "Permits issued", Color: issuedCol}}
		var xs []time.Time
		for _, w := range weeks {
			xs = append(xs, w.In(loc))
			r, ok := byWeek[w.Format("2006-01-02")]
			rec, iss := math.NaN(), math.NaN()
			if ok {
				rec, iss = r.Values[f.Received], r.Values[f.Issued]
			}
			ss[0].Values = append(ss[0].Values, rec)
			ss[1].Values = append(ss[1].Values, iss)
		}
		out = append(out, lineChart(c, xs, ss, missing, "Jan 2, 2006"))
	}
	return out
}

// months returns every month from the first to the last of ts (firsts of
// the month, sorted).
func months(ts []time.Time) []time.Time {
	if len(ts) == 0 {
		return nil
	}
	lo, hi := slices.MinFunc(ts, time.Time.Compare), slices.MaxFunc(ts, time.Time.Compare)
	var out []time.Time
	for m := lo; !m.After(hi) && len(out) < 240; m = m.AddDate(0, 1, 0) {
		out = append(out, m)
	}
	return out
}

func financeCharts(d *data, sec, report string, rows []financeMonth) []*chart {
	var depts []string
	for _, r := range rows {
		if !slices.Contains(depts, r.Department) {
			depts = append(depts, r.Department)
		}
	}
	if len(depts) == 0 {
		c := newChart(sec, report+" by month", report+" year to date by department ("+envName(sec)+").", "Month", "US dollars, year to date")
		sourceNotes(c, d, sec)
		return []*chart{barChart(c, nil, nil, false)}
	}
	var out []*chart
	for _, dept := range depts {
		c := newChart(sec+"-"+dept, report+", department "+dept,
			report+" budget and actual, year to date, by month, for department "+dept+" ("+envName(sec)+").",
			"Month", "US dollars, year to date")
		sourceNotes(c, d, sec)
		var ts []time.Time
		at := map[time.Time]financeMonth{}
		for _, r := range rows {
			if r.Department == dept {
				ts = append(ts, r.Month)
				at[r.Month] = r
			}
		}
		ss := []series{{Name: "Budget YTD", Color: budgetCol}, {Name: "Actual YTD", Color: actualCol}}
		var cats []string
		for _, m := range months(ts) {
			cats = append(cats, m.Format("Jan 2006"))
			r, ok := at[m]
			if !ok {
				c.Notes = append(c.Notes, "No rows for "+m.Format("January 2006")+": the month is missing from the dataset.")
				r = financeMonth{Budget: math.NaN(), Actual: math.NaN()}
			}
			ss[0].Values = append(ss[0].Values, r.Budget)
			ss[1].Values = append(ss[1].Values, r.Actual)
		}
		out = append(out, barChart(c, cats, ss, false))
	}
	return out
}

func envName(sec string) string {
	if sec == secRevenue {
		return "REV_DATASET"
	}
	return "EXP_DATASET"
}

func csrChart(d *data) *chart {
	c := newChart("csr", "3-1-1 requests per month by status",
		"Service requests per month of their created date, stacked by status (CSR_DATASET).",
		"Month created (America/Chicago)", "Requests (count)")
	sourceNotes(c, d, secCSR)
	var ts []time.Time
	var statuses []string
	n := map[string]map[time.Time]float64{}
	for _, r := range d.CSR {
		ts = append(ts, r.Month)
		if n[r.Status] == nil {
			n[r.Status] = map[time.Time]float64{}
			statuses = append(statuses, r.Status)
		}
		n[r.Status][r.Month] += r.N
	}
	slices.Sort(statuses)
	var ss []series
	for i, st := range statuses {
		ss = append(ss, series{Name: st, Color: statusCols[i%len(statusCols)]})
	}
	var cats []string
	for _, m := range months(ts) {
		cats = append(cats, m.Format("Jan 2006"))
		if !slices.ContainsFunc(d.CSR, func(r csrMonth) bool { return r.Month.Equal(m) && r.N > 0 }) {
			c.Notes = append(c.Notes, "No requests created in "+m.Format("January 2006")+": the month is missing from the dataset.")
		}
		for i, st := range statuses {
			v, ok := n[st][m]
			if !ok {
				v = 0
			}
			ss[i].Values = append(ss[i].Values, v)
		}
	}
	return barChart(c, cats, ss, true)
}

func staleChart(d *data, loc *time.Location) *chart {
	asOf := d.AsOf.In(loc)
	c := newChart("stale-datasets", "Datasets longest without an update",
		fmt.Sprintf("Up to %d of the department's datasets, the least recently updated first (metadata dataset), in days before %s.", staleCount, asOf.Format("Jan 2, 2006")),
		"Days since the last data update (as of "+asOf.Format("Jan 2, 2006")+")", "Dataset")
	sourceNotes(c, d, secStale)
	var cats []string
	var days []float64
	c.Table.Head = []string{"Dataset", "ID", "Last data update (America/Chicago)", "Days"}
	for _, s := range d.Stale {
		name := cmp.Or(s.Name, s.ID)
		cats = append(cats, name)
		v := math.NaN()
		updated := "never"
		if !s.Updated.IsZero() {
			v = math.Max(0, math.Floor(asOf.Sub(s.Updated).Hours()/24))
			updated = s.Updated.In(loc).Format(timeLayout)
		} else {
			c.Notes = append(c.Notes, name+" ("+s.ID+") has no data update on record.")
		}
		days = append(days, v)
		c.Table.Rows = append(c.Table.Rows, []string{name, s.ID, updated, formatValue(v)})
	}
	return hbarChart(c, cats, days, staleCol, "Days since update")
}
