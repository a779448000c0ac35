package csr

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/cityofaustin/atd-executive-dashboard/socrata"
)

// FuzzReader feeds arbitrary bytes to NewReader and Read: no panic, errors
// are typed, rows are numbered in order.
func FuzzReader(f *testing.F) {
	for _, name := range []string{"report_sample.tsv", "report_bad_date.tsv", "report_utf8.tsv", "report_waf_block_utf16.html"} {
		f.Add(mustRead(f, name))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkStream(t, data)
	})
}

// FuzzReaderText prepends a valid header to arbitrary text and encodes it
// as the report is encoded, so the fuzzer explores records, quotes and
// values rather than the format sniffing.
func FuzzReaderText(f *testing.F) {
	f.Add("a\tb\n")
	f.Add("\"quoted\ttab\"\t\"\"\"x\"\"\"\r\n\r\n")
	f.Add("\"unterminated\n")
	f.Add(sampleLine(0) + "\r\n" + sampleLine(3) + "\r\n")
	f.Fuzz(func(t *testing.T, body string) {
		checkStream(t, utf16le(t, header()+"\r\n"+body))
	})
}

func sampleLine(i int) string {
	v := sampleValues(i)
	var b bytes.Buffer
	for j, s := range v {
		if j > 0 {
			b.WriteByte('\t')
		}
		b.WriteString(s)
	}
	return b.String()
}

func checkStream(t *testing.T, data []byte) {
	rd, err := NewReader(bytes.NewReader(data))
	if err != nil {
		var ferr *FormatError
		if !errors.As(err, &ferr) || !errors.Is(err, ErrNotReport) {
			t.Fatalf("NewReader: untyped error %T %v", err, err)
		}
		if len(ferr.Got) > 1200 {
			t.Fatalf("FormatError.Got is %d bytes long", len(ferr.Got))
		}
		return
	}
	tr := NewTransformer()
	row := make([]socrata.Value, NumFields)
	lastRow, lastLine := 0, 1
	for range 10_000 {
		rec, err := rd.Read()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			var perr *ParseError
			if !errors.As(err, &perr) {
				t.Fatalf("Read: untyped error %T %v", err, err)
			}
			if errors.Is(err, ErrRecordTooLong) {
				return // final
			}
			if perr.Row <= lastRow || perr.Line <= lastLine {
				t.Fatalf("error at row %d line %d after row %d line %d", perr.Row, perr.Line, lastRow, lastLine)
			}
			lastRow, lastLine = perr.Row, perr.Line
			continue
		}
		if rec.Row != lastRow+1 || rec.Line <= lastLine {
			t.Fatalf("row %d line %d after row %d line %d", rec.Row, rec.Line, lastRow, lastLine)
		}
		lastRow, lastLine = rec.Row, rec.Line
		if err := tr.Transform(&rec, row); err != nil {
			var perr *ParseError
			if !errors.As(err, &perr) || perr.Row != rec.Row {
				t.Fatalf("Transform: %T %v", err, err)
			}
			continue
		}
		if _, err := schema.AppendRow(nil, row); err != nil {
			t.Fatalf("row does not encode: %v", err)
		}
	}
}
