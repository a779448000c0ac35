package csr

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// mustXLSX builds a workbook whose first sheet holds rows.
func mustXLSX(tb testing.TB, rows [][]any) []byte {
	tb.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		tb.Fatal(err)
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cell, r); err != nil {
			tb.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func flexSample(tb testing.TB) []byte {
	tb.Helper()
	return mustXLSX(tb, [][]any{
		{"Flex Notes ID", "Service Request Number", "Flex Notes Definition ID", "Service Request ID", "Flex Question", "Flex Answer", "Extra"},
		{1001, "23-00412345", 77, 5550001, "Is the signal flashing?", "Yes", "x"},
		{1002, "23-00412345", 78, 5550001, "Mobile Apps Reporter Information", "Jane Doe 512-555-0100", "x"},
		{1003, "23-00412346", 79, 5550002, "Provide license plate number of vehicle, if known.", "ABC1234", ""},
		{},
		{1004, "23-00412346", 80, 5550002, "How many lanes are blocked?", 2, ""},
		{1005, "23-00412347", 81, 5550003, "Enter APD  # if known (Case #, Officer #, etc.).", "24-123", ""},
		{1006, "23-00412347", "N/A", 5550003, "Describe the problem", "N/A"},
	})
}

func TestFlexNotes(t *testing.T) {
	t.Parallel()
	data := flexSample(t)
	for _, tc := range []struct {
		name    string
		opts    FlexOptions
		ids     []any
		dropped int
		byQuest map[string]int
		golden  string
	}{
		{
			name: "default ignored questions", ids: []any{int64(1001), int64(1004), int64(1006)}, dropped: 3,
			byQuest: map[string]int{
				"Mobile Apps Reporter Information":                   1,
				"Provide license plate number of vehicle, if known.": 1,
				"Enter APD  # if known (Case #, Officer #, etc.).":   1,
			},
			golden: "flex_sample.golden",
		},
		{
			name: "keep everything", opts: FlexOptions{IgnoredQuestions: []string{}},
			ids: []any{int64(1001), int64(1002), int64(1003), int64(1004), int64(1005), int64(1006)}, byQuest: map[string]int{},
		},
		{
			name: "custom list", opts: FlexOptions{IgnoredQuestions: []string{"Describe the problem"}},
			ids: []any{int64(1001), int64(1002), int64(1003), int64(1004), int64(1005)}, dropped: 1,
			byQuest: map[string]int{"Describe the problem": 1},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fn, err := NewFlexNotes(bytes.NewReader(data), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer fn.Close()
			var rows []map[string]any
			var ids []any
			for row, err := range flexMapRows(fn) {
				if err != nil {
					t.Fatal(err)
				}
				rows = append(rows, row)
				ids = append(ids, row["flex_note_id"])
			}
			if !slices.Equal(ids, tc.ids) {
				t.Fatalf("ids %v, want %v", ids, tc.ids)
			}
			st := fn.Stats()
			if st.Dropped != tc.dropped || st.Rows != 6 || st.Published != len(tc.ids) {
				t.Fatalf("stats %+v", st)
			}
			for q, n := range tc.byQuest {
				if st.ByQuestion[q] != n {
					t.Errorf("dropped %q %d times, want %d", q, st.ByQuestion[q], n)
				}
			}
			if len(st.ByQuestion) != len(tc.byQuest) {
				t.Errorf("ByQuestion %v", st.ByQuestion)
			}
			if tc.golden != "" {
				checkGolden(t, tc.golden, jsonLines(t, rows))
			}
		})
	}
}

func TestFlexNotesErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		body []byte
		what string
	}{
		{"html page", mustRead(t, "report_waf_block.html"), "html"},
		{"utf-16 html page", mustRead(t, "report_waf_block_utf16.html"), "html"},
		{"the tsv report", mustRead(t, "report_sample.tsv"), "xlsx"},
		{"empty", nil, "empty"},
		{"broken zip", []byte("PK\x03\x04 this is not a zip"), "xlsx"},
		{"missing columns", mustXLSX(t, [][]any{{"Flex Notes ID", "Flex Question"}, {1, "q"}}), "columns"},
		{"empty sheet", mustXLSX(t, nil), "empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewFlexNotes(bytes.NewReader(tc.body), FlexOptions{})
			var ferr *FormatError
			if !errors.As(err, &ferr) || ferr.What != tc.what || !errors.Is(err, ErrNotReport) {
				t.Fatalf("got %T %v, want *FormatError %q", err, err, tc.what)
			}
		})
	}
}

func TestClientOpenFlexNotes(t *testing.T) {
	t.Parallel()
	data := flexSample(t)
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		wantErr func(error) bool
	}{
		{"ok", func(w http.ResponseWriter, _ *http.Request) { w.Write(data) }, nil},
		{"dropped mid-download", func(w http.ResponseWriter, _ *http.Request) { hijackClose(w, data, len(data)/2) },
			func(err error) bool {
				var cerr *Error
				return errors.As(err, &cerr) && errors.Is(err, io.ErrUnexpectedEOF)
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, _ := setup(t, tc.handler)
			fn, err := c.OpenFlexNotes(t.Context(), FlexOptions{})
			if tc.wantErr != nil {
				if err == nil || !tc.wantErr(err) {
					t.Fatalf("got %T %v", err, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, err := range flexMapRows(fn) {
				if err != nil {
					t.Fatal(err)
				}
				n++
			}
			if n != 3 {
				t.Fatalf("got %d rows, want 3", n)
			}
			if err := fn.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestFlexNotesBounds: a panic inside excelize is an error; a workbook or
// a cell over its bound fails, quoting none of it.
func TestFlexNotesBounds(t *testing.T) {
	t.Parallel()
	t.Run("panic inside excelize", func(t *testing.T) {
		t.Parallel()
		fn, err := NewFlexNotes(bytes.NewReader(flexSample(t)), FlexOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer fn.Close()
		fn.rows = &excelize.Rows{} // no decoder: excelize dereferences nil
		var got error
		for _, err := range FlexRows(fn).Rows {
			got = err
		}
		var cerr *Error
		if !errors.As(got, &cerr) || !strings.Contains(got.Error(), "the xlsx library failed (panic)") || strings.Contains(got.Error(), "\n") {
			t.Fatalf("err = %v, want a one-line *Error", got)
		}
	})
	t.Run("cell over MaxFlexCellSize", func(t *testing.T) {
		t.Parallel()
		data := mustXLSX(t, [][]any{
			{"Flex Notes ID", "Service Request Number", "Flex Notes Definition ID", "Service Request ID", "Flex Question", "Flex Answer"},
			{1, "23-1", 2, 3, "Q", "fine"},
			{2, "23-2", 2, 3, "Q", "BIGCELL"},
		})
		// excelize writes at most 32,767 characters to a cell; another
		// writer may not.
		data = rezip(t, data, func(b []byte) []byte {
			return bytes.ReplaceAll(b, []byte("BIGCELL"), bytes.Repeat([]byte("secret "), MaxFlexCellSize/7+1))
		})
		fn, err := NewFlexNotes(bytes.NewReader(data), FlexOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer fn.Close()
		n := 0
		var got error
		for _, err := range FlexRows(fn).Rows {
			if got = err; err == nil {
				n++
			}
		}
		if n != 1 || !errors.Is(got, ErrRecordTooLong) || !strings.Contains(got.Error(), "sheet row 3") || strings.Contains(got.Error(), "secret") || len(got.Error()) > 200 {
			t.Fatalf("%d rows, err = %v", n, got)
		}
	})
	t.Run("workbook over MaxFlexNotesSize", func(t *testing.T) {
		t.Parallel()
		src := io.MultiReader(bytes.NewReader(flexSample(t)), &endless{n: MaxFlexNotesSize + 1})
		_, err := NewFlexNotes(src, FlexOptions{})
		var cerr *Error
		if !errors.As(err, &cerr) || !errors.Is(err, ErrTooLarge) || len(err.Error()) > 200 {
			t.Fatalf("err = %v, want ErrTooLarge", err)
		}
	})
}

// rezip rewrites every file of a ZIP archive with edit.
func rezip(tb testing.TB, data []byte, edit func([]byte) []byte) []byte {
	tb.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		tb.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			tb.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			tb.Fatal(err)
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			tb.Fatal(err)
		}
		w.Write(edit(b))
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return out.Bytes()
}
