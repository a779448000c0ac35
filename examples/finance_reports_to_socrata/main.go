// Command finance_reports_to_socrata publishes the finance report files that
// finance_reports_to_s3 wrote: it lists s3://$BUCKET_NAME/expenses/ and
// revenue/, keeps the files of the selected month (default: the current
// month in Austin) and the month before — every file with --replace —,
// maps the report columns to the Socrata fields, adds year, month,
// department, month_name, fiscal_year, fiscal_month and row_identifier, and
// upserts the rows to EXP_DATASET and REV_DATASET. A file whose name does
// not match <report>/<YYYY-MM-DD>_<dept>.csv is skipped with a warning. A
// selected month without a file for a report fails the run (exit 1, after
// publishing the files there are) unless --allow-missing.
//
//	finance_reports_to_socrata [--year Y] [--month M] [--replace [true|false]] [--allow-missing] [--dry-run] [--log-json] [-v]
//
// --replace takes an optional boolean, also separated as runbooks write it
// ("--replace True", "--replace False"); any other value is a usage error.
//
// Environment: BUCKET_NAME, AWS_ACCESS_KEY / AWS_SECRET_ACCESS_KEY
// (optional: else the chain --help lists), AWS_REGION, AWS_ENDPOINT_URL_S3,
// SO_WEB, SO_TOKEN, SO_KEY, SO_SECRET, EXP_DATASET, REV_DATASET.
//
// With nothing configured it runs on embedded sample files (August 2024
// unless --year/--month say otherwise) and writes
// ./sample-output/socrata/{expenses,revenue}-sample.upsert.json.
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
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // America/Chicago must resolve in minimal containers

	"github.com/cityofaustin/atd-executive-dashboard/finance"
	"github.com/cityofaustin/atd-executive-dashboard/internal/jobkit"
	"github.com/cityofaustin/atd-executive-dashboard/socrata"
)

const name = "finance_reports_to_socrata"

//go:embed sample
var sample embed.FS

// sampleMonth is the month the embedded sample files cover (with the two
// before it).
var sampleMonth = finance.Month{Year: 2024, Month: 8}

func main() {
	ctx, stop := jobkit.SignalContext(context.Background())
	err := run(ctx, os.Args[1:], os.LookupEnv, os.Stdout)
	stop()
	os.Exit(jobkit.ExitContext(ctx, name, err, os.Stderr))
}

var settings = jobkit.Merge(
	jobkit.S3Settings(jobkit.FinanceKeys),
	jobkit.SocrataSettings(),
	jobkit.Settings{Required: []string{"EXP_DATASET", "REV_DATASET"},
		Purpose: "Reads the finance report CSVs that finance_reports_to_s3 wrote (the selected month and the one before; every file with --replace) and upserts them to Socrata. A selected month without a file for a report fails the run (exit 1) unless --allow-missing.",
		Writes:  "EXP_DATASET and REV_DATASET, upserted"},
)

// datasetVars names each report's dataset variable and sample dataset.
var datasetVars = map[finance.Kind][2]string{
	finance.KindExpenses: {"EXP_DATASET", "expenses-sample"},
	finance.KindRevenue:  {"REV_DATASET", "revenue-sample"},
}

type deps struct {
	now func() time.Time
}

func run(ctx context.Context, args []string, env jobkit.Env, stdout io.Writer) error {
	return runWith(ctx, args, env, stdout, deps{now: time.Now})
}

func runWith(ctx context.Context, args []string, env jobkit.Env, stdout io.Writer, d deps) (err error) {
	fset := flag.NewFlagSet(name, flag.ContinueOnError)
	year := fset.Int("year", 0, "calendar year of the month to publish (default: current)")
	month := fset.Int("month", 0, "calendar month 1-12 (default: current)")
	replace := fset.Bool("replace", false, "publish every report file, not only the selected month and the one before (--replace, --replace=false, --replace True|False)")
	allowMissing := fset.Bool("allow-missing", false, "succeed when a selected month has no file for a report (default: exit 1)")
	job, err := jobkit.Start(name, fset, joinBoolValues(args, "replace"), env, stdout, settings)
	if err != nil {
		return err
	}
	defer job.Finish(&err)
	if err := jobkit.CheckYear(*year, d.now()); err != nil {
		return err
	}
	loc, err := time.LoadLocation("America/Chicago")
	if err != nil {
		return err
	}
	now := finance.MonthOf(d.now().In(loc))
	if job.Mode == jobkit.Sample && *year == 0 && *month == 0 {
		now = sampleMonth
	}
	m, err := finance.SelectMonth(*year, *month, now)
	if err != nil {
		return &jobkit.UsageError{Err: err}
	}
	sampleFS, err := fs.Sub(sample, "sample")
	if err != nil {
		return err
	}
	store, err := job.Store(ctx, jobkit.FinanceKeys, sampleFS)
	if err != nil {
		return err
	}
	pub, err := job.Publisher(nil)
	if err != nil {
		return err
	}
	if *replace {
		job.Logger.InfoContext(ctx, "publishing every report file (--replace)")
	} else {
		job.Logger.InfoContext(ctx, "publishing the selected months", "months", []string{m.Prev().String(), m.String()})
	}

	var errs []error
	for _, r := range finance.Reports() {
		vars := datasetVars[r.Kind]
		dataset := job.Dataset(vars[0], vars[1])
		if err := publish(ctx, job, jobkit.Opener{Store: store}, pub, r, dataset, m, *replace, *allowMissing); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// publish upserts one report's selected files to dataset.
func publish(ctx context.Context, job *jobkit.Job, store finance.Lister, pub jobkit.Publisher, r finance.Report, dataset string, m finance.Month, all, allowMissing bool) error {
	sel, err := finance.Select(ctx, store, r, m, all, job.Logger)
	if err != nil {
		return fmt.Errorf("s3: listing %s/: %w", r.Kind, err)
	}
	job.Logger.InfoContext(ctx, "report files selected", "report", string(r.Kind), "files", len(sel.Keys),
		"skipped_bad_names", len(sel.Skipped), "other_months", sel.Ignored)
	// A selected month without a file fails the run (after the files
	// there are were published) unless --allow-missing.
	var missingErr error
	if missing := missingMonths(sel, m, all); len(missing) > 0 {
		if !allowMissing {
			missingErr = fmt.Errorf("%s: no report file under %s/ for %s (--allow-missing accepts that)", r.Kind, r.Kind, strings.Join(missing, ", "))
		}
		job.Logger.WarnContext(ctx, "no report file for a selected month", "report", string(r.Kind), "months", missing, "allow_missing", allowMissing)
	}
	if len(sel.Keys) == 0 {
		job.Logger.WarnContext(ctx, "no report file to publish", "report", string(r.Kind), "dataset", dataset)
		return missingErr
	}
	rows := sel.Rows(ctx, store, func(key string, n int) {
		job.Logger.InfoContext(ctx, "report file read", "report", string(r.Kind), "key", key, "rows", n)
	})
	res, err := pub.Upsert(ctx, dataset, rows, socrata.UpsertOptions{
		Progress: func(p socrata.Progress) {
			job.Logger.InfoContext(ctx, "upsert progress", "dataset", p.Dataset, "chunk", p.Chunk, "rows", p.Rows)
		},
	})
	if err != nil {
		return fmt.Errorf("%s → socrata %s: upsert: %w", r.Kind, dataset, err)
	}
	job.Summary(string(r.Kind)+"_files", len(sel.Keys), string(r.Kind)+"_rows", res.Rows)
	job.Logger.InfoContext(ctx, job.Verb("published", "dry run: would publish"), "report", string(r.Kind), "dataset", dataset, "rows", res.Rows,
		"created", res.Created, "updated", res.Updated, "errors", res.Errors)
	if res.Errors > 0 {
		return fmt.Errorf("%s → socrata %s: socrata counted %d row error(s)", r.Kind, dataset, res.Errors)
	}
	return missingErr
}

// missingMonths returns the selected months with no file in sel (with
// --replace, "any month" when there is no file at all).
func missingMonths(sel finance.Selection, m finance.Month, all bool) []string {
	if all {
		if len(sel.Keys) == 0 {
			return []string{"any month"}
		}
		return nil
	}
	var missing []string
	for _, mm := range finance.Selected(m) {
		if !slices.ContainsFunc(sel.Keys, func(k finance.Key) bool { return k.Month() == mm }) {
			missing = append(missing, mm.String())
		}
	}
	return missing
}
