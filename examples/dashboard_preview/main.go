// Command dashboard_preview writes one self-contained HTML page that draws
// the measures the other jobs publish, so a bad run shows before Power BI
// refreshes: a zero in the active-permit log, a missing week, a month of
// expenses gone, a dataset that stopped updating. The page has inline SVG
// and CSS only (no script, no font, nothing fetched: it opens offline) and
// these charts, each with a title, labelled axes, a legend, a <title> per
// data point and a table of its numbers:
//
//   - active permits over time, DS, EX and RW (ACTIVE_DATASET);
//   - applications received and permits issued per week, per folder type
//     (WEEK_DATASET), a week without a row drawn as a marked gap;
//   - expenses and revenue, budget and actual year to date, by month and
//     department (EXP_DATASET, REV_DATASET);
//   - 3-1-1 requests per month by status (CSR_DATASET), counted by the
//     server with $select/$group, never downloaded;
//   - the department's datasets longest without a data update (the
//     metadata dataset, METADATA_DATASET, default 28ys-ieqv).
//
// Times are shown in America/Chicago, the zone the jobs write in.
//
// Sources: live, SoQL queries on the datasets, each bounded by --max-rows
// and all of them by --timeout; --from DIR, a folder the other jobs wrote
// in sample mode or in a live --dry-run (their --out folder:
// DIR/socrata/<dataset>.upsert.json and .replace.json, named by the sample
// dataset, or by the id in the job's dataset variable, which --from reads
// from the environment too; no Socrata setting is needed); with nothing
// configured, the embedded sample, which is
// what the other jobs' samples write (sample/README.md). Live, a dataset
// that cannot be read (a failed query, rows that do not parse, the
// --timeout) leaves its charts empty, saying why, and the others are
// still drawn: the page is written and the run exits 1. Every empty chart
// and every note is also a WARN line of the log.
//
// Output: --html FILE; without it, in sample mode and with --from,
// <out>/dashboard-preview.html. --dry-run builds the page and writes
// nothing.
//
// Environment: SO_WEB, SO_TOKEN, SO_KEY / SO_SECRET (optional: for private
// datasets), ACTIVE_DATASET, WEEK_DATASET, EXP_DATASET, REV_DATASET,
// CSR_DATASET, METADATA_DATASET (optional).
package main

import (
	"bytes"
	"cmp"
	"context"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
	_ "time/tzdata" // America/Chicago must resolve in minimal containers

	"github.com/cityofaustin/atd-executive-dashboard/internal/jobkit"
	"github.com/cityofaustin/atd-executive-dashboard/socrata"
)

const name = "dashboard_preview"

// pageFile is the page's name under --out.
const pageFile = "dashboard-preview.html"

// defaultMetadataDataset is the metadata dataset when METADATA_DATASET is
// unset.
const defaultMetadataDataset = "28ys-ieqv"

//go:embed sample
var sample embed.FS

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.LookupEnv, os.Stdout)
	stop()
	os.Exit(jobkit.Exit(name, err, os.Stderr))
}

var settings = jobkit.Settings{
	Required: []string{"SO_WEB", "ACTIVE_DATASET", "WEEK_DATASET", "EXP_DATASET", "REV_DATASET", "CSR_DATASET"},
	Optional: []string{"SO_TOKEN", "SO_KEY", "SO_SECRET", "METADATA_DATASET"},
	Purpose:  "Draws what the other jobs publish (active permits, the weekly summary, finance, 3-1-1, dataset ages) on one self-contained HTML page, from the live datasets (bounded SoQL queries), from a folder the jobs wrote in sample mode or a live dry run (--from; no Socrata setting needed), or from the embedded sample.",
	Writes:   "one HTML page: --html FILE, or <out>/dashboard-preview.html in sample mode and with --from; nothing in any dataset",
}

func run(ctx context.Context, args []string, env jobkit.Env, stdout io.Writer) (err error) {
	fset := flag.NewFlagSet(name, flag.ContinueOnError)
	htmlFile := fset.String("html", "", "write the page to this file (default in sample mode and with --from: <out>/"+pageFile+")")
	from := fset.String("from", "", "read the outputs the other jobs wrote under this folder (their --out, in sample mode or a live --dry-run) instead of the datasets; files named by the dataset variables' ids are read too")
	asOf := fset.String("as-of", "", "measure the datasets' ages to this time (RFC 3339, or 2006-01-02T15:04 in America/Chicago; default now)")
	maxRows := fset.Int("max-rows", 5000, "live: the most rows any one query reads ($limit, 1 to 50000)")
	timeout := fset.Duration("timeout", 2*time.Minute, "live: the most time all the queries may take")
	s := settings
	s.Offline = func() bool { return *from != "" } // --from needs no live setting
	job, err := jobkit.Start(name, fset, args, env, stdout, s)
	if err != nil {
		return err
	}
	defer job.Finish(&err)
	loc, err := time.LoadLocation("America/Chicago")
	if err != nil {
		return err
	}
	if *maxRows < 1 || *maxRows > socrata.MaxPageSize {
		return &jobkit.UsageError{Err: fmt.Errorf("--max-rows must be between 1 and %d, got %d", socrata.MaxPageSize, *maxRows)}
	}
	if *timeout <= 0 {
		return &jobkit.UsageError{Err: fmt.Errorf("--timeout must be positive, got %s", *timeout)}
	}
	now := time.Now()
	if *asOf != "" {
		if now, err = parseAsOf(*asOf, loc); err != nil {
			return &jobkit.UsageError{Err: err}
		}
	}
	live := *from == "" && job.Mode == jobkit.Live
	out := *htmlFile
	if out == "" {
		if live {
			return &jobkit.UsageError{Err: fmt.Errorf("--html FILE is required when reading the live datasets")}
		}
		out = filepath.Join(job.Flags.Out, pageFile)
	}

	var d *data
	var readErr error // datasets a live page could not read; the page is still written
	switch {
	case *from != "":
		if st, err := os.Stat(*from); err != nil || !st.IsDir() {
			return &jobkit.UsageError{Err: fmt.Errorf("--from %s: not a folder", *from)}
		}
		job.Logger.InfoContext(ctx, "reading the jobs' outputs from a folder", "folder", *from)
		// A live dry run's --out folder names its files by the real
		// dataset ids.
		ids := map[string]string{
			secActive: env.Get("ACTIVE_DATASET"), secWeeks: env.Get("WEEK_DATASET"),
			secExpenses: env.Get("EXP_DATASET"), secRevenue: env.Get("REV_DATASET"), secCSR: env.Get("CSR_DATASET"),
			secStale: cmp.Or(env.Get("METADATA_DATASET"), defaultMetadataDataset),
		}
		if d, err = readFolder(folderFS(os.DirFS(*from)), ids, loc, job.Logger); err != nil {
			return fmt.Errorf("--from %s: %w", *from, err)
		}
		abs, _ := filepath.Abs(*from)
		d.Source = "folder " + abs
	case job.Mode == jobkit.Sample:
		sub, _ := fs.Sub(sample, "sample/socrata")
		if d, err = readFolder(sub, nil, loc, job.Logger); err != nil {
			return fmt.Errorf("embedded sample: %w", err)
		}
		d.Source = "embedded sample (what the other jobs write in sample mode)"
	default:
		client, err := socrata.New(job.SocrataConfig())
		if err != nil {
			return &jobkit.ConfigError{Err: err}
		}
		ids := liveDatasets{
			Active: env.Get("ACTIVE_DATASET"), Week: env.Get("WEEK_DATASET"), Expenses: env.Get("EXP_DATASET"),
			Revenue: env.Get("REV_DATASET"), CSR: env.Get("CSR_DATASET"),
			Metadata: cmp.Or(env.Get("METADATA_DATASET"), defaultMetadataDataset),
		}
		qctx, cancel := context.WithTimeout(ctx, *timeout)
		d, readErr = readLive(qctx, client, ids, *maxRows, now, loc, job.Logger)
		cancel()
		if readErr != nil {
			if ctx.Err() != nil { // interrupted: no page
				return readErr
			}
			// The page is still written: the datasets that could be read
			// are drawn, the others say why they are empty. (The socrata
			// package's errors name the system already.)
		}
		d.Source = client.Host()
	}
	d.AsOf = now

	var page bytes.Buffer
	charts, err := render(&page, d, loc, time.Now())
	if err != nil {
		return err
	}
	warnings := 0
	for _, c := range charts {
		if c.Empty != "" {
			job.Logger.WarnContext(ctx, "chart without data", "chart", c.ID, "why", c.Empty)
			warnings++
		}
		for _, n := range c.Notes {
			job.Logger.WarnContext(ctx, "preview note", "chart", c.ID, "note", n)
			warnings++
		}
	}
	job.Summary("file", out, "bytes", page.Len(), "charts", len(charts), "notes", warnings)
	if job.Flags.DryRun {
		fmt.Fprintf(job.Stdout, "--- dry run: would write %s (%d bytes, %d charts, %d notes)\n", out, page.Len(), len(charts), warnings)
		return readErr
	}
	if err := writeFile(out, page.Bytes()); err != nil {
		return errors.Join(readErr, err)
	}
	job.Logger.InfoContext(ctx, "page written", "file", out, "bytes", page.Len(), "charts", len(charts), "notes", warnings)
	return readErr
}

// parseAsOf reads --as-of: RFC 3339, or a wall time in loc.
func parseAsOf(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--as-of %q: want RFC 3339 or 2006-01-02T15:04", s)
}

// writeFile writes b to file through a temporary file in the same folder,
// so a reader never sees half a page.
func writeFile(file string, b []byte) error {
	dir := filepath.Dir(file)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write %s: %w", file, err)
	}
	tmp, err := os.CreateTemp(dir, ".dashboard-preview-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", file, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", file, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", file, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", file, err)
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		return fmt.Errorf("write %s: %w", file, err)
	}
	return nil
}
