package csr

import (
	"testing"
	"time"
)

func TestAppendDate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, want string // want "" means rejected
	}{
		{"10/3/2023 2:15:07 PM", "2023-10-03T14:15:07"},
		{"3/10/2024 2:30:00 AM", "2024-03-10T02:30:00"}, // spring-forward hour, not converted
		{"11/3/2024 1:30:00 AM", "2024-11-03T01:30:00"}, // ambiguous fall-back hour
		{"12/31/2023 11:59:59 PM", "2023-12-31T23:59:59"},
		{"1/1/2024 12:00:00 AM", "2024-01-01T00:00:00"},
		{"1/1/2024 12:00:00 PM", "2024-01-01T12:00:00"},
		{"01/01/2024 09:05 am", "2024-01-01T09:05:00"},
		{"1/1/2024 9:05PM", "2024-01-01T21:05:00"},
		{"2/29/2024 0:00", "2024-02-29T00:00:00"},
		{"2/29/2024 23:59:59", "2024-02-29T23:59:59"},
		{"2/29/2024", "2024-02-29T00:00:00"},
		{"  10/3/2023 2:15:07 PM  ", "2023-10-03T14:15:07"},
		{"10/3/2023  2:15:07 PM", "2023-10-03T14:15:07"},
		{"10/3/2023 2:15:07.123 PM", "2023-10-03T14:15:07"},
		{"2023-10-03 14:15:07", "2023-10-03T14:15:07"},
		{"2023-10-03T14:15:07", "2023-10-03T14:15:07"},
		{"2023-10-03 14:15:07.5", "2023-10-03T14:15:07"},
		{"2023-10-03 14:15", "2023-10-03T14:15:00"},
		{"2023-10-03", "2023-10-03T00:00:00"},
		{"", ""},
		{"2/29/2023 1:00 PM", ""},   // not a leap year
		{"13/1/2023 1:00 PM", ""},   // month 13
		{"0/1/2023 1:00 PM", ""},    // month 0
		{"4/31/2023 1:00 PM", ""},   // April 31
		{"1/1/23 1:00 PM", ""},      // two-digit year
		{"1/1/2023 13:00 PM", ""},   // 13 PM
		{"1/1/2023 0:30 AM", ""},    // 0 AM
		{"1/1/2023 24:00", ""},      // hour 24
		{"1/1/2023 1:60", ""},       // minute 60
		{"1/1/2023 1:00:60", ""},    // second 60
		{"1/1/2023 1:0", ""},        // one-digit minute
		{"1/1/2023 1:00 XM", ""},    // not AM/PM
		{"1/1/2023T1:00", ""},       // T only in ISO form
		{"2023-1-03 14:15", ""},     // ISO needs two digits
		{"2023-10-03X14:15", ""},    // bad separator
		{"1/1/2023 1:00:00.", ""},   // empty fraction
		{"Oct 3, 2023 2:15 PM", ""}, // month names
		{"45203.59", ""},            // Excel serial
		{"N/A", ""},
	} {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, ok := formatDate(tc.in)
			if ok != (tc.want != "") || got != tc.want {
				t.Fatalf("formatDate(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
			}
		})
	}
}

func FuzzAppendDate(f *testing.F) {
	for _, s := range []string{"10/3/2023 2:15:07 PM", "2023-10-03T14:15:07", "2/29/2024 0:00", "1/1/2023 13:00 PM", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := formatDate(s)
		if !ok {
			if got != "" {
				t.Fatalf("rejected %q but returned %q", s, got)
			}
			return
		}
		// Every accepted date is a valid timestamp and a fixed point.
		if _, err := time.Parse("2006-01-02T15:04:05", got); err != nil {
			t.Fatalf("formatDate(%q) = %q, which is not a valid timestamp: %v", s, got, err)
		}
		again, ok := formatDate(got)
		if !ok || again != got {
			t.Fatalf("formatDate(%q) = %q, %v; want it unchanged", got, again, ok)
		}
	})
}

func TestFiscalYear(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ y, m, want int }{{2023, 9, 2023}, {2023, 10, 2024}, {2023, 12, 2024}, {2024, 1, 2024}} {
		if got := FiscalYear(tc.y, tc.m); got != tc.want {
			t.Errorf("FiscalYear(%d, %d) = %d, want %d", tc.y, tc.m, got, tc.want)
		}
	}
}

// formatDate is AppendDate returning a string.
func formatDate(s string) (string, bool) {
	b, ok := AppendDate(nil, s)
	return string(b), ok
}
