package mstr

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/cityofaustin/atd-executive-dashboard/internal/errbody"
	"github.com/cityofaustin/atd-executive-dashboard/internal/httpapi"
)

// Sentinel errors. They are wrapped inside the typed errors below; test for
// them with [errors.Is].
var (
	// ErrSessionExpired reports that the server no longer accepts the
	// session (HTTP 401, or error code ERR009). The client logs in again
	// once by itself before returning it.
	ErrSessionExpired = errors.New("mstr: session expired or invalid")
	// ErrLoginFailed reports that the server refused the credentials
	// (login answered 401 or ERR003).
	ErrLoginFailed = errors.New("mstr: login failed")
	// ErrNotFound reports an HTTP 404 (unknown report, instance or
	// endpoint).
	ErrNotFound = errors.New("mstr: not found")
	// ErrPromptMismatch reports that a report's prompts are not the ones
	// the caller expects. It is wrapped by [*PromptError].
	ErrPromptMismatch = errors.New("mstr: prompts do not match")
	// ErrBadPage reports a report data page that cannot be decoded or
	// flattened. It is wrapped by [*PageError].
	ErrBadPage = errors.New("mstr: malformed report data page")
	// ErrNotLoggedIn is returned by calls made after [Client.Close].
	ErrNotLoggedIn = errors.New("mstr: client is closed")
)

// maxBodyPrefix bounds how much of a non-JSON 2xx body is kept in an
// error.
const maxBodyPrefix = 256

// APIError is a non-2xx answer from the MicroStrategy REST server: the
// shared failure of every client here, printed the same way. Code, Message
// and RequestID (the server's ticket id: quote it to the MicroStrategy
// administrators) come from the server's error body
// (`{"code","iServerCode","message","ticketId"}`, also inside an
// `{"errors":[...]}` wrapper). When the body is not JSON (an HTML page from
// a proxy, say), Message keeps bounded text of it.
type APIError struct {
	httpapi.APIError
	IServerCode int64 // Intelligence Server code, 0 when absent
}

// TransportError is a request that got no answer (connection faults or
// stalls on every attempt, or the context ended).
type TransportError = httpapi.TransportError

// ResponseError is a 2xx answer that could not be read or was not JSON.
type ResponseError = httpapi.ResponseError

// Is reports whether e matches one of the package sentinels:
// [ErrSessionExpired] for 401 or ERR009, [ErrNotFound] for 404.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrSessionExpired:
		return e.StatusCode == http.StatusUnauthorized || e.Code == "ERR009"
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	}
	return false
}

// OpError records which step of the MicroStrategy workflow failed and for
// which report. Err is an [*APIError], a [*PromptError], a [*PageError], a
// transport failure or a context error.
type OpError struct {
	Op       string // "login", "create instance", "list prompts", "answer prompts", "fetch page", "logout"
	ReportID string // empty for session calls
	Err      error
}

// Error names the step, the report and the cause.
func (e *OpError) Error() string {
	if e.ReportID != "" {
		return fmt.Sprintf("mstr: %s (report %s): %v", e.Op, e.ReportID, e.Err)
	}
	return fmt.Sprintf("mstr: %s: %v", e.Op, e.Err)
}

// Unwrap returns the cause.
func (e *OpError) Unwrap() error { return e.Err }

// PromptError reports a prompt that does not match what the caller
// expected: wrong type or name, missing from the list, or a required prompt
// nobody answers. It wraps [ErrPromptMismatch].
type PromptError struct {
	Round  int    // answer round (1 = first)
	Index  int    // position in the prompt list, -1 when not applicable
	Key    string // prompt key, when the prompt exists
	Name   string // prompt name (or the expected name when missing)
	Reason string // what is wrong
}

// Error names the prompt (name, position, key), the reason and the round.
func (e *PromptError) Error() string {
	who := e.Name
	if who == "" && e.Index >= 0 {
		who = "#" + fmt.Sprint(e.Index+1)
	}
	s := fmt.Sprintf("prompt %q", who)
	if e.Index >= 0 {
		s += fmt.Sprintf(" (position %d", e.Index+1)
		if e.Key != "" {
			s += ", key " + e.Key
		}
		s += ")"
	} else if e.Key != "" {
		s += " (key " + e.Key + ")"
	}
	return fmt.Sprintf("%s: %s (answer round %d)", s, e.Reason, e.Round)
}

// Unwrap returns [ErrPromptMismatch].
func (e *PromptError) Unwrap() error { return ErrPromptMismatch }

// PageError reports a report data page that could not be decoded or
// flattened. It wraps [ErrBadPage] and, when there is one, the decoding
// error.
type PageError struct {
	Offset int    // page offset requested
	Reason string // what is wrong
	Err    error  // underlying decoding error, may be nil
}

// Error names the page offset and what is wrong.
func (e *PageError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("page at offset %d: %s: %v", e.Offset, e.Reason, e.Err)
	}
	return fmt.Sprintf("page at offset %d: %s", e.Offset, e.Reason)
}

// Unwrap returns ErrBadPage and the decoding error.
func (e *PageError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrBadPage, e.Err}
	}
	return []error{ErrBadPage}
}

// errorBody is the server's error JSON, bare or wrapped in "errors".
type errorBody struct {
	errorBodyItem
	Errors []errorBodyItem `json:"errors"`
}

type errorBodyItem struct {
	Code        string      `json:"code"`
	IServerCode json.Number `json:"iServerCode"`
	Message     string      `json:"message"`
	TicketID    string      `json:"ticketId"`
}

// newAPIError is the pipeline's NewError hook: the server's JSON error
// fields, when the body is a JSON error object.
func newAPIError(e *httpapi.APIError, body []byte) error {
	out := &APIError{APIError: *e}
	trimmed := bytes.TrimSpace(body)
	var eb errorBody
	if len(trimmed) > 0 && trimmed[0] == '{' && json.Unmarshal(trimmed, &eb) == nil {
		item := eb.errorBodyItem
		if item.Code == "" && item.Message == "" && len(eb.Errors) > 0 {
			item = eb.Errors[0]
		}
		if item.Code != "" || item.Message != "" {
			out.Code = item.Code
			out.Message = errbody.OneLine(item.Message, errbody.DefaultMax)
			out.RequestID = errbody.OneLine(item.TicketID, 100)
			if n, err := item.IServerCode.Int64(); err == nil {
				out.IServerCode = n
			}
		}
	}
	return out
}
