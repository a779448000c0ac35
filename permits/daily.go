package permits

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
)

// Source files of the weekly summary, as amanda_to_s3 and smartsheet_to_s3
// name them in S3.
const (
	ApplicationsReceivedKey = "applications_received.csv"
	IssuedPermitsKey        = "issued_permits.csv"
	CommercialDSKey         = "Commercial DS Permit Requests.csv"
	ExtensionRequestsKey    = "Extension and Revision Requests.csv"
	ResidentialDSKey        = "Residential DS Permits.csv"
)

// Column headers of the AMANDA daily files. The day column is named by the
// Oracle expression that computes it (see amanda_to_s3 in docs/DATASETS.md).
const (
	FolderTypeHeader       = "FOLDERTYPE"
	SubCodeHeader          = "SUBCODE"
	CountHeader            = "ISSUEDROWPERMITS"
	IntakeDayHeader        = "TO_CHAR(ROUND(INDATE,'DDD'),'YYYY-MM-DD')"
	IssueDayHeader         = "TO_CHAR(ROUND(ISSUEDATE,'DDD'),'YYYY-MM-DD')"
	SheetCountHeader       = "Count Permits"
	DayLayout              = time.DateOnly
	amandaDailyColumnCount = 4
)

// AmandaDaily is one row of applications_received.csv or issued_permits.csv:
// the number of folders of one type and subcode on one day.
type AmandaDaily struct {
	FolderType string    // upper case: DS, EX, RW
	SubCode    string    // AMANDA subcode, as written (may be empty)
	Day        time.Time // calendar day, midnight UTC
	Count      int64
}

// DayCount is a number of rows on one calendar day (a row of the
// Smartsheet daily files).
type DayCount struct {
	Day   time.Time // calendar day, midnight UTC
	Count int64
}

// AmandaFile is a parsed AMANDA daily file.
type AmandaFile struct {
	Rows []AmandaDaily
	// NoDay counts rows skipped because their day was empty (NULL).
	NoDay int
}

// ParseDay parses a calendar day written as YYYY-MM-DD, optionally followed
// by a time of day (" 00:00:00", "T00:00:00", as exports write dates). The
// time part is ignored; the result is midnight UTC of that day.
func ParseDay(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	datePart := s
	if len(s) > len(DayLayout) {
		datePart = s[:len(DayLayout)]
		rest := s[len(DayLayout):]
		if rest[0] != ' ' && rest[0] != 'T' {
			return time.Time{}, fmt.Errorf("day %q is not YYYY-MM-DD", s)
		}
		if _, err := parseClock(rest[1:]); err != nil {
			return time.Time{}, fmt.Errorf("day %q: %w", s, err)
		}
	}
	t, err := time.Parse(DayLayout, datePart)
	if err != nil {
		return time.Time{}, fmt.Errorf("day %q is not YYYY-MM-DD", s)
	}
	return t, nil
}

// parseClock accepts HH:MM[:SS[.fff]] with an optional Z or offset.
func parseClock(s string) (time.Time, error) {
	for _, layout := range []string{"15:04:05.999999999Z07:00", "15:04:05.999999999", "15:04"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("time of day %q not understood", s)
}

// normHeader canonicalises a header cell for matching: BOM, surrounding
// and inner spaces removed, upper case.
func normHeader(h string) string {
	h = strings.TrimPrefix(h, "\ufeff")
	return strings.ToUpper(strings.Join(strings.Fields(h), ""))
}

// ParseAmandaDaily reads an AMANDA daily file whose day column is dayHeader
// ([IntakeDayHeader] for applications_received.csv, [IssueDayHeader] for
// issued_permits.csv). Columns are found by header (case and spaces
// ignored; order free; others ignored). Rows with an empty day are skipped
// and counted in NoDay; any other malformed value is a [*ParseError].
// file names the input in errors.
func ParseAmandaDaily(r io.Reader, file, dayHeader string) (AmandaFile, error) {
	cr, header, err := readHeader(r, file)
	if err != nil {
		return AmandaFile{}, err
	}
	want := []string{FolderTypeHeader, SubCodeHeader, dayHeader, CountHeader}
	idx := make([]int, len(want))
	for i, w := range want {
		idx[i] = -1
		for j, h := range header {
			if normHeader(h) == normHeader(w) {
				idx[i] = j
				break
			}
		}
		if idx[i] < 0 {
			return AmandaFile{}, &ParseError{File: file, Line: 1,
				Err: fmt.Errorf("header %q lacks column %s", strings.Join(header, ","), w)}
		}
	}
	need := slices.Max(idx) + 1
	var out AmandaFile
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return AmandaFile{}, csvError(file, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) < need {
			return AmandaFile{}, &ParseError{File: file, Line: line, Err: fmt.Errorf("%d fields, want at least %d", len(rec), need)}
		}
		ft := strings.ToUpper(strings.TrimSpace(rec[idx[0]]))
		if ft == "" {
			return AmandaFile{}, &ParseError{File: file, Line: line, Column: FolderTypeHeader, Err: errors.New("empty folder type")}
		}
		dayText := strings.TrimSpace(rec[idx[2]])
		if dayText == "" {
			out.NoDay++
			continue
		}
		day, err := ParseDay(dayText)
		if err != nil {
			return AmandaFile{}, &ParseError{File: file, Line: line, Column: dayHeader, Err: err}
		}
		n, err := parseCount(rec[idx[3]])
		if err != nil {
			return AmandaFile{}, &ParseError{File: file, Line: line, Column: CountHeader, Err: err}
		}
		out.Rows = append(out.Rows, AmandaDaily{FolderType: ft, SubCode: strings.TrimSpace(rec[idx[1]]), Day: day, Count: n})
	}
}

// ParseSheetDaily reads a Smartsheet daily file: a header
// "<date column>,Count Permits" and rows "YYYY-MM-DD,N". When dateColumn is
// not empty the first header must name it (case and spaces ignored). A day
// may appear on more than one row: the rows are returned as they are (the
// weekly summary sums them, and [LoadWeeklyInputs] reports the days).
// Malformed input is a [*ParseError]; file names the input in errors.
func ParseSheetDaily(r io.Reader, file, dateColumn string) ([]DayCount, error) {
	cr, header, err := readHeader(r, file)
	if err != nil {
		return nil, err
	}
	if len(header) != 2 || normHeader(header[1]) != normHeader(SheetCountHeader) || normHeader(header[0]) == "" ||
		(dateColumn != "" && normHeader(header[0]) != normHeader(dateColumn)) {
		want := "<date column>"
		if dateColumn != "" {
			want = dateColumn
		}
		return nil, &ParseError{File: file, Line: 1, Err: fmt.Errorf("header %q is not %q", strings.Join(header, ","), want+","+SheetCountHeader)}
	}
	var out []DayCount
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, csvError(file, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != 2 {
			return nil, &ParseError{File: file, Line: line, Err: fmt.Errorf("%d fields, want 2", len(rec))}
		}
		day, err := ParseDay(rec[0])
		if err != nil {
			return nil, &ParseError{File: file, Line: line, Column: header[0], Err: err}
		}
		n, err := parseCount(rec[1])
		if err != nil {
			return nil, &ParseError{File: file, Line: line, Column: SheetCountHeader, Err: err}
		}
		out = append(out, DayCount{Day: day, Count: n})
	}
}

// DayTally counts rows per calendar day, for the Smartsheet daily files.
// Instants are counted on their day in the tally's location (normally
// America/Chicago); calendar dates are counted as they are. Rows without a
// usable date are counted in Missing or Invalid, never silently dropped.
// The zero value is not usable; call [NewDayTally]. Not safe for concurrent
// use.
type DayTally struct {
	loc     *time.Location
	counts  map[time.Time]int64
	Missing int // rows with no date
	Invalid int // rows whose date could not be read
}

// NewDayTally returns an empty tally that places instants in loc.
func NewDayTally(loc *time.Location) *DayTally {
	if loc == nil {
		loc = time.UTC
	}
	return &DayTally{loc: loc, counts: make(map[time.Time]int64)}
}

// AddDate counts one row on the calendar day of d's year, month and day
// (d's location is ignored: a date column holds no zone).
func (t *DayTally) AddDate(d time.Time) {
	t.counts[time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)]++
}

// AddInstant counts one row on the day ts falls on in the tally's location.
func (t *DayTally) AddInstant(ts time.Time) {
	t.AddDate(ts.In(t.loc))
}

// AddMissing counts a row with no date.
func (t *DayTally) AddMissing() { t.Missing++ }

// AddInvalid counts a row whose date could not be read.
func (t *DayTally) AddInvalid() { t.Invalid++ }

// AddText counts a row whose date is text: an instant with a zone
// (RFC 3339) is placed in the tally's location; a date (YYYY-MM-DD,
// MM/DD/YY, MM/DD/YYYY, optionally with a wall-clock time) is taken as a
// local calendar day. Empty text counts as missing; anything else as
// invalid. It reports whether the row was counted on a day.
func (t *DayTally) AddText(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" {
		t.Missing++
		return false
	}
	if ts, err := time.Parse(time.RFC3339Nano, s); err == nil {
		t.AddInstant(ts)
		return true
	}
	if d, ok := parseLocalDay(s); ok {
		t.AddDate(d)
		return true
	}
	t.Invalid++
	return false
}

// localDayLayouts are the zone-less forms AddText accepts.
var localDayLayouts = []string{
	"2006-01-02", "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02T15:04",
	"01/02/06", "1/2/06", "01/02/2006", "1/2/2006",
	"01/02/06 3:04 PM", "1/2/06 3:04 PM", "01/02/2006 3:04 PM", "1/2/2006 3:04 PM",
	"01/02/2006 15:04:05", "1/2/2006 15:04:05",
}

func parseLocalDay(s string) (time.Time, bool) {
	for _, layout := range localDayLayouts {
		if d, err := time.Parse(layout, s); err == nil {
			return d, true
		}
	}
	return time.Time{}, false
}

// Counted is the number of rows counted on a day.
func (t *DayTally) Counted() int64 {
	var n int64
	for _, c := range t.counts {
		n += c
	}
	return n
}

// Counts returns the per-day counts in ascending day order.
func (t *DayTally) Counts() []DayCount {
	days := slices.SortedFunc(maps.Keys(t.counts), func(a, b time.Time) int { return a.Compare(b) })
	out := make([]DayCount, len(days))
	for i, d := range days {
		out[i] = DayCount{Day: d, Count: t.counts[d]}
	}
	return out
}

// WriteSheetDaily writes a Smartsheet daily file: the header
// "<dateColumn>,Count Permits" and one "YYYY-MM-DD,N" row per day, in the
// order given (use [DayTally.Counts] for ascending days).
func WriteSheetDaily(w io.Writer, dateColumn string, counts []DayCount) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{dateColumn, SheetCountHeader}); err != nil {
		return err
	}
	for _, c := range counts {
		if err := cw.Write([]string{c.Day.Format(DayLayout), fmt.Sprint(c.Count)}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
