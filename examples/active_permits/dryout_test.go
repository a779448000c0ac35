package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDryRunOutKeepsTheRecord: a live --dry-run --out DIR reads the real
// active_permits.csv, sends nothing to Socrata nor any write to S3, and
// keeps the record it would upsert as DIR/socrata/<ACTIVE_DATASET>.upsert.json.
func TestDryRunOutKeepsTheRecord(t *testing.T) {
	t.Parallel()
	f := setup(t)
	s3Setup := len(f.s3.Requests())
	out := t.TempDir()
	logs, err := f.run(t, "--dry-run", "--out", out)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, logs)
	}
	b, err := os.ReadFile(filepath.Join(out, "socrata", dataset+".upsert.json"))
	if err != nil {
		t.Fatalf("no copy kept: %v\n%s", err, logs)
	}
	want := `[{"ds":187,"ex":23,"published_date":"` + f.publishedDate(t) + `","rw":1462}]`
	if string(b) != want {
		t.Errorf("kept %s, want %s", b, want)
	}
	if n := len(f.soc.Requests()); n != 0 {
		t.Errorf("dry run sent %d requests to socrata", n)
	}
	for _, r := range f.s3.Writes(s3Setup) {
		t.Errorf("dry run sent %s %s to s3", r.Method, r.Path)
	}
	for _, want := range []string{"would upsert 1 rows to " + dataset, `"ds":187`, "kept in " + filepath.Join(out, "socrata", dataset+".upsert.json")} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
	for _, never := range []string{"msg=published", "written"} {
		if strings.Contains(logs, never) {
			t.Errorf("a dry run says %q:\n%s", never, logs)
		}
	}
}
