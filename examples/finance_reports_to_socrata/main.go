// Command finance_reports_to_socrata publishes the finance report files that
// finance_reports_to_s3 wrote: it lists s3://$BUCKET_NAME/expenses/ and
// revenue/, keeps the files of the selected month (default: the current
// month in Austin) and the month before — every file with --replace —,
// maps the report columns to the Socrata fields, adds year, month,
// department, month_name, fiscal_year, fiscal_month and row_identifier, and
// upserts the rows to EXP_DATASET and REV_DATASET. A file whose name does
// not match <report>/<YYYY-MM-DD>_<dept>.csv is skipped with a warning.
//
//	finance_reports_to_socrata [--year Y] [--month M] [--replace] [--dry-run] [--log-json] [-v]
//
// Environment: BUCKET_NAME, AWS_ACCESS_KEY / AWS_SECRET_ACCESS_KEY
// (optional: else the AWS default chain), AWS_REGION, AWS_ENDPOINT_URL_S3,
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
	"os/signal"
	"syscall"
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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.LookupEnv, os.Stdout)
	stop()
	os.Exit(jobkit.Exit(name, err, os.Stderr))
}

var settings = jobkit.Merge(
	jobkit.S3Settings(jobkit.FinanceKeys),
	jobkit.SocrataSettings(),
	jobkit.Settings{Required: []string{"EXP_DATASET", "REV_DATASET"}},
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

func runWith(ctx context.Context, args []string, env jobkit.Env, stdout io.Writer, d deps) error {
	fset := flag.NewFlagSet(name, flag.ContinueOnError)
	year := fset.Int("year", 0, "calendar year of the month to publish (default: current)")
	month := fset.Int("month", 0, "calendar month 1-12 (default: current)")
	replace := fset.Bool("replace", false, "publish every report file, not only the selected month and the one before")
	job, err := jobkit.Start(name, fset, args, env, stdout, settings)
	if err != nil {
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
		if err := publish(ctx, job, jobkit.Opener{Store: store}, pub, r, dataset, m, *replace); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// publish upserts one report's selected files to dataset.
func publish(ctx context.Context, job *jobkit.Job, store finance.Lister, pub jobkit.Publisher, r finance.Report, dataset string, m finance.Month, all bool) error {
	sel, err := finance.Select(ctx, store, r, m, all, job.Logger)
	if err != nil {
		return fmt.Errorf("s3: listing %s/: %w", r.Kind, err)
	}
	job.Logger.InfoContext(ctx, "report files selected", "report", string(r.Kind), "files", len(sel.Keys),
		"skipped_bad_names", len(sel.Skipped), "other_months", sel.Ignored)
	if len(sel.Keys) == 0 {
		job.Logger.WarnContext(ctx, "no report file to publish", "report", string(r.Kind), "dataset", dataset)
		return nil
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
	job.Logger.InfoContext(ctx, "published", "report", string(r.Kind), "dataset", dataset, "rows", res.Rows,
		"created", res.Created, "updated", res.Updated, "errors", res.Errors)
	if res.Errors > 0 {
		return fmt.Errorf("%s → socrata %s: socrata counted %d row error(s)", r.Kind, dataset, res.Errors)
	}
	return nil
}
