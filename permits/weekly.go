package permits

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/cityofaustin/atd-executive-dashboard/socrata"
)

// Errors of [WeeklySummary], matched with errors.Is.
var (
	// ErrUnknownFolderType: an AMANDA row has a folder type outside
	// WeeklyInputs.FolderTypes (the queries only return DS, EX and RW, so
	// another type means the file is not what the summary expects).
	ErrUnknownFolderType = errors.New("folder type not in the summary's folder types")
	// ErrDayOutOfRange: a day before 1900 or after 2199 (a zero or corrupt
	// date would otherwise stretch the continuous week range).
	ErrDayOutOfRange = errors.New("day out of range")
)

// WeekDateLayout is the Socrata floating-timestamp layout of the week's
// date field. Its ".000" is Go's millisecond verb: format only midnight
// times (as [WeekEnding] returns) with it.
const WeekDateLayout = "2006-01-02T00:00:00.000"

// Measure names, as the Socrata field names derive from them
// ("DS Applications Received" → ds_applications_received).
const (
	MeasureApplicationsReceived = "Applications Received"
	MeasurePermitsIssued        = "Permits Issued"
	MeasureExtensionRequests    = "Extension Requests"
)

var (
	minDay = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	maxDay = time.Date(2199, 12, 31, 0, 0, 0, 0, time.UTC)
)

// WeeklyInputs are the five daily sources of the weekly summary.
type WeeklyInputs struct {
	ApplicationsReceived []AmandaDaily // applications_received.csv
	PermitsIssued        []AmandaDaily // issued_permits.csv
	CommercialDS         []DayCount    // Commercial DS Permit Requests.csv
	ExtensionRequests    []DayCount    // Extension and Revision Requests.csv
	ResidentialDS        []DayCount    // Residential DS Permits.csv
	// FolderTypes are the AMANDA folder types that get columns (upper
	// case); nil means [DefaultFolderTypes]. It must include DS, which
	// receives the Smartsheet DS requests.
	FolderTypes []string
	// Files describes where the inputs came from (set by
	// [LoadWeeklyInputs]; informational, not used by WeeklySummary).
	Files []SourceFile
}

// SourceFile describes one loaded source file.
type SourceFile struct {
	Key      string
	Modified time.Time
	Rows     int // data rows used
	NoDay    int // rows skipped because their day was empty
	// Repeated lists, ascending, the days written on more than one row (in
	// an AMANDA file: more than one row of the same folder type and
	// subcode). [WeeklySummary] sums such rows, as the original's weekly
	// resampling did; callers should warn, since an export does not
	// normally repeat a day.
	Repeated []time.Time
}

// RequireRows returns an error wrapping [ErrNoRows] that names every source
// file with no usable row: a header and nothing else, or only rows without
// a day. Such a file is a failed export, not a quiet period: summing it
// would publish 0 for its measure in every week. It returns nil when every
// file has rows.
func (in WeeklyInputs) RequireRows() error {
	var empty []string
	for _, f := range in.Files {
		switch {
		case f.Rows > 0:
		case f.NoDay > 0:
			empty = append(empty, fmt.Sprintf("%s (its %d rows lack a day)", f.Key, f.NoDay))
		default:
			empty = append(empty, f.Key)
		}
	}
	if len(empty) == 0 {
		return nil
	}
	what := "daily file"
	if len(empty) > 1 {
		what += "s"
	}
	return fmt.Errorf("permits: %s %s: %w", what, strings.Join(empty, ", "), ErrNoRows)
}

// WeekRow is one week of the summary.
type WeekRow struct {
	// Week is the Saturday that ends the week (Sunday–Saturday), as a
	// calendar day at midnight UTC.
	Week time.Time
	// ApplicationsReceived and PermitsIssued hold the week's sum per
	// folder type; every configured type is present (0 when it had no
	// rows). ApplicationsReceived["DS"] includes SheetDSRequests.
	ApplicationsReceived map[string]int64
	PermitsIssued        map[string]int64
	// ExtensionRequests is the week's sum of Extension and Revision
	// Requests.
	ExtensionRequests int64
	// SheetDSRequests is the week's Commercial plus Residential DS permit
	// requests from Smartsheet, already added to
	// ApplicationsReceived["DS"].
	SheetDSRequests int64
}

// WeekEnding returns the Saturday ending the Sunday–Saturday week that
// contains day d (d's calendar date; its clock and location are ignored).
func WeekEnding(d time.Time) time.Time {
	day := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
	return day.AddDate(0, 0, (int(time.Saturday)-int(day.Weekday())+7)%7)
}

// WeeklySummary sums the daily inputs into Sunday–Saturday weeks labelled by
// their Saturday, as row_data_summary publishes them: per folder type
// Applications Received and Permits Issued from the AMANDA files, the
// Commercial and Residential DS requests from Smartsheet added to DS
// Applications Received, and Extension Requests. The weeks run without gaps
// from the earliest to the latest week present in any source; a week or a
// folder type with no rows counts 0. The result is in ascending week order
// and empty when every source is empty.
//
// It returns an error wrapping [ErrUnknownFolderType] or
// [ErrDayOutOfRange] for inputs it cannot place.
func WeeklySummary(in WeeklyInputs) ([]WeekRow, error) {
	types := in.FolderTypes
	if len(types) == 0 {
		types = DefaultFolderTypes()
	}
	known := make(map[string]bool, len(types))
	for _, ft := range types {
		known[strings.ToUpper(strings.TrimSpace(ft))] = true
	}
	if !known["DS"] {
		return nil, fmt.Errorf("permits: weekly summary: folder types %v lack DS, which receives the Smartsheet DS requests", types)
	}

	type sums struct {
		apps, issued map[string]int64
		ext, sheetDS int64
	}
	weeks := make(map[time.Time]*sums)
	week := func(src string, d time.Time) (*sums, error) {
		if d.Before(minDay) || d.After(maxDay) {
			return nil, fmt.Errorf("permits: weekly summary: %s: %w: %s", src, ErrDayOutOfRange, d.Format(DayLayout))
		}
		w := WeekEnding(d)
		s := weeks[w]
		if s == nil {
			s = &sums{apps: map[string]int64{}, issued: map[string]int64{}}
			weeks[w] = s
		}
		return s, nil
	}
	amanda := func(src string, rows []AmandaDaily, pick func(*sums) map[string]int64) error {
		for _, r := range rows {
			ft := strings.ToUpper(strings.TrimSpace(r.FolderType))
			if !known[ft] {
				return fmt.Errorf("permits: weekly summary: %s: %w: %q (configured: %s)", src, ErrUnknownFolderType, r.FolderType, strings.Join(types, ", "))
			}
			s, err := week(src, r.Day)
			if err != nil {
				return err
			}
			pick(s)[ft] += r.Count
		}
		return nil
	}
	sheet := func(src string, rows []DayCount, add func(*sums, int64)) error {
		for _, r := range rows {
			s, err := week(src, r.Day)
			if err != nil {
				return err
			}
			add(s, r.Count)
		}
		return nil
	}
	steps := []error{
		amanda(ApplicationsReceivedKey, in.ApplicationsReceived, func(s *sums) map[string]int64 { return s.apps }),
		amanda(IssuedPermitsKey, in.PermitsIssued, func(s *sums) map[string]int64 { return s.issued }),
		sheet(CommercialDSKey, in.CommercialDS, func(s *sums, n int64) { s.sheetDS += n }),
		sheet(ResidentialDSKey, in.ResidentialDS, func(s *sums, n int64) { s.sheetDS += n }),
		sheet(ExtensionRequestsKey, in.ExtensionRequests, func(s *sums, n int64) { s.ext += n }),
	}
	if err := errors.Join(steps...); err != nil {
		return nil, err
	}
	if len(weeks) == 0 {
		return nil, nil
	}
	all := slices.SortedFunc(maps.Keys(weeks), func(a, b time.Time) int { return a.Compare(b) })
	first, last := all[0], all[len(all)-1]
	out := make([]WeekRow, 0, int(last.Sub(first).Hours()/(24*7))+1)
	for w := first; !w.After(last); w = w.AddDate(0, 0, 7) {
		row := WeekRow{Week: w, ApplicationsReceived: make(map[string]int64, len(known)), PermitsIssued: make(map[string]int64, len(known))}
		for ft := range known {
			row.ApplicationsReceived[ft] = 0
			row.PermitsIssued[ft] = 0
		}
		if s := weeks[w]; s != nil {
			maps.Copy(row.ApplicationsReceived, s.apps)
			maps.Copy(row.PermitsIssued, s.issued)
			row.ExtensionRequests = s.ext
			row.SheetDSRequests = s.sheetDS
			row.ApplicationsReceived["DS"] += s.sheetDS
		}
		out = append(out, row)
	}
	return out, nil
}

// FieldName turns a column name of the summary into its Socrata field name:
// lower case, spaces → underscores ("DS Applications Received" →
// "ds_applications_received").
func FieldName(column string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(column)), " ", "_")
}

// Record returns the week as a Socrata row: date (the Saturday, as
// YYYY-MM-DDT00:00:00.000), <type>_applications_received and
// <type>_permits_issued per folder type, and extension_requests. Counts are
// int64.
func (w WeekRow) Record() socrata.Row {
	rec := make(socrata.Row, 2*len(w.ApplicationsReceived)+2)
	rec["date"] = w.Week.Format(WeekDateLayout)
	for ft, n := range w.ApplicationsReceived {
		rec[FieldName(ft+" "+MeasureApplicationsReceived)] = n
	}
	for ft, n := range w.PermitsIssued {
		rec[FieldName(ft+" "+MeasurePermitsIssued)] = n
	}
	rec[FieldName(MeasureExtensionRequests)] = w.ExtensionRequests
	return rec
}

// Records returns the Socrata rows of weeks, in order.
func Records(weeks []WeekRow) []socrata.Row {
	out := make([]socrata.Row, len(weeks))
	for i, w := range weeks {
		out[i] = w.Record()
	}
	return out
}

// WeeklySource names one source file of the weekly summary and its day
// column (the Oracle expression for AMANDA files, the Smartsheet date
// column for the sheet files; empty accepts any).
type WeeklySource struct {
	Key       string
	DayColumn string
}

// WeeklySources are the five files [LoadWeeklyInputs] reads.
type WeeklySources struct {
	ApplicationsReceived, PermitsIssued            WeeklySource
	CommercialDS, ExtensionRequests, ResidentialDS WeeklySource
}

// DefaultWeeklySources returns the files amanda_to_s3 and smartsheet_to_s3
// write (docs/DATASETS.md).
func DefaultWeeklySources() WeeklySources {
	return WeeklySources{
		ApplicationsReceived: WeeklySource{ApplicationsReceivedKey, IntakeDayHeader},
		PermitsIssued:        WeeklySource{IssuedPermitsKey, IssueDayHeader},
		CommercialDS:         WeeklySource{CommercialDSKey, "Date Created"},
		ExtensionRequests:    WeeklySource{ExtensionRequestsKey, "Created"},
		ResidentialDS:        WeeklySource{ResidentialDSKey, "Date Created"},
	}
}

// LoadWeeklyInputs reads and parses the five source files from src. Errors
// name the file: a [*ParseError] for malformed content, or the store's
// error (wrapped) when a file cannot be opened.
func LoadWeeklyInputs(ctx context.Context, src ObjectReader, files WeeklySources) (WeeklyInputs, error) {
	var in WeeklyInputs
	loadAmanda := func(s WeeklySource, dst *[]AmandaDaily) error {
		return load(ctx, src, s.Key, &in, func(rc io.ReadCloser) (SourceFile, error) {
			f, err := ParseAmandaDaily(rc, s.Key, s.DayColumn)
			*dst = f.Rows
			type key struct {
				folderType, subCode string
				day                 time.Time
			}
			return SourceFile{Rows: len(f.Rows), NoDay: f.NoDay, Repeated: repeated(f.Rows, func(r AmandaDaily) (key, time.Time) {
				return key{r.FolderType, r.SubCode, r.Day}, r.Day
			})}, err
		})
	}
	loadSheet := func(s WeeklySource, dst *[]DayCount) error {
		return load(ctx, src, s.Key, &in, func(rc io.ReadCloser) (SourceFile, error) {
			rows, err := ParseSheetDaily(rc, s.Key, s.DayColumn)
			*dst = rows
			return SourceFile{Rows: len(rows), Repeated: repeated(rows, func(r DayCount) (time.Time, time.Time) { return r.Day, r.Day })}, err
		})
	}
	for _, err := range []func() error{
		func() error { return loadAmanda(files.ApplicationsReceived, &in.ApplicationsReceived) },
		func() error { return loadAmanda(files.PermitsIssued, &in.PermitsIssued) },
		func() error { return loadSheet(files.CommercialDS, &in.CommercialDS) },
		func() error { return loadSheet(files.ExtensionRequests, &in.ExtensionRequests) },
		func() error { return loadSheet(files.ResidentialDS, &in.ResidentialDS) },
	} {
		if err := err(); err != nil {
			return WeeklyInputs{}, err
		}
	}
	return in, nil
}

func load(ctx context.Context, src ObjectReader, key string, in *WeeklyInputs, parse func(io.ReadCloser) (SourceFile, error)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	rc, modified, err := src.Open(ctx, key)
	if err != nil {
		return fmt.Errorf("permits: open %s: %w", key, err)
	}
	defer rc.Close()
	f, err := parse(rc)
	if err != nil {
		return err
	}
	f.Key, f.Modified = key, modified
	in.Files = append(in.Files, f)
	return nil
}

// repeated returns, ascending, the days of the rows whose key (of which the
// day is part) appears on more than one row.
func repeated[R any, K comparable](rows []R, key func(R) (K, time.Time)) []time.Time {
	seen := make(map[K]bool, len(rows))
	days := map[time.Time]bool{}
	for _, r := range rows {
		k, day := key(r)
		if seen[k] {
			days[day] = true
		}
		seen[k] = true
	}
	return slices.SortedFunc(maps.Keys(days), func(a, b time.Time) int { return a.Compare(b) })
}
