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

// watchTransport bounds every wait of one attempt: it cuts the attempt when
// nothing happened on it for timeout (no connection, no request byte read
// by the transport, no response byte), and logs what it waits for every
// `every` while it waits.
type watchTransport struct {
	base    http.RoundTripper
	timeout time.Duration
	every   time.Duration
	system  string
	logger  *slog.Logger
}

func (t *watchTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	st, _ := req.Context().Value(attemptsKey{}).(*attempts)
	if st != nil {
		st.n.Add(1)
	}
	ctx, cancel := context.WithCancelCause(req.Context())
	w := &watch{t: t, cancel: cancel, start: time.Now(), method: req.Method, url: SanitizeURL(req.URL)}
	w.phase.Store("connecting")
	w.arm()
	trace := &httptrace.ClientTrace{
		GotConn:      func(httptrace.GotConnInfo) { w.progress("sending the request") },
		WroteHeaders: func() { w.progress("sending the request") },
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil && st != nil {
				st.sent.Store(true)
			}
			w.progress("waiting for the answer")
		},
		GotFirstResponseByte: func() { w.progress("reading the answer") },
	}
	out := req.Clone(httptrace.WithClientTrace(ctx, trace))
	if req.Body != nil && req.Body != http.NoBody {
		out.Body = &watchedBody{ReadCloser: req.Body, w: w, request: true}
	}
	resp, err := t.base.RoundTrip(out)
	if err != nil {
		w.stop()
		if stall := w.stalled(); stall != nil {
			err = stall
		}
		return nil, err
	}
	resp.Body = &watchedBody{ReadCloser: resp.Body, w: w}
	return resp, nil
}

// watch is one attempt's watchdog.
type watch struct {
	t      *watchTransport
	cancel context.CancelCauseFunc
	start  time.Time
	method string
	url    string

	phase atomic.Value // string
	last  atomic.Int64 // time of the last progress, as nanoseconds since start

	mu      sync.Mutex
	stopped bool
	idle    *time.Timer
	tick    *time.Timer
	stall   *StallError
}

func (w *watch) arm() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.idle = time.AfterFunc(w.t.timeout, w.check)
	w.tick = time.AfterFunc(w.t.every, w.report)
}

// progress records that something happened, and what the attempt does now.
func (w *watch) progress(phase string) {
	w.last.Store(int64(time.Since(w.start)))
	if phase != "" {
		w.phase.Store(phase)
	}
}

// check runs when the idle timer fires: it cuts the attempt if nothing
// happened for the timeout, or re-arms for the rest of it.
func (w *watch) check() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped {
		return
	}
	idle := time.Since(w.start) - time.Duration(w.last.Load())
	if idle < w.t.timeout {
		w.idle.Reset(w.t.timeout - idle)
		return
	}
	w.stall = &StallError{Phase: w.phase.Load().(string), After: w.t.timeout}
	w.stopLocked()
	w.cancel(w.stall)
}

// report logs what a waiting attempt waits for, and re-arms.
func (w *watch) report() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped {
		return
	}
	w.t.logger.Info("still waiting for "+w.t.system, "system", w.t.system, "method", w.method, "url", w.url,
		"phase", w.phase.Load().(string), "waited", time.Since(w.start).Round(time.Second),
		"idle", (time.Since(w.start) - time.Duration(w.last.Load())).Round(time.Second), "timeout", w.t.timeout)
	w.tick.Reset(w.t.every)
}

func (w *watch) stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stopLocked()
}

func (w *watch) stopLocked() {
	if w.stopped {
		return
	}
	w.stopped = true
	w.idle.Stop()
	w.tick.Stop()
}

func (w *watch) stalled() *StallError {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stall
}

// watchedBody reports reads as progress. On the response side it ends the
// watch at EOF or Close, and turns the read error of a stalled attempt
// into the [*StallError].
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
	if b.request || err == nil {
		return n, err
	}
	if errors.Is(err, io.EOF) {
		b.w.stop()
		return n, err
	}
	if stall := b.w.stalled(); stall != nil {
		err = stall
	}
	return n, err
}

func (b *watchedBody) Close() error {
	if !b.request {
		b.w.stop()
		defer b.w.cancel(nil)
	}
	return b.ReadCloser.Close()
}
