package finance_test

import (
	"testing"
	"time"

	"github.com/cityofaustin/atd-executive-dashboard/finance"
)

func TestFiscalCalendarEveryMonth(t *testing.T) {
	t.Parallel()
	tests := []struct {
		month       int
		fiscalYear  int // for calendar year 2024
		fiscalMonth int
		name        string
	}{
		{1, 2024, 4, "Jan"}, {2, 2024, 5, "Feb"}, {3, 2024, 6, "Mar"}, {4, 2024, 7, "Apr"},
		{5, 2024, 8, "May"}, {6, 2024, 9, "Jun"}, {7, 2024, 10, "Jul"}, {8, 2024, 11, "Aug"},
		{9, 2024, 12, "Sep"}, {10, 2025, 1, "Oct"}, {11, 2025, 2, "Nov"}, {12, 2025, 3, "Dec"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := finance.FiscalYear(2024, tt.month); got != tt.fiscalYear {
				t.Errorf("FiscalYear(2024, %d) = %d, want %d", tt.month, got, tt.fiscalYear)
			}
			if got := finance.FiscalMonth(tt.month); got != tt.fiscalMonth {
				t.Errorf("FiscalMonth(%d) = %d, want %d", tt.month, got, tt.fiscalMonth)
			}
			if got := finance.MonthName(tt.month); got != tt.name {
				t.Errorf("MonthName(%d) = %q, want %q", tt.month, got, tt.name)
			}
			m := finance.Month{Year: 2024, Month: tt.month}
			if m.FiscalYear() != tt.fiscalYear || m.FiscalMonth() != tt.fiscalMonth {
				t.Errorf("Month methods disagree with the functions for %v", m)
			}
		})
	}
	for _, bad := range []int{0, 13, -1} {
		if got := finance.MonthName(bad); got != "" {
			t.Errorf("MonthName(%d) = %q, want empty", bad, got)
		}
	}
}

func TestMonth(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		m          finance.Month
		prev       string
		lastDay    string
		promptDate string
	}{
		{"january wraps to december", finance.Month{Year: 2024, Month: 1}, "2023-12", "2024-01-31", "2024-01-31T05:00:00.000+0000"},
		{"leap february", finance.Month{Year: 2024, Month: 2}, "2024-01", "2024-02-29", "2024-02-29T05:00:00.000+0000"},
		{"common february", finance.Month{Year: 2023, Month: 2}, "2023-01", "2023-02-28", "2023-02-28T05:00:00.000+0000"},
		{"thirty days", finance.Month{Year: 2022, Month: 9}, "2022-08", "2022-09-30", "2022-09-30T05:00:00.000+0000"},
		{"december", finance.Month{Year: 2022, Month: 12}, "2022-11", "2022-12-31", "2022-12-31T05:00:00.000+0000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.m.Prev().String(); got != tt.prev {
				t.Errorf("Prev = %s, want %s", got, tt.prev)
			}
			if got := tt.m.LastDay().Format("2006-01-02"); got != tt.lastDay {
				t.Errorf("LastDay = %s, want %s", got, tt.lastDay)
			}
			if got := tt.m.PromptDate(); got != tt.promptDate {
				t.Errorf("PromptDate = %s, want %s", got, tt.promptDate)
			}
			sel := finance.Selected(tt.m)
			if len(sel) != 2 || sel[0] != tt.m.Prev() || sel[1] != tt.m {
				t.Errorf("Selected = %v", sel)
			}
		})
	}
}

func TestNewMonth(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		year, month int
		ok          bool
	}{
		{"valid", 2024, 8, true},
		{"month zero", 2024, 0, false},
		{"month 13", 2024, 13, false},
		{"tiny year", 24, 8, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := finance.NewMonth(tt.year, tt.month)
			if (err == nil) != tt.ok {
				t.Errorf("NewMonth(%d, %d) err = %v, want ok=%v", tt.year, tt.month, err, tt.ok)
			}
		})
	}
}

func TestSelectMonth(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 3, 1, 3, 0, 0, 0, time.UTC) // the job converts to America/Chicago before calling
	tests := []struct {
		name        string
		year, month int
		now         time.Time
		want        string
		wantErr     bool
	}{
		{"defaults to the current month", 0, 0, now, "2025-03", false},
		{"month only", 0, 7, now, "2025-07", false},
		{"year only", 2022, 0, now, "2022-03", false},
		{"both", 2023, 12, now, "2023-12", false},
		{"month 0 after defaults is current", 0, 0, time.Date(2024, 12, 31, 23, 0, 0, 0, time.UTC), "2024-12", false},
		{"bad month", 2024, 13, now, "", true},
		{"negative month", 2024, -1, now, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := finance.SelectMonth(tt.year, tt.month, finance.MonthOf(tt.now))
			if (err != nil) != tt.wantErr || (err == nil && m.String() != tt.want) {
				t.Errorf("SelectMonth = %v, %v; want %s (error %v)", m, err, tt.want, tt.wantErr)
			}
		})
	}
}
