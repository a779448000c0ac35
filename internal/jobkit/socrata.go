package jobkit

import (
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cityofaustin/atd-executive-dashboard/internal/objstore"
	"github.com/cityofaustin/atd-executive-dashboard/socrata"
)

// Publisher is what a job needs from Socrata. *socrata.Client implements it;
// so do the sample-mode [FilePublisher] and the [DryRunPublisher].
type Publisher interface {
	Upsert(ctx context.Context, dataset string, rows socrata.Rows, opts socrata.UpsertOptions) (socrata.WriteResult, error)
	Replace(ctx context.Context, dataset string, rows socrata.Rows, opts socrata.ReplaceOptions) (socrata.WriteResult, error)
	Count(ctx context.Context, dataset, where string) (int64, error)
}

var (
	_ Publisher = (*socrata.Client)(nil)
	_ Publisher = (*FilePublisher)(nil)
	_ Publisher = (*DryRunPublisher)(nil)
)

// SocrataSettings returns the settings of the Socrata destination: SO_WEB,
// SO_KEY and SO_SECRET required (writes need credentials), SO_TOKEN
// optional.
func SocrataSettings() Settings {
	return Settings{Required: []string{"SO_WEB", "SO_KEY", "SO_SECRET"}, Optional: []string{"SO_TOKEN"}}
}

// Merge joins several jobs' settings; of Purpose and Writes the last
// one given is kept.
func Merge(sets ...Settings) Settings {
	var out Settings
	for _, s := range sets {
		out.Required = append(out.Required, s.Required...)
		out.Optional = append(out.Optional, s.Optional...)
		out.Also = append(out.Also, s.Also...)
		out.Purpose = cmp.Or(s.Purpose, out.Purpose)
		out.Writes = cmp.Or(s.Writes, out.Writes)
	}
	return out
}

// SocrataConfig builds the job's client configuration: SO_WEB, SO_TOKEN,
// SO_KEY and SO_SECRET from its environment, its logger, and
// --request-timeout as the bound of each attempt.
func (j *Job) SocrataConfig() socrata.Config {
	return socrata.Config{
		Domain:    j.Env.Get("SO_WEB"),
		AppToken:  j.Env.Get("SO_TOKEN"),
		KeyID:     j.Env.Get("SO_KEY"),
		KeySecret: j.Env.Get("SO_SECRET"),
		Logger:    j.Logger,
		Timeout:   j.Flags.RequestTimeout,
	}
}

// Publisher returns the job's Socrata destination: the real client (live)
// or a [FilePublisher] under the --out folder (sample). Under --dry-run a
// [DryRunPublisher] stands in front of either: it prints instead of
// writing, and counts still query the destination; in a live dry run with
// --out it also keeps the rows under <out>/socrata, as sample mode writes
// them.
// tune, when not nil, adjusts the client configuration (chunk size, ...).
func (j *Job) Publisher(tune func(*socrata.Config)) (Publisher, error) {
	if j.Mode == Sample {
		files := &FilePublisher{Dir: filepath.Join(j.Flags.Out, "socrata")}
		if j.Flags.DryRun {
			return &DryRunPublisher{Counter: files, W: j.Stdout}, nil
		}
		return files, nil
	}
	cfg := j.SocrataConfig()
	if tune != nil {
		tune(&cfg)
	}
	client, err := socrata.New(cfg)
	if err != nil {
		return nil, &ConfigError{Err: err}
	}
	if j.Flags.DryRun {
		dry := &DryRunPublisher{Counter: client, W: j.Stdout}
		if j.keep != "" {
			dry.Keep = &FilePublisher{Dir: filepath.Join(j.keep, "socrata")}
		}
		return dry, nil
	}
	return client, nil
}

// Dataset returns the dataset id held by variable name, or the sample
// dataset name in sample mode.
func (j *Job) Dataset(name, sample string) string {
	if j.Mode == Sample {
		return sample
	}
	return j.Env.Get(name)
}

// FilePublisher writes what would be published as JSON files named by
// dataset and method (<dataset>.upsert.json, <dataset>.replace.json) under
// Dir. Count reports the rows of the last replace or upsert file, 0 when
// there is none.
type FilePublisher struct {
	Dir string
}

// Upsert writes rows to <Dir>/<dataset>.upsert.json.
func (p *FilePublisher) Upsert(ctx context.Context, dataset string, rows socrata.Rows, _ socrata.UpsertOptions) (socrata.WriteResult, error) {
	return p.write(ctx, dataset, "upsert", rows)
}

// Replace writes rows to <Dir>/<dataset>.replace.json, refusing to lose
// data as socrata.Client.Replace does (socrata.GuardReplace).
func (p *FilePublisher) Replace(ctx context.Context, dataset string, rows socrata.Rows, opts socrata.ReplaceOptions) (socrata.WriteResult, error) {
	if err := guardReplace(ctx, p, dataset, rows, opts); err != nil {
		return socrata.WriteResult{}, err
	}
	return p.write(ctx, dataset, "replace", rows)
}

// Count returns the number of rows in the dataset's replace file, or in its
// upsert file, or 0.
func (p *FilePublisher) Count(_ context.Context, dataset, _ string) (int64, error) {
	for _, method := range []string{"replace", "upsert"} {
		b, err := os.ReadFile(filepath.Join(p.Dir, dataset+"."+method+".json"))
		if err != nil {
			continue
		}
		var rows []json.RawMessage
		if err := json.Unmarshal(b, &rows); err != nil {
			return 0, fmt.Errorf("sample socrata: %s: %w", dataset, err)
		}
		return int64(len(rows)), nil
	}
	return 0, nil
}

func (p *FilePublisher) write(ctx context.Context, dataset, method string, rows socrata.Rows) (socrata.WriteResult, error) {
	var n int64
	err := objstore.WriteFunc(ctx, objstore.NewDir(p.Dir), dataset+"."+method+".json", func(w io.Writer) error {
		var err error
		n, err = socrata.WriteJSON(w, rows)
		return err
	})
	if err != nil {
		return socrata.WriteResult{}, fmt.Errorf("sample socrata: %s %s: %w", method, dataset, err)
	}
	return socrata.WriteResult{Created: n, Rows: n, Chunks: 1}, nil
}

// DryRunPublisher prints what would be published (row count and the first
// rows) instead of publishing. Count goes to Counter, the real dataset.
// With Keep, the rows are also saved as Keep saves them (after the replace
// guard, which counts through Counter, lets them through).
type DryRunPublisher struct {
	Counter socrata.Counter
	W       io.Writer
	Keep    *FilePublisher
}

// dryRunPreviewRows is how many rows a dry run prints.
const dryRunPreviewRows = 3

// Upsert prints the rows it would upsert.
func (p *DryRunPublisher) Upsert(ctx context.Context, dataset string, rows socrata.Rows, _ socrata.UpsertOptions) (socrata.WriteResult, error) {
	return p.print(ctx, "upsert", dataset, rows)
}

// Replace prints the rows it would replace the dataset with, or the
// refusal a real replace would meet (socrata.GuardReplace).
func (p *DryRunPublisher) Replace(ctx context.Context, dataset string, rows socrata.Rows, opts socrata.ReplaceOptions) (socrata.WriteResult, error) {
	check, err := socrata.GuardReplace(ctx, p, dataset, rows, opts)
	if check.Counted {
		fmt.Fprintf(p.W, "--- dry run: %s holds %d rows; the replace would leave %d\n", dataset, check.Current, check.Next)
	}
	if err != nil {
		return socrata.WriteResult{}, &socrata.PublishError{Op: "replace", Dataset: dataset, Err: err}
	}
	return p.print(ctx, "replace", dataset, rows)
}

// Count counts the real dataset's rows (0 without a Counter).
func (p *DryRunPublisher) Count(ctx context.Context, dataset, where string) (int64, error) {
	if p.Counter == nil {
		return 0, nil
	}
	return p.Counter.Count(ctx, dataset, where)
}

// guardReplace applies socrata.GuardReplace, returning its refusal as the
// client would: in a *socrata.PublishError.
func guardReplace(ctx context.Context, c socrata.Counter, dataset string, rows socrata.Rows, opts socrata.ReplaceOptions) error {
	if _, err := socrata.GuardReplace(ctx, c, dataset, rows, opts); err != nil {
		return &socrata.PublishError{Op: "replace", Dataset: dataset, Err: err}
	}
	return nil
}

func (p *DryRunPublisher) print(ctx context.Context, method, dataset string, rows socrata.Rows) (socrata.WriteResult, error) {
	if p.Keep != nil {
		return p.keep(ctx, method, dataset, rows)
	}
	var n int64
	var head strings.Builder
	start := time.Now()
	for row, err := range rows.JSON() {
		if err != nil {
			return socrata.WriteResult{Rows: n}, err
		}
		if err := ctx.Err(); err != nil {
			return socrata.WriteResult{Rows: n}, err
		}
		if n < dryRunPreviewRows {
			head.WriteByte('[')
			head.Write(row)
			head.WriteString("]\n")
		}
		n++
	}
	fmt.Fprintf(p.W, "--- dry run: would %s %d rows to %s (read in %s); first rows:\n%s", method, n, dataset, time.Since(start).Round(time.Millisecond), head.String())
	return socrata.WriteResult{Rows: n}, nil
}

// keep saves the rows through p.Keep (the rows are read once), then prints
// the same preview as print, its first rows read back from the saved file.
func (p *DryRunPublisher) keep(ctx context.Context, method, dataset string, rows socrata.Rows) (socrata.WriteResult, error) {
	start := time.Now()
	res, err := p.Keep.write(ctx, dataset, method, rows)
	if err != nil {
		return socrata.WriteResult{}, err
	}
	file := filepath.Join(p.Keep.Dir, dataset+"."+method+".json")
	var head strings.Builder
	if f, err := os.Open(file); err == nil { // read only the first rows back
		defer f.Close()
		dec := json.NewDecoder(f)
		if _, err := dec.Token(); err == nil { // [
			for i := 0; i < dryRunPreviewRows && dec.More(); i++ {
				var row json.RawMessage
				if dec.Decode(&row) != nil {
					break
				}
				head.WriteByte('[')
				head.Write(row)
				head.WriteString("]\n")
			}
		}
	}
	fmt.Fprintf(p.W, "--- dry run: would %s %d rows to %s (read in %s); first rows:\n%s", method, res.Rows, dataset, time.Since(start).Round(time.Millisecond), head.String())
	fmt.Fprintf(p.W, "--- dry run: a copy of the %d rows is kept in %s\n", res.Rows, file)
	return socrata.WriteResult{Rows: res.Rows}, nil
}

// ReplaceFlags are the flags of jobs that replace a dataset: --force and
// --max-shrink, turned into socrata.ReplaceOptions.
type ReplaceFlags struct {
	Force     bool
	MaxShrink float64
}

// Register adds --force and --max-shrink (default defaultMaxShrink) to fs.
func (f *ReplaceFlags) Register(fs *flag.FlagSet, defaultMaxShrink float64) {
	fs.BoolVar(&f.Force, "force", false, "replace even when the dataset would shrink by more than --max-shrink, or become empty")
	fs.Float64Var(&f.MaxShrink, "max-shrink", defaultMaxShrink, "largest fraction of the dataset's rows a replace may remove without --force (0: refuse any shrink; 0.1: up to 10%)")
}

// Options validates the flags and returns the replace options; an
// out-of-range --max-shrink is a *UsageError.
func (f *ReplaceFlags) Options() (socrata.ReplaceOptions, error) {
	if !(f.MaxShrink >= 0 && f.MaxShrink <= 1) { // also refuses NaN
		return socrata.ReplaceOptions{}, &UsageError{Err: fmt.Errorf("--max-shrink must be a fraction between 0 and 1, got %g", f.MaxShrink)}
	}
	return socrata.ReplaceOptions{Force: f.Force, MaxShrink: f.MaxShrink}, nil
}
