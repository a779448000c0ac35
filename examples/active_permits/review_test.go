package main

import (
	"strings"
	"testing"

	"github.com/cityofaustin/atd-executive-dashboard/internal/jobkit"
)

// TestNoKnownFolderType: a file whose rows are all of other folder types
// (a changed query, a wrong file) has no count the dataset can hold.
// Publishing it would add a record of three nulls to the log: a run that
// says nothing, with exit 0. It fails like a header-only file.
func TestNoKnownFolderType(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.s3.PutObject(t, bucket, "active_permits.csv", []byte("FOLDERTYPE,ACTIVEPERMITS\nLA,4\nZZ,1\n"))
	logs, err := f.run(t)
	if err == nil {
		t.Fatalf("run succeeded on a file without a DS, EX or RW row\n%s", logs)
	}
	if code := jobkit.ExitCode(err); code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	for _, want := range []string{"active_permits.csv", "no DS, EX or RW row", "LA, ZZ"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if reqs := f.soc.Requests(); len(reqs) != 0 {
		t.Errorf("socrata saw %d requests, want none", len(reqs))
	}
}
