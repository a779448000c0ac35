package permits

import (
	"errors"
	"strings"
	"testing"
)

// TestRequireRowsSaysWhyAFileIsEmpty: a daily file whose rows all lack a
// day is as empty as a header-only one, but the person rerunning the
// export needs to know the rows were there: the error says so.
func TestRequireRowsSaysWhyAFileIsEmpty(t *testing.T) {
	t.Parallel()
	in := WeeklyInputs{Files: []SourceFile{
		{Key: "issued_permits.csv", Rows: 4},
		{Key: "Created.csv", NoDay: 3},
		{Key: "Header only.csv"},
	}}
	err := in.RequireRows()
	if !errors.Is(err, ErrNoRows) {
		t.Fatalf("RequireRows = %v, want ErrNoRows", err)
	}
	for _, want := range []string{"daily files Created.csv (its 3 rows lack a day), Header only.csv"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "issued_permits.csv") {
		t.Errorf("error %q names a file with rows", err)
	}
	if err := (WeeklyInputs{Files: []SourceFile{{Key: "a.csv", Rows: 1, NoDay: 2}}}).RequireRows(); err != nil {
		t.Errorf("a file with rows (and some without a day) refused: %v", err)
	}
}
