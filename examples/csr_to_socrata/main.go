// Command csr_to_socrata publishes the 3-1-1 service-request (CSR) report to
// the Socrata dataset CSR_DATASET by upsert. The report (CSR_ENDPOINT:
// tab-separated, UTF-16 with a byte-order mark, hundreds of thousands of
// rows) is streamed: fetched, decoded, parsed and transformed (field map,
// floating timestamps, fiscal_year, WGS84 location) into one reused row,
// which is JSON-encoded into the chunk being built while the previous
// chunk is sent, so memory does not grow with the report's size. Progress
// is logged every --progress rows and per chunk. A value in a numeric
// column that is not a number is published as its text, and a lone UTF-16
// surrogate as U+FFFD; each is counted in one warning naming its first
// rows. A report cut short fails the run (see csr.ErrTruncated).
//
// With nothing configured it runs on the embedded sample report and writes
// ./sample-output/socrata/csr-sample.upsert.json.
//
// Environment: CSR_ENDPOINT, CSR_DATASET, SO_WEB, SO_KEY, SO_SECRET,
// SO_TOKEN (optional).
//
// Exit codes: 0 success; 1 a failure while working (the message says how
// many rows were read and published before it: upserts are keyed, so a
// rerun completes the set); 2 a usage or configuration error.
package main

import (
	"cmp"
	"context"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/cityofaustin/atd-executive-dashboard/csr"
	"github.com/cityofaustin/atd-executive-dashboard/internal/jobkit"
	"github.com/cityofaustin/atd-executive-dashboard/socrata"
)

const name = "csr_to_socrata"

//go:embed sample/csr_sample.tsv
var sample embed.FS

func main() {
	ctx, stop := jobkit.SignalContext(context.Background())
	err := run(ctx, os.Args[1:], os.LookupEnv, os.Stdout)
	stop()
	os.Exit(jobkit.ExitContext(ctx, name, err, os.Stderr))
}

var settings = jobkit.Merge(
	jobkit.Settings{Required: []string{"CSR_ENDPOINT", "CSR_DATASET"},
		Purpose: "Streams the 3-1-1 service-request report (UTF-16 TSV from CSR_ENDPOINT) and upserts it to Socrata in chunks; memory does not grow with the report. Run once per fiscal-year report endpoint.",
		Writes:  "CSR_DATASET, upserted"},
	jobkit.SocrataSettings(),
)

func run(ctx context.Context, args []string, env jobkit.Env, stdout io.Writer) (err error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	chunkSize := fs.Int("chunk-size", 0, "rows per upsert request (default: the Socrata client's, 10000)")
	progress := fs.Int("progress", 100_000, "log a progress line every N rows read")
	job, err := jobkit.Start(name, fs, args, env, stdout, settings)
	if err != nil {
		return err
	}
	defer job.Finish(&err)
	if *chunkSize < 0 || *progress < 1 {
		return &jobkit.UsageError{Err: errors.New("--chunk-size must be ≥ 0, --progress ≥ 1")}
	}
	pub, err := job.Publisher(func(c *socrata.Config) { c.ChunkSize = *chunkSize })
	if err != nil {
		return err
	}
	dataset := job.Dataset("CSR_DATASET", "csr-sample")

	rd, err := openReport(ctx, job)
	if err != nil {
		return fmt.Errorf("3-1-1 report: %w (nothing was published)", err)
	}
	defer rd.Close()

	p := &pipeline{log: job, every: *progress, t: csr.NewTransformer()}
	res, err := pub.Upsert(ctx, dataset, p.rows(ctx, rd), socrata.UpsertOptions{ChunkSize: *chunkSize})
	p.warn(ctx, rd)
	if err != nil {
		return p.explain(err, dataset, *chunkSize)
	}
	if p.read == 0 {
		// A header and no rows: the endpoint answered, but not with the
		// report (an expired filter, an empty fiscal year). Not a success.
		return fmt.Errorf("3-1-1 report: the report has a header and no rows; nothing was published to %s", dataset)
	}
	job.Summary("dataset", dataset, "rows_read", p.read, "rows", res.Rows, "chunks", res.Chunks, "row_errors", res.Errors)
	job.Logger.InfoContext(ctx, job.Verb("published", "dry run: would publish"), "dataset", dataset, "rows_read", p.read, "rows", res.Rows,
		"chunks", res.Chunks, "created", res.Created, "updated", res.Updated, "errors", res.Errors)
	if res.Errors > 0 {
		return fmt.Errorf("socrata: upsert %s: socrata refused %d of %d rows", dataset, res.Errors, res.Rows)
	}
	return nil
}

// openReport fetches the live report, or opens the embedded sample.
func openReport(ctx context.Context, job *jobkit.Job) (*csr.Reader, error) {
	if job.Mode == jobkit.Sample {
		f, err := sample.Open("sample/csr_sample.tsv")
		if err != nil {
			return nil, err
		}
		return csr.NewReader(f)
	}
	c, err := csr.New(csr.Config{Endpoint: job.Env.Get("CSR_ENDPOINT"), Logger: job.Logger, Timeout: job.Flags.RequestTimeout})
	if err != nil {
		return nil, &jobkit.ConfigError{Err: err}
	}
	return c.Open(ctx)
}

// pipeline counts and logs the rows read and remembers a source failure,
// so a failed upsert can say where it stopped.
type pipeline struct {
	log    *jobkit.Job
	every  int
	t      *csr.Transformer
	read   int64 // rows read and transformed
	srcErr error // the report's error, if reading stopped on one
}

func (p *pipeline) rows(ctx context.Context, rd *csr.Reader) socrata.Table {
	t := csr.Rows(rd, p.t)
	inner := t.Rows
	t.Rows = func(yield func([]socrata.Value, error) bool) {
		for row, err := range inner {
			if err != nil {
				p.srcErr = err
				yield(nil, err)
				return
			}
			p.read++
			if p.read%int64(p.every) == 0 {
				p.log.Logger.InfoContext(ctx, "rows read", "rows", p.read)
			}
			if !yield(row, nil) {
				return
			}
		}
	}
	return t
}

// warn logs, per numeric column, the values published as text because
// they are not numbers, and the lone UTF-16 surrogates published as
// U+FFFD.
func (p *pipeline) warn(ctx context.Context, rd *csr.Reader) {
	for _, o := range p.t.NotNumbers() {
		p.log.Logger.WarnContext(ctx, "3-1-1 report: values that are not numbers published as text",
			"column", o.Column.Name(), "count", o.Count, "first_rows", o.Rows)
	}
	if n, rows := rd.Surrogates(); n > 0 {
		p.log.Logger.WarnContext(ctx, "3-1-1 report: lone UTF-16 surrogates published as U+FFFD",
			"count", n, "first_rows", rows)
	}
}

// explain turns a failed upsert into one message that says what failed
// and what had landed: the confirmed chunks, and the chunk in flight as
// unknown when its request had gone out (it may have landed).
func (p *pipeline) explain(err error, dataset string, chunkSize int) error {
	var landed int64
	chunks := 0
	inFlight := ""
	var perr *socrata.PublishError
	if errors.As(err, &perr) {
		landed, chunks = perr.RowsLanded, perr.ChunksLanded
		if perr.Unknown {
			inFlight = fmt.Sprintf("; chunk %d (from report row %d, up to %d rows) may have landed (its outcome is unknown), the rows after it were not published",
				perr.Chunk, landed+1, cmp.Or(chunkSize, socrata.DefaultChunkSize))
		}
	}
	rerun := "upserts are keyed, so a rerun completes the set"
	if p.srcErr != nil {
		span := ""
		if landed > 0 {
			span = fmt.Sprintf(" (report rows 1-%d)", landed)
		}
		// err carries the report's failure, and the chunk in flight's
		// too when that one failed as well.
		return fmt.Errorf("3-1-1 report: reading stopped after %d rows; %d rows in %d chunk(s) had been published to %s%s%s; %s: %w",
			p.read, landed, chunks, dataset, span, inFlight, rerun, err)
	}
	switch {
	case inFlight != "" && landed == 0:
		return fmt.Errorf("publishing the 3-1-1 report to %s: nothing had landed before it%s; %s: %w",
			dataset, inFlight, rerun, err)
	case inFlight != "":
		return fmt.Errorf("publishing the 3-1-1 report to %s: report rows 1-%d landed (%d chunk(s))%s; %s: %w",
			dataset, landed, chunks, inFlight, rerun, err)
	case landed == 0:
		return fmt.Errorf("publishing the 3-1-1 report to %s: nothing landed: %w", dataset, err)
	}
	return fmt.Errorf("publishing the 3-1-1 report to %s: report rows 1-%d landed (%d chunk(s)), rows %d and later were not published; %s: %w",
		dataset, landed, chunks, landed+1, rerun, err)
}
