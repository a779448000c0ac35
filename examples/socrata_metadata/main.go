// Command socrata_metadata gathers metrics on the department's published
// Socrata assets and replaces the metadata dataset (METADATA_DATASET,
// default 28ys-ieqv) with them: one row per asset owned by user 8t3r-wq64
// or in category "Transportation and Mobility" (drafts skipped), with page
// views, downloads, custom metadata, public/private URL and a row count per
// dataset, counted with bounded concurrency (--concurrency, default 8).
//
// The catalog comes from the Discovery API of METADATA_DOMAIN (default
// datahub.austintexas.gov) at <SO_WEB>/api/catalog/v1, or at
// SOCRATA_CATALOG_URL when set; it is listed with the job's credentials and
// without them (an asset listed anonymously is public).
//
// The replace is refused when it would shrink the dataset by more than
// --max-shrink (default 0.25) of its rows, or leave it empty, unless
// --force is given.
//
// With nothing configured it runs on the embedded sample catalog and writes
// ./sample-output/socrata/socrata-metadata-sample.replace.json.
//
// Environment: SO_WEB, SO_TOKEN, SO_KEY, SO_SECRET, METADATA_DATASET,
// METADATA_DOMAIN, SOCRATA_CATALOG_URL.
package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"
	_ "time/tzdata" // America/Chicago must resolve in minimal containers

	"github.com/cityofaustin/atd-executive-dashboard/internal/jobkit"
	"github.com/cityofaustin/atd-executive-dashboard/socrata"
	"github.com/cityofaustin/atd-executive-dashboard/socratameta"
)

const (
	name             = "socrata_metadata"
	defaultDataset   = "28ys-ieqv"
	sampleDataset    = "socrata-metadata-sample"
	defaultMaxShrink = 0.25
)

//go:embed sample/catalog.json
var sampleCatalog []byte

func main() {
	ctx, stop := jobkit.SignalContext(context.Background())
	err := run(ctx, os.Args[1:], os.LookupEnv, os.Stdout)
	stop()
	os.Exit(jobkit.ExitContext(ctx, name, err, os.Stderr))
}

var settings = jobkit.Merge(
	jobkit.SocrataSettings(),
	jobkit.Settings{Optional: []string{"METADATA_DATASET", "METADATA_DOMAIN", "SOCRATA_CATALOG_URL"}},
)

type options struct {
	concurrency    int
	replace        jobkit.ReplaceFlags
	countRetryWait time.Duration
}

func run(ctx context.Context, args []string, env jobkit.Env, stdout io.Writer) error {
	var o options
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.IntVar(&o.concurrency, "concurrency", socratameta.DefaultConcurrency, "row count queries in flight at most")
	o.replace.Register(fs, defaultMaxShrink)
	fs.DurationVar(&o.countRetryWait, "count-retry-wait", socratameta.DefaultCountRetryWait, "wait before retrying a failed row count (doubles each time)")
	job, err := jobkit.Start(name, fs, args, env, stdout, settings)
	if err != nil {
		return err
	}
	if o.concurrency < 1 {
		return &jobkit.UsageError{Err: fmt.Errorf("--concurrency must be at least 1, got %d", o.concurrency)}
	}
	replaceOpts, err := o.replace.Options()
	if err != nil {
		return err
	}

	src, err := source(job)
	if err != nil {
		return err
	}
	pub, err := job.Publisher(nil)
	if err != nil {
		return err
	}
	dataset := job.Dataset("METADATA_DATASET", sampleDataset)
	if dataset == "" {
		dataset = defaultDataset
	}
	domain := job.Env.Get("METADATA_DOMAIN")

	res, err := socratameta.Gather(ctx, src, socratameta.Options{
		Domain:         domain,
		Concurrency:    o.concurrency,
		CountRetryWait: o.countRetryWait,
		Logger:         job.Logger,
	})
	if err != nil {
		return err
	}

	// Replace refuses, sending nothing, to empty the dataset or to shrink it
	// by more than --max-shrink unless --force (socrata.GuardReplace).
	out, err := pub.Replace(ctx, dataset, socrata.SliceRows(res.Rows), replaceOpts)
	if err != nil {
		if errors.Is(err, socrata.ErrShrink) {
			return fmt.Errorf("%w; nothing was sent (rerun with --force to replace anyway)", err)
		}
		return err
	}
	job.Logger.InfoContext(ctx, "published", "dataset", dataset, "rows", out.Rows,
		"created", out.Created, "errors", out.Errors, "row_count_failed", res.CountFailed)
	if out.Errors > 0 {
		return fmt.Errorf("replace %s: socrata counted %d row error(s)", dataset, out.Errors)
	}
	return nil
}

// source returns the catalog and counts: the portal (live, dry run) or the
// embedded sample.
func source(job *jobkit.Job) (socratameta.Source, error) {
	if job.Mode == jobkit.Sample {
		return sampleSource(sampleCatalog)
	}
	cfg := jobkit.SocrataConfig(job.Env)
	cfg.Logger = job.Logger
	cfg.CatalogURL = job.Env.Get("SOCRATA_CATALOG_URL")
	client, err := socrata.New(cfg)
	if err != nil {
		return nil, &jobkit.ConfigError{Err: err}
	}
	return client, nil
}

// sampleSource decodes the embedded sample: two recorded-shape catalog
// responses (authenticated and anonymous) and the row counts.
func sampleSource(data []byte) (*socratameta.StaticSource, error) {
	var raw struct {
		Authenticated json.RawMessage  `json:"authenticated"`
		Anonymous     json.RawMessage  `json:"anonymous"`
		Counts        map[string]int64 `json:"counts"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("sample catalog: %w", err)
	}
	auth, err := socrata.DecodeCatalogPage(raw.Authenticated)
	if err != nil {
		return nil, fmt.Errorf("sample catalog: %w", err)
	}
	anon, err := socrata.DecodeCatalogPage(raw.Anonymous)
	if err != nil {
		return nil, fmt.Errorf("sample catalog: %w", err)
	}
	return &socratameta.StaticSource{Authenticated: auth.Results, Anonymous: anon.Results, Counts: raw.Counts}, nil
}
