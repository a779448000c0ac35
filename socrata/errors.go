package socrata

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/cityofaustin/atd-executive-dashboard/internal/errbody"
	"github.com/cityofaustin/atd-executive-dashboard/internal/httpretry"
)

const requestIDHeader = "X-Socrata-RequestId"

// maxRawBody bounds APIError.Body.
const maxRawBody = 512

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

// APIError is a non-2xx answer from Socrata. It never carries credentials:
// URL is sanitized (no user info, no query string).
type APIError struct {
	StatusCode int    // HTTP status
	Code       string // SODA error code, e.g. "query.compiler.malformed" (may be empty)
	Message    string // SODA error message (may be empty)
	RequestID  string // X-Socrata-RequestId: quote it to Socrata support
	Attempts   int    // attempts made, including retries
	Method     string
	URL        string // sanitized
	// Body is a bounded, readable prefix of a body that was not a SODA
	// JSON error (for example a gateway's HTML page, tags stripped and
	// prefixed "HTML page: ").
	Body string
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: HTTP %d", e.Method, e.URL, e.StatusCode)
	if t := http.StatusText(e.StatusCode); t != "" {
		b.WriteString(" " + t)
	}
	if e.Code != "" {
		fmt.Fprintf(&b, " (%s)", e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	} else if e.Body != "" {
		b.WriteString(": " + e.Body)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " [request id %s]", e.RequestID)
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " after %d attempts", e.Attempts)
	}
	return b.String()
}

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

// ResponseError is a 2xx answer whose body could not be read or decoded
// (for example a truncated body). For a write, the outcome of that request
// is unknown: it may have been applied.
type ResponseError struct {
	StatusCode int
	RequestID  string
	Err        error
}

func (e *ResponseError) Error() string {
	s := fmt.Sprintf("HTTP %d answer unreadable: %v", e.StatusCode, e.Err)
	if e.RequestID != "" {
		s += fmt.Sprintf(" [request id %s]", e.RequestID)
	}
	return s
}

func (e *ResponseError) Unwrap() error { return e.Err }

// Error records the operation and dataset of a failed read (count, query,
// catalog) and its cause: an *APIError, a *ResponseError, a transport error
// (*httpretry.Error) or a context error.
type Error struct {
	Op      string // "count", "query", "catalog"
	Dataset string // the dataset id, or "" for the catalog
	Err     error
}

func (e *Error) Error() string {
	if e.Dataset == "" {
		return fmt.Sprintf("socrata: %s: %v", e.Op, e.Err)
	}
	return fmt.Sprintf("socrata: %s %s: %v", e.Op, e.Dataset, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// PublishError is returned by Upsert and Replace when a publish stopped. It
// says what had landed before the failure: ChunksLanded chunks holding
// RowsLanded rows were acknowledged by Socrata, with Result their combined
// result. Chunk is the 1-based chunk that failed (always 1 for Replace, 0
// when nothing was attempted).
type PublishError struct {
	Op           string // "upsert" or "replace"
	Dataset      string
	Chunk        int
	ChunksLanded int
	RowsLanded   int64
	Result       WriteResult
	// Err is an *APIError, *ResponseError, *httpretry.Error,
	// ErrEmptyReplace, a *RowsError or a context error; when the rows
	// failed while a chunk in flight failed too, both, joined.
	Err error
}

func (e *PublishError) Error() string {
	if e.Chunk == 0 {
		return fmt.Sprintf("socrata: %s %s: %v", e.Op, e.Dataset, e.Err)
	}
	if _, ok := e.Err.(*RowsError); ok {
		// No request failed: the rows stopped while chunk Chunk was being built.
		return fmt.Sprintf("socrata: %s %s: stopped reading rows (%d rows in %d chunks had landed): %v",
			e.Op, e.Dataset, e.RowsLanded, e.ChunksLanded, e.Err)
	}
	return fmt.Sprintf("socrata: %s %s: chunk %d failed (%d rows in %d chunks landed before it): %v",
		e.Op, e.Dataset, e.Chunk, e.RowsLanded, e.ChunksLanded, e.Err)
}

func (e *PublishError) Unwrap() error { return e.Err }

// RowsError is a row that could not be read (an error yielded by the
// caller's rows iterator) or encoded.
type RowsError struct {
	Row int64 // 0-based index of the failing row in the stream
	Err error
}

func (e *RowsError) Error() string { return fmt.Sprintf("rows: reading row %d: %v", e.Row, e.Err) }

func (e *RowsError) Unwrap() error { return e.Err }

// checkResponse returns nil for a 2xx response, else an *APIError built from
// at most maxErrorBodySize bytes of the body.
func checkResponse(req *http.Request, resp *http.Response) error {
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBodySize))
	e := &APIError{
		StatusCode: resp.StatusCode,
		RequestID:  resp.Header.Get(requestIDHeader),
		Attempts:   httpretry.Attempts(resp),
		Method:     req.Method,
		URL:        httpretry.SanitizeURL(req.URL),
	}
	parseErrorBody(e, data, resp.Header.Get("Content-Type"))
	return e
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

func parseErrorBody(e *APIError, data []byte, contentType string) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		var eb errorBody
		if json.Unmarshal(trimmed, &eb) == nil {
			e.Code = cmpOr(eb.Code, eb.ErrorCode)
			e.Message = eb.Message
			if e.Message == "" && len(eb.Error) > 0 && eb.Error[0] == '"' {
				var s string
				if json.Unmarshal(eb.Error, &s) == nil {
					e.Message = s
				}
			}
			if e.Code == "" && len(eb.Status) > 0 && eb.Status[0] == '"' {
				var s string
				if json.Unmarshal(eb.Status, &s) == nil && s != strconv.Itoa(e.StatusCode) {
					e.Code = s
				}
			}
			if e.Code != "" || e.Message != "" {
				return
			}
		}
	}
	if len(trimmed) == 0 {
		return
	}
	e.Body = errbody.Text(trimmed, contentType, maxRawBody)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
