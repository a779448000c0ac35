package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDryRunOutKeepsTheSummary: a live --dry-run --out DIR reads the real
// daily files, counts the real dataset for the replace guard, sends no
// write to S3 or Socrata, and keeps the weekly summary it would publish as
// DIR/socrata/<WEEK_DATASET>.replace.json.
func TestDryRunOutKeepsTheSummary(t *testing.T) {
	t.Parallel()
	f := setup(t)
	s3Setup := len(f.s3.Requests())
	out := t.TempDir()
	logs, err := f.run(t, "--dry-run", "--out", out)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, logs)
	}
	b, err := os.ReadFile(filepath.Join(out, "socrata", dataset+".replace.json"))
	if err != nil {
		t.Fatalf("no copy kept: %v\n%s", err, logs)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var rows []map[string]any
	if err := dec.Decode(&rows); err != nil {
		t.Fatal(err)
	}
	if got, want := jsonLines(t, rows), string(mustRead(t, golden)); got != want {
		t.Fatalf("kept rows:\n%s\nwant the weekly summary:\n%s", got, want)
	}
	reqs := f.soc.Requests()
	if len(reqs) != 1 || reqs[0].Method != http.MethodGet || !strings.Contains(reqs[0].Query.Get("$select"), "count(*)") {
		t.Errorf("socrata requests %v, want only the guard's count(*) query", methods(reqs))
	}
	for _, r := range f.s3.Writes(s3Setup) {
		t.Errorf("dry run sent %s %s to s3", r.Method, r.Path)
	}
	for _, want := range []string{"DRY RUN", "would replace 8 rows to " + dataset, "a copy of the 8 rows is kept in " + filepath.Join(out, "socrata", dataset+".replace.json")} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
	for _, never := range []string{"published", "written"} {
		if strings.Contains(logs, never) {
			t.Errorf("a dry run says %q:\n%s", never, logs)
		}
	}
}

// TestDryRunOutGuardCountsTheRealDataset: the replace guard of a dry run
// with --out counts the real dataset; a refused replace keeps nothing.
func TestDryRunOutGuardCountsTheRealDataset(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.soc.SetCount(dataset, 40)
	out := t.TempDir()
	logs, err := f.run(t, "--dry-run", "--out", out)
	if err == nil || !strings.Contains(err.Error(), "shrink") {
		t.Fatalf("err %v, want the shrink guard's refusal\n%s", err, logs)
	}
	if _, err := os.Stat(filepath.Join(out, "socrata", dataset+".replace.json")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a refused replace kept a copy: %v", err)
	}
}

// TestLiveOutWithoutDryRun: --out in a live run that publishes is a usage
// error, before any request.
func TestLiveOutWithoutDryRun(t *testing.T) {
	t.Parallel()
	f := setup(t)
	s3Setup := len(f.s3.Requests())
	logs, err := f.run(t, "--out", t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "--out applies to a sample run or a dry run") {
		t.Fatalf("err %v, want the usage error\n%s", err, logs)
	}
	if n := len(f.soc.Requests()) + len(f.s3.Requests()) - s3Setup; n != 0 {
		t.Errorf("%d requests sent", n)
	}
}
