package csvlimit_test

import (
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/cityofaustin/atd-executive-dashboard/internal/csvlimit"
)

// readAll reads every record of in through a limiter of limit bytes.
func readAll(in io.Reader, limit int64) ([][]string, error) {
	cr := csv.NewReader(csvlimit.NewReader(in, limit))
	cr.FieldsPerRecord = -1
	var out [][]string
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, rec)
	}
}

func TestReader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		in       string
		limit    int64
		want     [][]string // records read before the end or the error
		wantLine int        // 0: no error
		wantHead string
	}{
		{name: "within the limit", in: "a,b\n1,2\n", limit: 3, want: [][]string{{"a", "b"}, {"1", "2"}}},
		{name: "CRLF and no final line end", in: "a,b\r\n1,2", limit: 4, want: [][]string{{"a", "b"}, {"1", "2"}}},
		{name: "quoted line ends belong to the record", in: "h\n\"x\ny\"\nz\n", limit: 5, want: [][]string{{"h"}, {"x\ny"}, {"z"}}},
		{name: "quoted field over the limit across lines", in: "h\n\"x\ny\nzzzz\"\n", limit: 6, want: [][]string{{"h"}}, wantLine: 2, wantHead: "\"x\ny\nz"},
		{name: "a long record after good ones", in: "h\n1\n" + strings.Repeat("9", 50) + "\n2\n", limit: 10, want: [][]string{{"h"}, {"1"}}, wantLine: 3, wantHead: strings.Repeat("9", 10)},
		{name: "escaped quotes", in: "\"a\"\"b\",c\n", limit: 9, want: [][]string{{"a\"b", "c"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := readAll(strings.NewReader(tt.in), tt.limit)
			if !slices.EqualFunc(got, tt.want, slices.Equal) {
				t.Errorf("records = %q, want %q", got, tt.want)
			}
			var big *csvlimit.RecordTooLargeError
			switch {
			case tt.wantLine == 0 && err != nil:
				t.Fatalf("err = %v", err)
			case tt.wantLine == 0:
			case !errors.As(err, &big):
				t.Fatalf("err = %v, want a *RecordTooLargeError", err)
			case big.Line != tt.wantLine || big.Limit != tt.limit || !strings.HasPrefix(string(big.Head), tt.wantHead):
				t.Errorf("error = %+v, want line %d limit %d head %q", big, tt.wantLine, tt.limit, tt.wantHead)
			}
		})
	}
}

// gigabyte yields a header line and then one field of 1 GB, generated as
// it is read; it counts what was taken from it.
type gigabyte struct{ n, size int64 }

func (g *gigabyte) Read(p []byte) (int, error) {
	if g.n >= g.size {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), g.size-g.n)]
	for i := range p {
		switch {
		case g.n+int64(i) < 5:
			p[i] = "h,v\n1"[g.n+int64(i)]
		default:
			p[i] = 'x'
		}
	}
	g.n += int64(len(p))
	return len(p), nil
}

// TestGigabyteFieldIsNotReadWhole: a 1 GB field fails after about the
// limit, and the error quotes a few dozen bytes.
func TestGigabyteFieldIsNotReadWhole(t *testing.T) {
	t.Parallel()
	g := &gigabyte{size: 1 << 30}
	got, err := readAll(g, csvlimit.DefaultMaxRecord)
	var big *csvlimit.RecordTooLargeError
	if !errors.As(err, &big) || big.Line != 2 {
		t.Fatalf("err = %v, want a *RecordTooLargeError on line 2", err)
	}
	if len(got) != 1 {
		t.Errorf("records before the error = %q", got)
	}
	if g.n > csvlimit.DefaultMaxRecord+64<<10 {
		t.Errorf("%d bytes read from the input, want about the limit (%d)", g.n, csvlimit.DefaultMaxRecord)
	}
	if n := len(err.Error()); n > 200 {
		t.Errorf("message is %d bytes: %s", n, err)
	}
}

func TestClip(t *testing.T) {
	t.Parallel()
	if s := csvlimit.Clip("short"); s != "short" {
		t.Errorf("Clip(short) = %q", s)
	}
	long := strings.Repeat("é", 4<<20) // 8 MiB
	s := csvlimit.Clip(long)
	if len(s) > csvlimit.MaxMessage+40 || !strings.HasSuffix(s, "more bytes)") || !strings.HasPrefix(s, "éé") {
		t.Errorf("Clip(8 MiB) = %q", s)
	}
	if !strings.Contains(s, "é…") {
		t.Errorf("Clip split a character: %q", s[len(s)-40:])
	}
}

// FuzzReader: under a limit the input cannot reach, the limiter changes
// nothing encoding/csv reads.
func FuzzReader(f *testing.F) {
	for _, s := range []string{"a,b\n1,2\n", "\"x\ny\",\"\"\"\"\r\n", "a\"b\n", "\"unterminated\n", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		want, werr := readAll(strings.NewReader(in), 0)
		cr := csv.NewReader(strings.NewReader(in))
		cr.FieldsPerRecord = -1
		var got [][]string
		var gerr error
		for {
			rec, err := cr.Read()
			if err != nil {
				if err != io.EOF {
					gerr = err
				}
				break
			}
			got = append(got, rec)
		}
		if !slices.EqualFunc(got, want, slices.Equal) || (werr == nil) != (gerr == nil) {
			t.Fatalf("with limiter %q, %v; without %q, %v", want, werr, got, gerr)
		}
	})
}
