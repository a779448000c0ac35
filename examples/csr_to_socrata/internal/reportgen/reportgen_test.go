package reportgen

import (
	"bytes"
	"testing"

	"github.com/cityofaustin/atd-executive-dashboard/csr"
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
		for row, err := range csr.Rows[map[string]any](rd) {
			if err != nil {
				t.Fatalf("n=%d: %v", n, err)
			}
			if row["location"] == nil {
				nullLoc++
			}
			if bytes.Contains([]byte(row["sr_location"].(string)), []byte(`"UNIT B"`)) {
				quoted++
			}
			rows++
		}
		if rows != n {
			t.Fatalf("read %d rows, want %d", rows, n)
		}
		if n == 1000 && (nullLoc != 100 || quoted != 20) {
			t.Fatalf("%d null locations, %d quoted addresses", nullLoc, quoted)
		}
	}
}
