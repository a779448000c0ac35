package csr

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/cityofaustin/atd-executive-dashboard/socrata"
)

// benchReport builds an n-row UTF-16 report shaped like the real one (the
// rows of testdata/report_sample.tsv, repeated).
func benchReport(tb testing.TB, n int) []byte {
	tb.Helper()
	var sb strings.Builder
	sb.WriteString(header())
	sb.WriteString("\r\n")
	for i := range n {
		v := sampleValues(i)
		sb.WriteString(strings.Join(v[:], "\t"))
		sb.WriteString("\r\n")
	}
	return utf16le(tb, sb.String())
}

// sampleValues returns a realistic record: every field filled, a close
// date on three rows in four, coordinates on nine rows in ten.
func sampleValues(i int) [NumColumns]string {
	var v [NumColumns]string
	v[ColSRNumber] = "24-" + leftPad(i, 8)
	v[ColDepartment] = "Transportation & Public Works"
	v[ColGroupDescription] = "TPW - Street Maintenance"
	v[ColSRDescription] = "Pothole Repair"
	v[ColMethodReceived] = "Spot311 Interface"
	v[ColSRStatus] = "Closed"
	v[ColIsDuplicate] = "0"
	v[ColStatusChangeDate] = "10/3/2023 2:15:07 PM"
	v[ColCreatedDate] = "10/1/2023 9:05:00 AM"
	v[ColOverdueOnDate] = "10/8/2023 9:05:00 AM"
	v[ColLastUpdateDate] = "10/3/2023 2:15:07 PM"
	if i%4 != 3 {
		v[ColCloseDate] = "10/3/2023 2:15:07 PM"
	}
	v[ColSRAgeDays] = "2"
	v[ColResponseDays] = "2.22"
	v[ColOpenCount] = "0"
	v[ColClosedCount] = "1"
	v[ColOverdueCount] = "0"
	v[ColClosedOnTime] = "1"
	v[ColClosedLate] = "0"
	v[ColDaysLate] = "0"
	v[ColSRLocation] = "1100 CONGRESS AVE, AUSTIN, TX 78701"
	if i%10 != 9 {
		v[ColStatePlaneX] = "3114567.891"
		v[ColStatePlaneY] = "10070123.456"
	}
	return v
}

func leftPad(n, w int) string {
	b := make([]byte, w)
	for i := w - 1; i >= 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b)
}

func benchRecords() []Record {
	recs := make([]Record, 64)
	for i := range recs {
		recs[i] = Record{Row: i + 1, Line: i + 2, Values: sampleValues(i)}
	}
	return recs
}

// BenchmarkTransform measures Record → Socrata row alone, filling a
// reused row (as the job does).
func BenchmarkTransform(b *testing.B) {
	recs := benchRecords()
	t := NewTransformer()
	row := make([]socrata.Value, NumFields)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if err := t.Transform(&recs[i%len(recs)], row); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkReader measures UTF-16 decoding and tab-separated parsing.
func BenchmarkReader(b *testing.B) {
	const n = 20_000
	data := benchReport(b, n)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	rows := 0
	for b.Loop() {
		rd, err := NewReader(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		for {
			_, err := rd.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			rows++
		}
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkRows measures the whole library path: bytes → Reader → Rows.
func BenchmarkRows(b *testing.B) {
	const n = 20_000
	data := benchReport(b, n)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	rows := 0
	for b.Loop() {
		rd, err := NewReader(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		for _, err := range Rows(rd, NewTransformer()).Rows {
			if err != nil {
				b.Fatal(err)
			}
			rows++
		}
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkEncode measures JSON-encoding transformed 3-1-1 rows alone.
func BenchmarkEncode(b *testing.B) {
	recs := benchRecords()
	t := NewTransformer()
	rows := make([][]socrata.Value, len(recs))
	for i := range recs {
		rows[i] = make([]socrata.Value, NumFields)
		if err := t.Transform(&recs[i], rows[i]); err != nil {
			b.Fatal(err)
		}
	}
	// As socrata.Client.Upsert consumes a table: each row's JSON appended
	// to a chunk buffer (here reset every 32 KiB).
	table := socrata.Table{Schema: schema, Rows: func(yield func([]socrata.Value, error) bool) {
		for i := 0; b.Loop(); i++ {
			if !yield(rows[i%len(rows)], nil) {
				return
			}
		}
	}}
	buf := make([]byte, 0, 64<<10)
	b.ReportAllocs()
	for row, err := range table.JSON() {
		if err != nil {
			b.Fatal(err)
		}
		buf = append(append(buf, ','), row...)
		if len(buf) >= 32<<10 {
			buf = buf[:0]
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
