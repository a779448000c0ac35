package permits

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseDay(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want string // "" for an error
	}{
		{"2024-03-10", "2024-03-10"},
		{" 2024-03-10 ", "2024-03-10"},
		{"2024-03-10 00:00:00", "2024-03-10"},
		{"2024-03-10T00:00:00", "2024-03-10"},
		{"2024-03-10T05:00:00Z", "2024-03-10"},
		{"2024-03-10 14:30", "2024-03-10"},
		{"2024-02-29", "2024-02-29"},
		{"2023-02-29", ""},
		{"2024-3-10", ""},
		{"03/10/2024", ""},
		{"2024-03-10x", ""},
		{"2024-03-10 noon", ""},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseDay(tt.in)
			if tt.want == "" {
				if err == nil {
					t.Errorf("ParseDay(%q) = %v, want an error", tt.in, got)
				}
				return
			}
			if err != nil || got.Format(time.DateOnly) != tt.want || got.Location() != time.UTC || !got.Equal(day(tt.want)) {
				t.Errorf("ParseDay(%q) = %v, %v; want %s", tt.in, got, err, tt.want)
			}
		})
	}
}

const amandaHeader = `FOLDERTYPE,SUBCODE,"TO_CHAR(ROUND(INDATE,'DDD'),'YYYY-MM-DD')",ISSUEDROWPERMITS` + "\n"

func TestParseAmandaDaily(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		header  string
		want    []AmandaDaily
		noDay   int
		wantErr string
		line    int
	}{
		{name: "export", in: amandaHeader + "DS,50500,2024-03-10,3\nrw,,2024-03-11,1.0\n", header: IntakeDayHeader,
			want: []AmandaDaily{{"DS", "50500", day("2024-03-10"), 3}, {"RW", "", day("2024-03-11"), 1}}},
		{name: "issue day header", in: "FOLDERTYPE,SUBCODE,\"TO_CHAR(ROUND(ISSUEDATE,'DDD'),'YYYY-MM-DD')\",ISSUEDROWPERMITS\nEX,1,2024-01-01,2\n",
			header: IssueDayHeader, want: []AmandaDaily{{"EX", "1", day("2024-01-01"), 2}}},
		{name: "reordered with spaces and BOM", in: "\ufeffISSUEDROWPERMITS, FOLDERTYPE ,\"TO_CHAR(ROUND(INDATE, 'DDD'), 'YYYY-MM-DD')\",SUBCODE,EXTRA\n4,DS,2024-01-02,7,x\n",
			header: IntakeDayHeader, want: []AmandaDaily{{"DS", "7", day("2024-01-02"), 4}}},
		{name: "empty day skipped and counted", in: amandaHeader + "DS,1,,3\nDS,1,2024-01-02,1\n", header: IntakeDayHeader,
			want: []AmandaDaily{{"DS", "1", day("2024-01-02"), 1}}, noDay: 1},
		{name: "header only", in: amandaHeader, header: IntakeDayHeader},
		{name: "empty", in: "", header: IntakeDayHeader, wantErr: "empty file", line: 1},
		{name: "wrong day column", in: amandaHeader, header: IssueDayHeader, wantErr: "lacks column TO_CHAR(ROUND(ISSUEDATE", line: 1},
		{name: "unquoted expression header", in: "FOLDERTYPE,SUBCODE,TO_CHAR(ROUND(INDATE,'DDD'),'YYYY-MM-DD'),ISSUEDROWPERMITS\nDS,1,2024-01-01,1\n",
			header: IntakeDayHeader, wantErr: "lacks column", line: 1},
		{name: "bad day", in: amandaHeader + "DS,1,2024-01-01,1\nDS,1,01/02/2024,1\n", header: IntakeDayHeader, wantErr: "not YYYY-MM-DD", line: 3},
		{name: "bad count", in: amandaHeader + "DS,1,2024-01-01,three\n", header: IntakeDayHeader, wantErr: "not an integer", line: 2},
		{name: "negative count", in: amandaHeader + "DS,1,2024-01-01,-3\n", header: IntakeDayHeader, wantErr: "negative", line: 2},
		{name: "empty folder type", in: amandaHeader + ",1,2024-01-01,3\n", header: IntakeDayHeader, wantErr: "empty folder type", line: 2},
		{name: "short row", in: amandaHeader + "DS,1\n", header: IntakeDayHeader, wantErr: "fields", line: 2},
		{name: "html", in: "<html><body>denied</body></html>", header: IntakeDayHeader, wantErr: "lacks column", line: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseAmandaDaily(strings.NewReader(tt.in), "f.csv", tt.header)
			if tt.wantErr != "" {
				var pe *ParseError
				if !errors.As(err, &pe) || !strings.Contains(err.Error(), tt.wantErr) || pe.Line != tt.line || pe.File != "f.csv" {
					t.Fatalf("err = %v (%#v), want ParseError line %d containing %q", err, pe, tt.line, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.NoDay != tt.noDay || len(got.Rows) != len(tt.want) {
				t.Fatalf("got %+v, want %+v (noDay %d)", got, tt.want, tt.noDay)
			}
			for i := range tt.want {
				if g, w := got.Rows[i], tt.want[i]; g.FolderType != w.FolderType || g.SubCode != w.SubCode || !g.Day.Equal(w.Day) || g.Count != w.Count {
					t.Errorf("row %d = %+v, want %+v", i, g, w)
				}
			}
		})
	}
}

func TestParseSheetDaily(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, column string
		want             []DayCount
		wantErr          string
		line             int
	}{
		{name: "export", in: "Date Created,Count Permits\n2024-03-09,2\n2024-03-10,1\n", column: "Date Created",
			want: []DayCount{{day("2024-03-09"), 2}, {day("2024-03-10"), 1}}},
		{name: "any date column", in: "Created,Count Permits\r\n2024-03-09,2\r\n", want: []DayCount{{day("2024-03-09"), 2}}},
		{name: "header only", in: "Created,Count Permits\n", column: "Created"},
		{name: "wrong date column", in: "Created,Count Permits\n", column: "Date Created", wantErr: "is not", line: 1},
		{name: "no count column", in: "Created,Count\n", wantErr: "is not", line: 1},
		{name: "extra column", in: "Created,Count Permits,x\n", wantErr: "is not", line: 1},
		{name: "empty", in: "", wantErr: "empty file", line: 1},
		{name: "repeated day kept for summing", in: "Created,Count Permits\n2024-03-09,2\n2024-03-09,1\n",
			want: []DayCount{{day("2024-03-09"), 2}, {day("2024-03-09"), 1}}},
		{name: "bad day", in: "Created,Count Permits\n3/9/2024,2\n", wantErr: "not YYYY-MM-DD", line: 2},
		{name: "bad count", in: "Created,Count Permits\n2024-03-09,2.5\n", wantErr: "not an integer", line: 2},
		{name: "short row", in: "Created,Count Permits\n2024-03-09\n", wantErr: "fields", line: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseSheetDaily(strings.NewReader(tt.in), "s.csv", tt.column)
			if tt.wantErr != "" {
				var pe *ParseError
				if !errors.As(err, &pe) || !strings.Contains(err.Error(), tt.wantErr) || pe.Line != tt.line {
					t.Fatalf("err = %v, want ParseError line %d containing %q", err, tt.line, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			for i := range got {
				if !got[i].Day.Equal(tt.want[i].Day) || got[i].Count != tt.want[i].Count {
					t.Errorf("row %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestDayTally(t *testing.T) {
	t.Parallel()
	chicago := mustChicago(t)
	tally := NewDayTally(chicago)
	utc := func(s string) time.Time {
		ts, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return ts
	}
	tally.AddInstant(utc("2024-03-10T05:59:59Z")) // 23:59:59 CST on the 9th
	tally.AddInstant(utc("2024-03-10T06:00:00Z")) // 00:00 CST on the 10th (DST starts at 2:00)
	tally.AddInstant(utc("2024-03-11T04:59:59Z")) // 23:59:59 CDT on the 10th
	tally.AddInstant(utc("2024-11-03T05:30:00Z")) // 00:30 CDT on Nov 3 (DST ends)
	tally.AddInstant(utc("2024-11-04T05:30:00Z")) // 23:30 CST on Nov 3
	tally.AddInstant(utc("2025-01-01T05:59:00Z")) // 23:59 CST on New Year's Eve
	tally.AddDate(time.Date(2024, 3, 10, 23, 0, 0, 0, time.UTC))
	tally.AddMissing()
	tally.AddInvalid()
	for _, s := range []string{"2024-03-09", "03/09/24", "3/9/2024 11:12 PM", "2024-03-10T03:30:00-05:00", "", "  ", "soon", "13/45/24"} {
		tally.AddText(s)
	}
	var got bytes.Buffer
	if err := WriteSheetDaily(&got, "Date Created", tally.Counts()); err != nil {
		t.Fatal(err)
	}
	want := "Date Created,Count Permits\n" +
		"2024-03-09,4\n" + // 1 instant + 3 texts
		"2024-03-10,4\n" + // 2 instants + AddDate + RFC 3339 text (08:30Z = 03:30 CDT)
		"2024-11-03,2\n" +
		"2024-12-31,1\n"
	if got.String() != want {
		t.Errorf("daily file:\n%s\nwant:\n%s", got.String(), want)
	}
	if tally.Missing != 3 || tally.Invalid != 3 || tally.Counted() != 11 {
		t.Errorf("missing %d invalid %d counted %d; want 3, 3, 11", tally.Missing, tally.Invalid, tally.Counted())
	}
	back, err := ParseSheetDaily(&got, "round trip", "Date Created")
	if err != nil || len(back) != 4 || back[1].Count != 4 {
		t.Errorf("round trip = %+v, %v", back, err)
	}
}

func FuzzParseDay(f *testing.F) {
	for _, s := range []string{"2024-03-10", "2024-03-10 00:00:00", "2024-03-10T05:00:00Z", "2024-02-30", "", "2024-03-10\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDay(s)
		if err != nil {
			return
		}
		if d.Hour() != 0 || d.Minute() != 0 || d.Location() != time.UTC {
			t.Fatalf("ParseDay(%q) = %v, not midnight UTC", s, d)
		}
		if again, err := ParseDay(d.Format(DayLayout)); err != nil || !again.Equal(d) {
			t.Fatalf("ParseDay(%q) = %v does not round-trip: %v, %v", s, d, again, err)
		}
	})
}

func FuzzParseAmandaDaily(f *testing.F) {
	f.Add(amandaHeader + "DS,50500,2024-03-10,3\nRW,,2024-03-11,1.0\n")
	f.Add(amandaHeader + "DS,1,,3\n")
	f.Add("FOLDERTYPE\n\"")
	f.Fuzz(func(t *testing.T, in string) {
		got, err := ParseAmandaDaily(strings.NewReader(in), "f.csv", IntakeDayHeader)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *ParseError", err)
			}
			return
		}
		for _, r := range got.Rows {
			if r.Count < 0 || r.FolderType == "" || r.FolderType != strings.ToUpper(r.FolderType) {
				t.Fatalf("bad row %+v", r)
			}
		}
		if _, err := WeeklySummary(WeeklyInputs{ApplicationsReceived: got.Rows, FolderTypes: folderTypesOf(got.Rows)}); err != nil && !errors.Is(err, ErrDayOutOfRange) {
			t.Fatalf("WeeklySummary of parsed rows: %v", err)
		}
	})
}

// folderTypesOf returns DS plus every type in rows.
func folderTypesOf(rows []AmandaDaily) []string {
	types := []string{"DS"}
	for _, r := range rows {
		types = append(types, r.FolderType)
	}
	return types
}

func FuzzParseSheetDaily(f *testing.F) {
	f.Add("Date Created,Count Permits\n2024-03-09,2\n2024-03-10,1\n")
	f.Add("Created,Count Permits\n2024-03-09,2\n2024-03-09,1\n")
	f.Add("Created,Count Permits\n\"2024-03-09\n")
	f.Fuzz(func(t *testing.T, in string) {
		got, err := ParseSheetDaily(strings.NewReader(in), "s.csv", "")
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *ParseError", err)
			}
			return
		}
		var buf bytes.Buffer
		if err := WriteSheetDaily(&buf, "Date", got); err != nil {
			t.Fatal(err)
		}
		back, err := ParseSheetDaily(&buf, "s.csv", "Date")
		if err != nil || len(back) != len(got) {
			t.Fatalf("round trip of %+v: %+v, %v", got, back, err)
		}
	})
}

func FuzzDayTallyText(f *testing.F) {
	for _, s := range []string{"2024-03-09", "03/09/24", "3/9/2024 11:12 PM", "2024-03-10T03:30:00-05:00", "", "soon", "13/45/24"} {
		f.Add(s)
	}
	chicago := mustChicago(f)
	f.Fuzz(func(t *testing.T, s string) {
		tally := NewDayTally(chicago)
		counted := tally.AddText(s)
		if n := tally.Counted() + int64(tally.Missing+tally.Invalid); n != 1 {
			t.Fatalf("AddText(%q) accounted for %d rows, want exactly 1", s, n)
		}
		if counted != (tally.Counted() == 1) {
			t.Fatalf("AddText(%q) = %v but counted %d", s, counted, tally.Counted())
		}
		for _, c := range tally.Counts() {
			if c.Day.Location() != time.UTC || c.Day.Hour() != 0 {
				t.Fatalf("day %v is not a calendar day", c.Day)
			}
		}
	})
}
