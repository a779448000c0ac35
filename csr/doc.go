// Package csr reads the City of Austin 3-1-1 service-request (CSR) report
// and the flex-notes report and turns them into Socrata rows.
//
// The CSR report is a tab-separated UTF-16 file with a byte-order mark that
// can hold hundreds of thousands of rows; everything here streams it, one
// record at a time, so memory does not grow with its size:
//
//	c, err := csr.New(csr.Config{Endpoint: endpoint, Logger: logger})
//	if err != nil { ... }
//	rd, err := c.Open(ctx) // fetch + check that the response is the report
//	if err != nil { ... }  // *csr.APIError, *csr.Error, *csr.FormatError
//	defer rd.Close()
//	res, err := soda.Upsert(ctx, dataset, csr.Rows(rd, csr.NewTransformer()), socrata.UpsertOptions{})
//
// Rows are socrata's fixed-schema rows: [Rows] and [FlexRows] return a
// socrata.Table whose one reused row is filled in place, in [Fields] order.
//
// # Transform
//
// [Transformer] maps the report columns to the Socrata fields of the
// dashboard contract (see [Column] and [Fields]), reformats the five dates
// to floating timestamps without converting time zones ([AppendDate]),
// adds fiscal_year and location, and publishes every missing-value marker
// ([DefaultMissingValues]) as null. Text in a numeric column is published
// as it is and counted ([Transformer.NotNumbers]). location is computed
// from the
// state-plane coordinates (NAD83 / Texas Central, US survey feet,
// EPSG:2277) by a documented Lambert Conformal Conic inverse
// ([StatePlaneToWGS84]) tested against PROJ.
//
// # Flex notes
//
// [NewFlexNotes] (or [Client.OpenFlexNotes]) reads the xlsx flex-notes
// report with excelize's streaming row iterator, maps its six columns and
// drops the rows whose question is private ([DefaultIgnoredQuestions], or
// [FlexOptions].IgnoredQuestions), counting them in [FlexNotes.Stats].
//
// Unlike the CSR report, the workbook is not streamed from the network: a
// ZIP archive needs random access, so excelize reads the whole compressed
// download into memory before the first row (a worksheet or shared-string
// table over 16 MB unzipped is spilled to a temporary file). Memory is
// therefore about the size of the xlsx file, which the format's limit of
// 1,048,576 rows per sheet bounds; a dropped connection fails in
// NewFlexNotes, before anything is published.
//
// # Errors
//
// Distinguish failures with errors.As and errors.Is:
//
//   - [*APIError]: the endpoint answered with a non-2xx status (after
//     retries); Message summarises the body (an HTML page's title).
//   - [*Error]: the connection failed before an answer (Op "fetch"), or
//     the body stream failed after it started (Op "read": a dropped
//     connection, a truncated body; wraps io.ErrUnexpectedEOF for those).
//   - [*FormatError] (errors.Is [ErrNotReport]): the answer is not the
//     report: an HTML page (the city's web firewall), text without a
//     UTF-16 byte-order mark, an empty body, missing columns (listed in
//     Missing). Its message says what arrived, quoting at most a short
//     prefix, never a whole body.
//   - [*ParseError]: a record or value the job cannot publish, with its
//     data row and line numbers and column: [ErrBadDate],
//     [ErrFieldCount], [ErrQuote], [ErrRecordTooLong] (a record over
//     [MaxRecordSize]: a quote never closed, no line ends; a flex-notes
//     cell over [MaxFlexCellSize]).
//   - [ErrTruncated] (in an [*Error]): the report was cut — its last line
//     has no line end and the response declared no length; [ErrTooLarge]:
//     a flex-notes workbook over [MaxFlexNotesSize].
//
// # Retries
//
// Fetch goes through the module's request pipeline (internal/httpapi):
// connection faults, stalls, 429 (honouring Retry-After) and 5xx are
// retried with backoff until the response starts; each wait (the answer,
// each gap while the report streams) is bounded by Config.Timeout (default
// 2 minutes). A redirect to another host is not followed.
// A failure while the body streams cannot be retried transparently;
// upserts are keyed, so rerunning the job completes the set.
//
// # Streaming and decoding
//
// [Reader.Read] follows the io.EOF contract of encoding/csv and holds one
// record. A UTF-16 byte-order mark is required; both byte orders are
// decoded by one small decoder that copies ASCII four code units at a
// time and turns a lone surrogate into U+FFFD, counted with its row
// ([Reader.Surrogates]).
//
// # Logging
//
// Config.Logger (nil: discarded) receives one line per fetch (keys url,
// status, content_type, content_length, wait) and the pipeline's retry
// warnings and wait notices. URLs are logged without query string or user info.
package csr
