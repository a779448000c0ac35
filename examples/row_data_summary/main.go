// Command row_data_summary publishes the weekly historical summary of
// right-of-way permits: it reads the five daily files the AMANDA and
// Smartsheet jobs leave in S3 (applications_received.csv,
// issued_permits.csv, "Commercial DS Permit Requests.csv", "Extension and
// Revision Requests.csv", "Residential DS Permits.csv"), sums them into
// Sunday–Saturday weeks labelled by their Saturday (permits.WeeklySummary)
// and replaces WEEK_DATASET with one row per week.
//
// A day written on more than one row of a daily file is summed, with a
// warning naming the file and the days. A daily file with a header and no
// rows is an error naming it, and nothing is sent, unless --force.
//
// Before replacing, it counts the dataset's rows and refuses to shrink it by
// more than --max-shrink (a fraction; default 0: no shrink at all) unless
// --force is given. --force also allows a replace with zero rows.
//
// With nothing configured it runs on the embedded sample and writes
// ./sample-output/socrata/week-summary-sample.replace.json.
//
// Environment: BUCKET_NAME, EXEC_DASH_ACCESS_ID / EXEC_DASH_PASS (optional:
// else the chain --help lists), AWS_REGION, AWS_ENDPOINT_URL_S3, SO_WEB,
// SO_TOKEN, SO_KEY, SO_SECRET, WEEK_DATASET.
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
	"strings"
	"time"

	"github.com/cityofaustin/atd-executive-dashboard/internal/jobkit"
	"github.com/cityofaustin/atd-executive-dashboard/permits"
	"github.com/cityofaustin/atd-executive-dashboard/socrata"
)

const name = "row_data_summary"

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
	jobkit.Settings{Required: []string{"WEEK_DATASET"},
		Purpose: "Builds the weekly (Sunday to Saturday, labelled by Saturday) summary of the five daily permit CSV files in S3 and replaces the weekly dataset with it, refusing to shrink it unless --force.",
		Writes:  "WEEK_DATASET, replaced"},
)

func run(ctx context.Context, args []string, env jobkit.Env, stdout io.Writer) (err error) {
	fset := flag.NewFlagSet(name, flag.ContinueOnError)
	var replace jobkit.ReplaceFlags
	replace.Register(fset, 0) // default: refuse any shrink
	job, err := jobkit.Start(name, fset, args, env, stdout, settings)
	if err != nil {
		return err
	}
	defer job.Finish(&err)
	replaceOpts, err := replace.Options()
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
	dataset := job.Dataset("WEEK_DATASET", "week-summary-sample")

	in, err := permits.LoadWeeklyInputs(ctx, jobkit.Opener{Store: store}, permits.DefaultWeeklySources())
	if err != nil {
		return fmt.Errorf("s3: read the daily files: %w", err)
	}
	for _, f := range in.Files {
		job.Logger.InfoContext(ctx, "daily file read", "key", f.Key, "rows", f.Rows,
			"last_modified", f.Modified.UTC().Format(time.RFC3339))
		if f.NoDay > 0 {
			job.Logger.WarnContext(ctx, "rows without a day skipped", "key", f.Key, "skipped", f.NoDay)
		}
		if len(f.Repeated) > 0 {
			job.Logger.WarnContext(ctx, "repeated days summed", "key", f.Key, "days", dayList(f.Repeated), "repeated_days", len(f.Repeated))
		}
	}
	// A header-only daily file is a failed export: summing it would publish
	// 0 for its measure in every week, and the shrink guard (which counts
	// rows, not values) would let that through.
	if err := in.RequireRows(); err != nil {
		if !replaceOpts.Force {
			return fmt.Errorf("s3: %w; nothing was sent (rerun with --force to publish without it)", err)
		}
		job.Logger.WarnContext(ctx, "publishing despite a daily file without rows (--force)", "error", err.Error())
	}
	weeks, err := permits.WeeklySummary(in)
	if err != nil {
		return err
	}
	records := permits.Records(weeks)
	if len(weeks) > 0 {
		job.Logger.InfoContext(ctx, "weekly summary built", "weeks", len(weeks),
			"first_week", weeks[0].Week.Format(time.DateOnly), "last_week", weeks[len(weeks)-1].Week.Format(time.DateOnly))
	} else {
		job.Logger.WarnContext(ctx, "weekly summary is empty: every daily file has no rows")
	}

	// Replace refuses, sending nothing, to empty the dataset or to shrink it
	// by more than --max-shrink unless --force (socrata.GuardReplace).
	res, err := pub.Replace(ctx, dataset, socrata.SliceRows(records), replaceOpts)
	switch {
	case errors.Is(err, socrata.ErrShrink):
		return fmt.Errorf("%w; nothing was sent (rerun with --force to replace anyway)", err)
	case errors.Is(err, socrata.ErrEmptyReplace):
		return fmt.Errorf("%w (the daily files hold no rows; --force empties the dataset)", err)
	case err != nil:
		return err
	}
	job.Summary("dataset", dataset, "weeks", len(weeks), "rows", res.Rows, "row_errors", res.Errors)
	job.Logger.InfoContext(ctx, job.Verb("published", "dry run: would publish"), "dataset", dataset, "rows", res.Rows,
		"created", res.Created, "updated", res.Updated, "errors", res.Errors)
	if res.Errors > 0 {
		return fmt.Errorf("socrata: replace %s: socrata counted %d row error(s)", dataset, res.Errors)
	}
	return nil
}

// dayList formats days for a log line: "2024-12-18, 2025-01-03", the first
// 20 and a count of the others.
func dayList(days []time.Time) string {
	const most = 20
	out := make([]string, 0, min(len(days), most)+1)
	for i, d := range days {
		if i == most {
			out = append(out, fmt.Sprintf("and %d more", len(days)-most))
			break
		}
		out = append(out, d.Format(time.DateOnly))
	}
	return strings.Join(out, ", ")
}
