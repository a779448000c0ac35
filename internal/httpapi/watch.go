package httpapi

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"sync"
	"sync/atomic"
	"time"
)

// watchTransport cuts an attempt on which nothing happened for timeout (no
// connection, no request byte read by the transport, no response byte),
// and logs what a waiting attempt waits for every `every`.
type watchTransport struct {
	base                        http.RoundTripper
	timeout, readTimeout, every time.Duration // readTimeout: GET and HEAD
	system                      string
	logger                      *slog.Logger
}

// timeoutFor is the bound of an attempt of method.
func (t *watchTransport) timeoutFor(method string) time.Duration {
	if method == http.MethodGet || method == http.MethodHead {
		return t.readTimeout
	}
	return t.timeout
}

func (t *watchTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	st, _ := req.Context().Value(attemptsKey{}).(*attempts)
	if st != nil {
		st.n.Add(1)
	}
	ctx, cancel := context.WithCancelCause(req.Context())
	w := &watch{t: t, timeout: t.timeoutFor(req.Method), cancel: cancel, start: time.Now(), method: req.Method, url: SanitizeURL(req.URL)}
	w.progress("connecting")
	w.timer = time.AfterFunc(w.step(), w.fire)
	out := req.Clone(httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn:      func(httptrace.GotConnInfo) { w.progress("sending the request") },
		WroteHeaders: func() { w.progress("sending the request") },
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil && st != nil {
				st.sent.Store(true)
			}
			w.progress("waiting for the answer")
		},
		GotFirstResponseByte: func() { w.progress("reading the answer") },
	}))
	if req.Body != nil && req.Body != http.NoBody {
		out.Body = &watchedBody{ReadCloser: req.Body, w: w, request: true}
	}
	resp, err := t.base.RoundTrip(out)
	if err != nil {
		err = w.end(err)
		cancel(nil)
		return nil, err
	}
	resp.Body = &watchedBody{ReadCloser: resp.Body, w: w}
	return resp, nil
}

// watch is one attempt's watchdog: a timer that checks, every step, how
// long nothing happened.
type watch struct {
	t           *watchTransport
	timeout     time.Duration // nothing happening for this long cuts the attempt
	cancel      context.CancelCauseFunc
	start       time.Time
	method, url string
	phase       atomic.Value // string: what the attempt is doing
	last        atomic.Int64 // when something last happened, since start

	mu     sync.Mutex
	timer  *time.Timer
	logged time.Duration // when the wait was last logged, since start
	done   bool
	stall  *StallError
}

func (w *watch) step() time.Duration { return max(min(w.timeout/4, w.t.every), time.Millisecond) }

// progress records that something happened and, when phase is set, what
// the attempt does now.
func (w *watch) progress(phase string) {
	w.last.Store(int64(time.Since(w.start)))
	if phase != "" {
		w.phase.Store(phase)
	}
}

func (w *watch) fire() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return
	}
	now := time.Since(w.start)
	idle := now - time.Duration(w.last.Load())
	phase := w.phase.Load().(string)
	if idle >= w.timeout {
		w.done, w.stall = true, &StallError{Phase: phase, After: w.timeout}
		w.cancel(w.stall)
		return
	}
	if now-w.logged >= w.t.every {
		w.logged = now
		w.t.logger.Info("still waiting for "+w.t.system, "system", w.t.system, "method", w.method, "url", w.url,
			"phase", phase, "waited", now.Round(time.Second), "idle", idle.Round(time.Second), "timeout", w.timeout)
	}
	w.timer.Reset(w.step())
}

// end stops the watch and returns err, or the stall that caused it.
func (w *watch) end(err error) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.done = true
	w.timer.Stop()
	if w.stall != nil && err != nil && !errors.Is(err, io.EOF) {
		return w.stall
	}
	return err
}

// watchedBody reports reads as progress; on the response side, EOF, a read
// error or Close ends the watch (a stalled attempt's error is the stall).
type watchedBody struct {
	io.ReadCloser
	w       *watch
	request bool
}

func (b *watchedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.w.progress("")
	}
	if err != nil && !b.request {
		err = b.w.end(err)
	}
	return n, err
}

func (b *watchedBody) Close() error {
	if !b.request {
		b.w.end(nil)
		defer b.w.cancel(nil)
	}
	return b.ReadCloser.Close()
}
