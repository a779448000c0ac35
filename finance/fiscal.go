package finance

import (
	"fmt"
	"time"
)

// FiscalYear returns the City of Austin fiscal year of a calendar month:
// the fiscal year starts in October, so October–December belong to the
// next year's fiscal year (FiscalYear(2023, 10) == 2024).
func FiscalYear(year, month int) int {
	if month >= 10 {
		return year + 1
	}
	return year
}

// FiscalMonth returns the position of a calendar month in the fiscal year:
// October = 1 … September = 12.
func FiscalMonth(month int) int {
	if month >= 10 {
		return month - 9
	}
	return month + 3
}

// MonthName returns the three-letter English month name ("Jan" … "Dec"),
// or "" for a month outside 1–12.
func MonthName(month int) string {
	if month < 1 || month > 12 {
		return ""
	}
	return time.Month(month).String()[:3]
}

// Month is a calendar month.
type Month struct {
	Year  int
	Month int // 1–12
}

// NewMonth validates year (1000–9999) and month (1–12).
func NewMonth(year, month int) (Month, error) {
	if year < 1000 || year > 9999 {
		return Month{}, fmt.Errorf("year %d out of range", year)
	}
	if month < 1 || month > 12 {
		return Month{}, fmt.Errorf("month %d out of range 1-12", month)
	}
	return Month{Year: year, Month: month}, nil
}

// MonthOf returns the month of t in t's location.
func MonthOf(t time.Time) Month { return Month{Year: t.Year(), Month: int(t.Month())} }

// Prev returns the month before m.
func (m Month) Prev() Month {
	if m.Month == 1 {
		return Month{Year: m.Year - 1, Month: 12}
	}
	return Month{Year: m.Year, Month: m.Month - 1}
}

// LastDay returns the last day of m (midnight UTC).
func (m Month) LastDay() time.Time {
	return time.Date(m.Year, time.Month(m.Month)+1, 0, 0, 0, 0, 0, time.UTC)
}

// String returns "YYYY-MM".
func (m Month) String() string { return fmt.Sprintf("%04d-%02d", m.Year, m.Month) }

// FiscalYear returns [FiscalYear] of m.
func (m Month) FiscalYear() int { return FiscalYear(m.Year, m.Month) }

// FiscalMonth returns [FiscalMonth] of m.
func (m Month) FiscalMonth() int { return FiscalMonth(m.Month) }

// PromptDate returns the date prompt answer for m: its last day as
// "YYYY-MM-DDT05:00:00.000+0000" (midnight in Austin, standard time).
func (m Month) PromptDate() string {
	return m.LastDay().Format("2006-01-02") + "T05:00:00.000+0000"
}

// Selected returns the months a run covers: the month before m, then m.
func Selected(m Month) []Month { return []Month{m.Prev(), m} }

// SelectMonth returns the month a job's --year/--month flags select: each
// of year and month defaults (when 0) to cur's. An invalid month is an
// error naming the flags.
func SelectMonth(year, month int, cur Month) (Month, error) {
	if year == 0 {
		year = cur.Year
	}
	if month == 0 {
		month = cur.Month
	}
	m, err := NewMonth(year, month)
	if err != nil {
		return Month{}, fmt.Errorf("--year/--month: %w", err)
	}
	return m, nil
}
