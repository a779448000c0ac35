package mstrtest_test

import (
	"slices"
	"testing"

	"github.com/cityofaustin/atd-executive-dashboard/mstr"
	"github.com/cityofaustin/atd-executive-dashboard/mstr/mstrtest"
)

// Pages built from a Grid use page-local element lists; flattening each
// page and concatenating must give back the grid's rows.
func TestGridPagesRoundTrip(t *testing.T) {
	t.Parallel()
	g := mstrtest.Grid{
		Attributes: []mstrtest.Attribute{{Name: "Fund", Forms: []string{"Code", "Long Name"}}, {Name: "Unit", Forms: []string{"Unit Code"}}},
		Metrics:    []string{"Budget", "Spent"},
		Rows: [][]string{
			{"8400", "Mobility", "2417", "10", "1.5"},
			{"8400", "Mobility", "2418", "", "2"},
			{"5020", "Transport", "2417", "3", "4"},
			{"5020", "Transport", "2419", "7", ""},
			{"1000", "General", "2417", "0.25", "-1"},
		},
	}
	for _, limit := range []int{1, 2, 3, 5, 10} {
		var got [][]string
		for offset := 0; offset < len(g.Rows); offset += limit {
			b, err := g.Page(offset, limit)
			if err != nil {
				t.Fatal(err)
			}
			p, err := mstr.ParsePage(b)
			if err != nil {
				t.Fatal(err)
			}
			if want := []string{"Fund@Code", "Fund@Long Name", "Unit", "Budget", "Spent"}; !slices.Equal(p.Columns, want) {
				t.Fatalf("columns = %q", p.Columns)
			}
			for _, r := range p.Rows {
				got = append(got, r.Strings())
			}
		}
		if !slices.EqualFunc(got, g.Rows, slices.Equal) {
			t.Errorf("limit %d: rows = %q, want %q", limit, got, g.Rows)
		}
	}
}
