// Package httpretry builds the retrying HTTP stack shared by the project's API
// clients (Socrata, Smartsheet, MicroStrategy, the 3-1-1 report endpoint).
//
// The stack is a [retryablehttp.Client] whose inner client carries the
// caller's transport (for example an [golang.org/x/oauth2.Transport]). It
// retries connection faults, HTTP 429 and 5xx (except 501) with exponential
// backoff, honours Retry-After on 429 and 503, and — unlike retryablehttp's
// default — hands the final failed response back to the caller, so each API
// package can turn it into its own typed error. [Attempts] tells how many
// attempts that response took.
//
// # Request bodies
//
// A retried request must be able to send its body again. [Client.Do] takes a
// body function that is called once per attempt, so a large body can be
// produced as a stream (for example through an [io.Pipe]) instead of being
// buffered in memory. Nothing is produced until the transport reads the
// body. Bodies go out with chunked transfer encoding unless the request's
// ContentLength says how long they are.
//
// # Logging
//
// Retries are logged at Warn level with the keys method, url (sanitized),
// attempt, wait and status (or error). Nothing else is logged. URLs in logs
// and errors never carry user info or query strings.
package httpretry
