// Command amanda_to_s3 runs one named query on the AMANDA read replica
// (Oracle) and writes the result to s3://$BUCKET_NAME/NAME.csv: a header row
// of the column names Oracle reports, one line per result row, NULL as an
// empty field, dates as YYYY-MM-DD HH:MM:SS. Rows stream from the cursor to a
// multipart upload; a failure part-way stores nothing.
//
//	amanda_to_s3 --query NAME [--dry-run] [--log-json] [-v] [--out DIR]
//
// NAME is one of applications_received, issued_permits, active_permits,
// review_time, ex_permits_issued, or "all" to run each in turn (a failed
// query does not stop the others; the run then exits 1 naming each).
//
// With nothing configured it runs on the embedded recorded results
// (amanda/amandatest) and writes ./sample-output/NAME.csv; without --query it
// then exports all five. --dry-run runs the query, counts the rows and prints
// the first lines, and writes nothing.
//
// Environment: HOST, PORT (default 1521), SERVICE_NAME, DB_USER, DB_PASS,
// BUCKET_NAME, EXEC_DASH_ACCESS_ID / EXEC_DASH_PASS (optional: else the credential
// chain of --help, from the job's environment), AWS_REGION (unset: the
// bucket's region, asked of the endpoint), AWS_ENDPOINT_URL_S3.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/cityofaustin/atd-executive-dashboard/amanda"
	"github.com/cityofaustin/atd-executive-dashboard/amanda/amandatest"
	"github.com/cityofaustin/atd-executive-dashboard/internal/jobkit"
	"github.com/cityofaustin/atd-executive-dashboard/internal/objstore"
)

const name = "amanda_to_s3"

func main() {
	ctx, stop := jobkit.SignalContext(context.Background())
	err := run(ctx, os.Args[1:], os.LookupEnv, os.Stdout)
	stop()
	os.Exit(jobkit.ExitContext(ctx, name, err, os.Stderr))
}

var settings = jobkit.Merge(
	jobkit.Settings{
		Required: []string{"HOST", "SERVICE_NAME", "DB_USER", "DB_PASS"},
		Optional: []string{"PORT"},
	},
	jobkit.S3Settings(jobkit.ExecDashKeys),
	jobkit.Settings{
		Purpose: "Runs named AMANDA (Oracle read replica) queries and streams each result to S3 as NAME.csv. --query all runs the five; one failing does not stop the others, and the run then exits 1 naming each failed query.",
		Writes:  "s3://$BUCKET_NAME/<query>.csv (applications_received, issued_permits, active_permits, review_time, ex_permits_issued)",
	},
)

// openFunc opens the AMANDA client of a live run; tests replace it.
type openFunc func(cfg amanda.Config, opts amanda.Options) (*amanda.Client, error)

func run(ctx context.Context, args []string, env jobkit.Env, stdout io.Writer) error {
	return runWith(ctx, args, env, stdout, amanda.Open)
}

func runWith(ctx context.Context, args []string, env jobkit.Env, stdout io.Writer, open openFunc) (err error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	query := fs.String("query", "", "named query to export: "+strings.Join(amanda.Names(), ", ")+", or all")
	job, err := jobkit.Start(name, fs, args, env, stdout, settings)
	if err != nil {
		return err
	}
	defer job.Finish(&err)
	names, err := selectQueries(*query, job.Mode)
	if err != nil {
		return err
	}

	// The store first: its settings (a key id without its secret) are
	// checked before the database client is opened. Under --dry-run, live
	// or sample, job.Store returns a store that prints instead of writing.
	store, err := job.Store(ctx, jobkit.ExecDashKeys, amandatest.Recorded)
	if err != nil {
		return err
	}
	client, err := openClient(job, open)
	if err != nil {
		return err
	}
	defer client.Close()
	// A failed query does not stop the others: each file left out keeps
	// yesterday's data, so the run fails at the end naming every one.
	var failed []string
	var errs []error
	for i, n := range names {
		if err := ctx.Err(); err != nil {
			errs = append(errs, fmt.Errorf("%d query(ies) not exported: %w", len(names)-i, err))
			failed = append(failed, names[i:]...)
			break
		}
		if err := export(ctx, job, client, store, n); err != nil {
			job.Logger.ErrorContext(ctx, "query failed", "query", n, "error", err.Error())
			failed = append(failed, n)
			errs = append(errs, err)
		}
	}
	job.Summary("queries", len(names), "failed", len(failed))
	if len(errs) > 0 {
		return fmt.Errorf("%d of %d queries failed (%s): %w", len(failed), len(names), strings.Join(failed, ", "), errors.Join(errs...))
	}
	return nil
}

// selectQueries validates --query before any work starts.
func selectQueries(query string, mode jobkit.Mode) ([]string, error) {
	switch {
	case query == "all", query == "" && mode == jobkit.Sample:
		return amanda.Names(), nil
	case query == "":
		return nil, &jobkit.UsageError{Err: fmt.Errorf("--query is required (one of %s, or all)", strings.Join(amanda.Names(), ", "))}
	}
	if _, err := amanda.Lookup(query); err != nil {
		return nil, &jobkit.UsageError{Err: fmt.Errorf("--query: %w", err)}
	}
	return []string{query}, nil
}

// openClient returns the AMANDA client: the replaying connector over the
// embedded recordings in sample mode, the read replica otherwise.
func openClient(job *jobkit.Job, open openFunc) (*amanda.Client, error) {
	opts := amanda.Options{Logger: job.Logger}
	if job.Mode == jobkit.Sample {
		conn, err := amandatest.NewRecorded()
		if err != nil {
			return nil, err
		}
		return amanda.New(sql.OpenDB(conn), opts), nil
	}
	cfg, err := amandaConfig(job.Env)
	if err != nil {
		return nil, err
	}
	job.Logger.Debug("amanda settings", slog.Any("amanda", cfg))
	client, err := open(cfg, opts)
	if errors.Is(err, amanda.ErrConfig) {
		return nil, &jobkit.ConfigError{Err: err}
	}
	return client, err
}

// amandaConfig maps the environment to the client configuration.
func amandaConfig(env jobkit.Env) (amanda.Config, error) {
	cfg := amanda.Config{
		Host:           env.Get("HOST"),
		ServiceName:    env.Get("SERVICE_NAME"),
		User:           env.Get("DB_USER"),
		Password:       env.Get("DB_PASS"),
		ConnectTimeout: 30 * time.Second,
	}
	if p := env.Get("PORT"); p != "" {
		port, err := strconv.Atoi(p)
		if err != nil || port <= 0 || port > 65535 {
			return cfg, jobkit.Invalid("PORT is not a TCP port number (1-65535)")
		}
		cfg.Port = port
	}
	return cfg, nil
}

// export streams one query's CSV into the store as NAME.csv.
func export(ctx context.Context, job *jobkit.Job, client *amanda.Client, store objstore.Store, query string) error {
	key := query + ".csv"
	job.Logger.InfoContext(ctx, "exporting", "query", query, "key", key)
	var res amanda.ExportResult
	err := objstore.WriteFunc(ctx, store, key, func(w io.Writer) error {
		var err error
		res, err = client.Export(ctx, query, w)
		return err
	})
	if err != nil {
		return fmt.Errorf("export %s to %s: %w", query, key, err)
	}
	job.Logger.InfoContext(ctx, job.Verb("exported", "dry run: counted, would write"), "query", query, "key", key, "rows", res.Rows,
		"columns", len(res.Columns), "elapsed", res.Elapsed)
	return nil
}
