// Command finance_reports_to_s3 runs the two prompted MicroStrategy finance
// reports — expenses and revenue — for departments 2400 (ATD) and 6200
// (TPW), for the selected month (default: the current month in Austin) and
// the month before, and writes each non-empty result as CSV to
// s3://$BUCKET_NAME/expenses/<YYYY-MM-DD>_<dept>.csv and
// revenue/<YYYY-MM-DD>_<dept>.csv (the month's last day). Reports run
// concurrently (--concurrency, default 4); every failure is reported with
// its report, department and month, and makes the exit code 1.
//
//	finance_reports_to_s3 [--year Y] [--month M] [--dry-run] [--log-json] [-v]
//
// Environment: BASE_URL (https://host/MicroStrategyLibrary), MSTRO_USERNAME,
// MSTRO_PASSWORD, PROJECT_ID, EXPENSES_REPORT_ID and REVENUE_REPORT_ID
// (optional, 32 hexadecimal digits; defaults 1C804F8891479811944EF68F99835649
// and FBC5E5F30744717D7079ADADB956C3BC), BUCKET_NAME, AWS_ACCESS_KEY /
// AWS_SECRET_ACCESS_KEY (optional: else the chain --help lists), AWS_REGION,
// AWS_ENDPOINT_URL_S3.
//
// With nothing configured it runs on an embedded recorded conversation
// (replayed in-process) and writes the files under ./sample-output/.
package main

import (
	"context"
	"embed"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"time"
	_ "time/tzdata" // America/Chicago must resolve in minimal containers

	"github.com/cityofaustin/atd-executive-dashboard/finance"
	"github.com/cityofaustin/atd-executive-dashboard/internal/jobkit"
	"github.com/cityofaustin/atd-executive-dashboard/mstr"
	"github.com/cityofaustin/atd-executive-dashboard/mstr/mstrtest"
)

const name = "finance_reports_to_s3"

//go:embed sample
var sample embed.FS

func main() {
	ctx, stop := jobkit.SignalContext(context.Background())
	err := run(ctx, os.Args[1:], os.LookupEnv, os.Stdout)
	stop()
	os.Exit(jobkit.ExitContext(ctx, name, err, os.Stderr))
}

var settings = jobkit.Merge(
	jobkit.Settings{Required: []string{"BASE_URL", "MSTRO_USERNAME", "MSTRO_PASSWORD", "PROJECT_ID"},
		Optional: reportIDVars},
	jobkit.S3Settings(jobkit.FinanceKeys),
	jobkit.Settings{
		Purpose: "Runs the prompted MicroStrategy expense and revenue reports for departments 2400 and 6200, for the selected month (default: the current one, America/Chicago) and the one before, and writes each to S3 as CSV.",
		Writes:  "s3://$BUCKET_NAME/expenses/<period end>_<dept>.csv and revenue/<period end>_<dept>.csv",
	},
)

// reportIDVars override the report ids, expenses then revenue.
var reportIDVars = []string{"EXPENSES_REPORT_ID", "REVENUE_REPORT_ID"}

// reports returns the report definitions with the ids from the
// environment (defaults: finance.Reports), checked before any work.
func reports(env jobkit.Env) ([]finance.Report, error) {
	out := finance.Reports() // expenses, revenue: the order of reportIDVars
	for i, v := range reportIDVars {
		r, err := out[i].WithID(env.Get(v))
		if err != nil {
			return nil, jobkit.Invalid("%s: %w", v, err)
		}
		out[i] = r
	}
	return out, nil
}

// deps are what tests may replace.
type deps struct {
	now        func() time.Time
	httpClient *http.Client // live MicroStrategy client; nil = default
	retryWait  time.Duration
}

func run(ctx context.Context, args []string, env jobkit.Env, stdout io.Writer) error {
	return runWith(ctx, args, env, stdout, deps{now: time.Now})
}

func runWith(ctx context.Context, args []string, env jobkit.Env, stdout io.Writer, d deps) (err error) {
	fset := flag.NewFlagSet(name, flag.ContinueOnError)
	year := fset.Int("year", 0, "calendar year of the report month (default: current)")
	month := fset.Int("month", 0, "calendar month 1-12 (default: current)")
	concurrency := fset.Int("concurrency", 4, "reports running at once")
	job, err := jobkit.Start(name, fset, args, env, stdout, settings)
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
	m, err := finance.SelectMonth(*year, *month, finance.MonthOf(d.now().In(loc)))
	if err != nil {
		return &jobkit.UsageError{Err: err}
	}
	if *concurrency < 1 {
		return &jobkit.UsageError{Err: fmt.Errorf("--concurrency must be at least 1")}
	}
	defs, err := reports(env)
	if err != nil {
		return err
	}

	cfg := mstr.Config{
		BaseURL:      env.Get("BASE_URL"),
		Username:     env.Get("MSTRO_USERNAME"),
		Password:     env.Get("MSTRO_PASSWORD"),
		ProjectID:    env.Get("PROJECT_ID"),
		HTTPClient:   d.httpClient,
		Logger:       job.Logger,
		Timeout:      job.Flags.RequestTimeout,
		RetryWaitMin: d.retryWait,
		RetryWaitMax: d.retryWait,
	}
	if job.Mode == jobkit.Sample {
		cfg, err = sampleConfig(cfg)
		if err != nil {
			return err
		}
	}
	client, err := mstr.New(cfg)
	if err != nil {
		return &jobkit.ConfigError{Err: err}
	}
	defer func() {
		// The logout runs even after the job's context ended (a failed or
		// interrupted run still closes its session); Close bounds it to
		// mstr.LogoutTimeout.
		if cerr := client.Close(context.WithoutCancel(ctx)); cerr != nil {
			job.Logger.WarnContext(ctx, "microstrategy logout failed", "error", cerr.Error())
		}
	}()

	store, err := job.Store(ctx, jobkit.FinanceKeys, emptyFS{})
	if err != nil {
		return err
	}
	tasks := finance.Tasks(m, defs...)
	job.Logger.InfoContext(ctx, "running finance reports", "months", []string{m.Prev().String(), m.String()},
		"departments", finance.Departments(), "reports", len(tasks), "concurrency", *concurrency)
	if err := client.Login(ctx); err != nil {
		return fmt.Errorf("microstrategy: %w", err)
	}
	res, err := finance.Export(ctx, client, store, tasks, finance.ExportOptions{Concurrency: *concurrency, Logger: job.Logger})
	job.Summary("reports", len(tasks), job.Verb("written", "would_write"), len(res.Written), "empty", len(res.Empty), "failed", len(res.Failed))
	job.Logger.InfoContext(ctx, "finance reports done", job.Verb("written", "would_write"), len(res.Written), "empty", len(res.Empty), "failed", len(res.Failed))
	if err != nil {
		return fmt.Errorf("microstrategy → s3: %d of %d report run(s) failed: %w", len(res.Failed), len(tasks), err)
	}
	return nil
}

// emptyFS is the (empty) input of the sample store: this job reads nothing
// from S3.
type emptyFS struct{}

func (emptyFS) Open(name string) (fs.File, error) {
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

// sampleConfig points the client at the embedded conversation, replayed
// in-process by a fake Library server.
func sampleConfig(cfg mstr.Config) (mstr.Config, error) {
	fake, err := sampleFake()
	if err != nil {
		return cfg, err
	}
	cfg.BaseURL = "https://sample.invalid/MicroStrategyLibrary"
	cfg.Username, cfg.Password, cfg.ProjectID = sampleUser, samplePassword, sampleProject
	cfg.HTTPClient = &http.Client{Transport: mstrtest.Transport{Handler: fake}}
	return cfg, nil
}
