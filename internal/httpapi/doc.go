// Package httpapi is the request pipeline of every HTTP client in this
// module (socrata, smartsheet, mstr, csr), in the shape of go-github's
// client: [Client.NewRequest] resolves a reference against the base URL,
// [Client.Do] sends it under the one retry policy and checks the answer,
// and [Client.Fetch] also reads the whole body.
//
// # Retries
//
// The stack is a [retryablehttp.Client]. It retries connection faults,
// stalls, HTTP 429 and 5xx (except 501) with exponential backoff, honours
// Retry-After on 429 and 503 (capped by Config.MaxRetryAfter), and hands the
// final failed response back so it becomes a typed error. A GET whose 2xx
// body breaks off is fetched again by [Client.Fetch]. No layer above this
// one retries.
//
// # Errors
//
// Three shared types, each printing "<system>: <METHOD> <url>: ...":
// [*APIError] for a non-2xx answer (each system package's APIError embeds
// it), [*TransportError] when no answer came (Sent says whether a write
// may have been applied), and [*ResponseError] for a 2xx answer that could
// not be read or decoded. Error bodies are read up to 64 KiB and kept as
// one bounded line ([errbody]). URLs in errors and logs never carry user
// info or a query string.
//
// # Redirects and credentials
//
// A write (POST, PUT, PATCH, DELETE) is never redirected, and a GET follows
// a redirect only to the scheme and host it was sent to: a redirect not
// followed is an [*APIError] whose message names the Location. Credentials
// travel in request headers (and mstr's cookie jar), so they never reach
// another host.
//
// # Timeouts
//
// Config.Timeout bounds every wait of each attempt: connecting, sending,
// waiting for the answer's headers, and each gap between two reads of the
// body; a stalled attempt fails with a [*StallError] cause and is retried.
// A body that keeps arriving, however slowly, is not cut. While an attempt
// waits, it logs what it waits for every 30 seconds (Config.WaitLog).
//
// # Request bodies
//
// A retried request must send its body again: a [Body] is opened afresh for
// every attempt. [Bytes] and [JSON] bodies carry a Content-Length; a
// [Stream] body (for example an [io.Pipe] fed by an encoder) goes out
// chunked and is produced only when the transport reads it.
package httpapi
