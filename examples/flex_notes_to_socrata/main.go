// Command flex_notes_to_socrata publishes the 3-1-1 flex-notes report (the
// questions and answers attached to service requests) to the Socrata
// dataset FLEX_NOTES_DATASET by upsert. It downloads the xlsx report
// (FLEX_NOTE_ENDPOINT), maps its six columns, drops the rows whose question
// is private (reporter information, license plates, card digits, APD case
// numbers, ParkATX user ids, citation numbers: csr.DefaultIgnoredQuestions,
// or the questions listed one per line in the file named by --ignored) and
// upserts the rest in chunks. The log says how many rows were dropped, per
// question.
//
// With nothing configured it runs on the embedded sample workbook and
// writes ./sample-output/socrata/flex-notes-sample.upsert.json.
//
// Environment: FLEX_NOTE_ENDPOINT, FLEX_NOTES_DATASET, SO_WEB, SO_KEY,
// SO_SECRET, SO_TOKEN (optional).
//
// Exit codes: 0 success; 1 a failure while working (the message says how
// many rows were published before it); 2 a usage or configuration error.
package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/cityofaustin/atd-executive-dashboard/csr"
	"github.com/cityofaustin/atd-executive-dashboard/internal/jobkit"
	"github.com/cityofaustin/atd-executive-dashboard/socrata"
)

const name = "flex_notes_to_socrata"

//go:embed sample/flex_notes_sample.xlsx
var sample []byte

func main() {
	ctx, stop := jobkit.SignalContext(context.Background())
	err := run(ctx, os.Args[1:], os.LookupEnv, os.Stdout)
	stop()
	os.Exit(jobkit.ExitContext(ctx, name, err, os.Stderr))
}

var settings = jobkit.Merge(
	jobkit.Settings{Required: []string{"FLEX_NOTE_ENDPOINT", "FLEX_NOTES_DATASET"},
		Purpose: "Reads the 3-1-1 flex-notes report (xlsx from FLEX_NOTE_ENDPOINT), drops the private questions (the built-in list, or --ignored FILE) and upserts the rest to Socrata. Run once per fiscal-year report endpoint.",
		Writes:  "FLEX_NOTES_DATASET, upserted"},
	jobkit.SocrataSettings(),
)

func run(ctx context.Context, args []string, env jobkit.Env, stdout io.Writer) (err error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	chunkSize := fs.Int("chunk-size", 0, "rows per upsert request (default: the Socrata client's, 10000)")
	ignoredFile := fs.String("ignored", "", "file listing the private questions to drop, one per line (default: the built-in list)")
	job, err := jobkit.Start(name, fs, args, env, stdout, settings)
	if err != nil {
		return err
	}
	defer job.Finish(&err)
	if *chunkSize < 0 {
		return &jobkit.UsageError{Err: errors.New("--chunk-size must be ≥ 0")}
	}
	opts := csr.FlexOptions{}
	if *ignoredFile != "" {
		if opts.IgnoredQuestions, err = readLines(*ignoredFile); err != nil {
			return &jobkit.UsageError{Err: fmt.Errorf("--ignored: %w", err)}
		}
	}
	pub, err := job.Publisher(func(c *socrata.Config) { c.ChunkSize = *chunkSize })
	if err != nil {
		return err
	}
	dataset := job.Dataset("FLEX_NOTES_DATASET", "flex-notes-sample")

	fn, err := openReport(ctx, job, opts)
	if err != nil {
		return fmt.Errorf("3-1-1 flex notes report: %w (nothing was published)", err)
	}
	defer fn.Close()

	var srcErr error
	rows := csr.FlexRows(fn)
	inner := rows.Rows
	rows.Rows = func(yield func([]socrata.Value, error) bool) {
		for row, err := range inner {
			if err != nil {
				srcErr = err
			}
			if !yield(row, err) || err != nil {
				return
			}
		}
	}
	res, err := pub.Upsert(ctx, dataset, rows, socrata.UpsertOptions{ChunkSize: *chunkSize})
	st := fn.Stats()
	if err != nil {
		var landed int64
		rest := ", the rest were not published"
		var perr *socrata.PublishError
		if errors.As(err, &perr) {
			landed = perr.RowsLanded
			if perr.Unknown {
				// The chunk in flight had gone out: it may have landed.
				rest = fmt.Sprintf("; chunk %d (from row %d, up to %d rows) may have landed (its outcome is unknown), the rows after it were not published",
					perr.Chunk, landed+1, cmp.Or(*chunkSize, socrata.DefaultChunkSize))
			}
		}
		if srcErr != nil {
			// err carries the report's failure, and the chunk in
			// flight's too when that one failed as well.
			if perr == nil || !perr.Unknown {
				rest = ""
			}
			return fmt.Errorf("3-1-1 flex notes report: reading stopped after %d rows; %d rows had been published to %s%s; upserts are keyed, so a rerun completes the set: %w",
				st.Rows, landed, dataset, rest, err)
		}
		return fmt.Errorf("publishing flex notes to %s: %d rows landed before the failure%s; upserts are keyed, so a rerun completes the set: %w",
			dataset, landed, rest, err)
	}
	if st.Rows == 0 {
		return fmt.Errorf("3-1-1 flex notes report: the report has a header and no rows; nothing was published to %s", dataset)
	}
	for _, q := range slices.Sorted(maps.Keys(st.ByQuestion)) {
		job.Logger.InfoContext(ctx, "dropped private question", "question", q, "rows", st.ByQuestion[q])
	}
	job.Summary("dataset", dataset, "rows_read", st.Rows, "rows_dropped", st.Dropped, "rows", res.Rows, "chunks", res.Chunks, "row_errors", res.Errors)
	job.Logger.InfoContext(ctx, job.Verb("published", "dry run: would publish"), "dataset", dataset, "rows_read", st.Rows, "rows_dropped", st.Dropped,
		"rows", res.Rows, "chunks", res.Chunks, "created", res.Created, "updated", res.Updated, "errors", res.Errors)
	if res.Errors > 0 {
		return fmt.Errorf("socrata: upsert %s: socrata refused %d of %d rows", dataset, res.Errors, res.Rows)
	}
	return nil
}

// openReport fetches the live workbook, or opens the embedded sample.
func openReport(ctx context.Context, job *jobkit.Job, opts csr.FlexOptions) (*csr.FlexNotes, error) {
	if job.Mode == jobkit.Sample {
		return csr.NewFlexNotes(bytes.NewReader(sample), opts)
	}
	c, err := csr.New(csr.Config{Endpoint: job.Env.Get("FLEX_NOTE_ENDPOINT"), Logger: job.Logger, Timeout: job.Flags.RequestTimeout})
	if err != nil {
		return nil, &jobkit.ConfigError{Err: err}
	}
	return c.OpenFlexNotes(ctx, opts)
}

// readLines returns the non-blank lines of a file (line ends trimmed,
// inner spacing kept: questions are matched exactly).
func readLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := []string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := strings.TrimRight(sc.Text(), "\r"); strings.TrimSpace(line) != "" {
			out = append(out, line)
		}
	}
	return out, sc.Err()
}
