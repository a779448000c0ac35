package permits

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cityofaustin/atd-executive-dashboard/socrata"
)

// ErrNoRows is wrapped by the errors for an input file that has a header and
// no rows: a failed export, never a count of zero.
var ErrNoRows = errors.New("no rows after the header")

// ActivePermitsKey is the S3 key the amanda_to_s3 job writes for the
// active_permits query.
const ActivePermitsKey = "active_permits.csv"

// PublishedDateLayout is the Socrata floating-timestamp layout of the
// published_date field: local wall-clock time, to the minute. Its ".000" is
// Go's millisecond verb, so format through [PublishedDate], which truncates
// first.
const PublishedDateLayout = "2006-01-02T15:04:00.000"

// defaultFolderTypes are the AMANDA folder types of the rolling log: the
// dataset's only count fields.
var defaultFolderTypes = []string{"DS", "EX", "RW"}

// DefaultFolderTypes returns the folder types the active-permit record always
// carries: DS, EX and RW.
func DefaultFolderTypes() []string { return slices.Clone(defaultFolderTypes) }

// ObjectReader opens a stored object and reports when it was last modified.
// The jobs adapt their object store to it; any S3-like store can satisfy it.
type ObjectReader interface {
	Open(ctx context.Context, key string) (io.ReadCloser, time.Time, error)
}

// ActiveCounts is the active-permit count per AMANDA folder type, as of the
// time the source file was written.
type ActiveCounts struct {
	// Counts maps an upper-case folder type (DS, EX, RW) to its count.
	Counts map[string]int64
	// AsOf is the source file's LastModified time.
	AsOf time.Time
	// Added lists the Smartsheet contributions folded into Counts.
	Added []Contribution
}

// Contribution is a number of in-flight permit requests counted outside
// AMANDA (in a Smartsheet sheet) and added to one folder type's count.
type Contribution struct {
	Sheet      string
	FolderType string
	Count      int64
}

// Add folds c into the counts and records it in Added. It reports whether
// c was counted: the count of a type absent from Counts (missing from
// active_permits.csv) is unknown, not 0, so a contribution to it is not
// counted and the type stays null in the record; the caller should warn.
func (a *ActiveCounts) Add(c Contribution) bool {
	ft := strings.ToUpper(strings.TrimSpace(c.FolderType))
	if _, ok := a.Counts[ft]; !ok {
		return false
	}
	c.FolderType = ft
	a.Counts[ft] += c.Count
	a.Added = append(a.Added, c)
	return true
}

// Record returns the Socrata row of the rolling log: one lower-case field per
// type of [DefaultFolderTypes] (ds, ex, rw) holding its count, or nil (null)
// when the type is missing from the counts ([ActiveCounts.Missing]), and
// published_date = AsOf in loc, truncated to the minute. Other folder types
// ([ActiveCounts.Unknown]) are left out: the dataset has no field for them.
// loc is normally America/Chicago.
func (a ActiveCounts) Record(loc *time.Location) socrata.Row {
	row := make(socrata.Row, len(defaultFolderTypes)+1)
	for _, ft := range defaultFolderTypes {
		row[strings.ToLower(ft)] = nil
		if n, ok := a.Counts[ft]; ok {
			row[strings.ToLower(ft)] = n
		}
	}
	row["published_date"] = PublishedDate(a.AsOf, loc)
	return row
}

// Missing returns the types of [DefaultFolderTypes] absent from Counts, in
// that order: [ActiveCounts.Record] publishes them as null.
func (a ActiveCounts) Missing() []string {
	var out []string
	for _, ft := range defaultFolderTypes {
		if _, ok := a.Counts[ft]; !ok {
			out = append(out, ft)
		}
	}
	return out
}

// Unknown returns the types in Counts other than [DefaultFolderTypes],
// sorted: [ActiveCounts.Record] leaves them out.
func (a ActiveCounts) Unknown() []string {
	var out []string
	for _, ft := range a.FolderTypes() {
		if !slices.Contains(defaultFolderTypes, ft) {
			out = append(out, ft)
		}
	}
	return out
}

// FolderTypes returns the folder types present in Counts, sorted.
func (a ActiveCounts) FolderTypes() []string {
	return slices.Sorted(maps.Keys(a.Counts))
}

// PublishedDate formats t as a Socrata floating timestamp in loc, truncated
// to the minute: 2024-11-03T01:59:00.000. Truncation happens on the local
// wall clock, so it is correct across DST changes.
func PublishedDate(t time.Time, loc *time.Location) string {
	l := t.In(loc)
	// The layout's ".000" is Go's millisecond verb, not literal text: drop
	// seconds and sub-seconds so it prints zeros.
	l = time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), 0, 0, loc)
	return l.Format(PublishedDateLayout)
}

// ParseActiveCounts reads active_permits.csv: a header naming FOLDERTYPE and
// ACTIVEPERMITS (in any order, other columns ignored) and one row per folder
// type. Counts must be non-negative integers (an Oracle NUMBER written as
// "12" or "12.0"); a folder type may appear once. It returns a
// [*ParseError] on malformed input, and one wrapping [ErrNoRows] for a
// header with no rows (a failed export, not zero active permits).
func ParseActiveCounts(r io.Reader) (map[string]int64, error) {
	const file = ActivePermitsKey
	cr, header, err := readHeader(r, file)
	if err != nil {
		return nil, err
	}
	typeCol, countCol := -1, -1
	for i, h := range header {
		switch strings.ToUpper(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))) {
		case "FOLDERTYPE":
			typeCol = i
		case "ACTIVEPERMITS":
			countCol = i
		}
	}
	if typeCol < 0 || countCol < 0 {
		return nil, &ParseError{File: file, Line: 1, Err: fmt.Errorf("header %q lacks FOLDERTYPE and ACTIVEPERMITS", strings.Join(header, ","))}
	}
	counts := make(map[string]int64)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			if len(counts) == 0 {
				return nil, &ParseError{File: file, Line: 1, Err: ErrNoRows}
			}
			return counts, nil
		}
		if err != nil {
			return nil, csvError(file, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) <= max(typeCol, countCol) {
			return nil, &ParseError{File: file, Line: line, Err: fmt.Errorf("%d fields, want at least %d", len(rec), max(typeCol, countCol)+1)}
		}
		ft := strings.ToUpper(strings.TrimSpace(rec[typeCol]))
		if ft == "" {
			return nil, &ParseError{File: file, Line: line, Column: "FOLDERTYPE", Err: errors.New("empty folder type")}
		}
		n, err := parseCount(rec[countCol])
		if err != nil {
			return nil, &ParseError{File: file, Line: line, Column: "ACTIVEPERMITS", Err: err}
		}
		if _, dup := counts[ft]; dup {
			return nil, &ParseError{File: file, Line: line, Column: "FOLDERTYPE", Err: fmt.Errorf("folder type %q appears twice", ft)}
		}
		counts[ft] = n
	}
}

// parseCount parses a non-negative integer count, accepting the "12.0" form
// pandas and some exports write for integral numbers.
func parseCount(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if whole, frac, ok := strings.Cut(s, "."); ok && strings.Trim(frac, "0") == "" {
		s = whole
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("count %q is not an integer", s)
	}
	if n < 0 {
		return 0, fmt.Errorf("count %d is negative", n)
	}
	return n, nil
}

// LoadActiveCounts reads key (normally [ActivePermitsKey]) from src and
// parses it. AsOf is the object's LastModified time.
func LoadActiveCounts(ctx context.Context, src ObjectReader, key string) (ActiveCounts, error) {
	rc, modified, err := src.Open(ctx, key)
	if err != nil {
		return ActiveCounts{}, fmt.Errorf("permits: open %s: %w", key, err)
	}
	defer rc.Close()
	counts, err := ParseActiveCounts(rc)
	if err != nil {
		var pe *ParseError
		if errors.As(err, &pe) {
			pe.File = key
		}
		return ActiveCounts{}, err
	}
	if modified.IsZero() {
		return ActiveCounts{}, fmt.Errorf("permits: %s has no LastModified time", key)
	}
	return ActiveCounts{Counts: counts, AsOf: modified}, nil
}
