package permits

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/cityofaustin/atd-executive-dashboard/internal/csvlimit"
	"github.com/cityofaustin/atd-executive-dashboard/internal/faultnet"
)

// TestHugeFieldIsBounded: each CSV reader of the package, given a file
// from S3 whose second record holds a 1 GB field, fails after about
// MaxRecordBytes with a *ParseError naming the file and line 2, in a short
// message; a 512 KiB field (under the limit) that is not a count is quoted
// in at most about 200 bytes.
func TestHugeFieldIsBounded(t *testing.T) {
	t.Parallel()
	parsers := []struct {
		name   string
		prefix string // the header line and the start of a record
		parse  func(io.Reader) error
	}{
		{"amanda daily", "FOLDERTYPE,SUBCODE,\"" + IntakeDayHeader + "\",ISSUEDROWPERMITS\nDS,50500,2024-01-02,", func(r io.Reader) error {
			_, err := ParseAmandaDaily(r, ApplicationsReceivedKey, IntakeDayHeader)
			return err
		}},
		{"sheet daily", "Date Created,Count Permits\n2024-01-02,", func(r io.Reader) error {
			_, err := ParseSheetDaily(r, ResidentialDSKey, "Date Created")
			return err
		}},
		{"active counts", "FOLDERTYPE,ACTIVEPERMITS\nDS,", func(r io.Reader) error {
			_, err := ParseActiveCounts(r)
			return err
		}},
	}
	for _, p := range parsers {
		for _, size := range []int64{1 << 30, 512 << 10} {
			t.Run(fmt.Sprintf("%s/%d", p.name, size), func(t *testing.T) {
				t.Parallel()
				field := faultnet.Repeat('9', size)
				err := p.parse(io.MultiReader(strings.NewReader(p.prefix), field, strings.NewReader("\n")))
				var pe *ParseError
				if !errors.As(err, &pe) || pe.Line != 2 {
					t.Fatalf("size %d: err = %v, want a *ParseError on line 2", size, err)
				}
				var big *csvlimit.RecordTooLargeError
				if errors.As(err, &big) != (size > MaxRecordBytes) {
					t.Errorf("size %d: err = %.300v", size, err)
				}
				if field.Count() > MaxRecordBytes+64<<10 {
					t.Errorf("%d bytes of the field read, want about the limit %d", field.Count(), MaxRecordBytes)
				}
				if n := len(err.Error()); n > 400 {
					t.Errorf("message is %d bytes, want a short one: %.300s…", n, err)
				}
			})
		}
	}
}
