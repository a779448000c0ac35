// Package mstr is a MicroStrategy (Strategy) REST API client: session
// login and logout, prompted report instances, and report data fetched page
// by page from the v2 report endpoint and flattened into a table.
//
//	c, err := mstr.New(mstr.Config{
//		BaseURL:   "https://host/MicroStrategyLibrary",
//		Username:  user,
//		Password:  pass,
//		ProjectID: project,
//		Logger:    logger,
//	})
//	if err != nil { … }
//	defer c.Close(ctx) // logs out
//
//	plan := mstr.Expectations(
//		mstr.Expect{Index: 0, Type: mstr.PromptValue, Answer: func(p mstr.Prompt) mstr.PromptAnswer {
//			return mstr.ValueAnswer(p, "2400")
//		}},
//	)
//	t, err := c.Run(ctx, reportID, mstr.RunOptions{Answerer: plan})
//	if err != nil { … }
//	n, err := t.WriteCSV(ctx, w) // or: for row, err := range t.Rows(ctx)
//
// See https://microstrategy.github.io/rest-api-docs/ for the server API.
//
// # Authentication
//
// The client logs in with the standard login mode (loginMode 1) on its
// first call or on [Client.Login], keeps the X-MSTR-AuthToken it receives
// and, in a cookie jar, the session cookie that goes with it; every project
// call carries X-MSTR-ProjectID. When the server answers 401 or ERR009
// (session expired), the client logs in once more and repeats the call;
// nothing is started over. Report instances belong to the session that
// created them, so a report whose session expired midway fails with a 404
// that says to run it again (the scheduler does). [Client.Close] logs out,
// within [LogoutTimeout]. The token and cookie go only to the server's own
// host: a redirect elsewhere is not followed. The password never appears in
// logs or errors; [Config] redacts it in String and LogValue.
//
// # Prompts
//
// A prompted report's instance has status 2 until every prompt is
// answered; nested prompts appear only after earlier answers, so
// [Client.Run] repeats list → answer → check rounds until the status is 1.
// An [Answerer] picks the answers; [Expectations] builds one that matches
// prompts by key (or by position) and fails with a [*PromptError] naming
// the prompt when the list does not fit what the caller expects.
//
// # Column naming
//
// Columns follow the convention of mstrio-py's Report.to_dataframe: an
// attribute shown with one form gives one column named by the attribute
// ("Fiscal Year"); an attribute with two or more forms gives one column per
// form, "Attribute@Form" ("Fund@Code", "Fund@Long Name"); then come the
// metric names. Order is grid order. Subtotal elements, which carry one
// value for all forms, repeat that value in every form column. Cross-tab
// grids are rejected.
//
// # Streaming
//
// [Table.Rows] and [Table.WriteCSV] fetch one page at a time (Config.PageSize
// rows, default 5000); pages are decoded with their own element lists and
// concatenated in offset order. CSV numbers are written with
// strconv.FormatFloat(v, 'f', -1, 64) — "72959", where pandas would write
// "72959.0" — and a null metric value is an empty field.
//
// # Errors
//
// Every method returns an [*OpError] (step and report) wrapping one of:
// an [*APIError] (the failure type shared by every client of this module:
// HTTP status, server code such as "ERR009", message, ticket id as
// RequestID, attempts, method, sanitized URL; plus the iServerCode; a
// non-JSON body is kept as bounded text), a [*ResponseError] (a 2xx that is
// not JSON), a [*PromptError], a [*PageError] or a [*TransportError] (no
// answer; it wraps the context error when the context ended). Sentinels:
// [ErrSessionExpired], [ErrLoginFailed], [ErrNotFound], [ErrPromptMismatch],
// [ErrBadPage], [ErrNotLoggedIn].
//
//	var apiErr *mstr.APIError
//	if errors.As(err, &apiErr) { log(apiErr.Code, apiErr.RequestID) }
//	if errors.Is(err, mstr.ErrPromptMismatch) { … the report changed … }
//
// # Retries
//
// Requests go through the module's request pipeline (internal/httpapi): 429,
// 5xx (except 501), connection faults and stalls are retried with backoff
// honouring Retry-After. Each attempt's waits are bounded by Config.Timeout
// (default [DefaultTimeout]). A GET whose body breaks off mid-way is fetched
// again. 4xx answers are not retried, apart from the single new login on an
// expired session. Bodies (login, instance creation, prompt answers) carry
// a Content-Length. A BaseURL ending in "/api" works as the Library root.
package mstr
