package main

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/cityofaustin/atd-executive-dashboard/internal/jobkit"
)

// TestHeaderOnlyReportFails: a workbook with its header row and no rows is
// not a success: exit 1, and nothing is sent to Socrata.
func TestHeaderOnlyReportFails(t *testing.T) {
	t.Parallel()
	wb, err := excelize.OpenReader(bytes.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	sheet := wb.GetSheetName(0)
	rows, err := wb.GetRows(sheet)
	if err != nil || len(rows) < 2 {
		t.Fatalf("sample has %d rows (%v)", len(rows), err)
	}
	for range len(rows) - 1 {
		if err := wb.RemoveRow(sheet, 2); err != nil {
			t.Fatal(err)
		}
	}
	var headerOnly bytes.Buffer
	if err := wb.Write(&headerOnly); err != nil {
		t.Fatal(err)
	}
	f := setup(t)
	f.serve = func(w http.ResponseWriter, _ *http.Request) { w.Write(headerOnly.Bytes()) }
	logs, err := f.run(t)
	if code := jobkit.ExitCode(err); code != 1 || !strings.Contains(err.Error(), "the report has a header and no rows; nothing was published to "+dataset) {
		t.Fatalf("exit %d (%v), want 1 saying the report has no rows\n%s", code, err, logs)
	}
	if reqs := f.soc.Requests(); len(reqs) != 0 {
		t.Fatalf("socrata saw %d request(s): %+v", len(reqs), reqs)
	}
}
