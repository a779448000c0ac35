package permits_test

import (
	"os"
	"testing"

	"github.com/cityofaustin/atd-executive-dashboard/permits"
	"github.com/cityofaustin/atd-executive-dashboard/smartsheet"
)

// A decoded smartsheet.Sheet is a permits.StatusSheet: the active_permits
// job can pass it to CountActive as it is. (Only this test imports
// smartsheet; the permits package itself does not.)
var _ permits.StatusSheet = smartsheet.Sheet{}

func TestCountActiveOnSmartsheetSheet(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../smartsheet/testdata/sheet_4477152411314052_all.json")
	if err != nil {
		t.Fatal(err)
	}
	sh, err := smartsheet.DecodeSheet(b)
	if err != nil {
		t.Fatal(err)
	}
	got, err := permits.CountActive(sh, permits.SheetContribution{
		SheetID: sh.ID, StatusColumn: "Status", ActiveValues: []string{"New", "In Review"}, FolderType: "DS"})
	if err != nil {
		t.Fatal(err)
	}
	want := permits.Contribution{Sheet: "Commercial DS Permit Requests", FolderType: "DS", Count: 3}
	if got != want {
		t.Errorf("CountActive = %+v, want %+v", got, want)
	}
	texts := []string{}
	for s := range sh.ColumnText("Est. Cost") {
		texts = append(texts, s)
	}
	if len(texts) != 5 || texts[0] != "1200" || texts[2] != "TBD" || texts[3] != "" {
		t.Errorf("ColumnText = %q", texts)
	}
}
