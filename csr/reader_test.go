package csr

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/cityofaustin/atd-executive-dashboard/socrata"
	"golang.org/x/text/encoding/unicode"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden files")

// utf16le encodes s as UTF-16 LE with a byte-order mark, as the report is.
func utf16le(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(s))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// header is the report header line (tab-separated, no line end).
func header() string {
	names := make([]string, NumColumns)
	for c := range Column(NumColumns) {
		names[c] = c.Name()
	}
	return strings.Join(names, "\t")
}

func mustOpen(tb testing.TB, name string) *os.File {
	tb.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { f.Close() })
	return f
}

// jsonLines renders rows as the Socrata client would send them, one JSON
// object per line (keys sorted by encoding/json).
func jsonLines(tb testing.TB, rows []map[string]any) []byte {
	tb.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for _, r := range rows {
		if err := enc.Encode(r); err != nil {
			tb.Fatal(err)
		}
	}
	return buf.Bytes()
}

func checkGolden(tb testing.TB, name string, got []byte) {
	tb.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		tb.Errorf("%s differs from the golden file:\n got: %s\nwant: %s", name, got, want)
	}
}

func readAll(tb testing.TB, r io.Reader) ([]map[string]any, error) {
	tb.Helper()
	rd, err := NewReader(r)
	if err != nil {
		return nil, err
	}
	var rows []map[string]any
	for row, err := range mapRows(rd) {
		if err != nil {
			return rows, err
		}
		rows = append(rows, row)
	}
	return rows, nil
}

func TestReaderGolden(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, file, golden string
		rows               int
	}{
		{"utf16 le sample", "report_sample.tsv", "report_sample.golden", 6},
		{"utf16 be", "report_utf16_be.tsv", "report_utf16_be.golden", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rows, err := readAll(t, mustOpen(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != tc.rows {
				t.Fatalf("got %d rows, want %d", len(rows), tc.rows)
			}
			got := jsonLines(t, rows)
			if bytes.Contains(got, []byte("NaN")) || bytes.Contains(got, []byte(`"nan"`)) {
				t.Errorf("output contains NaN: %s", got)
			}
			checkGolden(t, tc.golden, got)
		})
	}
}

// TestSampleValues spells out the cases the golden file covers, so a wrong
// golden cannot hide them.
func TestSampleValues(t *testing.T) {
	t.Parallel()
	rows, err := readAll(t, mustOpen(t, "report_sample.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		row   int
		field string
		want  any
	}{
		{"date with seconds and PM", 0, "status_change_date", "2023-10-03T14:15:07"},
		{"fiscal year from October", 0, "fiscal_year", int64(2024)},
		{"fiscal year before October", 1, "fiscal_year", int64(2023)},
		{"integer count", 0, "closed_count", int64(1)},
		{"decimal days", 0, "response_days", 2.22},
		{"x coordinate", 0, "state_plane_x_coordinate", 3114567.891},
		{"location", 0, "location", "POINT (-97.74204105377774 30.26631862467003)"},
		{"blank close date", 1, "close_date", nil},
		{"blank coordinates", 1, "location", nil},
		{"blank number", 1, "response_days", nil},
		{"quoted address", 2, "sr_location", `500 E 7TH ST "REAR", AUSTIN, TX 78701`},
		{"12 AM is midnight", 2, "status_change_date", "2023-12-01T00:00:00"},
		{"12 PM is noon", 2, "created_date", "2023-12-01T12:00:00"},
		{"no seconds", 2, "last_update_date", "2023-12-02T00:30:00"},
		{"24 hour without seconds", 2, "close_date", "2023-12-02T00:30:00"},
		{"December fiscal year", 2, "fiscal_year", int64(2024)},
		{"literal quote", 3, "sr_location", `12 "B" ST, AUSTIN`},
		{"ISO with T", 3, "created_date", "2024-01-05T08:00:00"},
		{"ISO without seconds", 3, "overdue_on_date", "2024-01-12T08:00:00"},
		{"marker N/A", 4, "department", nil},
		{"marker NULL", 4, "group_description", nil},
		{"marker NA in number", 4, "is_duplicate_1_0", nil},
		{"marker NaN in date", 4, "status_change_date", nil},
		{"spring-forward hour is not converted", 4, "created_date", "2024-03-10T02:30:00"},
		{"one coordinate missing", 4, "location", nil},
		{"present y kept", 4, "state_plane_y_coordinate", 1.007e7},
		{"marker 1.#QNAN", 4, "closed_count", nil},
		{"multi-line quoted field", 5, "sr_location", "LAMAR BLVD\nAT 5TH ST"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := rows[tc.row][tc.field]
			if !ok {
				t.Fatalf("row %d has no field %q", tc.row, tc.field)
			}
			if got != tc.want {
				t.Errorf("row %d %s = %#v, want %#v", tc.row, tc.field, got, tc.want)
			}
		})
	}
	for i, r := range rows {
		if len(r) != NumColumns+2 {
			t.Errorf("row %d has %d fields, want %d", i, len(r), NumColumns+2)
		}
		for _, f := range Fields() {
			if _, ok := r[f]; !ok {
				t.Errorf("row %d lacks %q", i, f)
			}
		}
	}
}

func TestReaderErrors(t *testing.T) {
	t.Parallel()
	hdr := header()
	row := func(sr string, set ...any) string {
		v := make([]string, NumColumns)
		v[ColSRNumber] = sr
		for i := 0; i+1 < len(set); i += 2 {
			v[set[i].(Column)] = set[i+1].(string)
		}
		if v[ColCreatedDate] == "" {
			v[ColCreatedDate] = "1/2/2024 3:04:05 PM"
		}
		return strings.Join(v, "\t")
	}
	for _, tc := range []struct {
		name     string
		body     []byte
		file     string
		what     string // FormatError.What, or ""
		gotHas   string // substring of FormatError.Got
		parseErr error  // ParseError cause
		row      int
		line     int
		column   string
	}{
		{name: "bad date", file: "report_bad_date.tsv", parseErr: ErrBadDate, row: 3, line: 4, column: "Created Date"},
		{name: "missing columns", file: "report_missing_columns.tsv", what: "columns", gotHas: `"Close Date", "SR Location"`},
		{name: "utf-8 without BOM", file: "report_utf8.tsv", what: "encoding", gotHas: `UTF-8 text (starting "Service Request (SR) Number`},
		{name: "html firewall page", file: "report_waf_block.html", what: "html", gotHas: "an HTML page titled 'Request Rejected'"},
		{name: "html firewall page in utf-16", file: "report_waf_block_utf16.html", what: "html", gotHas: "titled 'Request Rejected'"},
		{name: "empty body", body: []byte{}, what: "empty"},
		{name: "bom only", body: []byte{0xFF, 0xFE}, what: "empty"},
		{name: "utf-16 without BOM", body: utf16le(t, hdr)[2:], what: "encoding", gotHas: "UTF-16 text without a byte-order mark"},
		{name: "utf-8 BOM html", body: append([]byte{0xEF, 0xBB, 0xBF}, "<html><title>Blocked</title>"...), what: "html", gotHas: "'Blocked'"},
		{name: "xlsx", body: []byte("PK\x03\x04\x14\x00\x06\x00"), what: "encoding", gotHas: "ZIP archive"},
		{name: "binary", body: []byte{0x00, 0x01, 0x02, 0x03, 0x04}, what: "encoding", gotHas: "binary data"},
		{name: "field count", body: utf16le(t, hdr+"\r\n"+row("a")+"\r\n"+row("b")+"\tEXTRA\r\n"), parseErr: ErrFieldCount, row: 2, line: 3},
		{name: "unterminated quote", body: utf16le(t, hdr+"\r\n"+row("a")+"\r\n\"open"+row("b")+"\r\n"), parseErr: ErrQuote, row: 2, line: 3},
		{name: "hour 13 PM", body: utf16le(t, hdr+"\r\n"+row("a")+"\r\n"+row("b", ColCloseDate, "1/2/2024 13:04 PM")+"\r\n"), parseErr: ErrBadDate, row: 2, line: 3, column: "Close Date"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var r io.Reader = bytes.NewReader(tc.body)
			if tc.file != "" {
				r = mustOpen(t, tc.file)
			}
			_, err := readAll(t, r)
			if err == nil {
				t.Fatal("no error")
			}
			if tc.what != "" {
				var ferr *FormatError
				if !errors.As(err, &ferr) || !errors.Is(err, ErrNotReport) {
					t.Fatalf("got %T %v, want *FormatError", err, err)
				}
				if ferr.What != tc.what || !strings.Contains(ferr.Got, tc.gotHas) {
					t.Fatalf("got What=%q Got=%q, want %q containing %q", ferr.What, ferr.Got, tc.what, tc.gotHas)
				}
				if strings.Contains(err.Error(), "support ID") {
					t.Errorf("error quotes the page body: %v", err)
				}
				if tc.what == "columns" && !slices.Equal(ferr.Missing, []string{"Close Date", "SR Location"}) {
					t.Errorf("Missing = %q", ferr.Missing)
				}
				return
			}
			var perr *ParseError
			if !errors.As(err, &perr) || !errors.Is(err, tc.parseErr) {
				t.Fatalf("got %T %v, want *ParseError wrapping %v", err, err, tc.parseErr)
			}
			if perr.Row != tc.row || perr.Line != tc.line || perr.Column != tc.column {
				t.Fatalf("got row %d line %d column %q, want %d %d %q (%v)", perr.Row, perr.Line, perr.Column, tc.row, tc.line, tc.column, err)
			}
		})
	}
}

func TestReaderShapes(t *testing.T) {
	t.Parallel()
	hdr := header()
	rec := func(sr, loc string) string {
		v := make([]string, NumColumns)
		v[ColSRNumber], v[ColSRLocation] = sr, loc
		return strings.Join(v, "\t")
	}
	long := strings.Repeat("x", 200_000)
	for _, tc := range []struct {
		name string
		text string
		want []string // SR numbers + "|" + location
	}{
		{"LF line ends", hdr + "\n" + rec("1", "a") + "\n", []string{"1|a"}},
		{"no final line end", hdr + "\r\n" + rec("1", "a"), []string{"1|a"}},
		{"blank lines skipped", hdr + "\r\n\r\n" + rec("1", "a") + "\r\n\r\n" + rec("2", "b") + "\r\n\r\n", []string{"1|a", "2|b"}},
		{"quoted tab", hdr + "\r\n" + rec("1", "\"a\tb\"") + "\r\n", []string{"1|a\tb"}},
		{"quoted CRLF", hdr + "\r\n" + rec("1", "\"a\r\nb\"") + "\r\n" + rec("2", "c") + "\r\n", []string{"1|a\nb", "2|c"}},
		{"text after closing quote", hdr + "\r\n" + rec("1", `"The Drag" area`) + "\r\n", []string{"1|The Drag area"}},
		{"empty quoted", hdr + "\r\n" + rec("1", `""`) + "\r\n", []string{"1|"}},
		{"line longer than the buffer", hdr + "\r\n" + rec("1", long) + "\r\n" + rec("2", "b") + "\r\n", []string{"1|" + long, "2|b"}},
		{"non-ASCII", hdr + "\r\n" + rec("1", "Ñandú 🚦 St") + "\r\n", []string{"1|Ñandú 🚦 St"}},
		{"extra and reordered columns", "Extra\t" + hdr + "\r\nzz\t" + rec("1", "a") + "\r\n", []string{"1|a"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rd, err := NewReader(bytes.NewReader(utf16le(t, tc.text)))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for {
				r, err := rd.Read()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, r.Values[ColSRNumber]+"|"+r.Values[ColSRLocation])
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
			if _, err := rd.Read(); !errors.Is(err, io.EOF) {
				t.Fatalf("Read after EOF = %v, want io.EOF", err)
			}
		})
	}
}

func TestTransformBlanks(t *testing.T) {
	t.Parallel()
	var rec Record
	for c := range Column(NumColumns) {
		rec.Values[c] = "  "
	}
	row, err := mapRow(NewTransformer(), &rec)
	if err != nil {
		t.Fatal(err)
	}
	for c := range Column(NumColumns) {
		want := any(nil)
		if c.Kind() == KindText {
			want = "  " // text is published as is
		}
		if row[c.Field()] != want {
			t.Errorf("%s = %#v, want %#v", c.Field(), row[c.Field()], want)
		}
	}
	if row[FieldLocation] != nil || row[FieldFiscalYear] != nil {
		t.Errorf("location %v, fiscal_year %v", row[FieldLocation], row[FieldFiscalYear])
	}
}

// TestReaderRecordTooLong checks that a quote that is never closed or a
// body without line ends stops the reader at MaxRecordSize instead of
// buffering the rest of the report.
func TestReaderRecordTooLong(t *testing.T) {
	t.Parallel()
	hdr := header()
	rec := func(sr string) string {
		v := make([]string, NumColumns)
		v[ColSRNumber] = sr
		return strings.Join(v, "\t")
	}
	var many strings.Builder
	for i := 0; many.Len() < 3*MaxRecordSize; i++ {
		many.WriteString(rec("r"+leftPad(i, 8)) + "\r\n")
	}
	long := strings.Repeat("x", 3*MaxRecordSize)
	for _, tc := range []struct {
		name      string
		text      string
		rows      int // good rows before the error
		errRow    int
		errLine   int
		notReport bool
	}{
		{name: "quote never closed", text: hdr + "\r\n" + rec("a") + "\r\n\"open" + rec("b") + "\r\n" + many.String(), rows: 1, errRow: 2, errLine: 3},
		{name: "no line ends after the header", text: hdr + "\r\n" + rec("a") + "\r\n" + long, rows: 1, errRow: 2, errLine: 3},
		{name: "header without a line end", text: hdr + long, notReport: true},
		{name: "header quote never closed", text: "\"" + hdr + "\r\n" + many.String(), notReport: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rd, err := NewReader(bytes.NewReader(utf16le(t, tc.text)))
			if tc.notReport {
				var ferr *FormatError
				if !errors.As(err, &ferr) || ferr.What != "columns" {
					t.Fatalf("NewReader: %v, want a columns *FormatError", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			rows := 0
			for {
				_, err = rd.Read()
				if err != nil {
					break
				}
				rows++
			}
			var perr *ParseError
			if !errors.As(err, &perr) || !errors.Is(err, ErrRecordTooLong) || perr.Row != tc.errRow || perr.Line != tc.errLine {
				t.Fatalf("after %d rows: %v, want ErrRecordTooLong at row %d line %d", rows, err, tc.errRow, tc.errLine)
			}
			if rows != tc.rows {
				t.Fatalf("read %d rows, want %d", rows, tc.rows)
			}
			if _, again := rd.Read(); !errors.Is(again, ErrRecordTooLong) {
				t.Fatalf("Read after the error = %v, want it repeated", again)
			}
			if n := max(cap(rd.recBuf), cap(rd.lineBuf)); n > 2*MaxRecordSize {
				t.Fatalf("reader buffered %d bytes", n)
			}
		})
	}
}

// TestRowsReusesRow: Rows yields the same rows as the maps (into one
// reused slice), and the Reader reports its header and row count.
func TestRowsReusesRow(t *testing.T) {
	t.Parallel()
	want, err := readAll(t, mustOpen(t, "report_sample.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	rd, err := NewReader(mustOpen(t, "report_sample.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	if h := rd.Header(); len(h) < NumColumns || h[0] != "Service Request (SR) Number" { // extra columns are kept, unmapped
		t.Fatalf("Header = %q", h)
	}
	i := 0
	var first *socrata.Value
	for vals, err := range Rows(rd, NewTransformer()).Rows {
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = &vals[0]
		} else if &vals[0] != first {
			t.Fatalf("row %d is a new slice", i)
		}
		if row := rowMap(vals); i >= len(want) || !reflect.DeepEqual(row, want[i]) {
			t.Fatalf("row %d = %v, want %v", i, row, want[min(i, len(want)-1)])
		}
		i++
	}
	if i != len(want) || rd.Rows() != i {
		t.Fatalf("Rows yielded %d rows, want %d; Reader.Rows = %d", i, len(want), rd.Rows())
	}
}

// TestNotNumbersPublishedAsText: text in a numeric column is published as
// it is, counted per column with the first row numbers, and never stops
// the rows (issue 10 item 4).
func TestNotNumbersPublishedAsText(t *testing.T) {
	t.Parallel()
	var sb strings.Builder
	sb.WriteString(header() + "\r\n")
	for i := range 12 {
		v := sampleValues(i)
		if i%2 == 1 {
			v[ColResponseDays] = "Pending"
		}
		if i == 4 {
			v[ColSRAgeDays] = "1,234.5"
			v[ColStatePlaneX] = "Inf"
		}
		sb.WriteString(strings.Join(v[:], "\t") + "\r\n")
	}
	rd, err := NewReader(bytes.NewReader(utf16le(t, sb.String())))
	if err != nil {
		t.Fatal(err)
	}
	tr := NewTransformer()
	var rows []map[string]any
	for vals, err := range Rows(rd, tr).Rows {
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, rowMap(vals))
	}
	if len(rows) != 12 {
		t.Fatalf("%d rows, want 12", len(rows))
	}
	if rows[1]["response_days"] != "Pending" || rows[0]["response_days"] != 2.22 {
		t.Errorf("response_days = %#v, %#v", rows[1]["response_days"], rows[0]["response_days"])
	}
	if rows[4]["sr_age_days"] != "1,234.5" || rows[4]["state_plane_x_coordinate"] != "Inf" || rows[4]["location"] != nil {
		t.Errorf("row 5 = %v", rows[4])
	}
	want := []NotNumber{
		{Column: ColSRAgeDays, Count: 1, Rows: []int{5}},
		{Column: ColResponseDays, Count: 6, Rows: []int{2, 4, 6, 8, 10}},
		{Column: ColStatePlaneX, Count: 1, Rows: []int{5}},
	}
	if got := tr.NotNumbers(); !reflect.DeepEqual(got, want) {
		t.Errorf("NotNumbers = %+v, want %+v", got, want)
	}
}

// endless yields prefix, then the UTF-16 code unit 'x' up to n bytes,
// without holding them, and counts what was read.
type endless struct {
	prefix []byte
	n, off int64
}

func (e *endless) Read(p []byte) (int, error) {
	if e.off >= e.n {
		return 0, io.EOF
	}
	i := 0
	for ; i < len(p) && e.off < e.n; i, e.off = i+1, e.off+1 {
		if e.off < int64(len(e.prefix)) {
			p[i] = e.prefix[e.off]
		} else if (e.off-int64(len(e.prefix)))%2 == 0 {
			p[i] = 'x'
		} else {
			p[i] = 0
		}
	}
	return i, nil
}

// TestGigabyteField: a 1 GiB field is never read whole; the error comes
// after about MaxRecordSize and quotes none of it.
func TestGigabyteField(t *testing.T) {
	t.Parallel()
	src := &endless{prefix: utf16le(t, header()+"\r\n\""), n: 1 << 30}
	rd, err := NewReader(src)
	if err != nil {
		t.Fatal(err)
	}
	_, err = rd.Read()
	if !errors.Is(err, ErrRecordTooLong) {
		t.Fatalf("Read = %v, want ErrRecordTooLong", err)
	}
	if src.off > 4*MaxRecordSize {
		t.Errorf("read %d bytes of the body for a %d-byte bound", src.off, MaxRecordSize)
	}
	if len(err.Error()) > 200 {
		t.Errorf("message of %d bytes: %.300s", len(err.Error()), err)
	}
}

// TestSurrogatesCounted: lone surrogates become U+FFFD and are counted
// with their rows, in either byte order; a pair is a character.
func TestSurrogatesCounted(t *testing.T) {
	t.Parallel()
	row := func(loc string) string {
		v := sampleValues(0)
		v[ColSRLocation] = loc
		return strings.Join(v[:], "\t") + "\r\n"
	}
	text := header() + "\r\n" + row("a\U0001F600b") + row("c\uFFFDd") + row("LONE") + row("e") + row("LONE and LONE")
	le := bytes.ReplaceAll(utf16le(t, text), utf16le(t, "LONE")[2:], []byte{0x3D, 0xD8})
	be, err := unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	lone, err := unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM).NewEncoder().Bytes([]byte("LONE"))
	if err != nil {
		t.Fatal(err)
	}
	be = bytes.ReplaceAll(be, lone, []byte{0xDE, 0x00}) // a lone low surrogate
	for name, body := range map[string][]byte{"little-endian": le, "big-endian": be} {
		rd, err := NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		var locs []string
		for {
			rec, err := rd.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			locs = append(locs, rec.Values[ColSRLocation])
		}
		want := []string{"a\U0001F600b", "c\uFFFDd", "\uFFFD", "e", "\uFFFD and \uFFFD"}
		if !slices.Equal(locs, want) {
			t.Errorf("%s: sr_location %q, want %q", name, locs, want)
		}
		if n, rows := rd.Surrogates(); n != 3 || !slices.Equal(rows, []int{3, 5}) {
			t.Errorf("%s: Surrogates() = %d, %v; want 3, [3 5]", name, n, rows)
		}
	}
}
