// Package httpapi is the request pipeline of every HTTP client in this
// module (socrata, smartsheet, mstr, csr), in go-github's shape:
// [Client.NewRequest] resolves a reference against the base URL,
// [Client.Do] sends it under the one retry policy (go-retryablehttp:
// connection faults, stalls, 429 and 5xx, Retry-After honoured) and checks
// the answer, and [Client.Fetch] also reads the body, fetching a GET again
// when its body breaks off. No layer above it retries.
//
// A non-2xx answer is an [*APIError], which each system package's APIError
// embeds; no answer is a [*TransportError] (Sent: a write may have been
// applied); a 2xx that cannot be read is a [*ResponseError]. They print as
// "<system>: <METHOD> <sanitized url>: ...". Error bodies are read up to 64
// KiB and kept as one bounded line.
//
// A write is never redirected and a GET follows a redirect only to its own
// scheme and host, so credentials never reach another host. Config.Timeout
// bounds every wait of an attempt (connecting, the answer, each gap in a
// body; a moving body is not cut), and a waiting attempt logs what it waits
// for every 30 seconds. [Bytes], [JSON] and [Sized] bodies carry a
// Content-Length; a [Stream] body goes chunked. See docs/ARCHITECTURE.md.
package httpapi
