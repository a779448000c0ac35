package mstrtest

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// Attribute is one attribute of a [Grid] with the forms it shows.
type Attribute struct {
	Name  string
	ID    string // 32 hex; derived from the name when empty
	Forms []string
}

// Grid is a report result written as a plain table, from which [Grid.Page]
// builds v2 data responses the way the server does: element lists are
// local to each page and rows point into them by index.
type Grid struct {
	ReportID string
	Name     string
	// Attributes in grid order; Metrics are the metric names.
	Attributes []Attribute
	Metrics    []string
	// Rows hold, per row, one value per attribute form (in order) and then
	// one per metric; an empty metric value is null.
	Rows [][]string
}

// Page returns the v2 JSON response for rows [offset, offset+limit).
func (g Grid) Page(offset, limit int) ([]byte, error) {
	width := len(g.Metrics)
	for _, a := range g.Attributes {
		width += max(len(a.Forms), 1)
	}
	end := min(offset+limit, len(g.Rows))
	offset = min(max(offset, 0), len(g.Rows))
	type element struct {
		FormValues []string `json:"formValues"`
		ID         string   `json:"id"`
	}
	type form struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	type unit struct {
		Name     string    `json:"name"`
		ID       string    `json:"id"`
		Type     string    `json:"type"`
		Forms    []form    `json:"forms,omitempty"`
		Elements []element `json:"elements"`
	}
	units := make([]unit, len(g.Attributes))
	index := make([]map[string]int, len(g.Attributes))
	for i, a := range g.Attributes {
		units[i] = unit{Name: a.Name, ID: hexID(a.ID, a.Name), Type: "attribute", Elements: []element{}}
		for _, f := range a.Forms {
			units[i].Forms = append(units[i].Forms, form{ID: hexID("", a.Name+"@"+f), Name: f})
		}
		index[i] = map[string]int{}
	}
	var headers [][]int
	raw := [][]any{}
	for r := offset; r < end; r++ {
		row := g.Rows[r]
		if len(row) != width {
			return nil, fmt.Errorf("row %d has %d values, want %d", r, len(row), width)
		}
		col := 0
		hdr := make([]int, len(g.Attributes))
		for i, a := range g.Attributes {
			n := max(len(a.Forms), 1)
			vals := row[col : col+n]
			col += n
			key := fmt.Sprint(vals)
			idx, ok := index[i][key]
			if !ok {
				idx = len(units[i].Elements)
				index[i][key] = idx
				units[i].Elements = append(units[i].Elements, element{FormValues: append([]string(nil), vals...),
					ID: "h" + vals[0] + ";" + units[i].ID})
			}
			hdr[i] = idx
		}
		headers = append(headers, hdr)
		mv := make([]any, 0, len(g.Metrics))
		for m := range g.Metrics {
			s := row[col+m]
			if s == "" {
				mv = append(mv, nil)
				continue
			}
			f, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return nil, fmt.Errorf("row %d metric %q: %w", r, g.Metrics[m], err)
			}
			mv = append(mv, f)
		}
		raw = append(raw, mv)
	}
	if headers == nil {
		headers = [][]int{}
	}
	metrics := unit{Name: "Metrics", ID: "00000000000000000000000000000000", Type: "templateMetrics", Elements: nil}
	type metricEl struct {
		Name string `json:"name"`
		ID   string `json:"id"`
		Type string `json:"type"`
	}
	var mels []metricEl
	for _, m := range g.Metrics {
		mels = append(mels, metricEl{Name: m, ID: hexID("", "metric "+m), Type: "metric"})
	}
	colIdx := make([]int, len(g.Metrics))
	for i := range colIdx {
		colIdx[i] = i
	}
	resp := map[string]any{
		"id": g.ReportID, "name": g.Name, "instanceId": "", "status": 1,
		"definition": map[string]any{"grid": map[string]any{
			"crossTab":        false,
			"metricsPosition": map[string]any{"axis": "columns", "index": 0},
			"rows":            units,
			"columns": []any{map[string]any{"name": metrics.Name, "id": metrics.ID, "type": metrics.Type,
				"elements": mels}},
			"pageBy": []any{}, "sorting": map[string]any{}, "thresholds": []any{},
		}},
		"data": map[string]any{
			"currentPageBy": []any{},
			"paging":        map[string]any{"total": len(g.Rows), "current": end - offset, "offset": offset, "limit": limit},
			"headers":       map[string]any{"rows": headers, "columns": [][]int{colIdx}},
			"metricValues":  map[string]any{"raw": raw},
		},
	}
	return json.Marshal(resp)
}

// GridPages serves the grid that grid returns for the answers received.
func GridPages(grid func(a Answers) (Grid, error)) PageFunc {
	return func(a Answers, offset, limit int) ([]byte, error) {
		g, err := grid(a)
		if err != nil {
			return nil, err
		}
		return g.Page(offset, limit)
	}
}

// hexID returns id, or a stable 32-hex id derived from name.
func hexID(id, name string) string {
	if id != "" {
		return id
	}
	var h uint64 = 14695981039346656037
	for i := 0; i < len(name); i++ {
		h ^= uint64(name[i])
		h *= 1099511628211
	}
	return fmt.Sprintf("%016X%016X", h, h^0x9E3779B97F4A7C15)
}
