package amanda_test

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cityofaustin/atd-executive-dashboard/amanda"
)

func TestFormatValue(t *testing.T) {
	t.Parallel()
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Skip(err)
	}
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"null", nil, ""},
		{"oracle number string", "50500", "50500"},
		{"oracle decimal string", "0.25", "0.25"},
		{"int64", int64(-17), "-17"},
		{"whole float has no .0", float64(3), "3"},
		{"big float has no exponent", 1.5e21, "1500000000000000000000"},
		{"small float has no exponent", 1e-7, "0.0000001"},
		{"bytes", []byte("RW"), "RW"},
		{"bool", true, "true"},
		{"date", time.Date(2024, 3, 10, 2, 30, 0, 0, time.UTC), "2024-03-10 02:30:00"},
		{"timestamp drops fraction", time.Date(2024, 3, 10, 2, 30, 0, 999_999_999, time.UTC), "2024-03-10 02:30:00"},
		{"zone never converted", time.Date(2024, 11, 3, 1, 30, 0, 0, chicago), "2024-11-03 01:30:00"},
		{"other", struct{ A int }{1}, "{1}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := amanda.FormatValue(tt.in); got != tt.want {
				t.Errorf("FormatValue(%#v) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// FuzzFormatValue checks numbers print as Oracle NUMBER integers and
// decimals do: no exponent, no trailing ".0", and they read back exactly.
func FuzzFormatValue(f *testing.F) {
	f.Add(int64(0), 0.0)
	f.Add(int64(-1), 1e21)
	f.Add(int64(math.MaxInt64), -1e-9)
	f.Add(int64(math.MinInt64), 123.456)
	f.Fuzz(func(t *testing.T, i int64, x float64) {
		if got := amanda.FormatValue(i); got != strconv.FormatInt(i, 10) {
			t.Fatalf("FormatValue(%d) = %q", i, got)
		}
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return
		}
		s := amanda.FormatValue(x)
		if strings.ContainsAny(s, "eE+") || strings.HasSuffix(s, ".0") {
			t.Fatalf("FormatValue(%v) = %q has an exponent or a trailing .0", x, s)
		}
		back, err := strconv.ParseFloat(s, 64)
		if err != nil || back != x {
			t.Fatalf("FormatValue(%v) = %q reads back as %v, %v", x, s, back, err)
		}
	})
}
