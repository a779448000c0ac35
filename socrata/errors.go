package socrata

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/cityofaustin/atd-executive-dashboard/internal/errbody"
	"github.com/cityofaustin/atd-executive-dashboard/internal/httpapi"
)

const requestIDHeader = "X-Socrata-RequestId"

// Sentinel errors. Test for them with [errors.Is].
var (
	// ErrEmptyReplace is returned (wrapped in a *PublishError) by Replace
	// when the rows are empty and ReplaceOptions.Force is not set: a replace
	// with no rows would empty the dataset.
	ErrEmptyReplace = errors.New("refusing to replace a dataset with zero rows (set Force to empty it)")
	// ErrNotFound matches an *APIError for HTTP 404 or code dataset.missing.
	ErrNotFound = errors.New("not found")
	// ErrUnauthorized matches an *APIError for HTTP 401 or 403.
	ErrUnauthorized = errors.New("unauthorized")
)

// APIError is a non-2xx answer from Socrata: the shared failure of every
// client here (method, sanitized URL, status, SODA code, message, request
// id from X-Socrata-RequestId, attempts), printed the same way. A body that
// was not a SODA error (a gateway's HTML page) is kept in Message as
// bounded text, prefixed "HTML page: ". It never carries credentials.
type APIError struct {
	httpapi.APIError
}

// TransportError is a request that got no answer (connection faults or
// stalls on every attempt, or the context ended). When Sent is set, the
// request had gone out: a write may have been applied.
type TransportError = httpapi.TransportError

// ResponseError is a 2xx answer whose body could not be read or decoded
// (for example a truncated body, or an HTML page). For a write, the outcome
// of that request is unknown: it may have been applied.
type ResponseError = httpapi.ResponseError

// Is reports whether e matches [ErrNotFound] or [ErrUnauthorized].
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound || e.Code == "dataset.missing"
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden
	}
	return false
}

// Error records the operation and dataset of a failed read (count, query,
// catalog) and its cause: an *APIError, a *ResponseError or a
// *TransportError (which wraps a context error when the context ended).
type Error struct {
	Op      string // "count", "query", "catalog"
	Dataset string // the dataset id, or "" for the catalog
	Err     error
}

func (e *Error) Error() string {
	if e.Dataset == "" {
		return fmt.Sprintf("socrata: %s: %s", e.Op, cause(e.Err))
	}
	return fmt.Sprintf("socrata: %s %s: %s", e.Op, e.Dataset, cause(e.Err))
}

// cause renders err without the "socrata: " its own message starts with.
func cause(err error) string { return strings.TrimPrefix(err.Error(), "socrata: ") }

func (e *Error) Unwrap() error { return e.Err }

// PublishError is returned by Upsert and Replace when a publish stopped. It
// says what had landed before the failure: ChunksLanded chunks holding
// RowsLanded rows were acknowledged by Socrata, with Result their combined
// result. Chunk is the 1-based chunk that failed (always 1 for Replace, 0
// when nothing was attempted). When Unknown is set, the outcome of chunk
// Chunk is not known: its request had gone out when the connection dropped,
// the answer was cut or unreadable, or the context ended, so it may have
// landed (upserts are keyed: a rerun completes the set).
type PublishError struct {
	Op           string // "upsert" or "replace"
	Dataset      string
	Chunk        int
	ChunksLanded int
	RowsLanded   int64
	Unknown      bool
	Result       WriteResult
	// Err is an *APIError, *ResponseError, *TransportError,
	// ErrEmptyReplace, a *RowsError or a context error; when the rows
	// failed while a chunk in flight failed too, both, joined.
	Err error
}

func (e *PublishError) Error() string {
	if e.Chunk == 0 {
		return fmt.Sprintf("socrata: %s %s: %s", e.Op, e.Dataset, cause(e.Err))
	}
	if _, ok := e.Err.(*RowsError); ok {
		// No request failed: the rows stopped while chunk Chunk was being built.
		return fmt.Sprintf("socrata: %s %s: stopped reading rows (%d rows in %d chunks had landed): %s",
			e.Op, e.Dataset, e.RowsLanded, e.ChunksLanded, cause(e.Err))
	}
	what := "failed"
	if e.Unknown {
		what = "may have landed (its outcome is unknown)"
	}
	return fmt.Sprintf("socrata: %s %s: chunk %d %s; %d rows in %d chunks landed before it: %s",
		e.Op, e.Dataset, e.Chunk, what, e.RowsLanded, e.ChunksLanded, cause(e.Err))
}

func (e *PublishError) Unwrap() error { return e.Err }

// outcomeUnknown reports whether err, the failure of a write request,
// leaves its outcome unknown: the request had gone out (the connection
// dropped or stalled after it, or the context ended) or its 2xx answer
// did not confirm the write.
func outcomeUnknown(err error) bool {
	var te *TransportError
	var re *ResponseError
	return errors.As(err, &re) || errors.As(err, &te) && te.Sent
}

// checkResult checks the 2xx answer data of a write of sent rows: a SODA
// write result whose counts (created + updated + deleted + errors) account
// for every row. Anything else (`[]`, `{}`, an HTML page, short counts, a
// 202 that queued the write) is a *ResponseError: the write may or may not
// have landed.
func (c *Client) checkResult(resp *http.Response, data []byte, sent int64) (WriteResult, error) {
	fail := func(format string, args ...any) (WriteResult, error) {
		return WriteResult{}, c.http.ResponseError(resp, fmt.Errorf("the answer does not confirm the write of %d rows: "+format, append([]any{sent}, args...)...))
	}
	ct := resp.Header.Get("Content-Type")
	res, err := DecodeWriteResult(data)
	switch n := res.Created + res.Updated + res.Deleted + res.Errors; {
	case resp.StatusCode == http.StatusAccepted:
		return fail("queued for later processing (HTTP 202)")
	case errbody.IsHTML(data, ct):
		return fail("%s", errbody.Text(data, ct, 200))
	case err != nil:
		return fail("%v", err)
	case n == 0 && sent > 0:
		return fail("not a SODA write result: %q", errbody.OneLine(string(data), 100))
	case n < sent:
		return fail("its counts account for %d rows (created %d, updated %d, deleted %d, errors %d)",
			n, res.Created, res.Updated, res.Deleted, res.Errors)
	}
	return res, nil
}

// RowsError is a row that could not be read (an error yielded by the
// caller's rows iterator) or encoded.
type RowsError struct {
	Row int64 // 0-based index of the failing row in the stream
	Err error
}

func (e *RowsError) Error() string { return fmt.Sprintf("rows: reading row %d: %v", e.Row, e.Err) }

func (e *RowsError) Unwrap() error { return e.Err }

// newAPIError is the pipeline's NewError hook: the SODA error document's
// code and message, when the body is one.
func newAPIError(e *httpapi.APIError, body []byte) error {
	parseErrorBody(e, body)
	return &APIError{APIError: *e}
}

// errorBody covers the SODA error shapes: {"code","error":true,"message",
// "data"}, {"errorCode",...}, {"error":true,"message","status"} and the
// Discovery API's {"error":"message"}.
type errorBody struct {
	Code      string          `json:"code"`
	ErrorCode string          `json:"errorCode"`
	Error     json.RawMessage `json:"error"`
	Message   string          `json:"message"`
	Status    json.RawMessage `json:"status"`
}

func parseErrorBody(e *httpapi.APIError, data []byte) {
	trimmed := bytes.TrimSpace(data)
	var eb errorBody
	if len(trimmed) == 0 || trimmed[0] != '{' || json.Unmarshal(trimmed, &eb) != nil {
		return // not a SODA error: the pipeline's text of the body stays
	}
	code, msg := cmp.Or(eb.Code, eb.ErrorCode), eb.Message
	if msg == "" && len(eb.Error) > 0 && eb.Error[0] == '"' {
		_ = json.Unmarshal(eb.Error, &msg)
	}
	if code == "" && len(eb.Status) > 0 && eb.Status[0] == '"' {
		var s string
		if json.Unmarshal(eb.Status, &s) == nil && s != strconv.Itoa(e.StatusCode) {
			code = s
		}
	}
	if code != "" || msg != "" {
		e.Code, e.Message = code, errbody.OneLine(msg, errbody.DefaultMax)
	}
}
