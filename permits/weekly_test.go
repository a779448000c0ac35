package permits

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden files")

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestWeekEnding(t *testing.T) {
	t.Parallel()
	chicago := mustChicago(t)
	tests := []struct {
		name string
		in   time.Time
		want string
	}{
		{"saturday is its own label", day("2024-03-16"), "2024-03-16"},
		{"sunday starts a week", day("2024-03-17"), "2024-03-23"},
		{"friday", day("2024-03-15"), "2024-03-16"},
		{"DST starts (sunday)", day("2024-03-10"), "2024-03-16"},
		{"DST starts, Chicago midnight", time.Date(2024, 3, 10, 0, 0, 0, 0, chicago), "2024-03-16"},
		{"DST ends (sunday)", time.Date(2024, 11, 3, 1, 30, 0, 0, chicago), "2024-11-09"},
		{"new year's eve", day("2024-12-31"), "2025-01-04"},
		{"new year's day", day("2025-01-01"), "2025-01-04"},
		{"new year's eve on a saturday", day("2022-12-31"), "2022-12-31"},
		{"new year's day on a sunday", day("2023-01-01"), "2023-01-07"},
		{"leap day", day("2024-02-29"), "2024-03-02"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := WeekEnding(tt.in)
			if got.Format(time.DateOnly) != tt.want || got.Weekday() != time.Saturday || got.Location() != time.UTC || got.Hour() != 0 {
				t.Errorf("WeekEnding(%v) = %v, want %s (a Saturday, midnight UTC)", tt.in, got, tt.want)
			}
		})
	}
}

// weekTable renders weeks compactly: "2024-03-16 ds=1 ex=0 rw=2 | ds=0 ex=0 rw=0 | ext=0 sheet=0".
func weekTable(weeks []WeekRow) []string {
	out := make([]string, len(weeks))
	for i, w := range weeks {
		var b strings.Builder
		b.WriteString(w.Week.Format(time.DateOnly))
		for _, m := range []map[string]int64{w.ApplicationsReceived, w.PermitsIssued} {
			for _, ft := range sortedKeys(m) {
				b.WriteString(" " + strings.ToLower(ft) + "=" + itoa(m[ft]))
			}
			b.WriteString(" |")
		}
		b.WriteString(" ext=" + itoa(w.ExtensionRequests) + " sheet=" + itoa(w.SheetDSRequests))
		out[i] = b.String()
	}
	return out
}

func sortedKeys(m map[string]int64) []string {
	keys := make([]string, 0, len(m))
	for k := range maps.Keys(m) {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func TestWeeklySummary(t *testing.T) {
	t.Parallel()
	a := func(ft, d string, n int64) AmandaDaily {
		return AmandaDaily{FolderType: ft, SubCode: "50500", Day: day(d), Count: n}
	}
	c := func(d string, n int64) DayCount { return DayCount{Day: day(d), Count: n} }
	tests := []struct {
		name    string
		in      WeeklyInputs
		want    []string
		wantErr error
	}{
		{
			name: "saturday and sunday split weeks",
			in:   WeeklyInputs{ApplicationsReceived: []AmandaDaily{a("RW", "2024-03-16", 2), a("RW", "2024-03-17", 5)}},
			want: []string{
				"2024-03-16 ds=0 ex=0 rw=2 | ds=0 ex=0 rw=0 | ext=0 sheet=0",
				"2024-03-23 ds=0 ex=0 rw=5 | ds=0 ex=0 rw=0 | ext=0 sheet=0",
			},
		},
		{
			name: "new year in one week",
			in: WeeklyInputs{PermitsIssued: []AmandaDaily{a("EX", "2024-12-31", 1), a("EX", "2025-01-01", 2), a("ex", "2025-01-04", 4)},
				ExtensionRequests: []DayCount{c("2024-12-29", 3)}},
			want: []string{"2025-01-04 ds=0 ex=0 rw=0 | ds=0 ex=7 rw=0 | ext=3 sheet=0"},
		},
		{
			name: "DST change days",
			in: WeeklyInputs{ApplicationsReceived: []AmandaDaily{a("DS", "2024-03-09", 1), a("DS", "2024-03-10", 1), a("DS", "2024-11-03", 1)},
				ResidentialDS: []DayCount{c("2024-11-02", 1)}},
			want: func() []string {
				var w []string
				for d := day("2024-03-16"); !d.After(day("2024-11-09")); d = d.AddDate(0, 0, 7) {
					w = append(w, d.Format(time.DateOnly)+" ds=0 ex=0 rw=0 | ds=0 ex=0 rw=0 | ext=0 sheet=0")
				}
				w = append([]string{"2024-03-09 ds=1 ex=0 rw=0 | ds=0 ex=0 rw=0 | ext=0 sheet=0"}, w...)
				w[1] = "2024-03-16 ds=1 ex=0 rw=0 | ds=0 ex=0 rw=0 | ext=0 sheet=0"
				w[len(w)-2] = "2024-11-02 ds=1 ex=0 rw=0 | ds=0 ex=0 rw=0 | ext=0 sheet=1"
				w[len(w)-1] = "2024-11-09 ds=1 ex=0 rw=0 | ds=0 ex=0 rw=0 | ext=0 sheet=0"
				return w
			}(),
		},
		{
			name: "missing weeks count zero",
			in: WeeklyInputs{ApplicationsReceived: []AmandaDaily{a("DS", "2024-01-01", 1)},
				PermitsIssued: []AmandaDaily{a("RW", "2024-01-24", 3)}},
			want: []string{
				"2024-01-06 ds=1 ex=0 rw=0 | ds=0 ex=0 rw=0 | ext=0 sheet=0",
				"2024-01-13 ds=0 ex=0 rw=0 | ds=0 ex=0 rw=0 | ext=0 sheet=0",
				"2024-01-20 ds=0 ex=0 rw=0 | ds=0 ex=0 rw=0 | ext=0 sheet=0",
				"2024-01-27 ds=0 ex=0 rw=0 | ds=0 ex=0 rw=3 | ext=0 sheet=0",
			},
		},
		{
			name: "folder type absent for a whole source",
			in: WeeklyInputs{ApplicationsReceived: []AmandaDaily{a("DS", "2024-05-01", 1), a("EX", "2024-05-02", 2), a("RW", "2024-05-03", 3)},
				PermitsIssued: []AmandaDaily{a("RW", "2024-05-01", 4)}},
			want: []string{"2024-05-04 ds=1 ex=2 rw=3 | ds=0 ex=0 rw=4 | ext=0 sheet=0"},
		},
		{
			name: "DS fold-in of commercial and residential",
			in: WeeklyInputs{ApplicationsReceived: []AmandaDaily{a("DS", "2024-05-01", 3), a("DS", "2024-05-01", 1)},
				CommercialDS: []DayCount{c("2024-04-28", 2), c("2024-05-04", 1)}, ResidentialDS: []DayCount{c("2024-05-02", 4)},
				PermitsIssued: []AmandaDaily{a("DS", "2024-05-01", 7)}},
			want: []string{"2024-05-04 ds=11 ex=0 rw=0 | ds=7 ex=0 rw=0 | ext=0 sheet=7"},
		},
		{
			name: "smartsheet only weeks extend the range",
			in: WeeklyInputs{ApplicationsReceived: []AmandaDaily{a("DS", "2024-05-08", 1)},
				ExtensionRequests: []DayCount{c("2024-04-30", 2)}},
			want: []string{
				"2024-05-04 ds=0 ex=0 rw=0 | ds=0 ex=0 rw=0 | ext=2 sheet=0",
				"2024-05-11 ds=1 ex=0 rw=0 | ds=0 ex=0 rw=0 | ext=0 sheet=0",
			},
		},
		{
			name: "custom folder types",
			in:   WeeklyInputs{FolderTypes: []string{"DS", "LA"}, ApplicationsReceived: []AmandaDaily{a("LA", "2024-05-01", 1)}},
			want: []string{"2024-05-04 ds=0 la=1 | ds=0 la=0 | ext=0 sheet=0"},
		},
		{name: "all sources empty", in: WeeklyInputs{}, want: []string{}},
		{name: "unknown folder type", in: WeeklyInputs{PermitsIssued: []AmandaDaily{a("LA", "2024-05-01", 1)}}, wantErr: ErrUnknownFolderType},
		{name: "zero day", in: WeeklyInputs{CommercialDS: []DayCount{{Count: 1}}}, wantErr: ErrDayOutOfRange},
		{name: "folder types without DS", in: WeeklyInputs{FolderTypes: []string{"RW"}}, wantErr: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := WeeklySummary(tt.in)
			if tt.wantErr != nil || tt.want == nil {
				if err == nil {
					t.Fatalf("WeeklySummary succeeded with %v, want an error", weekTable(got))
				}
				if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
					t.Errorf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("WeeklySummary: %v", err)
			}
			if g := weekTable(got); strings.Join(g, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("weeks:\n%s\nwant:\n%s", strings.Join(g, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestWeekRowRecord(t *testing.T) {
	t.Parallel()
	w := WeekRow{Week: day("2025-01-04"), ApplicationsReceived: map[string]int64{"DS": 9, "EX": 1, "RW": 0},
		PermitsIssued: map[string]int64{"DS": 0, "EX": 0, "RW": 7}, ExtensionRequests: 2, SheetDSRequests: 5}
	got := w.Record()
	want := map[string]any{
		"date": "2025-01-04T00:00:00.000", "ds_applications_received": int64(9), "ex_applications_received": int64(1),
		"rw_applications_received": int64(0), "ds_permits_issued": int64(0), "ex_permits_issued": int64(0),
		"rw_permits_issued": int64(7), "extension_requests": int64(2),
	}
	if !maps.Equal(got, want) {
		t.Errorf("Record() = %v\nwant %v", got, want)
	}
}

// dirReader is an ObjectReader over files in a directory.
type dirReader struct {
	fsys     fs.FS
	modified time.Time
}

func (d dirReader) Open(_ context.Context, key string) (io.ReadCloser, time.Time, error) {
	f, err := d.fsys.Open(key)
	if err != nil {
		return nil, time.Time{}, err
	}
	return f, d.modified, nil
}

func TestWeeklyGolden(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	src := dirReader{os.DirFS(filepath.Join("testdata", "weekly")), time.Date(2025, 2, 2, 12, 0, 0, 0, time.UTC)}
	in, err := LoadWeeklyInputs(ctx, src, DefaultWeeklySources())
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Files) != 5 || in.Files[0].Key != ApplicationsReceivedKey || in.Files[0].Rows != 10 || !in.Files[4].Modified.Equal(src.modified) {
		t.Errorf("files = %+v", in.Files)
	}
	weeks, err := WeeklySummary(in)
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	for _, rec := range Records(weeks) {
		line, err := json.Marshal(rec) // map keys sorted: a stable golden
		if err != nil {
			t.Fatal(err)
		}
		got.Write(line)
		got.WriteByte('\n')
	}
	golden := filepath.Join("testdata", "weekly", "weekly.golden")
	if *update {
		if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("weekly rows differ from %s:\n%s\nwant:\n%s", golden, got.Bytes(), want)
	}
}

func TestLoadWeeklyInputsErrors(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	src := dirReader{os.DirFS(filepath.Join("testdata", "weekly")), time.Now()}
	files := DefaultWeeklySources()
	files.ResidentialDS.Key = "missing.csv"
	if _, err := LoadWeeklyInputs(ctx, src, files); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "missing.csv") {
		t.Errorf("missing file: err = %v", err)
	}
	files = DefaultWeeklySources()
	files.CommercialDS.DayColumn = "Created" // the file says Date Created
	var pe *ParseError
	if _, err := LoadWeeklyInputs(ctx, src, files); !errors.As(err, &pe) || pe.File != CommercialDSKey || pe.Line != 1 {
		t.Errorf("wrong date column: err = %v", err)
	}
	files = DefaultWeeklySources()
	files.ApplicationsReceived.DayColumn = IssueDayHeader
	if _, err := LoadWeeklyInputs(ctx, src, files); !errors.As(err, &pe) || pe.File != ApplicationsReceivedKey {
		t.Errorf("wrong day header: err = %v", err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func BenchmarkWeeklySummary(b *testing.B) {
	var in WeeklyInputs
	for d := day("2018-10-01"); d.Before(day("2024-10-01")); d = d.AddDate(0, 0, 1) {
		for _, ft := range []string{"DS", "EX", "RW"} {
			for sub := range 4 {
				row := AmandaDaily{FolderType: ft, SubCode: strconv.Itoa(50500 + sub), Day: d, Count: int64(sub + 1)}
				in.ApplicationsReceived = append(in.ApplicationsReceived, row)
				in.PermitsIssued = append(in.PermitsIssued, row)
			}
		}
		in.CommercialDS = append(in.CommercialDS, DayCount{Day: d, Count: 1})
		in.ResidentialDS = append(in.ResidentialDS, DayCount{Day: d, Count: 2})
		in.ExtensionRequests = append(in.ExtensionRequests, DayCount{Day: d, Count: 3})
	}
	for b.Loop() {
		if _, err := WeeklySummary(in); err != nil {
			b.Fatal(err)
		}
	}
}

func TestLoadWeeklyInputsRepeatedAndEmpty(t *testing.T) {
	t.Parallel()
	modified := time.Date(2025, 2, 3, 8, 0, 0, 0, time.UTC)
	amandaHeader := "FOLDERTYPE,SUBCODE,\"TO_CHAR(ROUND(INDATE,'DDD'),'YYYY-MM-DD')\",ISSUEDROWPERMITS\n"
	issuedHeader := "FOLDERTYPE,SUBCODE,\"TO_CHAR(ROUND(ISSUEDATE,'DDD'),'YYYY-MM-DD')\",ISSUEDROWPERMITS\n"
	src := mapReader{
		// DS 50500 on 2024-12-15 twice; RW on the same day is another key.
		ApplicationsReceivedKey: {body: amandaHeader + "DS,50500,2024-12-15,3\nRW,50500,2024-12-15,1\nDS,50500,2024-12-15,4\n", modified: modified},
		IssuedPermitsKey:        {body: issuedHeader + "RW,50500,2024-12-16,10\n", modified: modified},
		CommercialDSKey:         {body: "Date Created,Count Permits\n2024-12-18,2\n2024-12-14,1\n2024-12-18,3\n2024-12-14,1\n", modified: modified},
		ExtensionRequestsKey:    {body: "Created,Count Permits\n", modified: modified},
		ResidentialDSKey:        {body: "Date Created,Count Permits\n2024-12-19,5\n", modified: modified},
	}
	in, err := LoadWeeklyInputs(t.Context(), src, DefaultWeeklySources())
	if err != nil {
		t.Fatal(err)
	}
	repeated := map[string]string{}
	for _, f := range in.Files {
		var days []string
		for _, d := range f.Repeated {
			days = append(days, d.Format(DayLayout))
		}
		repeated[f.Key] = strings.Join(days, " ")
	}
	want := map[string]string{ApplicationsReceivedKey: "2024-12-15", IssuedPermitsKey: "", CommercialDSKey: "2024-12-14 2024-12-18",
		ExtensionRequestsKey: "", ResidentialDSKey: ""}
	if !maps.Equal(repeated, want) {
		t.Errorf("repeated days = %v, want %v", repeated, want)
	}
	weeks, err := WeeklySummary(in)
	if err != nil {
		t.Fatal(err)
	}
	// Week ending 2024-12-21: DS 3+4 (AMANDA) + 2+3 (Commercial) + 5 (Residential).
	if len(weeks) != 2 || weeks[1].ApplicationsReceived["DS"] != 17 || weeks[0].ApplicationsReceived["DS"] != 2 {
		t.Errorf("weeks = %+v, want the repeated days summed", weeks)
	}
	err = in.RequireRows()
	if !errors.Is(err, ErrNoRows) || !strings.Contains(err.Error(), ExtensionRequestsKey) || strings.Contains(err.Error(), ResidentialDSKey) {
		t.Errorf("RequireRows = %v, want ErrNoRows naming %s only", err, ExtensionRequestsKey)
	}
	src[ExtensionRequestsKey] = struct {
		body     string
		modified time.Time
	}{"Created,Count Permits\n2024-12-17,4\n", modified}
	if in, err = LoadWeeklyInputs(t.Context(), src, DefaultWeeklySources()); err != nil || in.RequireRows() != nil {
		t.Errorf("every file has rows: load %v, RequireRows %v", err, in.RequireRows())
	}
}
