package csr

import (
	"bytes"
	"errors"
	"testing"

	"github.com/cityofaustin/atd-executive-dashboard/socrata"
)

func TestRowsAhead(t *testing.T) {
	t.Parallel()
	const n = 20*aheadBatch + 7
	data := benchReport(t, n)
	bad := bytes.Clone(data)
	// Break the created date of data row 4000 (each line is unique by its SR number).
	needle := utf16le(t, "24-"+leftPad(3999, 8)+"\t")[2:]
	i := bytes.Index(bad, needle)
	if i < 0 {
		t.Fatal("row not found")
	}
	j := i + bytes.Index(bad[i:], utf16le(t, "10/1/2023")[2:])
	copy(bad[j:], utf16le(t, "99/1/2023")[2:])
	for _, tc := range []struct {
		name   string
		data   []byte
		depth  int
		rows   int
		errRow int
		stopAt int
	}{
		{name: "all rows, default depth", data: data, rows: n},
		{name: "all rows, depth 1", data: data, depth: 1, rows: n},
		{name: "bad date stops at its row", data: bad, depth: 2, rows: 3999, errRow: 4000},
		{name: "consumer stops early", data: data, depth: 1, rows: 10, stopAt: 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rd, err := NewReader(bytes.NewReader(tc.data))
			if err != nil {
				t.Fatal(err)
			}
			rows := 0
			slices := map[*socrata.Value]bool{}
			for row, err := range RowsAhead(rd, NewTransformer(), tc.depth).Rows {
				if err != nil {
					var perr *ParseError
					if !errors.As(err, &perr) || perr.Row != tc.errRow || !errors.Is(err, ErrBadDate) {
						t.Fatalf("got %v, want a bad date at row %d", err, tc.errRow)
					}
					break
				}
				if want := "24-" + leftPad(rows, 8); row[ColSRNumber].Interface() != want {
					t.Fatalf("row %d is %v, want %s", rows, row[ColSRNumber], want)
				}
				slices[&row[0]] = true
				rows++
				if rows == tc.stopAt {
					break
				}
			}
			if rows != tc.rows {
				t.Fatalf("got %d rows, want %d", rows, tc.rows)
			}
			depth := tc.depth
			if depth == 0 {
				depth = DefaultReadAhead
			}
			if len(slices) > (depth+2)*aheadBatch {
				t.Fatalf("%d distinct row slices for %d rows: rows are not reused", len(slices), rows)
			}
		})
	}
}

// BenchmarkStreamRowsAhead measures the library path with read-ahead.
func BenchmarkRowsAhead(b *testing.B) {
	const n = 20_000
	data := benchReport(b, n)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	rows := 0
	for b.Loop() {
		rd, err := NewReader(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		for _, err := range RowsAhead(rd, NewTransformer(), 0).Rows {
			if err != nil {
				b.Fatal(err)
			}
			rows++
		}
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}
