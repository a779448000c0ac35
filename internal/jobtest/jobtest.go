// Package jobtest holds what the jobs' end-to-end tests in examples/ share.
package jobtest

import (
	"bytes"
	"context"
	"encoding/json"
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

// Records parses every line of a --log-json run's stdout as one JSON
// object, failing tb on a line that is not one.
func Records(tb testing.TB, stdout string) []map[string]any {
	tb.Helper()
	var recs []map[string]any
	for _, line := range strings.Split(strings.TrimSuffix(stdout, "\n"), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			tb.Fatalf("stdout line is not one JSON object: %q\nstdout:\n%s", line, stdout)
		}
		recs = append(recs, m)
	}
	return recs
}

// CheckFinal checks that a --log-json run ended with exactly one final
// record (msg "finished", last) naming the job, its exit code, the version
// and elapsed_s as a number; on failure at level ERROR with the error that
// stderr printed on its one line. It returns the final record.
func CheckFinal(tb testing.TB, job string, code int, stdout, stderr string) map[string]any {
	tb.Helper()
	recs := Records(tb, stdout)
	finished := 0
	for _, rec := range recs {
		if rec["msg"] == "finished" {
			finished++
		}
	}
	last := recs[len(recs)-1]
	if finished != 1 || last["msg"] != "finished" {
		tb.Fatalf("%d final records, last %v; want exactly one, last", finished, last)
	}
	if last["job"] != job || last["exit_code"] != float64(code) || last["version"] == nil {
		tb.Fatalf("final record %v: want job %s, exit_code %d, version", last, job, code)
	}
	if _, ok := last["elapsed_s"].(float64); !ok {
		tb.Fatalf("final record elapsed_s %v is not a number", last["elapsed_s"])
	}
	if code == 0 {
		if last["level"] != "INFO" || stderr != "" {
			tb.Fatalf("successful run: final level %v, stderr %q", last["level"], stderr)
		}
		return last
	}
	msg, _ := last["error"].(string)
	if last["level"] != "ERROR" || msg == "" || stderr != job+": "+msg+"\n" {
		tb.Fatalf("failed run: final record %v; stderr %q (want the same one-line error)", last, stderr)
	}
	return last
}
