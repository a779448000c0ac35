package finance_test

import (
	"errors"
	"testing"

	"github.com/cityofaustin/atd-executive-dashboard/finance"
)

func TestKeyRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind finance.Kind
		dept string
		m    finance.Month
		want string
	}{
		{finance.KindExpenses, "2400", finance.Month{Year: 2024, Month: 8}, "expenses/2024-08-31_2400.csv"},
		{finance.KindRevenue, "6200", finance.Month{Year: 2024, Month: 2}, "revenue/2024-02-29_6200.csv"},
		{finance.KindExpenses, "6200", finance.Month{Year: 2023, Month: 12}, "expenses/2023-12-31_6200.csv"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			k := finance.KeyFor(tt.kind, tt.dept, tt.m)
			if k.String() != tt.want {
				t.Fatalf("KeyFor = %s, want %s", k, tt.want)
			}
			p, err := finance.ParseKey(tt.want)
			if err != nil {
				t.Fatal(err)
			}
			if p.Kind != tt.kind || p.Department != tt.dept || p.Month() != tt.m || p.String() != tt.want {
				t.Errorf("ParseKey = %+v", p)
			}
		})
	}
}

func TestParseKeyRejects(t *testing.T) {
	t.Parallel()
	for _, key := range []string{
		"expenses/",
		"expenses/2024-08-31_2400.csv.bak",
		"expenses/2024-08-31_2400.CSV",
		"expenses/old/2024-08-31_2400.csv",
		"expenses/2024-8-31_2400.csv",
		"expenses/2024-02-30_2400.csv",
		"expenses/2024-13-01_2400.csv",
		"expenses/2024-08-31_ATD.csv",
		"expenses/2024-08-31-2400.csv",
		"expenses/2024-08-31_.csv",
		"budget/2024-08-31_2400.csv",
		"expenses/2024-08-31_2400 (1).csv",
		" expenses/2024-08-31_2400.csv",
		"expenses/2024-08-31_２４００.csv",
	} {
		t.Run(key, func(t *testing.T) {
			t.Parallel()
			k, err := finance.ParseKey(key)
			if !errors.Is(err, finance.ErrBadKey) {
				t.Fatalf("ParseKey(%q) = %+v, %v; want ErrBadKey", key, k, err)
			}
			var ke *finance.KeyError
			if !errors.As(err, &ke) || ke.Key != key {
				t.Errorf("KeyError = %+v", ke)
			}
		})
	}
}

func FuzzParseKey(f *testing.F) {
	f.Add("expenses/2024-08-31_2400.csv")
	f.Add("revenue/2023-02-28_6200.csv")
	f.Add("expenses/2024-02-30_2400.csv")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := finance.ParseKey(s)
		if err != nil {
			if !errors.Is(err, finance.ErrBadKey) {
				t.Fatalf("error without ErrBadKey: %v", err)
			}
			return
		}
		if k.String() != s {
			t.Fatalf("ParseKey(%q).String() = %q: a key must parse only when it formats back identically", s, k.String())
		}
	})
}
