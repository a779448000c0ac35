package main

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The charts are SVG written here and rendered by html/template: a linear
// scale, "nice" ticks and a few element lists are all a line chart and a
// bar chart need, and every element carries the data-* attributes and the
// <title> that make its number readable as text (screen readers, tests).

// Plot geometry, in SVG user units.
const (
	chartW  = 660
	chartH  = 300
	marginL = 72
	marginR = 28
	marginT = 20
	marginB = 56
)

// An axis label's width: an 11px DejaVu Sans character, generously, and
// the room between two labels.
const (
	labelCharW = 6.5
	labelPad   = 6
)

// denseSpacing is the least room, in SVG units, between the points of a
// line chart drawn as dots; closer points are drawn small.
const denseSpacing = 10

// The colours of the warnings, as the page's CSS draws them.
const (
	zeroColor = "#c0392b"
	gapColor  = "#fadbd8"
)

// chart is what the template draws for one figure.
type chart struct {
	ID     string // data-chart, the figure's id
	Title  string
	Desc   string // one sentence under the title
	XLabel string
	YLabel string
	W, H   int
	// Plot area.
	X0, X1, Y0, Y1 float64

	XTicks, YTicks []tick
	Lines          []line
	Points         []point
	Bars           []bar
	Gaps           []gap
	Legend         []legendItem
	Notes          []string // warnings: zero counts, missing weeks, no data
	Empty          string   // when set, the chart has no data and says why
	Table          table
	// MarkZeros marks and notes zero values of a line chart (counts that
	// are never zero when a run went well).
	MarkZeros bool
	// Dense: a line chart with too many points for dots; they are drawn
	// small and plain, so that the line shows.
	Dense bool
	// Horizontal bar charts put their category labels left of the bars.
	CategoryLabels []tick
}

type tick struct {
	Pos   float64
	Label string
}

type line struct {
	Series string
	Color  string
	D      string // path data; a gap starts a new subpath
}

// point is a data point of a line chart. Zero marks a zero count.
type point struct {
	X, Y   float64
	Series string
	Color  string
	XValue string // the point's date, as data-x
	Value  string
	Title  string
	Zero   bool
}

type bar struct {
	X, Y, W, H float64
	Series     string
	Color      string
	Category   string
	Value      string
	Title      string
}

// gap is a stretch of the x axis with no record (a missing week).
type gap struct {
	X, W  float64
	Key   string // data-gap: the missing week
	Label string
}

type legendItem struct {
	Name, Color string
	Dash        bool
}

type table struct {
	Caption string
	Head    []string
	Rows    [][]string
}

// linear maps [d0, d1] onto [r0, r1].
type linear struct{ d0, d1, r0, r1 float64 }

func (s linear) at(v float64) float64 {
	if s.d1 == s.d0 {
		return (s.r0 + s.r1) / 2
	}
	return s.r0 + (v-s.d0)/(s.d1-s.d0)*(s.r1-s.r0)
}

// niceTicks returns about n round values from 0 (or lo, when negative) to
// at least hi: steps of 1, 2 or 5 times a power of ten.
func niceTicks(lo, hi float64, n int) []float64 {
	lo = math.Min(lo, 0)
	if hi <= lo {
		hi = lo + 1
	}
	raw := (hi - lo) / float64(max(n, 1))
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	if step < 1 && hi >= 1 {
		step = 1 // counts: no fractional ticks
	}
	decimals := max(0, int(-math.Floor(math.Log10(step))))
	var out []float64
	for k := math.Floor(lo / step); ; k++ {
		v, _ := strconv.ParseFloat(strconv.FormatFloat(k*step, 'f', decimals, 64), 64)
		out = append(out, v)
		if v >= hi || len(out) > 100 {
			break
		}
	}
	return out
}

// timeTicks returns tick times between t0 and t1 (wall times in their
// location): days, weeks, months or quarters, whichever gives at most
// about max ticks, with the label layout for them.
func timeTicks(t0, t1 time.Time, maxTicks int) ([]time.Time, string) {
	span := t1.Sub(t0)
	type unit struct {
		months, days int
		layout       string
	}
	units := []unit{
		{0, 1, "Jan 2"}, {0, 7, "Jan 2"}, {0, 14, "Jan 2"},
		{1, 0, "Jan 2006"}, {3, 0, "Jan 2006"}, {6, 0, "Jan 2006"}, {12, 0, "2006"},
	}
	for _, u := range units {
		approx := time.Duration(u.months)*30*24*time.Hour + time.Duration(u.days)*24*time.Hour
		if span/approx > time.Duration(maxTicks) {
			continue
		}
		loc := t0.Location()
		var t time.Time
		if u.months > 0 {
			t = time.Date(t0.Year(), t0.Month(), 1, 0, 0, 0, 0, loc)
			for (int(t.Month())-1)%u.months != 0 {
				t = t.AddDate(0, 1, 0)
			}
		} else {
			t = time.Date(t0.Year(), t0.Month(), t0.Day(), 0, 0, 0, 0, loc)
		}
		var out []time.Time
		for ; !t.After(t1); t = t.AddDate(0, u.months, u.days) {
			if !t.Before(t0) {
				out = append(out, t)
			}
		}
		return out, u.layout
	}
	return []time.Time{t0, t1}, "2006"
}

// tickLabels formats tick times with layout, adding the year to the first
// tick and to the first tick of each new year when layout has none.
func tickLabels(ts []time.Time, layout string) []string {
	var out []string
	for i, t := range ts {
		l := t.Format(layout)
		if !strings.Contains(layout, "2006") && (i == 0 || t.Year() != ts[i-1].Year()) {
			l = t.Format(layout + " 2006")
		}
		out = append(out, l)
	}
	return out
}

// yAxis builds the value scale and ticks of a plot whose values lie in
// [lo, hi] (NaN values ignored by the caller); the axis always holds 0.
func yAxis(c *chart, lo, hi float64) linear {
	ticks := niceTicks(lo, hi, 5)
	top := ticks[len(ticks)-1]
	y := linear{d0: ticks[0], d1: top, r0: c.Y1, r1: c.Y0}
	for _, v := range ticks {
		c.YTicks = append(c.YTicks, tick{Pos: y.at(v), Label: formatNumber(v)})
	}
	return y
}

func newChart(id, title, desc, xLabel, yLabel string) *chart {
	return &chart{
		ID: id, Title: title, Desc: desc, XLabel: xLabel, YLabel: yLabel,
		W: chartW, H: chartH,
		X0: marginL, X1: chartW - marginR, Y0: marginT, Y1: chartH - marginB,
	}
}

// series is one line of a line chart: values at the chart's x times, NaN
// where there is no value (the line breaks there).
type series struct {
	Name, Color string
	Values      []float64
}

// lineChart draws series over times xs (sorted wall times in one
// location). Missing values break the line. A zero value is drawn as a
// marked point and noted: a zero in a count that is never zero in practice
// is how a failed run shows. missing, when not nil, marks the xs that have
// no record at all (a missing week): they are drawn as a shaded, labelled
// band. xFormat formats a point's time for its title.
func lineChart(c *chart, xs []time.Time, ss []series, missing []bool, xFormat string) *chart {
	if len(xs) == 0 {
		c.Empty = cmp.Or(c.Empty, "no records")
		return c
	}
	t0, t1 := xs[0], xs[len(xs)-1]
	pad := time.Duration(0)
	if t0.Equal(t1) {
		pad = 24 * time.Hour // one record: a day either side
	}
	x := linear{d0: float64(t0.Add(-pad).Unix()), d1: float64(t1.Add(pad).Unix()), r0: c.X0 + 8, r1: c.X1 - 8}
	ticks, layout := timeTicks(t0.Add(-pad), t1.Add(pad), 7)
	for i, l := range tickLabels(ticks, layout) {
		c.XTicks = append(c.XTicks, tick{Pos: x.at(float64(ticks[i].Unix())), Label: l})
	}
	lo, hi := 0.0, 0.0
	for _, s := range ss {
		for _, v := range s.Values {
			if !math.IsNaN(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	y := yAxis(c, lo, hi)
	c.Dense = float64(len(xs)) > (c.X1-c.X0)/denseSpacing
	for i, m := range missing {
		if !m {
			continue
		}
		at := x.at(float64(xs[i].Unix()))
		half := (c.X1 - c.X0) / 2
		if i > 0 {
			half = min(half, (at-x.at(float64(xs[i-1].Unix())))/2)
		}
		if i+1 < len(xs) {
			half = min(half, (x.at(float64(xs[i+1].Unix()))-at)/2)
		}
		when := xs[i].Format(xFormat)
		c.Gaps = append(c.Gaps, gap{X: at - half, W: 2 * half, Key: xs[i].Format("2006-01-02"), Label: "no row"})
		c.Notes = append(c.Notes, fmt.Sprintf("No row for the week ending %s: the weekly summary skipped it.", when))
	}
	for _, s := range ss {
		c.Legend = append(c.Legend, legendItem{Name: s.Name, Color: s.Color})
		var d strings.Builder
		pen := false
		for i, v := range s.Values {
			if math.IsNaN(v) {
				pen = false
				continue
			}
			px, py := x.at(float64(xs[i].Unix())), y.at(v)
			if pen {
				fmt.Fprintf(&d, " L%.1f,%.1f", px, py)
			} else {
				fmt.Fprintf(&d, " M%.1f,%.1f", px, py)
				pen = true
			}
			when := xs[i].Format(xFormat)
			p := point{X: px, Y: py, Series: s.Name, Color: s.Color, XValue: xs[i].Format(floatingLayout),
				Value: formatNumber(v), Title: fmt.Sprintf("%s, %s: %s", s.Name, when, formatNumber(v)), Zero: c.MarkZeros && v == 0}
			if p.Zero {
				p.Title += " (zero: check the run)"
				c.Notes = append(c.Notes, fmt.Sprintf("%s is 0 on %s: a zero count usually means a failed or partial run.", s.Name, when))
			}
			c.Points = append(c.Points, p)
		}
		c.Lines = append(c.Lines, line{Series: s.Name, Color: s.Color, D: strings.TrimSpace(d.String())})
	}
	if slices.ContainsFunc(c.Points, func(p point) bool { return p.Zero }) {
		c.Legend = append(c.Legend, legendItem{Name: "ringed: a zero count", Color: zeroColor})
	}
	if len(c.Gaps) > 0 {
		c.Legend = append(c.Legend, legendItem{Name: "shaded: a week without a row", Color: gapColor})
	}
	c.Table.Head = append([]string{c.XLabel}, names(ss)...)
	for i, t := range xs {
		row := []string{t.Format(xFormat)}
		for _, s := range ss {
			if i < len(missing) && missing[i] {
				row = append(row, "no row")
				continue
			}
			row = append(row, formatValue(s.Values[i]))
		}
		c.Table.Rows = append(c.Table.Rows, row)
	}
	return c
}

func names(ss []series) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Name)
	}
	return out
}

// barChart draws one bar per series in each category, side by side or
// stacked.
func barChart(c *chart, categories []string, ss []series, stacked bool) *chart {
	if len(categories) == 0 {
		c.Empty = cmp.Or(c.Empty, "no records")
		return c
	}
	lo, hi := 0.0, 0.0
	for i := range categories {
		up, down := 0.0, 0.0
		for _, s := range ss {
			v := s.Values[i]
			if math.IsNaN(v) {
				continue
			}
			switch {
			case !stacked:
				up, down = math.Max(up, v), math.Min(down, v)
			case v >= 0:
				up += v
			default:
				down += v
			}
		}
		lo, hi = math.Min(lo, down), math.Max(hi, up)
	}
	y := yAxis(c, lo, hi)
	band := (c.X1 - c.X0) / float64(len(categories))
	inner := band * 0.7
	bw := inner
	if !stacked {
		bw = inner / float64(max(len(ss), 1))
	}
	// Label every step-th category, so that labels keep apart (24 months
	// of 3-1-1 requests, years of finance months); each bar keeps its
	// <title> and its table row.
	widest := 0
	for _, cat := range categories {
		widest = max(widest, len([]rune(cat)))
	}
	step := max(1, int(math.Ceil((labelCharW*float64(widest)+labelPad)/band)))
	for _, months := range []int{1, 2, 3, 4, 6, 12} { // categories are months: round steps
		if step <= months {
			step = months
			break
		}
	}
	if step > 12 {
		step = (step + 11) / 12 * 12
	}
	for i, cat := range categories {
		left := c.X0 + float64(i)*band + (band-inner)/2
		if i%step == 0 {
			c.XTicks = append(c.XTicks, tick{Pos: c.X0 + (float64(i)+0.5)*band, Label: cat})
		}
		base, negBase := 0.0, 0.0
		for j, s := range ss {
			v := s.Values[i]
			if math.IsNaN(v) {
				continue
			}
			b := bar{Series: s.Name, Color: s.Color, Category: cat, Value: formatNumber(v),
				Title: fmt.Sprintf("%s, %s: %s", s.Name, cat, formatNumber(v))}
			if stacked {
				b.X, b.W = left, bw
				if v < 0 {
					b.Y, b.H = y.at(negBase), y.at(negBase+v)-y.at(negBase)
					negBase += v
				} else {
					b.Y, b.H = y.at(base+v), y.at(base)-y.at(base+v)
					base += v
				}
			} else {
				b.X, b.W = left+float64(j)*bw, bw*0.92
				b.Y, b.H = y.at(math.Max(v, 0)), math.Abs(y.at(0)-y.at(v))
			}
			c.Bars = append(c.Bars, b)
		}
	}
	for _, s := range ss {
		c.Legend = append(c.Legend, legendItem{Name: s.Name, Color: s.Color})
	}
	c.Table.Head = append([]string{c.XLabel}, names(ss)...)
	for i, cat := range categories {
		row := []string{cat}
		for _, s := range ss {
			row = append(row, formatValue(s.Values[i]))
		}
		c.Table.Rows = append(c.Table.Rows, row)
	}
	return c
}

// hbarChart draws one horizontal bar per category, the value on the x
// axis; labels are the category names left of the plot.
func hbarChart(c *chart, categories []string, values []float64, color, seriesName string) *chart {
	if len(categories) == 0 {
		c.Empty = cmp.Or(c.Empty, "no records")
		return c
	}
	c.X0 = 260
	hi := 0.0
	for _, v := range values {
		if !math.IsNaN(v) {
			hi = math.Max(hi, v)
		}
	}
	ticks := niceTicks(0, hi, 6)
	x := linear{d0: 0, d1: ticks[len(ticks)-1], r0: c.X0, r1: c.X1}
	for _, v := range ticks {
		c.XTicks = append(c.XTicks, tick{Pos: x.at(v), Label: formatNumber(v)})
	}
	band := (c.Y1 - c.Y0) / float64(len(categories))
	for i, cat := range categories {
		mid := c.Y0 + (float64(i)+0.5)*band
		c.CategoryLabels = append(c.CategoryLabels, tick{Pos: mid, Label: truncate(cat, 38)})
		v := values[i]
		if math.IsNaN(v) {
			continue
		}
		c.Bars = append(c.Bars, bar{X: c.X0, Y: mid - band*0.35, W: x.at(v) - c.X0, H: band * 0.7,
			Series: seriesName, Color: color, Category: cat, Value: formatNumber(v),
			Title: fmt.Sprintf("%s: %s", cat, formatNumber(v))})
	}
	c.Legend = append(c.Legend, legendItem{Name: seriesName, Color: color})
	return c
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// formatNumber writes v with thousands separators and at most two
// decimals.
func formatNumber(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	neg := v < 0
	v = math.Abs(v)
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if v != math.Trunc(v) {
		s = strconv.FormatFloat(v, 'f', 2, 64)
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if frac != "" {
		b.WriteString("." + frac)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// formatValue is formatNumber with "no value" spelled out for tables.
func formatValue(v float64) string {
	if math.IsNaN(v) {
		return "no value"
	}
	return formatNumber(v)
}
