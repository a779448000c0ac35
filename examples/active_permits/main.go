// Command active_permits publishes the count of currently active permits to
// the rolling log dataset ACTIVE_DATASET: it reads active_permits.csv (written
// by amanda_to_s3 --query active_permits) and its S3 LastModified, and
// upserts ONE record per run: ds, ex, rw and published_date (LastModified in
// America/Chicago, to the minute).
//
// A file with a header and no rows, or with no DS, EX or RW row, is an
// error (a failed export, not zero active permits): nothing is published.
// A type of DS, EX, RW missing from the file is published as null, with a
// warning, never as 0; other types are not published (the dataset has no
// field for them), with a warning naming them.
//
// The seed says active permits come "from both AMANDA and SmartSheet":
// --sheets FILE names Smartsheet sheets whose in-flight requests (rows whose
// status column holds one of the configured active values) are added to a
// folder type's count. It is off unless given; when on, the log says which
// sheet added how many to which type. The file is a JSON array:
//
//	[{"sheet_id": 6628516847478660, "name": "Residential DS Permits",
//	  "status_column": "Status", "active_values": ["In Review"], "folder_type": "DS"}]
//
// With nothing configured it runs on the embedded sample and writes
// ./sample-output/socrata/active-permits-sample.upsert.json
// (try --sheets examples/active_permits/sample/active_sheets.json too).
//
// The upsert is retried on 429, 5xx and dropped connections. If a dropped
// connection hides a write that landed, the retry sends the record again:
// give ACTIVE_DATASET the row identifier published_date so that a retry (or
// a rerun within the same minute) updates the row instead of adding one.
//
// Environment: BUCKET_NAME, EXEC_DASH_ACCESS_ID / EXEC_DASH_PASS (optional:
// else the chain --help lists), AWS_REGION, AWS_ENDPOINT_URL_S3, SO_WEB,
// SO_TOKEN, SO_KEY, SO_SECRET, ACTIVE_DATASET; with --sheets also
// SMARTSHEET_ACCESS_TOKEN and SMARTSHEET_API_BASE (optional).
package main

import (
	"context"
	"embed"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"
	_ "time/tzdata" // America/Chicago must resolve in minimal containers

	"github.com/cityofaustin/atd-executive-dashboard/internal/jobkit"
	"github.com/cityofaustin/atd-executive-dashboard/permits"
	"github.com/cityofaustin/atd-executive-dashboard/socrata"
)

const name = "active_permits"

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
	jobkit.SocrataSettings(),
	jobkit.Settings{Required: []string{"ACTIVE_DATASET"}, Also: []string{"SMARTSHEET_ACCESS_TOKEN", "SMARTSHEET_API_BASE"},
		Purpose: "Counts the active permits in active_permits.csv (written by amanda_to_s3 --query active_permits) and upserts one record (ds, ex, rw, published_date) to a rolling log. With --sheets, active Smartsheet requests are added (SMARTSHEET_ACCESS_TOKEN then required).",
		Writes:  "one upserted row in ACTIVE_DATASET (give it the row identifier published_date)"},
)

func run(ctx context.Context, args []string, env jobkit.Env, stdout io.Writer) (err error) {
	fset := flag.NewFlagSet(name, flag.ContinueOnError)
	sheetsFile := fset.String("sheets", "", "JSON file naming Smartsheet sheets whose active requests are added to a folder type's count (off when empty)")
	job, err := jobkit.Start(name, fset, args, env, stdout, settings)
	if err != nil {
		return err
	}
	defer job.Finish(&err)
	var sheets *sheetContributions
	if *sheetsFile != "" {
		if sheets, err = loadSheetContributions(job, *sheetsFile); err != nil {
			return err
		}
	}
	loc, err := time.LoadLocation("America/Chicago")
	if err != nil {
		return err
	}
	sampleFS, _ := fs.Sub(sample, "sample")
	store, err := job.Store(ctx, jobkit.ExecDashKeys, sampleFS)
	if err != nil {
		return err
	}
	pub, err := job.Publisher(nil)
	if err != nil {
		return err
	}
	dataset := job.Dataset("ACTIVE_DATASET", "active-permits-sample")

	counts, err := permits.LoadActiveCounts(ctx, jobkit.Opener{Store: store}, permits.ActivePermitsKey)
	if err != nil {
		return err
	}
	// Rows of other types only: the dataset could hold no count of this
	// run, and a record of three nulls is a failed export published as a
	// run. Refuse it before any Smartsheet or Socrata request.
	if len(counts.Missing()) == len(permits.DefaultFolderTypes()) {
		return fmt.Errorf("permits: %s has no DS, EX or RW row (its types: %s); nothing was published",
			permits.ActivePermitsKey, strings.Join(counts.FolderTypes(), ", "))
	}
	if sheets != nil {
		if err := sheets.add(ctx, job, &counts); err != nil {
			return err
		}
	}
	if missing := counts.Missing(); len(missing) > 0 {
		job.Logger.WarnContext(ctx, "folder types missing from the file are published as null", "key", permits.ActivePermitsKey,
			"missing", strings.Join(missing, ", "))
	}
	if unknown := counts.Unknown(); len(unknown) > 0 {
		job.Logger.WarnContext(ctx, "folder types the dataset has no field for are not published", "key", permits.ActivePermitsKey,
			"unknown", strings.Join(unknown, ", "))
	}
	record := counts.Record(loc)
	job.Logger.InfoContext(ctx, "active permits read", "key", permits.ActivePermitsKey,
		"last_modified", counts.AsOf.UTC().Format(time.RFC3339), "record", record)

	res, err := pub.Upsert(ctx, dataset, socrata.SliceRows([]socrata.Row{record}), socrata.UpsertOptions{})
	if err != nil {
		return err
	}
	job.Summary("dataset", dataset, "rows", res.Rows, "created", res.Created, "updated", res.Updated, "row_errors", res.Errors)
	job.Logger.InfoContext(ctx, job.Verb("published", "dry run: would publish"), "dataset", dataset, "rows", res.Rows,
		"created", res.Created, "updated", res.Updated, "errors", res.Errors)
	if res.Errors > 0 {
		return fmt.Errorf("publish to %s: socrata counted %d row error(s)", dataset, res.Errors)
	}
	return nil
}
