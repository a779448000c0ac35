package reportgen

import (
	"bytes"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/cityofaustin/atd-executive-dashboard/csr"
	"github.com/cityofaustin/atd-executive-dashboard/socrata"
)

// TestWriteParses checks that a generated report reads and transforms
// without error, row for row.
func TestWriteParses(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, 1000} {
		var buf bytes.Buffer
		if err := Write(&buf, n); err != nil {
			t.Fatal(err)
		}
		rd, err := csr.NewReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		rows, nullLoc, quoted := 0, 0, 0
		tr := csr.NewTransformer()
		loc := slices.Index(csr.Fields(), csr.FieldLocation)
		for row, err := range csr.Rows(rd, tr).Rows {
			if err != nil {
				t.Fatalf("n=%d: %v", n, err)
			}
			if row[loc].Interface() == nil {
				nullLoc++
			}
			if strings.Contains(row[csr.ColSRLocation].Interface().(string), `"UNIT B"`) {
				quoted++
			}
			rows++
		}
		if rows != n {
			t.Fatalf("read %d rows, want %d", rows, n)
		}
		if odd := tr.NotNumbers(); len(odd) > 0 {
			t.Fatalf("n=%d: values that are not numbers: %+v", n, odd)
		}
		if n == 1000 && (nullLoc != 100 || quoted != 20) {
			t.Fatalf("%d null locations, %d quoted addresses", nullLoc, quoted)
		}
	}
}

// TestWriteFlexNotesParses checks that a generated workbook reads with
// csr.NewFlexNotes, every row published, in order.
func TestWriteFlexNotesParses(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, 1000} {
		var buf bytes.Buffer
		if err := WriteFlexNotes(&buf, n); err != nil {
			t.Fatal(err)
		}
		fn, err := csr.NewFlexNotes(&buf, csr.FlexOptions{})
		if err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		row := make([]socrata.Value, len(csr.FlexFields()))
		rows := 0
		for {
			err := fn.Read(row)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("n=%d: %v", n, err)
			}
			if got, want := row[0].Interface(), int64(1_000_000+rows); got != want {
				t.Fatalf("n=%d row %d: flex_note_id %v, want %v", n, rows, got, want)
			}
			rows++
		}
		fn.Close()
		if rows != n {
			t.Fatalf("read %d rows, want %d", rows, n)
		}
		if st := fn.Stats(); st.Dropped != 0 {
			t.Fatalf("n=%d: %d rows dropped", n, st.Dropped)
		}
	}
}
