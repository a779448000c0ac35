// Package socrata is a client for Socrata (Tyler Data & Insights) portals:
// publishing with the SODA 2.x producer API (upsert, replace), counting rows
// and, through the Discovery API, listing a domain's catalog.
//
// Usage:
//
//	c, err := socrata.New(socrata.Config{
//		Domain:    "datahub.austintexas.gov",
//		AppToken:  token,
//		KeyID:     keyID,
//		KeySecret: keySecret,
//		Logger:    logger,
//	})
//	if err != nil {
//		return err
//	}
//	res, err := c.Upsert(ctx, "abcd-1234", rows, socrata.UpsertOptions{})
//	if err != nil {
//		return err
//	}
//	logger.Info("published", "created", res.Created, "updated", res.Updated, "errors", res.Errors)
//
// A [Client] is safe for concurrent use.
//
// # Authentication
//
// The app token goes in the X-App-Token header; the API key id and secret
// (or a user name and password) are sent with HTTP Basic authentication.
// Writes need the credentials. They go only to the host a request was sent
// to: a write is never redirected, and a read follows a redirect only to its
// own scheme and host. [Config.String] and [Config.LogValue] redact the
// token and secret, and no error string carries them.
//
// # Rows
//
// Upsert and Replace take [Rows], in one of two forms. A [Table] gives the
// field names once ([Schema]) and each row as its [Value]s in that order,
// so encoding a row is appending its values: the form for large publishes.
// A [Row] maps field names to Go values (nil, string, bool, integers,
// floats, json.Number, time.Time as a floating timestamp from its own wall
// clock, or anything encoding/json can marshal), written with sorted keys;
// [SliceRows] and [RowSeq] stream them. In both, NaN and ±Inf are null.
//
// # Streaming
//
// [Client.Upsert] reads its rows once and sends chunks of Config.ChunkSize
// rows (default 10,000), each encoded into one of two reused buffers while
// the previous one is in flight, one request at a time, so chunks land in
// order and memory is two chunks whatever the total. [Client.Replace] is
// one PUT by nature (a chunked replace would keep only the last chunk): its
// body is streamed from the rows while it is sent, and since a retried PUT
// sends it again, its rows must be re-iterable. Progress is logged at Info
// per chunk and reported to [UpsertOptions.Progress].
//
// # No data lost
//
// A replace makes the dataset exactly its body, so [Client.Replace] guards
// it ([GuardReplace]): unless [ReplaceOptions.Force] is set it refuses,
// sending nothing, a replace with zero rows ([ErrEmptyReplace]) and one that
// would remove more than [ReplaceOptions.MaxShrink] of the rows the dataset
// holds now (a [*ShrinkError], matching [ErrShrink]; the zero value refuses
// any shrink, 1 turns the count off). Every write's answer is checked
// against what was sent: a 2xx that is not a SODA write result ([], {}, an
// HTML page), a 202 (queued) or counts (created + updated + deleted +
// errors) short of the rows sent fail that chunk. An upsert that fails
// part-way returns a [*PublishError] saying which chunks landed, and whether
// the failed one may have landed too (PublishError.Unknown: its request had
// gone out when the connection dropped, the answer was unreadable, or the
// context ended); upserts keyed by a row identifier can simply be sent again.
//
// # Reading
//
// [Client.Count] runs count(*) with an optional $where. [Client.Query] and
// [Client.QueryInto] return one page of a SoQL query, as raw [Row] values
// or decoded into the caller's type. [Client.Rows] pages through a whole
// dataset one page at a time, always with an explicit $order (":id" by
// default, or as tie-breaker after the caller's order), since SODA pages
// without one overlap or skip rows.
//
// # Catalog
//
// [Client.Catalog] lists a domain's assets from the Discovery API
// (default <Domain>/api/catalog/v1; Config.CatalogURL names another) into
// typed [Asset] values. Anonymous listings send no credentials and see
// public assets only; with CatalogQuery.Authenticated the request carries
// Basic auth and X-Socrata-Host, and also lists private, unpublished and
// hidden assets with their private metadata. Paging uses limit/offset and
// switches to scroll_id past the API's 10,000 offset limit; a page that
// repeats assets already listed, or a scroll cursor that does not advance,
// stops the listing with an error.
//
//	for a, err := range c.Catalog(ctx, socrata.CatalogQuery{Domain: "datahub.austintexas.gov", Authenticated: true}) {
//		if err != nil {
//			return err
//		}
//		fmt.Println(a.Resource.ID, a.Resource.Name, a.Classification.DomainCategory)
//	}
//
// # Retries
//
// Every request goes through the module's request pipeline
// (internal/httpapi): 429, 5xx, connection faults and stalls are retried
// with exponential backoff (RetryWaitMin to RetryWaitMax), honouring
// Retry-After; a read whose body breaks off is fetched again. Upsert
// retries a chunk, never the whole publish. Timeout bounds every wait of an
// attempt: connecting, the answer (default 10 minutes for writes, as large
// upserts answer only when applied, and 2 minutes for reads) and each gap
// in a body; a waiting request logs
// what it waits for every 30 seconds. Use the context for an overall
// deadline.
//
// # Errors
//
// Told apart with [errors.As] and [errors.Is]:
//
//   - [*APIError]: Socrata answered a non-2xx status (or a redirect that was
//     not followed, whose Location it names). It is the failure type shared
//     by every client of this module: status, SODA code and message,
//     X-Socrata-RequestId, attempts, method and a sanitized URL; a gateway's
//     HTML page is kept as a short readable Message.
//   - [*TransportError]: no answer (Sent: the request had gone out) and
//     [*ResponseError]: a 2xx answer that could not be read or does not
//     confirm the write.
//   - [*PublishError] (Upsert, Replace) and [*Error] (Count): the operation
//     and dataset, wrapping the cause. PublishError says how many chunks and
//     rows landed before the failure.
//   - Sentinels: [ErrEmptyReplace], [ErrShrink], and [ErrNotFound] / [ErrUnauthorized],
//     which match an *APIError by status or code.
//
// For example:
//
//	_, err := c.Upsert(ctx, id, rows, socrata.UpsertOptions{})
//	var pe *socrata.PublishError
//	var ae *socrata.APIError
//	switch {
//	case err == nil:
//	case errors.Is(err, socrata.ErrUnauthorized):
//		// check SO_KEY / SO_SECRET
//	case errors.As(err, &pe) && errors.As(err, &ae):
//		log.Printf("HTTP %d %s (request %s) on chunk %d; %d rows landed",
//			ae.StatusCode, ae.Code, ae.RequestID, pe.Chunk, pe.RowsLanded)
//	case errors.As(err, &pe) && pe.Unknown:
//		// chunk pe.Chunk may have landed: rerun (upserts are keyed)
//	case errors.As(err, &pe):
//		// connection failure before sending, or an error from rows
//	}
//
// A write answered 200 whose summary counts Errors > 0 is not an error: the
// result is returned (and logged at Warn).
//
// See https://dev.socrata.com/publishers/soda-producer/ and
// https://dev.socrata.com/docs/other/discovery.
package socrata
