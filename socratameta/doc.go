// Package socratameta gathers metrics on the department's published
// Socrata assets for the socrata_metadata job: it lists a domain's catalog
// with and without credentials (an asset seen anonymously is public), keeps
// the department's assets (owned by a given user, or in a given domain
// category; drafts skipped), counts each dataset's rows with bounded
// concurrency, and shapes one row per asset with the field names of the
// metadata dataset (docs/DATASETS.md, "socrata_metadata").
//
// It is a package of its own, not part of socrata, because these are the
// department's rules (owner, category, custom metadata keys, public and
// private portal URLs) composed over the generic client, like permits
// composes the system packages. It consumes socrata through the small
// [Source] interface, which *socrata.Client implements.
//
// Usage:
//
//	client, _ := socrata.New(cfg)
//	res, err := socratameta.Gather(ctx, client, socratameta.Options{Concurrency: 8, Logger: logger})
//	if err != nil {
//		return err
//	}
//	// Replace refuses to remove more than a quarter of the dataset's rows.
//	_, err = client.Replace(ctx, "28ys-ieqv", socrata.SliceRows(res.Rows), socrata.ReplaceOptions{MaxShrink: 0.25})
//
// # Concurrency
//
// Row counts run at most Options.Concurrency at a time (default 8). A count
// is retried only by the HTTP client (429, 5xx, dropped connections, with
// backoff); if it still fails the asset's row_count is null and a warning
// is logged: one asset never sinks the job. Nothing here retries on top.
//
// # Private assets
//
// An asset listed with the credentials but not anonymously is private: its
// name and description are not public. Gather withholds private assets
// (counted in Result.Withheld) unless Options.IncludePrivate. Set it only
// when the destination dataset is itself not publicly readable:
// [DestinationListed], asked through a client without credentials or app
// token, tells whether the public can find the destination; when it fails,
// treat the destination as public.
//
// # Errors
//
// Gather fails only when a catalog listing fails or the context ends.
// socrata.Client.Replace refuses, with a *socrata.ShrinkError, a replace
// that would drop more than ReplaceOptions.MaxShrink of the dataset's rows.
package socratameta
