// Command smartsheet_to_s3 counts the rows of the TPW Right of Way
// Smartsheet sheets per calendar day and writes one daily file per sheet to
// S3: s3://$BUCKET_NAME/<name>.csv with the header "<date column>,Count
// Permits" and rows "YYYY-MM-DD,N" in ascending day order. Date-times are
// counted on their day in America/Chicago; date columns hold calendar days
// and are counted as they are. Rows with no date, or a date that cannot be
// read, are skipped and reported in the log.
//
// The sheets are configuration: by default the three sheets of the weekly
// summary (permits.DefaultSheetExports); --sheets FILE replaces them with a
// JSON array of {"id", "name", "date_column"}. A sheet that fails does not
// stop the others; the run then exits 1 naming it.
//
// With nothing configured it runs on the embedded sample sheets and writes
// the daily files under ./sample-output/.
//
// Environment: SMARTSHEET_ACCESS_TOKEN, SMARTSHEET_API_BASE (optional;
// default https://api.smartsheet.com/2.0), BUCKET_NAME, EXEC_DASH_ACCESS_ID
// / EXEC_DASH_PASS (optional: else the chain --help lists), AWS_REGION,
// AWS_ENDPOINT_URL_S3.
package main

import (
	"context"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strconv"
	"time"
	_ "time/tzdata" // America/Chicago must resolve in minimal containers

	"github.com/cityofaustin/atd-executive-dashboard/internal/jobkit"
	"github.com/cityofaustin/atd-executive-dashboard/internal/objstore"
	"github.com/cityofaustin/atd-executive-dashboard/permits"
	"github.com/cityofaustin/atd-executive-dashboard/smartsheet"
)

const name = "smartsheet_to_s3"

//go:embed sample
var sample embed.FS

func main() {
	ctx, stop := jobkit.SignalContext(context.Background())
	err := run(ctx, os.Args[1:], os.LookupEnv, os.Stdout)
	stop()
	os.Exit(jobkit.ExitContext(ctx, name, err, os.Stderr))
}

var settings = jobkit.Merge(
	jobkit.S3Settings(jobkit.ExecDashKeys),
	jobkit.Settings{Required: []string{"SMARTSHEET_ACCESS_TOKEN"}, Optional: []string{"SMARTSHEET_API_BASE"},
		Purpose: "Counts the rows per day (America/Chicago) of the three Smartsheet permit-request sheets, or of the sheets listed in --sheets FILE, and writes one daily CSV per sheet to S3. One sheet failing does not stop the others; the run then exits 1.",
		Writes:  "s3://$BUCKET_NAME/<sheet name>.csv"},
)

// sheetSource reads a whole sheet: the Smartsheet client, or the embedded
// sample.
type sheetSource interface {
	Sheet(ctx context.Context, id int64, opts smartsheet.SheetOptions) (smartsheet.Sheet, error)
}

var _ sheetSource = (*smartsheet.Client)(nil)

func run(ctx context.Context, args []string, env jobkit.Env, stdout io.Writer) (err error) {
	fset := flag.NewFlagSet(name, flag.ContinueOnError)
	sheetsFile := fset.String("sheets", "", "JSON file listing the sheets to export, replacing the default three: [{\"id\": 4477152411314052, \"name\": \"Commercial DS Permit Requests\", \"date_column\": \"Date Created\"}, ...]")
	job, err := jobkit.Start(name, fset, args, env, stdout, settings)
	if err != nil {
		return err
	}
	defer job.Finish(&err)
	exports := permits.DefaultSheetExports()
	if *sheetsFile != "" {
		if exports, err = readExports(*sheetsFile); err != nil {
			return &jobkit.ConfigError{Err: fmt.Errorf("--sheets %s: %w", *sheetsFile, err)}
		}
	}
	loc, err := time.LoadLocation("America/Chicago")
	if err != nil {
		return err
	}
	var src sheetSource
	if job.Mode == jobkit.Sample {
		src = sampleSheets{}
	} else {
		client, err := smartsheet.New(smartsheet.Config{
			Token:   env.Get("SMARTSHEET_ACCESS_TOKEN"),
			BaseURL: env.Get("SMARTSHEET_API_BASE"),
			Logger:  job.Logger,
			Timeout: job.Flags.RequestTimeout,
		})
		if err != nil {
			return &jobkit.ConfigError{Err: err}
		}
		src = client
	}
	sampleFS, _ := fs.Sub(sample, "sample")
	store, err := job.Store(ctx, jobkit.ExecDashKeys, sampleFS)
	if err != nil {
		return err
	}

	var failed []error
	for i, e := range exports {
		if err := ctx.Err(); err != nil {
			// Interrupted: the sheets not yet exported keep yesterday's
			// files, so the run must not end as a success.
			failed = append(failed, fmt.Errorf("%d sheet(s) not exported: %w", len(exports)-i, err))
			break
		}
		if err := export(ctx, job, src, store, loc, e); err != nil {
			job.Logger.ErrorContext(ctx, "sheet failed", "sheet_id", e.ID, "name", e.Name, "error", err.Error())
			failed = append(failed, err)
		}
	}
	job.Summary("sheets", len(exports), "failed", len(failed))
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d sheets failed: %w", len(failed), len(exports), errors.Join(failed...))
	}
	return nil
}

// export reads one sheet, counts its rows per day and writes the daily file.
func export(ctx context.Context, job *jobkit.Job, src sheetSource, store objstore.Store, loc *time.Location, e permits.SheetExport) error {
	sh, err := src.Sheet(ctx, e.ID, smartsheet.SheetOptions{})
	if err != nil {
		return err // a *smartsheet.OpError: names the system, the sheet and the cause
	}
	col, ok := sh.Column(e.DateColumn)
	if !ok {
		titles := make([]string, len(sh.Columns))
		for i, c := range sh.Columns {
			titles[i] = strconv.Quote(c.Title)
		}
		return fmt.Errorf("smartsheet: sheet %d %q has no date column %q (columns: %v)", e.ID, sh.Name, e.DateColumn, titles)
	}
	tally := permits.NewDayTally(loc)
	for _, row := range sh.Rows {
		countRow(tally, col.Type, row.Value(e.DateColumn))
	}
	days := tally.Counts()
	job.Logger.InfoContext(ctx, "sheet counted", "sheet_id", e.ID, "name", e.Name, "rows", len(sh.Rows),
		"counted", tally.Counted(), "days", len(days), "no_date", tally.Missing, "bad_date", tally.Invalid)
	if skipped := tally.Missing + tally.Invalid; skipped > 0 {
		job.Logger.WarnContext(ctx, "rows without a usable date skipped", "sheet_id", e.ID, "name", e.Name,
			"date_column", e.DateColumn, "no_date", tally.Missing, "bad_date", tally.Invalid)
	}
	err = objstore.WriteFunc(ctx, store, e.Key(), func(w io.Writer) error {
		return permits.WriteSheetDaily(w, e.DateColumn, days)
	})
	if err != nil {
		return fmt.Errorf("s3: write %s: %w", e.Key(), err)
	}
	job.Logger.InfoContext(ctx, job.Verb("daily file written", "dry run: would write the daily file"), "key", e.Key(), "days", len(days))
	return nil
}

// countRow counts one row by its typed date value: calendar dates as they
// are, instants on their America/Chicago day, text parsed leniently, and
// anything else (a number, a checkbox) as a bad date. colType is the date
// column's type: a DATE or ABSTRACT_DATETIME column holds no zone, so a
// date-time there (ABSTRACT_DATETIME's "2024-12-19T01:00:00", read as UTC)
// counts on its own calendar day, not shifted into Chicago.
func countRow(t *permits.DayTally, colType string, v smartsheet.Value) {
	switch v.Kind {
	case smartsheet.KindEmpty:
		t.AddMissing()
	case smartsheet.KindDate:
		t.AddDate(v.Time)
	case smartsheet.KindDateTime:
		if colType == smartsheet.TypeDate || colType == smartsheet.TypeAbstractDateTime {
			t.AddDate(v.Time)
		} else {
			t.AddInstant(v.Time)
		}
	case smartsheet.KindText:
		t.AddText(v.Text)
	default:
		t.AddInvalid()
	}
}

func readExports(file string) ([]permits.SheetExport, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return permits.ParseSheetExports(f)
}

// sampleSheets serves the embedded sample sheets (sample/sheets/<id>.json).
type sampleSheets struct{}

func (sampleSheets) Sheet(_ context.Context, id int64, _ smartsheet.SheetOptions) (smartsheet.Sheet, error) {
	b, err := sample.ReadFile(path.Join("sample", "sheets", strconv.FormatInt(id, 10)+".json"))
	if err != nil {
		return smartsheet.Sheet{}, fmt.Errorf("smartsheet sample: no embedded sheet %d", id)
	}
	return smartsheet.DecodeSheet(b)
}
