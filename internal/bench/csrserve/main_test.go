package main

import (
	"strings"
	"testing"
	"testing/iotest"
)

func TestCountRows(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		body string
		want int64
		ok   bool
	}{
		{"empty array", "[]", 0, true},
		{"two rows", `[{"a":1,"b":[1]},{"s":"x{y}\"{\"\"}"}]`, 2, true},
		{"not an array", `{"a":1}`, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			n, err := countRows(strings.NewReader(tc.body))
			if n != tc.want || (err == nil) != tc.ok {
				t.Fatalf("countRows(%s) = %d, %v", tc.body, n, err)
			}
			// One byte a read: every {" straddles two chunks.
			n, err = countRows(iotest.OneByteReader(strings.NewReader(tc.body)))
			if n != tc.want || (err == nil) != tc.ok {
				t.Fatalf("countRows(%s) a byte at a time = %d, %v", tc.body, n, err)
			}
		})
	}
}
