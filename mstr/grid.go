package mstr

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
)

// Kind tells what a [Cell] holds.
type Kind uint8

// Cell kinds.
const (
	KindText   Kind = iota // attribute form value (always text), or a text metric
	KindNumber             // metric value
	KindNull               // missing metric value (JSON null)
)

// Cell is one value of a flattened row.
type Cell struct {
	Kind   Kind
	Text   string  // KindText
	Number float64 // KindNumber
}

// String renders the cell as it goes into CSV: text as is, numbers with
// [strconv.FormatFloat](v, 'f', -1, 64) (shortest exact decimal, no
// exponent: 72959, 0.2, 60255.7342000001), null as the empty string.
func (c Cell) String() string {
	switch c.Kind {
	case KindNumber:
		return strconv.FormatFloat(c.Number, 'f', -1, 64)
	case KindNull:
		return ""
	}
	return c.Text
}

// Row is one flattened report row, in [Table] column order.
type Row []Cell

// Strings renders every cell with [Cell.String].
func (r Row) Strings() []string {
	out := make([]string, len(r))
	for i, c := range r {
		out[i] = c.String()
	}
	return out
}

// Page is one decoded v2 report data response, flattened.
type Page struct {
	Status  Status   // 2 when the instance still waits for prompt answers (then nothing else is set)
	Columns []string // column names (see the package doc, "Column naming")
	Rows    []Row
	Total   int // rows in the whole result (paging.total)
	Offset  int // offset of this page (paging.offset)
}

// ParsePage decodes and flattens one v2 report data response (the body of
// POST /api/v2/reports/{id}/instances or GET
// /api/v2/reports/{id}/instances/{instanceId}). Header indexes are resolved
// against the element lists of this same response. Errors wrap
// [ErrBadPage]; malformed input never panics.
func ParsePage(data []byte) (*Page, error) {
	rp, err := decodePage(data, 0)
	if err != nil {
		return nil, err
	}
	if rp.Status == int(StatusPrompted) {
		return &Page{Status: StatusPrompted}, nil
	}
	lay, err := newLayout(rp, 0)
	if err != nil {
		return nil, err
	}
	rows, err := lay.flatten(rp, 0)
	if err != nil {
		return nil, err
	}
	return &Page{Status: Status(rp.Status), Columns: lay.columns, Rows: rows,
		Total: rp.Data.Paging.Total, Offset: rp.Data.Paging.Offset}, nil
}

type rawPage struct {
	Status     int    `json:"status"`
	InstanceID string `json:"instanceId"`
	Definition *struct {
		Grid rawGrid `json:"grid"`
	} `json:"definition"`
	Data *rawData `json:"data"`
}

type rawGrid struct {
	CrossTab        bool `json:"crossTab"`
	MetricsPosition *struct {
		Axis string `json:"axis"`
	} `json:"metricsPosition"`
	Rows    []rawUnit `json:"rows"`
	Columns []rawUnit `json:"columns"`
}

type rawUnit struct {
	Name  string `json:"name"`
	ID    string `json:"id"`
	Type  string `json:"type"`
	Forms []struct {
		Name string `json:"name"`
	} `json:"forms"`
	Elements []rawElement `json:"elements"`
}

type rawElement struct {
	Name       string   `json:"name"`
	FormValues []string `json:"formValues"`
	Subtotal   bool     `json:"subtotal"`
}

type rawData struct {
	Paging struct {
		Total   int `json:"total"`
		Current int `json:"current"`
		Offset  int `json:"offset"`
	} `json:"paging"`
	Headers struct {
		Rows    [][]int `json:"rows"`
		Columns [][]int `json:"columns"`
	} `json:"headers"`
	MetricValues struct {
		Raw [][]json.RawMessage `json:"raw"`
	} `json:"metricValues"`
}

func decodePage(data []byte, offset int) (*rawPage, error) {
	var rp rawPage
	if err := json.Unmarshal(data, &rp); err != nil {
		return nil, &PageError{Offset: offset, Reason: "decoding JSON", Err: err}
	}
	if rp.Status == int(StatusPrompted) {
		return &rp, nil
	}
	if rp.Definition == nil {
		return nil, &PageError{Offset: offset, Reason: "no definition.grid in the response"}
	}
	if rp.Data == nil {
		return nil, &PageError{Offset: offset, Reason: "no data in the response"}
	}
	return &rp, nil
}

// layout is the column structure of a result, fixed by its first page.
type layout struct {
	metricsOnRows bool
	attrs         []attrLayout
	metrics       []string
	columns       []string
}

type attrLayout struct {
	name  string
	forms []string
}

func (a attrLayout) equal(b attrLayout) bool {
	return a.name == b.name && slices.Equal(a.forms, b.forms)
}

func newLayout(rp *rawPage, offset int) (*layout, error) {
	g := rp.Definition.Grid
	if g.CrossTab {
		return nil, &PageError{Offset: offset, Reason: "cross-tab grids (attributes on both axes) are not supported"}
	}
	lay := &layout{}
	attrUnits, metricUnits := g.Rows, g.Columns
	if g.MetricsPosition != nil && g.MetricsPosition.Axis == "rows" {
		lay.metricsOnRows = true
		attrUnits, metricUnits = g.Columns, g.Rows
	}
	if len(metricUnits) > 1 {
		return nil, &PageError{Offset: offset, Reason: "attributes on the metrics axis are not supported"}
	}
	for _, u := range attrUnits {
		if u.Type == "templateMetrics" {
			return nil, &PageError{Offset: offset, Reason: "metrics on the attribute axis are not supported"}
		}
		a := attrLayout{name: u.Name}
		for _, f := range u.Forms {
			a.forms = append(a.forms, f.Name)
		}
		if len(a.forms) == 0 {
			a.forms = []string{u.Name}
		}
		lay.attrs = append(lay.attrs, a)
		if len(a.forms) == 1 {
			lay.columns = append(lay.columns, a.name)
		} else {
			for _, f := range a.forms {
				lay.columns = append(lay.columns, a.name+"@"+f)
			}
		}
	}
	if len(metricUnits) == 1 {
		for _, m := range metricUnits[0].Elements {
			lay.metrics = append(lay.metrics, m.Name)
		}
	}
	lay.columns = append(lay.columns, lay.metrics...)
	return lay, nil
}

// sameAs reports whether a later page has the layout of the first.
func (l *layout) sameAs(o *layout) bool {
	return l.metricsOnRows == o.metricsOnRows &&
		slices.EqualFunc(l.attrs, o.attrs, attrLayout.equal) &&
		slices.Equal(l.metrics, o.metrics)
}

// flatten turns one page into rows, resolving header indexes against this
// page's element lists.
func (l *layout) flatten(rp *rawPage, offset int) ([]Row, error) {
	g := rp.Definition.Grid
	attrUnits := g.Rows
	hdr := rp.Data.Headers.Rows
	raw := rp.Data.MetricValues.Raw
	if l.metricsOnRows {
		attrUnits = g.Columns
		hdr = transpose(rp.Data.Headers.Columns)
		raw = transpose(raw)
	}
	if len(attrUnits) != len(l.attrs) {
		return nil, &PageError{Offset: offset, Reason: "attribute count differs from the grid definition"}
	}
	n := len(hdr)
	if len(l.attrs) == 0 {
		n = len(raw)
	}
	if len(l.metrics) > 0 && len(raw) != n {
		return nil, &PageError{Offset: offset, Reason: fmt.Sprintf("%d header rows but %d metric rows", n, len(raw))}
	}
	rows := make([]Row, 0, n)
	width := len(l.columns)
	for r := range n {
		row := make(Row, 0, width)
		if len(l.attrs) > 0 {
			if len(hdr[r]) != len(l.attrs) {
				return nil, &PageError{Offset: offset, Reason: fmt.Sprintf("row %d: %d header indexes for %d attributes", r, len(hdr[r]), len(l.attrs))}
			}
			for a, idx := range hdr[r] {
				els := attrUnits[a].Elements
				if idx < 0 || idx >= len(els) {
					return nil, &PageError{Offset: offset, Reason: fmt.Sprintf("row %d: element index %d out of range for attribute %q (%d elements)", r, idx, l.attrs[a].name, len(els))}
				}
				fv := els[idx].FormValues
				k := len(l.attrs[a].forms)
				for f := range k {
					v := ""
					switch {
					case f < len(fv):
						v = fv[f]
					case len(fv) > 0:
						v = fv[len(fv)-1] // subtotal element: its single value repeats
					}
					row = append(row, Cell{Kind: KindText, Text: v})
				}
			}
		}
		if len(l.metrics) > 0 {
			if len(raw[r]) != len(l.metrics) {
				return nil, &PageError{Offset: offset, Reason: fmt.Sprintf("row %d: %d metric values for %d metrics", r, len(raw[r]), len(l.metrics))}
			}
			for m, v := range raw[r] {
				c, err := metricCell(v)
				if err != nil {
					return nil, &PageError{Offset: offset, Reason: fmt.Sprintf("row %d, metric %q", r, l.metrics[m]), Err: err}
				}
				row = append(row, c)
			}
		}
		rows = append(rows, row)
	}
	return rows, nil
}

func metricCell(v json.RawMessage) (Cell, error) {
	v = bytes.TrimSpace(v)
	switch {
	case len(v) == 0 || string(v) == "null":
		return Cell{Kind: KindNull}, nil
	case v[0] == '"':
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return Cell{}, err
		}
		return Cell{Kind: KindText, Text: s}, nil
	case string(v) == "true" || string(v) == "false":
		return Cell{Kind: KindText, Text: string(v)}, nil
	}
	f, err := strconv.ParseFloat(string(v), 64)
	if err != nil {
		return Cell{}, fmt.Errorf("not a number: %.40q", v)
	}
	return Cell{Kind: KindNumber, Number: f}, nil
}

func transpose[T any](m [][]T) [][]T {
	if len(m) == 0 {
		return nil
	}
	w := len(m[0])
	for _, r := range m {
		w = min(w, len(r))
	}
	out := make([][]T, w)
	for j := range w {
		out[j] = make([]T, len(m))
		for i := range m {
			out[j][i] = m[i][j]
		}
	}
	return out
}
