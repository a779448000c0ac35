package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestSampleIsWhatFinanceReportsToS3Writes runs finance_reports_to_s3 on its
// own sample for August 2024 and for July (June to August) and checks that this job's sample
// report files are what it writes, byte for byte: one story from the
// MicroStrategy sample to the Socrata rows. The only extra file is the stray
// copy whose name the job must skip.
func TestSampleIsWhatFinanceReportsToS3Writes(t *testing.T) {
	t.Parallel()
	bin := buildS3Job(t)
	out := t.TempDir()
	for _, month := range []string{"8", "7"} {
		if logs, code := runBinary(t, bin, nil, "--out", out, "--year", "2024", "--month", month); code != 0 {
			t.Fatalf("finance_reports_to_s3 exit %d:\n%s", code, logs)
		}
	}
	var written []string
	err := filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(out, p)
		written = append(written, filepath.ToSlash(rel))
		got, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		want, err := os.ReadFile(filepath.Join("sample", rel))
		if err != nil {
			t.Errorf("finance_reports_to_s3 writes %s; this job's sample lacks it", rel)
			return nil
		}
		if !bytes.Equal(got, want) {
			t.Errorf("sample/%s differs from what finance_reports_to_s3 writes:\n%s", rel, got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = fs.WalkDir(os.DirFS("sample"), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || p == "README.md" || p == "expenses/2024-08-31_2400 (1).csv" {
			return err
		}
		if !slices.Contains(written, p) {
			t.Errorf("sample/%s is not written by finance_reports_to_s3's sample run", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
