package mstr_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/cityofaustin/atd-executive-dashboard/mstr"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// pageCSV flattens pages (in order) and renders them as the CSV the
// client writes.
func pageCSV(t *testing.T, pages ...[]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	for i, b := range pages {
		p, err := mstr.ParsePage(b)
		if err != nil {
			t.Fatalf("page %d: %v", i, err)
		}
		if i == 0 {
			_ = w.Write(p.Columns)
		}
		for _, r := range p.Rows {
			_ = w.Write(r.Strings())
		}
	}
	w.Flush()
	return buf.Bytes()
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := "testdata/" + name
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run go test -update after checking):\n%s", path, firstDiff(got, want))
	}
}

func firstDiff(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := range max(len(g), len(w)) {
		var a, b string
		if i < len(g) {
			a = g[i]
		}
		if i < len(w) {
			b = w[i]
		}
		if a != b {
			return fmt.Sprintf("line %d:\n got  %s\n want %s", i+1, a, b)
		}
	}
	return ""
}

// mutate decodes a fixture generically, lets edit change it and encodes it
// again.
func mutate(t *testing.T, b []byte, edit func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func path(m map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		m = m[k].(map[string]any)
	}
	return m
}

func rawRows(m map[string]any) []any { return path(m, "data", "metricValues")["raw"].([]any) }

// withNull replaces the first raw metric value of the first row by null.
func withNull(t *testing.T, b []byte) []byte {
	return mutate(t, b, func(m map[string]any) { rawRows(m)[0].([]any)[0] = nil })
}

func TestFlattenGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		golden string
		pages  []string
		mutate func(t *testing.T, b []byte) []byte
	}{
		{name: "iris single page", golden: "iris.golden", pages: []string{"report_instance.json"}},
		{name: "iris 70+80 pages equal the single page", golden: "iris.golden", pages: []string{"report_instance_id.json", "report_instance_id2.json"}},
		{name: "multi-form attribute, subtotals off", golden: "subtotals_off.golden", pages: []string{"subtotals_off.json"}},
		{name: "subtotal rows repeat Total", golden: "subtotals_on.golden", pages: []string{"subtotals_on.json"}},
		{name: "null metric cell is empty", golden: "null_cell.golden", pages: []string{"subtotals_off.json"}, mutate: withNull},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var pages [][]byte
			for _, p := range tt.pages {
				b := mustRead(t, p)
				if tt.mutate != nil {
					b = tt.mutate(t, b)
				}
				pages = append(pages, b)
			}
			checkGolden(t, tt.golden, pageCSV(t, pages...))
		})
	}
}

func TestFlattenColumns(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		want string
	}{
		{"report_instance.json", "Id,Species,PetalLengthCm,PetalWidthCm,PietalLengthCm,PietalWidthCm,SepalLengthCm,SepalWidthCm,SrepalLengthCm,SrepalWidthCm"},
		{"subtotals_off.json", "Quarter,Region,Employee@Last Name,Employee@First Name,Revenue,Cost,Profit"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			p, err := mstr.ParsePage(mustRead(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(p.Columns, ","); got != tt.want {
				t.Errorf("columns = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestNullCell(t *testing.T) {
	t.Parallel()
	p, err := mstr.ParsePage(withNull(t, mustRead(t, "subtotals_off.json")))
	if err != nil {
		t.Fatal(err)
	}
	c := p.Rows[0][4]
	if c.Kind != mstr.KindNull || c.String() != "" {
		t.Errorf("cell = %+v, want null rendered empty", c)
	}
	if p.Rows[0][5].Kind != mstr.KindNumber {
		t.Errorf("neighbour cell = %+v, want a number", p.Rows[0][5])
	}
}

func TestParsePageErrors(t *testing.T) {
	t.Parallel()
	good := mustRead(t, "subtotals_off.json")
	edit := func(f func(m map[string]any)) string { return string(mutate(t, good, f)) }
	tests := []struct {
		name string
		body string
	}{
		{"not JSON", "<html>rejected</html>"},
		{"truncated", string(good[:len(good)/2])},
		{"no definition", `{"status":1,"data":{}}`},
		{"no data", `{"status":1,"definition":{"grid":{"rows":[],"columns":[]}}}`},
		{"index out of range", edit(func(m map[string]any) {
			path(m, "data", "headers")["rows"].([]any)[0].([]any)[2] = 99
		})},
		{"negative index", edit(func(m map[string]any) {
			path(m, "data", "headers")["rows"].([]any)[0].([]any)[0] = -1
		})},
		{"header row too short", edit(func(m map[string]any) {
			path(m, "data", "headers")["rows"].([]any)[0] = []any{0}
		})},
		{"short metric row", edit(func(m map[string]any) { rawRows(m)[0] = []any{1.0} })},
		{"fewer metric rows than header rows", edit(func(m map[string]any) {
			mv := path(m, "data", "metricValues")
			mv["raw"] = rawRows(m)[1:]
		})},
		{"cross tab", edit(func(m map[string]any) { path(m, "definition", "grid")["crossTab"] = true })},
		{"metric not a number", edit(func(m map[string]any) { rawRows(m)[0].([]any)[0] = map[string]any{} })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.body == string(good) {
				t.Fatal("mutation did not apply")
			}
			_, err := mstr.ParsePage([]byte(tt.body))
			if !errors.Is(err, mstr.ErrBadPage) {
				t.Errorf("err = %v, want ErrBadPage", err)
			}
		})
	}
}

func TestParsePagePrompted(t *testing.T) {
	t.Parallel()
	p, err := mstr.ParsePage([]byte(`{"id":"R","name":"Expenses","instanceId":"I","status":2}`))
	if err != nil || p.Status != mstr.StatusPrompted {
		t.Errorf("ParsePage = %+v, %v; want status 2", p, err)
	}
}

func FuzzParsePage(f *testing.F) {
	f.Add(mustReadNoTB("subtotals_on.json"))
	f.Add([]byte(`{"status":1,"definition":{"grid":{"rows":[{"name":"A","forms":[{"name":"x"},{"name":"y"}],"elements":[{"formValues":["Total"],"subtotal":true}]}],"columns":[{"name":"Metrics","type":"templateMetrics","elements":[{"name":"M"}]}]}},"data":{"paging":{"total":1},"headers":{"rows":[[0]]},"metricValues":{"raw":[[null]]}}}`))
	f.Add([]byte(`{"status":1,"definition":{"grid":{"metricsPosition":{"axis":"rows"},"rows":[{"name":"Metrics","type":"templateMetrics","elements":[{"name":"M"},{"name":"N"}]}],"columns":[{"name":"A","elements":[{"formValues":["a"]},{"formValues":["b"]}]}]}},"data":{"headers":{"columns":[[0,1]]},"metricValues":{"raw":[[1,2],[3,4]]}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := mstr.ParsePage(data)
		if err != nil {
			if !errors.Is(err, mstr.ErrBadPage) {
				t.Fatalf("error does not wrap ErrBadPage: %v", err)
			}
			return
		}
		for i, r := range p.Rows {
			if len(r) != len(p.Columns) {
				t.Fatalf("row %d has %d cells for %d columns", i, len(r), len(p.Columns))
			}
		}
	})
}

func BenchmarkParsePage(b *testing.B) {
	data := mustReadNoTB("report_instance.json")
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := mstr.ParsePage(data); err != nil {
			b.Fatal(err)
		}
	}
}
