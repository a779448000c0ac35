package permits

import (
	"context"
	"errors"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
)

func mustChicago(tb testing.TB) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation("America/Chicago")
	if err != nil {
		tb.Fatalf("load America/Chicago: %v", err)
	}
	return loc
}

func TestParseActiveCounts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    map[string]int64
		wantErr string // substring of the ParseError; "" for success
		line    int
	}{
		{name: "amanda export", in: "FOLDERTYPE,ACTIVEPERMITS\nDS,187\nEX,23\nRW,1462\n", want: map[string]int64{"DS": 187, "EX": 23, "RW": 1462}},
		{name: "columns swapped and extra", in: "ACTIVEPERMITS,NOTE,FOLDERTYPE\n5,x,rw\r\n", want: map[string]int64{"RW": 5}},
		{name: "BOM and pandas float", in: "\ufeffFOLDERTYPE,ACTIVEPERMITS\nDS,12.0\n", want: map[string]int64{"DS": 12}},
		{name: "header only", in: "FOLDERTYPE,ACTIVEPERMITS\n", wantErr: "no rows", line: 1},
		{name: "empty file", in: "", wantErr: "empty file", line: 1},
		{name: "wrong header", in: "TYPE,COUNT\nDS,1\n", wantErr: "lacks FOLDERTYPE", line: 1},
		{name: "not a number", in: "FOLDERTYPE,ACTIVEPERMITS\nDS,many\n", wantErr: "not an integer", line: 2},
		{name: "fraction", in: "FOLDERTYPE,ACTIVEPERMITS\nDS,1.5\n", wantErr: "not an integer", line: 2},
		{name: "negative", in: "FOLDERTYPE,ACTIVEPERMITS\nDS,-1\n", wantErr: "negative", line: 2},
		{name: "duplicate type", in: "FOLDERTYPE,ACTIVEPERMITS\nDS,1\nEX,2\nds,3\n", wantErr: "appears twice", line: 4},
		{name: "empty type", in: "FOLDERTYPE,ACTIVEPERMITS\n,1\n", wantErr: "empty folder type", line: 2},
		{name: "short row", in: "FOLDERTYPE,ACTIVEPERMITS\nDS\n", wantErr: "fields", line: 2},
		{name: "bad quoting", in: "FOLDERTYPE,ACTIVEPERMITS\n\"DS,1\n", wantErr: "quote", line: 2},
		{name: "html instead of csv", in: "<html><body>Access denied</body></html>\n", wantErr: "lacks FOLDERTYPE", line: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseActiveCounts(strings.NewReader(tt.in))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ParseActiveCounts: %v", err)
				}
				if !maps.Equal(got, tt.want) {
					t.Fatalf("got %v, want %v", got, tt.want)
				}
				return
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want a *ParseError", err)
			}
			if !strings.Contains(err.Error(), tt.wantErr) || pe.Line != tt.line {
				t.Fatalf("err = %q (line %d), want %q at line %d", err, pe.Line, tt.wantErr, tt.line)
			}
		})
	}
}

func TestActiveCountsRecord(t *testing.T) {
	t.Parallel()
	chicago := mustChicago(t)
	tests := []struct {
		name   string
		counts map[string]int64
		asOf   time.Time
		add    []Contribution
		want   map[string]any
	}{
		{
			name:   "winter CST",
			counts: map[string]int64{"DS": 187, "EX": 23, "RW": 1462},
			asOf:   time.Date(2024, 1, 15, 14, 5, 59, 999_000_000, time.UTC),
			want:   map[string]any{"ds": int64(187), "ex": int64(23), "rw": int64(1462), "published_date": "2024-01-15T08:05:00.000"},
		},
		{
			name:   "summer CDT",
			counts: map[string]int64{"DS": 1, "EX": 2, "RW": 3},
			asOf:   time.Date(2024, 7, 4, 5, 0, 0, 0, time.UTC),
			want:   map[string]any{"ds": int64(1), "ex": int64(2), "rw": int64(3), "published_date": "2024-07-04T00:00:00.000"},
		},
		{
			// 2024-03-10 08:05 UTC is 03:05 CDT: the 02:xx hour does not exist.
			name:   "spring forward morning",
			counts: map[string]int64{"DS": 1, "EX": 2, "RW": 3},
			asOf:   time.Date(2024, 3, 10, 8, 5, 42, 0, time.UTC),
			want:   map[string]any{"ds": int64(1), "ex": int64(2), "rw": int64(3), "published_date": "2024-03-10T03:05:00.000"},
		},
		{
			// 2024-11-03 06:30 UTC is the second 01:30 (CST); 05:30 UTC the first (CDT).
			name:   "fall back repeated hour",
			counts: map[string]int64{"DS": 1, "EX": 2, "RW": 3},
			asOf:   time.Date(2024, 11, 3, 6, 30, 0, 0, time.UTC),
			want:   map[string]any{"ds": int64(1), "ex": int64(2), "rw": int64(3), "published_date": "2024-11-03T01:30:00.000"},
		},
		{
			name:   "missing type is null, unknown type left out",
			counts: map[string]int64{"DS": 4, "ZZ": 9},
			asOf:   time.Date(2024, 12, 31, 23, 59, 0, 0, time.UTC),
			want:   map[string]any{"ds": int64(4), "ex": nil, "rw": nil, "published_date": "2024-12-31T17:59:00.000"},
		},
		{
			name:   "smartsheet contribution added",
			counts: map[string]int64{"DS": 4, "EX": 1, "RW": 2},
			asOf:   time.Date(2024, 12, 31, 23, 59, 0, 0, time.UTC),
			add:    []Contribution{{Sheet: "Residential DS Permits", FolderType: "ds", Count: 6}},
			want:   map[string]any{"ds": int64(10), "ex": int64(1), "rw": int64(2), "published_date": "2024-12-31T17:59:00.000"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := ActiveCounts{Counts: maps.Clone(tt.counts), AsOf: tt.asOf}
			for _, c := range tt.add {
				a.Add(c)
			}
			got := a.Record(chicago)
			if !maps.Equal(got, tt.want) {
				t.Fatalf("Record = %v, want %v", got, tt.want)
			}
			if len(a.Added) != len(tt.add) {
				t.Fatalf("Added = %v", a.Added)
			}
		})
	}
}

type mapReader map[string]struct {
	body     string
	modified time.Time
}

func (m mapReader) Open(_ context.Context, key string) (io.ReadCloser, time.Time, error) {
	o, ok := m[key]
	if !ok {
		return nil, time.Time{}, errors.New("no such key")
	}
	return io.NopCloser(strings.NewReader(o.body)), o.modified, nil
}

func TestLoadActiveCounts(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	modified := time.Date(2024, 3, 10, 8, 5, 42, 0, time.UTC)
	src := mapReader{
		"active_permits.csv": {body: "FOLDERTYPE,ACTIVEPERMITS\nDS,1\n", modified: modified},
		"bad.csv":            {body: "FOLDERTYPE,ACTIVEPERMITS\nDS,x\n", modified: modified},
		"undated.csv":        {body: "FOLDERTYPE,ACTIVEPERMITS\nDS,1\n"},
	}
	got, err := LoadActiveCounts(ctx, src, "active_permits.csv")
	if err != nil || got.Counts["DS"] != 1 || !got.AsOf.Equal(modified) {
		t.Fatalf("LoadActiveCounts = %+v, %v", got, err)
	}
	var pe *ParseError
	if _, err := LoadActiveCounts(ctx, src, "bad.csv"); !errors.As(err, &pe) || pe.File != "bad.csv" {
		t.Fatalf("bad.csv: err = %v, want ParseError naming the file", err)
	}
	if _, err := LoadActiveCounts(ctx, src, "missing.csv"); err == nil || !strings.Contains(err.Error(), "missing.csv") {
		t.Fatalf("missing.csv: err = %v", err)
	}
	if _, err := LoadActiveCounts(ctx, src, "undated.csv"); err == nil || !strings.Contains(err.Error(), "LastModified") {
		t.Fatalf("undated.csv: err = %v", err)
	}
}

// FuzzParseActiveCounts checks that any input either parses into sane counts
// or fails with a *ParseError, never panics.
func FuzzParseActiveCounts(f *testing.F) {
	f.Add("FOLDERTYPE,ACTIVEPERMITS\nDS,187\nEX,23\nRW,1462\n")
	f.Add("ACTIVEPERMITS,FOLDERTYPE\n1.0,ds\r\n")
	f.Fuzz(func(t *testing.T, in string) {
		got, err := ParseActiveCounts(strings.NewReader(in))
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *ParseError", err)
			}
			return
		}
		for ft, n := range got {
			if ft == "" || ft != strings.ToUpper(ft) || n < 0 {
				t.Fatalf("bad entry %q=%d", ft, n)
			}
		}
	})
}

func TestActiveCountsMissingUnknownAndAdd(t *testing.T) {
	t.Parallel()
	a := ActiveCounts{Counts: map[string]int64{"DS": 4, "LA": 2, "ZZ": 9}, AsOf: time.Date(2024, 12, 31, 23, 59, 0, 0, time.UTC)}
	if got := a.Missing(); !slices.Equal(got, []string{"EX", "RW"}) {
		t.Errorf("Missing = %v, want [EX RW]", got)
	}
	if got := a.Unknown(); !slices.Equal(got, []string{"LA", "ZZ"}) {
		t.Errorf("Unknown = %v, want [LA ZZ]", got)
	}
	if !a.Add(Contribution{Sheet: "Residential DS Permits", FolderType: "ds", Count: 6}) {
		t.Error("a contribution to DS (in the file) was not counted")
	}
	if a.Add(Contribution{Sheet: "Extension and Revision Requests", FolderType: "EX", Count: 3}) {
		t.Error("a contribution to EX (missing from the file) was counted")
	}
	want := map[string]any{"ds": int64(10), "ex": nil, "rw": nil, "published_date": "2024-12-31T17:59:00.000"}
	if got := a.Record(mustChicago(t)); !maps.Equal(got, want) {
		t.Errorf("Record = %v, want %v", got, want)
	}
	if len(a.Added) != 1 || a.Added[0].FolderType != "DS" {
		t.Errorf("Added = %v, want only the DS contribution", a.Added)
	}
}
