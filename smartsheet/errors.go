package smartsheet

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/cityofaustin/atd-executive-dashboard/internal/errbody"
	"github.com/cityofaustin/atd-executive-dashboard/internal/httpapi"
)

// Sentinel errors, matched with errors.Is through the typed errors that wrap
// them.
var (
	// ErrMissingToken is returned by [New] when Config.Token is empty.
	ErrMissingToken = errors.New("smartsheet: access token is empty")
	// ErrNotFound matches an [*APIError] with HTTP status 404 (Smartsheet
	// also answers 404 for sheets the token cannot see).
	ErrNotFound = errors.New("smartsheet: not found")
	// ErrUnauthorized matches an [*APIError] with HTTP status 401 or 403.
	ErrUnauthorized = errors.New("smartsheet: unauthorized")
	// ErrRateLimited matches an [*APIError] with HTTP status 429 or
	// errorCode 4003, returned once retries are exhausted.
	ErrRateLimited = errors.New("smartsheet: rate limited")
	// ErrMalformedResponse is wrapped when a successful answer is not the
	// expected document (bad JSON, an HTML page, a body cut short).
	ErrMalformedResponse = errors.New("smartsheet: malformed response")
	// ErrRowCountMismatch is wrapped when the rows collected from all pages
	// do not number the sheet's totalRowCount.
	ErrRowCountMismatch = errors.New("smartsheet: row count does not match totalRowCount")
	// ErrSheetChanged is wrapped when the sheet's version changed between
	// two pages of one read; reading again gives a consistent copy.
	ErrSheetChanged = errors.New("smartsheet: sheet changed while it was being read")
)

// maxErrorBodySize bounds how much of an error response body is read.
const maxErrorBodySize = 16 << 10

// maxErrorText bounds the non-JSON error text kept in [APIError.Body].
const maxErrorText = 256

// APIError is a non-2xx answer from the Smartsheet API: the shared failure
// of every client here, printed the same way. Code, Message and RequestID
// come from the error body {"errorCode","message","refId"} when it is JSON
// (quote the refId to Smartsheet support); a body that is not JSON (an
// HTML page from a proxy) is kept, tags stripped and bounded, in Message.
type APIError struct {
	httpapi.APIError
	ErrorCode int // Smartsheet errorCode (also in Code), 0 when the body had none
}

// TransportError is a request that got no answer (connection faults or
// stalls on every attempt, or the context ended).
type TransportError = httpapi.TransportError

// newAPIError is the pipeline's NewError hook: the Smartsheet error
// document's errorCode, message and refId, when the body is one.
func newAPIError(e *httpapi.APIError, body []byte) error {
	var eb struct {
		ErrorCode *int   `json:"errorCode"`
		Message   string `json:"message"`
		RefID     string `json:"refId"`
	}
	out := &APIError{APIError: *e}
	if err := json.Unmarshal(body, &eb); err == nil && (eb.ErrorCode != nil || eb.Message != "") {
		if eb.ErrorCode != nil {
			out.ErrorCode = *eb.ErrorCode
			out.Code = "errorCode " + strconv.Itoa(*eb.ErrorCode)
		}
		out.Message = errbody.OneLine(eb.Message, maxErrorText)
		out.RequestID = errbody.OneLine(eb.RefID, maxErrorText)
	}
	return out
}

// Is lets errors.Is match the sentinels [ErrNotFound], [ErrUnauthorized]
// and [ErrRateLimited].
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.StatusCode == 404
	case ErrUnauthorized:
		return e.StatusCode == 401 || e.StatusCode == 403
	case ErrRateLimited:
		return e.StatusCode == 429 || e.ErrorCode == 4003
	}
	return false
}

// retryableCode reports whether a Smartsheet errorCode asks for a retry:
// 4001 maintenance, 4002 server timeout, 4003 rate limit, 4004 "please retry".
func retryableCode(code int) bool { return code >= 4001 && code <= 4004 }

// OpError records the operation and the sheet that failed, and wraps the
// cause (an [*APIError], a transport error, or one of the sentinels).
type OpError struct {
	Op      string // "get sheet", "get sheet csv"
	SheetID int64
	Err     error
}

// Error names the operation and the sheet, then the cause.
func (e *OpError) Error() string {
	return fmt.Sprintf("smartsheet: %s %d: %s", e.Op, e.SheetID, strings.TrimPrefix(e.Err.Error(), "smartsheet: "))
}

// Unwrap returns the cause.
func (e *OpError) Unwrap() error { return e.Err }
