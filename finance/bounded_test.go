package finance_test

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/cityofaustin/atd-executive-dashboard/finance"
	"github.com/cityofaustin/atd-executive-dashboard/internal/csvlimit"
	"github.com/cityofaustin/atd-executive-dashboard/internal/faultnet"
)

// TestHugeFieldIsBounded: a report file from S3 with a 1 GB field fails
// after about finance.MaxRecordBytes, naming the file and line, in a short
// message; a 512 KiB field (under the limit) that is not a number is
// quoted in at most about 200 bytes.
func TestHugeFieldIsBounded(t *testing.T) {
	t.Parallel()
	header := string(mustRead(t, "expenses_2024-08-31_2400.csv"))
	header = header[:strings.IndexByte(header, '\n')+1]
	row := "8400,F,2400,D,2417,U,5000,P,5110,W,5100,S,"
	tests := []struct {
		name    string
		size    int64
		wantBig bool
	}{
		{"1 GB field", 1 << 30, true},
		{"512 KiB field", 512 << 10, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			field := faultnet.Repeat('9', tt.size)
			body := io.MultiReader(strings.NewReader(header+row), field, strings.NewReader("x,1,1,1,1,1,1\n"))
			var err error
			for _, e := range finance.Expenses().ReadRows(mustKey(t, "expenses/2024-08-31_2400.csv"), body) {
				if e != nil {
					err = e
				}
			}
			var fe *finance.FileError
			if !errors.As(err, &fe) || fe.Line != 2 {
				t.Fatalf("err = %v, want a *FileError on line 2", err)
			}
			var big *csvlimit.RecordTooLargeError
			if errors.As(err, &big) != tt.wantBig {
				t.Errorf("err = %v; RecordTooLargeError %v, want %v", err, !tt.wantBig, tt.wantBig)
			}
			if field.Count() > finance.MaxRecordBytes+64<<10 {
				t.Errorf("%d bytes of the field read, want about the limit %d", field.Count(), finance.MaxRecordBytes)
			}
			if n := len(err.Error()); n > 400 {
				t.Errorf("message is %d bytes, want a short one: %.300s…", n, err)
			}
		})
	}
}
