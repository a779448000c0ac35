package objstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"
)

// DefaultRequestTimeout bounds each attempt of an S3 request when
// HTTPOptions.RequestTimeout is zero: connecting (TCP and TLS), waiting for
// the response headers, and every gap in which no byte moves either way
// while a body is sent or received. It is not a deadline on the whole
// request: a large object that keeps moving takes as long as it takes. S3
// answers within a second; 30 s leaves room for a slow network without
// leaving a job waiting on a silent endpoint. The SDK retries a timed-out
// attempt (3 attempts in all by default).
const DefaultRequestTimeout = 30 * time.Second

// HTTPOptions configures [NewHTTPClient]. The zero value is ready to use.
type HTTPOptions struct {
	// RequestTimeout bounds each attempt (connect, response headers, idle
	// gaps in either direction); 0 means DefaultRequestTimeout. Jobs feed
	// it from --request-timeout.
	RequestTimeout time.Duration
	// Proxy chooses the proxy of a request, as http.Transport.Proxy; nil
	// means none. (The library reads no environment: the caller builds it,
	// from the job's environment.)
	Proxy func(*http.Request) (*url.URL, error)
	// Logger, when set, hears about waits: "still waiting for s3" every
	// WaitLog (default DefaultWaitLog) while an attempt waits for its
	// answer, and each attempt that failed (the SDK then retries).
	Logger  *slog.Logger
	WaitLog time.Duration
}

// DefaultWaitLog is how often a waiting S3 attempt is logged.
const DefaultWaitLog = 30 * time.Second

// NewHTTPClient returns the HTTP client to give an S3 client (as
// s3.Options.HTTPClient): every attempt is bounded as [HTTPOptions] says,
// and redirects are never followed (S3 answers a request for a bucket in
// another region with a redirect; the SDK reports it, and [BucketRegion]
// reads the region from it).
//
// It is a plain *http.Client, not the SDK's BuildableClient, so that the
// SDK applies none of its own transport defaults over it.
func NewHTTPClient(opts HTTPOptions) *http.Client {
	timeout := opts.RequestTimeout
	if timeout <= 0 {
		timeout = DefaultRequestTimeout
	}
	dialer := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy: opts.Proxy,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dialer.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return &idleConn{Conn: c, timeout: timeout}, nil
		},
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		ExpectContinueTimeout: time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   2 * DefaultConcurrency,
	}
	var rt http.RoundTripper = tr
	if opts.Logger != nil {
		rt = &waitLogTransport{next: tr, logger: opts.Logger, every: cmp.Or(opts.WaitLog, DefaultWaitLog)}
	}
	return &http.Client{
		Transport: rt,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// waitLogTransport logs while an attempt waits for its answer, and when it
// fails, so that a job waiting on S3 is never silent for long. URLs are
// logged without their query (S3 requests carry no secret there, but a
// presigned one would).
type waitLogTransport struct {
	next   http.RoundTripper
	logger *slog.Logger
	every  time.Duration
}

func (t *waitLogTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	where := (&url.URL{Scheme: req.URL.Scheme, Host: req.URL.Host, Path: req.URL.Path}).String()
	start := time.Now()
	done := make(chan struct{})
	go func() {
		tk := time.NewTicker(t.every)
		defer tk.Stop()
		for {
			select {
			case <-done:
				return
			case <-tk.C:
				t.logger.InfoContext(ctx, "still waiting for s3", "method", req.Method, "url", where,
					"waited", time.Since(start).Round(time.Millisecond).String())
			}
		}
	}()
	resp, err := t.next.RoundTrip(req)
	close(done)
	if err != nil && ctx.Err() == nil {
		t.logger.WarnContext(ctx, "s3 request attempt failed", "method", req.Method, "url", where,
			"after", time.Since(start).Round(time.Millisecond).String(), "error", err.Error())
	}
	return resp, err
}

// idleConn fails a read or write after timeout without any byte moving on
// the connection in either direction. Each read or write pushes both
// deadlines forward, so a long upload whose answer comes only at its end is
// not cut while it is sending, and a slow download is not cut while bytes
// arrive. (The SDK's own read timeout watches reads only: it would cut an
// upload part that takes longer than the timeout to send.)
type idleConn struct {
	net.Conn
	timeout time.Duration
}

func (c *idleConn) Read(p []byte) (int, error) {
	c.extend()
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.extend()
	}
	return n, c.timeoutErr("waiting for data", err)
}

func (c *idleConn) Write(p []byte) (int, error) {
	c.extend()
	n, err := c.Conn.Write(p)
	return n, c.timeoutErr("sending data", err)
}

func (c *idleConn) extend() {
	_ = c.Conn.SetDeadline(time.Now().Add(c.timeout))
}

func (c *idleConn) timeoutErr(doing string, err error) error {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return &IdleTimeoutError{Addr: c.RemoteAddr().String(), Doing: doing, After: c.timeout}
	}
	return err
}

// IdleTimeoutError reports a connection on which no byte moved for the
// request timeout. It is a net.Error whose Timeout is true (the SDK retries
// it) and matches os.ErrDeadlineExceeded with errors.Is.
type IdleTimeoutError struct {
	Addr  string        // the remote address
	Doing string        // "waiting for data" or "sending data"
	After time.Duration // the request timeout
}

func (e *IdleTimeoutError) Error() string {
	return fmt.Sprintf("no answer from %s for %v while %s (request timeout)", e.Addr, e.After, e.Doing)
}

// Timeout reports true.
func (e *IdleTimeoutError) Timeout() bool { return true }

// Temporary reports true, for retryers that still ask.
func (e *IdleTimeoutError) Temporary() bool { return true }

// Unwrap returns os.ErrDeadlineExceeded.
func (e *IdleTimeoutError) Unwrap() error { return os.ErrDeadlineExceeded }
