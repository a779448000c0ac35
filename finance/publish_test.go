package finance_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/cityofaustin/atd-executive-dashboard/finance"
	"github.com/cityofaustin/atd-executive-dashboard/internal/jobkit"
	"github.com/cityofaustin/atd-executive-dashboard/internal/objstore"
)

func putAll(t *testing.T, store objstore.Store, files map[string]string) {
	t.Helper()
	for k, v := range files {
		if err := store.Put(t.Context(), k, strings.NewReader(v)); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSelect(t *testing.T) {
	t.Parallel()
	csv := string(mustRead(t, "expenses_2024-08-31_2400.csv"))
	store := objstore.NewDir(t.TempDir())
	putAll(t, store, map[string]string{
		"expenses/2024-06-30_2400.csv":         csv,
		"expenses/2024-07-31_2400.csv":         csv,
		"expenses/2024-08-31_2400.csv":         csv,
		"expenses/2024-08-31_6200.csv":         csv,
		"expenses/2024-08-31_2400 (copy).csv":  csv,
		"expenses/archive/2024-08-31_2400.csv": csv,
		"expenses/notes.txt":                   "x",
		"revenue/2024-08-31_2400.csv":          "y",
	})
	tests := []struct {
		name    string
		all     bool
		want    []string
		ignored int
	}{
		{"month and the one before", false, []string{"expenses/2024-07-31_2400.csv", "expenses/2024-08-31_2400.csv", "expenses/2024-08-31_6200.csv"}, 1},
		{"replace takes every file", true, []string{"expenses/2024-06-30_2400.csv", "expenses/2024-07-31_2400.csv", "expenses/2024-08-31_2400.csv", "expenses/2024-08-31_6200.csv"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sel, err := finance.Select(t.Context(), jobkit.Opener{Store: store}, finance.Expenses(), finance.Month{Year: 2024, Month: 8}, tt.all, nil)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, k := range sel.Keys {
				got = append(got, k.String())
			}
			if !slices.Equal(got, tt.want) || sel.Ignored != tt.ignored {
				t.Errorf("selected %q (ignored %d), want %q (%d)", got, sel.Ignored, tt.want, tt.ignored)
			}
			wantSkipped := []string{"expenses/2024-08-31_2400 (copy).csv", "expenses/archive/2024-08-31_2400.csv", "expenses/notes.txt"}
			if !slices.Equal(sel.Skipped, wantSkipped) {
				t.Errorf("skipped %q, want %q", sel.Skipped, wantSkipped)
			}
			n := 0
			files := map[string]int{}
			for row, err := range sel.Rows(t.Context(), jobkit.Opener{Store: store}, func(key string, rows int) { files[key] = rows }) {
				if err != nil {
					t.Fatal(err)
				}
				if row["department"] == nil || row["row_identifier"] == "" {
					t.Errorf("row = %v", row)
				}
				n++
			}
			if n != 3*len(tt.want) || len(files) != len(tt.want) {
				t.Errorf("rows = %d from %v", n, files)
			}
		})
	}
}

func TestSelectionRowsStopsAtBadFile(t *testing.T) {
	t.Parallel()
	store := objstore.NewDir(t.TempDir())
	putAll(t, store, map[string]string{
		"expenses/2024-08-31_2400.csv": string(mustRead(t, "expenses_2024-08-31_2400.csv")),
		"expenses/2024-08-31_6200.csv": "Fund@Code,Unit@Unit Code\n1,2\n", // no Object Code@Code
	})
	sel, err := finance.Select(t.Context(), jobkit.Opener{Store: store}, finance.Expenses(), finance.Month{Year: 2024, Month: 8}, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	var last error
	for _, err := range sel.Rows(t.Context(), jobkit.Opener{Store: store}, nil) {
		if err != nil {
			last = err
			continue
		}
		n++
	}
	var fe *finance.FileError
	if !errors.As(last, &fe) || fe.Key != "expenses/2024-08-31_6200.csv" {
		t.Errorf("err = %v, want a FileError for the 6200 file", last)
	}
	if n != 3 {
		t.Errorf("rows before the error = %d, want 3", n)
	}
}

// TestSelectAcrossJanuary: January's run publishes December of the year
// before and January, nothing else.
func TestSelectAcrossJanuary(t *testing.T) {
	t.Parallel()
	store := objstore.NewDir(t.TempDir())
	putAll(t, store, map[string]string{
		"revenue/2023-11-30_6200.csv": "",
		"revenue/2023-12-31_6200.csv": "",
		"revenue/2024-01-31_6200.csv": "",
		"revenue/2024-02-29_6200.csv": "",
		"revenue/2022-12-31_6200.csv": "",
	})
	sel, err := finance.Select(t.Context(), jobkit.Opener{Store: store}, finance.Revenue(), finance.Month{Year: 2024, Month: 1}, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := sel.String(), "revenue/2023-12-31_6200.csv, revenue/2024-01-31_6200.csv"; got != want || sel.Ignored != 3 {
		t.Errorf("selected %s (ignored %d), want %s (3)", got, sel.Ignored, want)
	}
}
