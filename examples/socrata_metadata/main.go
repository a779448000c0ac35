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
// Private assets (listed with the credentials, not anonymously) are
// published only into a destination that is itself not publicly readable:
// before any work the job asks the Discovery API, anonymously (no
// credentials, no app token), for the destination's id. If it is listed
// there, or the answer cannot be had, private assets are withheld and the
// log says how many. --include-private publishes them without asking.
//
// A row count that fails after the HTTP client's retries is published as
// null, with a warning: one asset never sinks the run.
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
	"cmp"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
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
	jobkit.Settings{Optional: []string{"METADATA_DATASET", "METADATA_DOMAIN", "SOCRATA_CATALOG_URL"},
		Purpose: "Gathers metrics on the department's published Socrata assets (Discovery API, and a row count of each) and replaces the metadata dataset with them, refusing to drop more than --max-shrink of it unless --force.",
		Writes:  "METADATA_DATASET (default 28ys-ieqv), replaced"},
)

type options struct {
	concurrency    int
	replace        jobkit.ReplaceFlags
	includePrivate bool
}

func run(ctx context.Context, args []string, env jobkit.Env, stdout io.Writer) (err error) {
	var o options
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.IntVar(&o.concurrency, "concurrency", socratameta.DefaultConcurrency, "row count queries in flight at most")
	o.replace.Register(fs, defaultMaxShrink)
	fs.BoolVar(&o.includePrivate, "include-private", false, "publish private assets too, without checking that the destination is not publicly readable")
	job, err := jobkit.Start(name, fs, args, env, stdout, settings)
	if err != nil {
		return err
	}
	defer job.Finish(&err)
	if o.concurrency < 1 {
		return &jobkit.UsageError{Err: fmt.Errorf("--concurrency must be at least 1, got %d", o.concurrency)}
	}
	replaceOpts, err := o.replace.Options()
	if err != nil {
		return err
	}

	src, anon, err := source(job)
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

	// The destination may be listed on the portal that holds it (SO_WEB),
	// the catalog's domain, or the public portal its public URL names.
	publicHost := strings.TrimSuffix(strings.TrimPrefix(socratameta.DefaultPublicURL, "https://"), "/d/")
	domains := []string{anon.Host(), cmp.Or(domain, socratameta.DefaultDomain), publicHost}
	include := includePrivate(ctx, job, anon, domains, dataset, o.includePrivate)
	res, err := socratameta.Gather(ctx, src, socratameta.Options{
		Domain:         domain,
		Concurrency:    o.concurrency,
		IncludePrivate: include,
		Logger:         job.Logger,
	})
	if err != nil {
		return err
	}
	if res.Withheld > 0 {
		job.Logger.WarnContext(ctx, "private assets withheld: the destination may be publicly readable (--include-private publishes them)",
			"dataset", dataset, "withheld", res.Withheld)
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
	job.Summary("dataset", dataset, "rows", out.Rows, "row_errors", out.Errors, "row_count_failed", res.CountFailed)
	job.Logger.InfoContext(ctx, job.Verb("published", "dry run: would publish"), "dataset", dataset, "rows", out.Rows,
		"created", out.Created, "errors", out.Errors, "row_count_failed", res.CountFailed)
	if out.Errors > 0 {
		return fmt.Errorf("replace %s: socrata counted %d row error(s)", dataset, out.Errors)
	}
	return nil
}

// includePrivate decides whether private assets may be published into
// dataset: with --include-private, or when the anonymous catalog does not
// list the destination. A catalog that cannot answer means no.
func includePrivate(ctx context.Context, job *jobkit.Job, anon socratameta.Lister, domains []string, dataset string, flagged bool) bool {
	if flagged {
		job.Logger.InfoContext(ctx, "private assets included (--include-private)", "dataset", dataset)
		return true
	}
	listed, err := socratameta.DestinationListed(ctx, anon, domains, dataset)
	switch {
	case err != nil:
		job.Logger.WarnContext(ctx, "cannot tell whether the destination is publicly readable; private assets will be withheld",
			"dataset", dataset, "error", err.Error())
		return false
	case listed:
		job.Logger.InfoContext(ctx, "the destination is publicly listed; private assets will be withheld", "dataset", dataset)
		return false
	default:
		job.Logger.InfoContext(ctx, "the destination is not publicly listed; private assets included", "dataset", dataset)
		return true
	}
}

// destinationCatalog answers the anonymous destination check.
type destinationCatalog interface {
	socratameta.Lister
	Host() string
}

// source returns the catalog and counts: the portal (live, dry run) or the
// embedded sample; and the catalog as the public sees it, for the
// destination check: a client without credentials or app token.
func source(job *jobkit.Job) (socratameta.Source, destinationCatalog, error) {
	if job.Mode == jobkit.Sample {
		s, err := sampleSource(sampleCatalog)
		return s, sampleAnon{s}, err
	}
	cfg := job.SocrataConfig()
	cfg.CatalogURL = job.Env.Get("SOCRATA_CATALOG_URL")
	client, err := socrata.New(cfg)
	if err != nil {
		return nil, nil, &jobkit.ConfigError{Err: err}
	}
	anon, err := socrata.New(socrata.Config{Domain: cfg.Domain, CatalogURL: cfg.CatalogURL, Logger: job.Logger, Timeout: cfg.Timeout})
	if err != nil {
		return nil, nil, &jobkit.ConfigError{Err: err}
	}
	return client, anon, nil
}

// sampleAnon is the sample catalog's anonymous listing, for the
// destination check in sample mode.
type sampleAnon struct{ *socratameta.StaticSource }

func (sampleAnon) Host() string { return "" }

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
