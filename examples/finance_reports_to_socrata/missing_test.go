package main

import (
	"strings"
	"testing"

	"github.com/cityofaustin/atd-executive-dashboard/internal/jobkit"
)

// TestMissingMonthFails: September 2024 selects August and September; no
// report file covers September, so the run exits 1 naming the month and
// each report, unless --allow-missing, which publishes August.
func TestMissingMonthFails(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		code    int
		upserts int // expense rows upserted
	}{
		{name: "missing month fails", args: []string{"--year", "2024", "--month", "9"}, code: 1, upserts: 6},
		{name: "--allow-missing accepts it", args: []string{"--year", "2024", "--month", "9", "--allow-missing"}, code: 0, upserts: 6},
		{name: "a year with no file at all fails", args: []string{"--year", "2023", "--month", "3"}, code: 1, upserts: 0},
		{name: "an implausible year is a usage error", args: []string{"--year", "224"}, code: 2, upserts: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			logs, err := f.run(t, tt.args...)
			if code := jobkit.ExitCode(err); code != tt.code {
				t.Fatalf("exit %d (%v), want %d\n%s", code, err, tt.code, logs)
			}
			if tt.code == 1 {
				for _, w := range []string{"expenses: no report file under expenses/ for", "revenue: no report file under revenue/ for", "2024-09", "--allow-missing"} {
					if w == "2024-09" && strings.Contains(tt.name, "no file at all") {
						w = "2023-02, 2023-03"
					}
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q lacks %q", err, w)
					}
				}
			}
			if got := len(f.soc.Upserts(expDataset)); got != tt.upserts {
				t.Fatalf("%d expense rows upserted, want %d", got, tt.upserts)
			}
		})
	}
}
