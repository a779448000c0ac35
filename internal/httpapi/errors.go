package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// APIError is a non-2xx answer: the one failure type of every client. Each
// system package's APIError embeds it (adding its sentinels and any
// service-specific fields), so they all print the same way. It never
// carries a credential: URL is sanitized and Message is bounded text.
type APIError struct {
	System     string // "socrata", "smartsheet", "mstr", "csr"
	Method     string // HTTP method
	URL        string // request URL without user info or query string
	StatusCode int    // HTTP status
	Code       string // the service's error code, when it gave one
	// Message is the service's error message, or a bounded one-line text
	// of a body that was not the service's error document (an HTML page
	// becomes "HTML page: <title> — <text>"), or for a redirect that was
	// not followed, where it pointed.
	Message   string
	RequestID string // the service's request id: quote it to its support
	Attempts  int    // attempts made, retries included
}

// Error renders "<system>: <METHOD> <url>: HTTP <status> <text> (<code>):
// <message> [request id <id>] after <n> attempts".
func (e *APIError) Error() string {
	var b strings.Builder
	prefix(&b, e.System, e.Method, e.URL)
	fmt.Fprintf(&b, "HTTP %d", e.StatusCode)
	if t := http.StatusText(e.StatusCode); t != "" {
		b.WriteString(" " + t)
	}
	if e.Code != "" {
		fmt.Fprintf(&b, " (%s)", e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " [request id %s]", e.RequestID)
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " after %d attempts", e.Attempts)
	}
	return b.String()
}

func prefix(b *strings.Builder, system, method, u string) {
	if system != "" {
		b.WriteString(system + ": ")
	}
	if method != "" || u != "" {
		fmt.Fprintf(b, "%s %s: ", method, u)
	}
}

// TransportError is a request that got no answer: the connection failed
// or stalled on every attempt, the failure was not retryable, or the
// context ended. When Sent is set, an attempt had sent the whole request
// before it failed: a write may have been applied.
type TransportError struct {
	System   string
	Method   string
	URL      string // sanitized
	Attempts int
	Sent     bool
	Err      error
}

func (e *TransportError) Error() string {
	var b strings.Builder
	prefix(&b, e.System, e.Method, e.URL)
	fmt.Fprintf(&b, "no response after %d attempt(s): %s", e.Attempts, sanitizeErr(e.Err))
	if e.Sent && e.Method != http.MethodGet && e.Method != http.MethodHead {
		b.WriteString(" (the request had been sent: it may have been applied)")
	}
	return b.String()
}

func (e *TransportError) Unwrap() error { return e.Err }

// ResponseError is a 2xx answer whose body could not be read or decoded
// (a body cut short, an HTML page, a document of the wrong shape). For a
// write, the outcome is unknown: it may have been applied.
type ResponseError struct {
	System     string
	Method     string
	URL        string // sanitized
	StatusCode int
	RequestID  string
	Err        error
}

func (e *ResponseError) Error() string {
	var b strings.Builder
	prefix(&b, e.System, e.Method, e.URL)
	fmt.Fprintf(&b, "HTTP %d answer unreadable: %s", e.StatusCode, sanitizeErr(e.Err))
	if e.RequestID != "" {
		fmt.Fprintf(&b, " [request id %s]", e.RequestID)
	}
	return b.String()
}

func (e *ResponseError) Unwrap() error { return e.Err }

// StallError is the cause of an attempt cut because nothing happened on it
// for After (the request timeout): no connection, no byte sent, or no byte
// received.
type StallError struct {
	Phase string // what the attempt was doing: "connecting", "waiting for the answer", ...
	After time.Duration
}

func (e *StallError) Error() string {
	return fmt.Sprintf("nothing happened for %s while %s (request timeout)", e.After, e.Phase)
}

// Timeout reports true: a stall is a timeout.
func (e *StallError) Timeout() bool { return true }

// sanitizeErr renders err with any *url.Error's URL sanitized, so it never
// prints a query string or user info.
func sanitizeErr(err error) string {
	if err == nil {
		return "<nil>"
	}
	var uerr *url.Error
	if errors.As(err, &uerr) && uerr == err {
		// The method and URL are in the message already.
		return sanitizeErr(uerr.Err)
	}
	if errors.As(err, &uerr) {
		s := err.Error()
		if u, perr := url.Parse(uerr.URL); perr == nil {
			return strings.ReplaceAll(s, uerr.URL, SanitizeURL(u))
		}
		return strings.ReplaceAll(s, uerr.URL, "<url>")
	}
	return err.Error()
}
