package mstr

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/cityofaustin/atd-executive-dashboard/internal/errbody"
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
	// ErrInstanceLost reports that a report instance stopped answering
	// after the client had to log in again: instances belong to the
	// session that created them. Run the report again.
	ErrInstanceLost = errors.New("mstr: report instance lost with an expired session; run the report again")
)

// maxErrorBodySize bounds how much of an error response is read;
// maxBodyPrefix bounds how much of a non-JSON body is kept in an error.
const (
	maxErrorBodySize = 64 << 10
	maxBodyPrefix    = 256
)

// APIError is a non-2xx answer from the MicroStrategy REST server. The
// fields Code, IServerCode, Message and TicketID come from the server's
// error body (`{"code","iServerCode","message","ticketId"}`, also inside an
// `{"errors":[...]}` wrapper). When the body is not JSON (an HTML page from
// a proxy, say), BodyPrefix keeps its first bytes, whitespace-collapsed.
type APIError struct {
	StatusCode  int    // HTTP status
	Code        string // server error code, e.g. "ERR009"
	IServerCode int64  // Intelligence Server code, 0 when absent
	Message     string // server message
	TicketID    string // server ticket id, quote it to the MicroStrategy administrators
	Attempts    int    // HTTP attempts made (retries included)
	Method      string // HTTP method
	URL         string // request URL without query string or user info
	BodyPrefix  string // start of a non-JSON body, bounded
}

// Error describes the failure without any secret: URLs are sanitized and
// the body is reduced to a bounded prefix.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "mstr: %s %s: HTTP %d", e.Method, e.URL, e.StatusCode)
	if e.Code != "" {
		fmt.Fprintf(&b, " %s", e.Code)
	}
	if e.IServerCode != 0 {
		fmt.Fprintf(&b, " (iServerCode %d)", e.IServerCode)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	} else if e.BodyPrefix != "" {
		fmt.Fprintf(&b, ": body %q", e.BodyPrefix)
	}
	if e.TicketID != "" {
		fmt.Fprintf(&b, " (ticket %s)", e.TicketID)
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " after %d attempts", e.Attempts)
	}
	return b.String()
}

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

// errorBody is the server's error JSON, bare or wrapped.
type errorBody struct {
	Code        string          `json:"code"`
	IServerCode json.Number     `json:"iServerCode"`
	Message     string          `json:"message"`
	TicketID    string          `json:"ticketId"`
	Errors      []errorBodyItem `json:"errors"`
}

type errorBodyItem struct {
	Code        string      `json:"code"`
	IServerCode json.Number `json:"iServerCode"`
	Message     string      `json:"message"`
	TicketID    string      `json:"ticketId"`
}

// parseErrorBody fills e from body: the JSON error fields when the body is
// a JSON error object, otherwise a bounded, single-line prefix.
func parseErrorBody(e *APIError, body []byte) {
	trimmed := bytes.TrimSpace(body)
	var eb errorBody
	if len(trimmed) > 0 && trimmed[0] == '{' && json.Unmarshal(trimmed, &eb) == nil {
		item := errorBodyItem{Code: eb.Code, IServerCode: eb.IServerCode, Message: eb.Message, TicketID: eb.TicketID}
		if item.Code == "" && item.Message == "" && len(eb.Errors) > 0 {
			item = eb.Errors[0]
		}
		if item.Code != "" || item.Message != "" {
			e.Code = item.Code
			e.Message = errbody.OneLine(item.Message, errbody.DefaultMax)
			e.TicketID = item.TicketID
			if n, err := item.IServerCode.Int64(); err == nil {
				e.IServerCode = n
			}
			return
		}
	}
	e.BodyPrefix = errbody.Text(trimmed, "", maxBodyPrefix)
}
