// Package objstore stores the dashboard's CSV files as objects: in an S3
// bucket ([S3]), in a local folder ([Dir], used by sample mode and --out,
// "S3 objects as files under their keys"), or read-only from an [fs.FS]
// such as go:embed sample data ([FS]). All three implement [Store].
//
//	client := s3.New(s3.Options{Region: region, Credentials: creds,
//		HTTPClient: objstore.NewHTTPClient(objstore.HTTPOptions{})}) // jobkit.S3Client in the jobs
//	store, err := objstore.NewS3(client, bucket, objstore.S3Options{Logger: logger})
//	if err != nil { ... }
//	err = objstore.WriteFunc(ctx, store, "issued_permits.csv", func(w io.Writer) error {
//		cw := csv.NewWriter(w)
//		... // write rows as they come from the cursor
//		cw.Flush()
//		return cw.Error()
//	})
//
// # Authentication
//
// The package never reads the environment or credentials: [NewS3] takes an
// *s3.Client built by the caller. For an S3-compatible server (MinIO,
// gofakes3, ...) reached through AWS_ENDPOINT_URL_S3, build the client with
// [S3CompatOptions] (path-style addressing, checksums only when required).
// [BucketRegion] asks an endpoint for a bucket's region (one HeadBucket; S3
// names the region in its answer, also in the 301 it sends for a request
// signed for another region).
//
// # Bounded waits
//
// Give the S3 client the HTTP client of [NewHTTPClient]: each attempt of a
// request is bounded by HTTPOptions.RequestTimeout (default
// [DefaultRequestTimeout], 30 s) while connecting, while waiting for the
// response headers, and in every gap in which no byte moves while a body
// is sent or received; a large transfer that keeps moving is never cut.
// The clean-up of a failed multipart upload is bounded by
// S3Options.FailTimeout (default [DefaultFailTimeout], 5 s).
//
// # Streaming
//
// [Store.Put] reads its body as a stream. On S3 it goes through the SDK's
// feature/s3/transfermanager: a body of at least S3Options.MultipartThreshold
// bytes becomes a multipart upload of S3Options.PartSize parts, at most
// Concurrency+2 of them in memory at once (the transfer manager's pool of
// Concurrency+1 part buffers, and the first part, read before the upload
// starts to tell a small body from a large one); a smaller body is sent with one
// PutObject. [WriteFunc] connects a producer (a CSV writer) to Put through an
// [io.Pipe], so a large export never sits in memory. [Store.Get] returns the
// object's body as a stream with its size and LastModified from the same
// request; a body that ends before its Content-Length, or breaks off, fails
// with an [*Error] naming the key and how many bytes arrived. [Store.List]
// is an iterator that fetches pages on demand.
//
// A failed body read, a failed request or a cancelled context aborts a Put:
// an incomplete multipart upload is aborted, a Dir write never replaces the
// target, and no object appears.
//
// # Errors
//
// Every failure is an [*Error] naming the backend ("s3", "dir", "fs"), the
// operation, the bucket (or folder) and the key, and wrapping the cause; it
// never contains credentials. Test for conditions with errors.Is:
//
//	rc, info, err := store.Get(ctx, "active_permits.csv")
//	switch {
//	case errors.Is(err, objstore.ErrNotFound): // no such object
//	case err != nil:
//		var oe *objstore.Error
//		errors.As(err, &oe) // oe.Op, oe.Key; the SDK error is further down the chain
//	}
//
// Sentinels: [ErrNotFound] (missing object; S3 NoSuchKey or 404),
// [ErrReadOnly] (Put on [FS]), [ErrInvalidKey] (empty key, or one that is
// absolute or escapes a Dir's root with "..").
//
// # Retries
//
// S3 requests are retried by the SDK's own retryer, configured on the
// *s3.Client; this package adds none.
//
// # Logging
//
// [S3] logs upload progress and completion at Info level to
// S3Options.Logger with the keys bucket, key, bytes, total_bytes and parts.
package objstore
