// Package jobtest holds what the jobs' end-to-end tests in examples/ share.
package jobtest

import (
	"bytes"
	"strings"
	"sync"
	"testing"
)

// Buffer is a bytes.Buffer safe for concurrent writes: a job's logger may
// write from several goroutines while the test reads.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns what was written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// NoSecrets fails tb if printed contains any of the values in secrets
// (keyed by variable name, which the failure names).
func NoSecrets(tb testing.TB, printed string, secrets map[string]string) {
	tb.Helper()
	for name, v := range secrets {
		if v != "" && strings.Contains(printed, v) {
			tb.Errorf("the value of %s was printed", name)
		}
	}
}
