package jobkit

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"iter"
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
	Upsert(ctx context.Context, dataset string, rows iter.Seq2[socrata.Row, error], opts socrata.UpsertOptions) (socrata.WriteResult, error)
	Replace(ctx context.Context, dataset string, rows iter.Seq2[socrata.Row, error], opts socrata.ReplaceOptions) (socrata.WriteResult, error)
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

// Merge joins several jobs' settings.
func Merge(sets ...Settings) Settings {
	var out Settings
	for _, s := range sets {
		out.Required = append(out.Required, s.Required...)
		out.Optional = append(out.Optional, s.Optional...)
	}
	return out
}

// SocrataConfig builds the client configuration from SO_WEB, SO_TOKEN,
// SO_KEY and SO_SECRET.
func SocrataConfig(env Env) socrata.Config {
	return socrata.Config{
		Domain:    env.Get("SO_WEB"),
		AppToken:  env.Get("SO_TOKEN"),
		KeyID:     env.Get("SO_KEY"),
		KeySecret: env.Get("SO_SECRET"),
	}
}

// Publisher returns the job's Socrata destination: the real client (live)
// or a [FilePublisher] under the --out folder (sample). Under --dry-run a
// [DryRunPublisher] stands in front of either: it prints instead of
// writing, and counts still query the destination.
// tune, when not nil, adjusts the client configuration (chunk size, ...).
func (j *Job) Publisher(tune func(*socrata.Config)) (Publisher, error) {
	if j.Mode == Sample {
		files := &FilePublisher{Dir: filepath.Join(j.Flags.Out, "socrata")}
		if j.Flags.DryRun {
			return &DryRunPublisher{Counter: files, W: j.Stdout}, nil
		}
		return files, nil
	}
	cfg := SocrataConfig(j.Env)
	cfg.Logger = j.Logger
	if tune != nil {
		tune(&cfg)
	}
	client, err := socrata.New(cfg)
	if err != nil {
		return nil, &ConfigError{Err: err}
	}
	if j.Flags.DryRun {
		return &DryRunPublisher{Counter: client, W: j.Stdout}, nil
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
func (p *FilePublisher) Upsert(ctx context.Context, dataset string, rows iter.Seq2[socrata.Row, error], _ socrata.UpsertOptions) (socrata.WriteResult, error) {
	return p.write(ctx, dataset, "upsert", rows)
}

// Replace writes rows to <Dir>/<dataset>.replace.json.
func (p *FilePublisher) Replace(ctx context.Context, dataset string, rows iter.Seq2[socrata.Row, error], _ socrata.ReplaceOptions) (socrata.WriteResult, error) {
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

func (p *FilePublisher) write(ctx context.Context, dataset, method string, rows iter.Seq2[socrata.Row, error]) (socrata.WriteResult, error) {
	var n int64
	err := objstore.WriteFunc(ctx, objstore.NewDir(p.Dir), dataset+"."+method+".json", func(w io.Writer) error {
		enc := socrata.NewEncoder(w)
		for row, err := range rows {
			if err != nil {
				return err
			}
			if err := enc.Encode(row); err != nil {
				return err
			}
		}
		n = enc.Rows()
		return enc.Close()
	})
	if err != nil {
		return socrata.WriteResult{}, fmt.Errorf("sample socrata: %s %s: %w", method, dataset, err)
	}
	return socrata.WriteResult{Created: n, Rows: n, Chunks: 1}, nil
}

// RowsOf returns an iterator over rows, for publishing a few rows built in
// memory.
func RowsOf(rows ...socrata.Row) iter.Seq2[socrata.Row, error] {
	return func(yield func(socrata.Row, error) bool) {
		for _, r := range rows {
			if !yield(r, nil) {
				return
			}
		}
	}
}

// Counter counts a dataset's rows.
type Counter interface {
	Count(ctx context.Context, dataset, where string) (int64, error)
}

// DryRunPublisher prints what would be published (row count and the first
// rows) instead of publishing. Count goes to Counter, the real dataset.
type DryRunPublisher struct {
	Counter Counter
	W       io.Writer
}

// dryRunPreviewRows is how many rows a dry run prints.
const dryRunPreviewRows = 3

// Upsert prints the rows it would upsert.
func (p *DryRunPublisher) Upsert(ctx context.Context, dataset string, rows iter.Seq2[socrata.Row, error], _ socrata.UpsertOptions) (socrata.WriteResult, error) {
	return p.print(ctx, "upsert", dataset, rows)
}

// Replace prints the rows it would replace the dataset with.
func (p *DryRunPublisher) Replace(ctx context.Context, dataset string, rows iter.Seq2[socrata.Row, error], _ socrata.ReplaceOptions) (socrata.WriteResult, error) {
	return p.print(ctx, "replace", dataset, rows)
}

// Count counts the real dataset's rows.
func (p *DryRunPublisher) Count(ctx context.Context, dataset, where string) (int64, error) {
	if p.Counter == nil {
		return 0, nil
	}
	return p.Counter.Count(ctx, dataset, where)
}

func (p *DryRunPublisher) print(ctx context.Context, method, dataset string, rows iter.Seq2[socrata.Row, error]) (socrata.WriteResult, error) {
	var n int64
	var head strings.Builder
	start := time.Now()
	for row, err := range rows {
		if err != nil {
			return socrata.WriteResult{Rows: n}, err
		}
		if err := ctx.Err(); err != nil {
			return socrata.WriteResult{Rows: n}, err
		}
		if n < dryRunPreviewRows {
			enc := socrata.NewEncoder(&head)
			if err := enc.Encode(row); err != nil {
				return socrata.WriteResult{Rows: n}, err
			}
			if err := enc.Close(); err != nil {
				return socrata.WriteResult{Rows: n}, err
			}
			head.WriteByte('\n')
		}
		n++
	}
	fmt.Fprintf(p.W, "--- dry run: would %s %d rows to %s (read in %s); first rows:\n%s", method, n, dataset, time.Since(start).Round(time.Millisecond), head.String())
	return socrata.WriteResult{Rows: n}, nil
}
