package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/cityofaustin/atd-executive-dashboard/internal/jobkit"
)

// TestHeaderOnlyReportFails: a report with its header and no rows is not a
// success: exit 1, and nothing is sent to Socrata.
func TestHeaderOnlyReportFails(t *testing.T) {
	t.Parallel()
	f := setup(t)
	end := bytes.Index(f.report, []byte{'\n', 0})
	if end < 0 {
		t.Fatal("no line end in the report")
	}
	f.report = f.report[:end+2]
	logs, err := f.run(t)
	if code := jobkit.ExitCode(err); code != 1 || !strings.Contains(err.Error(), "the report has a header and no rows; nothing was published to "+dataset) {
		t.Fatalf("exit %d (%v), want 1 saying the report has no rows\n%s", code, err, logs)
	}
	if reqs := f.soc.Requests(); len(reqs) != 0 {
		t.Fatalf("socrata saw %d request(s): %+v", len(reqs), reqs)
	}
}
