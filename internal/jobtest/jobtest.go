// Package jobtest holds what the jobs' end-to-end tests in examples/ share.
package jobtest

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/cityofaustin/atd-executive-dashboard/internal/jobkit"
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

// RunFunc is a job's run function, as every job in examples/ has it.
type RunFunc func(ctx context.Context, args []string, env jobkit.Env, stdout io.Writer) error

// RunSample runs a job with an empty environment (the embedded sample),
// writing under out, and returns its logs. It fails tb when the job fails
// or when its first log line does not say it runs on the sample.
func RunSample(tb testing.TB, run RunFunc, out string, args ...string) string {
	tb.Helper()
	var logs Buffer
	if err := run(tb.Context(), append([]string{"--out", out}, args...), jobkit.MapEnv(nil), &logs); err != nil {
		tb.Fatalf("sample run: %v\n%s", err, logs.String())
	}
	if first, _, _ := strings.Cut(logs.String(), "\n"); !strings.Contains(first, "SAMPLE MODE") {
		tb.Fatalf("first log line does not say sample mode: %q", first)
	}
	return logs.String()
}
