package main

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite sample/socrata from the other jobs' sample runs (and docs/dashboard-preview.png)")

// publishers are the jobs whose sample outputs the preview's sample is.
var publishers = []string{"active_permits", "row_data_summary", "finance_reports_to_socrata", "csr_to_socrata", "socrata_metadata"}

// TestSampleIsWhatTheJobsWrite builds the jobs that publish what the page
// draws, runs each on its embedded sample into one folder, and checks that
// the preview's embedded sample is that folder's socrata/ files, byte for
// byte: the sample page shows what the sample jobs write. -update copies
// them over.
func TestSampleIsWhatTheJobsWrite(t *testing.T) {
	t.Parallel()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build the jobs with")
	}
	bin := t.TempDir()
	args := []string{"build", "-o", bin + string(filepath.Separator)}
	for _, j := range publishers {
		args = append(args, "../"+j)
	}
	if out, err := exec.CommandContext(t.Context(), gobin, args...).CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out := t.TempDir()
	for _, j := range publishers {
		cmd := exec.CommandContext(t.Context(), filepath.Join(bin, j), "--out", out)
		cmd.Dir = t.TempDir()
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + cmd.Dir} // nothing configured: sample mode
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", j, err, b)
		}
	}
	written, err := os.ReadDir(filepath.Join(out, "socrata"))
	if err != nil {
		t.Fatal(err)
	}
	embedded, err := sample.ReadDir("sample/socrata")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, e := range embedded {
		want[e.Name()] = true
	}
	for _, e := range written {
		got, err := os.ReadFile(filepath.Join(out, "socrata", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if *update {
			if err := os.WriteFile(filepath.Join("sample", "socrata", e.Name()), got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if !want[e.Name()] {
			t.Errorf("the jobs write %s; the embedded sample lacks it (go test -update)", e.Name())
			continue
		}
		delete(want, e.Name())
		have, err := sample.ReadFile("sample/socrata/" + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, have) {
			t.Errorf("sample/socrata/%s differs from what the jobs write in sample mode (go test -update rewrites it):\n%s", e.Name(), got)
		}
	}
	for name := range want {
		if !*update {
			t.Errorf("sample/socrata/%s is written by none of the jobs", name)
		}
	}
}
