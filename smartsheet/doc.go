// Package smartsheet is a small, typed client for the Smartsheet API 2.0
// (https://developers.smartsheet.com/api/smartsheet/openapi): it reads whole
// sheets as typed rows and streams sheets as CSV.
//
//	c, err := smartsheet.New(smartsheet.Config{Token: token, Logger: logger})
//	if err != nil { ... }
//	sh, err := c.Sheet(ctx, 4477152411314052, smartsheet.SheetOptions{})
//	if err != nil { ... }
//	for _, row := range sh.Rows {
//		v := row.Value("Date Created") // typed: v.Kind == smartsheet.KindDate, v.Time
//		...
//	}
//	for row, err := range c.Rows(ctx, 4477152411314052, smartsheet.SheetOptions{}) {
//		// one page in memory at a time
//	}
//	n, err := c.SheetCSV(ctx, 4477152411314052, w) // Accept: text/csv, streamed to w
//
// A [Client] is safe for concurrent use.
//
// # Authentication
//
// Every request carries Authorization: Bearer <Config.Token>. A redirect to
// another host is not followed, so the token only ever goes to the API's
// host. The token is never logged and never appears in an error:
// [Config.String] and [Config.LogValue] redact it.
//
// # Retries
//
// Requests go through the project's request pipeline (internal/httpapi,
// built on go-retryablehttp): connection faults, stalls, HTTP
// 429 (Smartsheet errorCode 4003, "Rate limit exceeded") and 5xx (except 501)
// are retried with exponential backoff, honouring Retry-After when the
// server sends one. Answers carrying errorCode 4001–4004 (maintenance,
// server timeout, rate limit, "please retry") are retried whatever their
// HTTP status. A sheet page whose body breaks off mid-transfer is fetched
// again (up to Config.RetryMax times). A CSV download is not restarted once
// bytes have reached the caller's writer.
//
// Each attempt's waits (connecting, the answer, each gap in a body) are
// bounded by Config.Timeout (default [DefaultTimeout], 1 minute).
//
// # Paging
//
// [Client.Sheet] and [Client.Rows] ask for rows explicitly page by page (page, pageSize),
// stops after the last page computed from totalRowCount, and checks that the
// rows it collected number exactly totalRowCount and that the sheet version
// did not change between pages ([ErrRowCountMismatch], [ErrSheetChanged]);
// a page that repeats a row id (a server ignoring the page parameter) wraps
// [ErrMalformedResponse].
//
// # Errors
//
// A non-2xx answer becomes an [*APIError], the failure type shared by every
// client of this module: the HTTP status, the Smartsheet errorCode, message
// and refId (RequestID), the number of attempts, the method and a sanitized
// URL; non-JSON error bodies (an HTML page from a proxy on 502) are kept as
// bounded text in Message. Every error a method returns is an
// [*OpError] naming the operation and the sheet, wrapping the cause:
//
//	var apiErr *smartsheet.APIError
//	if errors.As(err, &apiErr) && apiErr.ErrorCode == 1006 { ... }
//	if errors.Is(err, smartsheet.ErrNotFound) { ... }
//
// A connection that failed on every attempt is a [*TransportError]; an
// answer that is not the expected document wraps [ErrMalformedResponse].
//
// # Streaming
//
// [Client.Rows] yields a sheet's rows one page at a time.
// [Client.SheetCSV] copies the response body to an [io.Writer] as it
// arrives; nothing is buffered beyond io.Copy's buffer.
package smartsheet
