package socratameta

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/cityofaustin/atd-executive-dashboard/socrata"
)

// Defaults applied to zero fields of [Options].
const (
	DefaultDomain      = "datahub.austintexas.gov"
	DefaultPublicURL   = "https://data.austintexas.gov/d/"
	DefaultPrivateURL  = "https://datahub.austintexas.gov/d/"
	DefaultOwner       = "8t3r-wq64"
	DefaultCategory    = "Transportation and Mobility"
	DefaultConcurrency = 8
	// TimestampLayout is how asset timestamps are written, in Location.
	TimestampLayout = "2006-01-02T15:04:05"
)

// Custom metadata keys ("Set-Name_Key-Name") read into the row, by field.
var metadataFields = []struct{ field, key string }{
	{"automation_method", "Publishing-Information_Automation-Method"},
	{"automation_method_other", "Publishing-Information_Automation-Method-(if-Other)"},
	{"update_frequency", "Publishing-Information_Update-Frequency"},
	{"spatial_information", "Publishing-Information_Spatial-Information"},
	{"department_name", "Ownership_Department-name"},
	{"program_name", "Ownership_Program-Name"},
	{"strategic_area", "Strategic-Area_Strategic-Direction-Outcome"},
}

// Fields returns the metadata dataset's field names, in a stable order. The
// slice is a fresh copy on every call.
func Fields() []string { return slices.Clone(fields) }

var fields = []string{
	"id", "name", "description", "attribution", "type", "updatedAt", "createdAt", "metadata_updated_at",
	"data_updated_at", "download_count", "publication_date", "page_views_last_week", "page_views_last_month",
	"page_views_total", "is_public", "dataset_url", "owner_display_name", "tags",
	"automation_method", "automation_method_other", "update_frequency", "spatial_information",
	"department_name", "program_name", "strategic_area", "row_count",
}

// Lister lists the Discovery catalog; *socrata.Client implements it.
type Lister interface {
	Catalog(ctx context.Context, q socrata.CatalogQuery) iter.Seq2[socrata.Asset, error]
}

// Source is what Gather needs from Socrata; *socrata.Client implements it.
type Source interface {
	Lister
	Count(ctx context.Context, dataset, where string) (int64, error)
}

var _ Source = (*socrata.Client)(nil) // and so Lister

// Options tunes Gather. The zero value of every field means its default.
type Options struct {
	// Domain is the catalog domain (default datahub.austintexas.gov).
	Domain string
	// PublicURL and PrivateURL prefix an asset id to make dataset_url
	// (defaults https://data.austintexas.gov/d/ and
	// https://datahub.austintexas.gov/d/).
	PublicURL, PrivateURL string
	// Owners and Categories select the department's assets: an asset is
	// kept when its owner id is in Owners or its domain category is in
	// Categories (defaults 8t3r-wq64 and "Transportation and Mobility").
	Owners, Categories []string
	// Concurrency bounds the row counts in flight (default 8).
	Concurrency int
	// IncludePrivate keeps private assets (listed with the credentials,
	// not anonymously) in Rows. By default they are withheld and counted
	// in Result.Withheld: their names and descriptions must not land in
	// a publicly readable dataset (see [DestinationListed]).
	IncludePrivate bool
	// Location is the zone timestamps are written in (default
	// America/Chicago).
	Location *time.Location
	// Logger receives progress (Info) and failed counts (Warn). Nil
	// discards.
	Logger *slog.Logger
}

func (o *Options) defaults() error {
	o.Domain = cmp.Or(o.Domain, DefaultDomain)
	o.PublicURL = cmp.Or(o.PublicURL, DefaultPublicURL)
	o.PrivateURL = cmp.Or(o.PrivateURL, DefaultPrivateURL)
	if len(o.Owners) == 0 {
		o.Owners = []string{DefaultOwner}
	}
	if len(o.Categories) == 0 {
		o.Categories = []string{DefaultCategory}
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.Location == nil {
		loc, err := time.LoadLocation("America/Chicago")
		if err != nil {
			return fmt.Errorf("socratameta: loading America/Chicago (import time/tzdata in the binary): %w", err)
		}
		o.Location = loc
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// Result is what Gather found.
type Result struct {
	// Rows holds one row per kept asset, sorted by id, with the fields of
	// [Fields].
	Rows []socrata.Row
	// Listed counts distinct non-draft assets in the listings, Public those
	// in the anonymous listing, Drafts the draft assets skipped.
	Listed, Public, Drafts int
	// Withheld counts the department's private assets left out of Rows
	// (Options.IncludePrivate false).
	Withheld int
	// Counted counts datasets whose row count succeeded, CountFailed those
	// recorded as null (the count failed after the HTTP client's retries).
	Counted, CountFailed int
}

// Gather lists the catalog of opts.Domain authenticated and anonymously,
// keeps the department's assets (withholding the private ones unless
// opts.IncludePrivate), counts every kept dataset's rows (concurrently, at
// most opts.Concurrency at a time) and returns one row per asset. It fails
// when a listing fails or ctx ends; a failed count only makes that asset's
// row_count null, with a warning.
func Gather(ctx context.Context, src Source, opts Options) (Result, error) {
	if err := opts.defaults(); err != nil {
		return Result{}, err
	}
	log := opts.Logger
	var res Result

	byID := map[string]socrata.Asset{}
	var order []string
	public := map[string]bool{}
	for _, auth := range []bool{true, false} {
		n := 0
		for a, err := range src.Catalog(ctx, socrata.CatalogQuery{Domain: opts.Domain, Authenticated: auth}) {
			if err != nil {
				return Result{}, fmt.Errorf("socratameta: listing the catalog (authenticated=%v): %w", auth, err)
			}
			n++
			if a.IsDraft() {
				if auth {
					res.Drafts++
				}
				continue
			}
			if !auth {
				public[a.Resource.ID] = true
			}
			if _, ok := byID[a.Resource.ID]; !ok {
				byID[a.Resource.ID] = a
				order = append(order, a.Resource.ID)
			}
		}
		log.InfoContext(ctx, "catalog listed", "domain", opts.Domain, "authenticated", auth, "assets", n)
	}
	res.Listed, res.Public = len(order), len(public)

	var kept []socrata.Asset
	for _, id := range order {
		a := byID[id]
		if !slices.Contains(opts.Owners, a.Owner.ID) && !slices.Contains(opts.Categories, a.Classification.DomainCategory) {
			continue
		}
		if !public[id] && !opts.IncludePrivate {
			res.Withheld++
			continue
		}
		kept = append(kept, a)
	}
	slices.SortFunc(kept, func(a, b socrata.Asset) int { return strings.Compare(a.Resource.ID, b.Resource.ID) })

	counts := make([]*int64, len(kept))
	var mu sync.Mutex
	var g errgroup.Group
	g.SetLimit(opts.Concurrency)
	datasets := 0
	for i, a := range kept {
		if a.Resource.Type != "dataset" {
			continue
		}
		datasets++
		if ctx.Err() != nil {
			break
		}
		g.Go(func() error {
			n, ok := countRows(ctx, src, a.Resource.ID, opts)
			mu.Lock()
			defer mu.Unlock()
			if ok {
				counts[i] = &n
				res.Counted++
			} else {
				res.CountFailed++
			}
			return nil
		})
	}
	g.Wait()
	if err := ctx.Err(); err != nil {
		return Result{}, fmt.Errorf("socratameta: counting rows: %w", err)
	}
	log.InfoContext(ctx, "row counts done", "datasets", datasets, "counted", res.Counted, "failed", res.CountFailed,
		"concurrency", opts.Concurrency)

	res.Rows = make([]socrata.Row, 0, len(kept))
	for i, a := range kept {
		res.Rows = append(res.Rows, AssetRow(a, public[a.Resource.ID], counts[i], opts))
	}
	log.InfoContext(ctx, "assets kept", "listed", res.Listed, "public", res.Public, "drafts", res.Drafts, "kept", len(res.Rows),
		"private_withheld", res.Withheld)
	return res, nil
}

// countRows counts a dataset's rows; ok is false when the count failed
// (logged at Warn). The HTTP client has already retried what is worth
// retrying (429, 5xx, dropped connections): nothing is retried here.
func countRows(ctx context.Context, src Source, id string, opts Options) (int64, bool) {
	n, err := src.Count(ctx, id, "")
	if err == nil {
		return n, true
	}
	if ctx.Err() == nil {
		opts.Logger.WarnContext(ctx, "row count failed; recording row_count as null", "asset_id", id, "error", err)
	}
	return 0, false
}

// DestinationListed reports whether dataset id is listed to anonymous
// callers in the Discovery catalog of any of domains (one request; the
// portal that holds the dataset, and the public portal it may be shown
// on), that is, whether the public can find and read it. cat must be
// anonymous in full (no credentials and no app token: a [socrata.Client]
// made without them), so that the answer is what the public sees. An error
// means the answer could not be had; callers must then treat the dataset
// as public.
func DestinationListed(ctx context.Context, cat Lister, domains []string, id string) (bool, error) {
	var ds []string
	for _, d := range domains {
		if d != "" && !slices.Contains(ds, d) {
			ds = append(ds, d)
		}
	}
	q := socrata.CatalogQuery{Domain: strings.Join(ds, ","), IDs: []string{id}} // domains= takes a comma-separated list
	for a, err := range cat.Catalog(ctx, q) {
		if err != nil {
			return false, fmt.Errorf("socratameta: asking the catalog whether %s is public: %w", id, err)
		}
		if a.Resource.ID == id {
			return true, nil
		}
	}
	return false, nil
}

// AssetRow shapes one asset into a metadata row. rowCount nil gives a null
// row_count. opts supplies the URLs and Location (zero fields: defaults).
func AssetRow(a socrata.Asset, public bool, rowCount *int64, opts Options) socrata.Row {
	if opts.Location == nil || opts.PublicURL == "" || opts.PrivateURL == "" {
		_ = opts.defaults() // America/Chicago failing to load leaves Location nil: UTC below
	}
	loc := opts.Location
	if loc == nil {
		loc = time.UTC
	}
	ts := func(t time.Time) any {
		if t.IsZero() {
			return nil
		}
		return t.In(loc).Format(TimestampLayout)
	}
	r := a.Resource
	url := opts.PrivateURL + r.ID
	if public {
		url = opts.PublicURL + r.ID
	}
	row := socrata.Row{
		"id":                    r.ID,
		"name":                  r.Name,
		"description":           nullable(r.Description, r.DescriptionNull),
		"attribution":           nullable(r.Attribution, r.AttributionNull),
		"type":                  r.Type,
		"updatedAt":             ts(r.UpdatedAt),
		"createdAt":             ts(r.CreatedAt),
		"metadata_updated_at":   ts(r.MetadataUpdatedAt),
		"data_updated_at":       ts(r.DataUpdatedAt),
		"download_count":        r.DownloadCount,
		"publication_date":      ts(r.PublicationDate),
		"page_views_last_week":  r.PageViews.LastWeek,
		"page_views_last_month": r.PageViews.LastMonth,
		"page_views_total":      r.PageViews.Total,
		"is_public":             public,
		"dataset_url":           url,
		"owner_display_name":    a.Owner.DisplayName,
		"tags":                  strings.Join(a.Classification.DomainTags, ", "),
		"row_count":             nil,
	}
	for _, m := range metadataFields {
		v, _ := a.Classification.Metadata(m.key)
		row[m.field] = v
	}
	if rowCount != nil {
		row["row_count"] = *rowCount
	}
	return row
}

// nullable returns nil for a value the catalog sent as null, else s.
func nullable(s string, null bool) any {
	if null {
		return nil
	}
	return s
}

// StaticSource serves fixed catalog listings and row counts: the job's
// sample mode and tests use it. A dataset missing from Counts fails to
// count.
type StaticSource struct {
	Authenticated, Anonymous []socrata.Asset
	Counts                   map[string]int64
}

var _ Source = (*StaticSource)(nil)

// Catalog yields the Authenticated or Anonymous assets (only those of
// q.IDs when set).
func (s *StaticSource) Catalog(_ context.Context, q socrata.CatalogQuery) iter.Seq2[socrata.Asset, error] {
	list := s.Anonymous
	if q.Authenticated {
		list = s.Authenticated
	}
	return func(yield func(socrata.Asset, error) bool) {
		for _, a := range list {
			if len(q.IDs) > 0 && !slices.Contains(q.IDs, a.Resource.ID) {
				continue
			}
			if !yield(a, nil) {
				return
			}
		}
	}
}

// Count returns Counts[dataset].
func (s *StaticSource) Count(_ context.Context, dataset, _ string) (int64, error) {
	n, ok := s.Counts[dataset]
	if !ok {
		return 0, fmt.Errorf("sample: no row count for %s", dataset)
	}
	return n, nil
}
