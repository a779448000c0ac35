package smartsheet

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// DefaultRequestsPerMinute is Smartsheet's documented rate limit per access
// token.
const DefaultRequestsPerMinute = 300

// limiterBurst is how many requests may go out back to back before the
// limiter starts spacing them.
const limiterBurst = 10

// limiter is a token bucket: one token per interval, at most burst saved.
// Waiters reserve tokens in arrival order (tokens may go negative), so
// concurrent callers are spaced out, not released together.
type limiter struct {
	mu       sync.Mutex
	interval time.Duration
	burst    float64
	tokens   float64
	last     time.Time
	now      func() time.Time
}

func newLimiter(perMinute int, now func() time.Time) *limiter {
	return &limiter{interval: time.Minute / time.Duration(perMinute), burst: limiterBurst, tokens: limiterBurst, now: now}
}

// reserve takes a token and returns how long the caller must wait for it.
func (l *limiter) reserve() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if !l.last.IsZero() {
		l.tokens = min(l.burst, l.tokens+float64(now.Sub(l.last))/float64(l.interval))
	}
	l.last = now
	l.tokens--
	if l.tokens >= 0 {
		return 0
	}
	return time.Duration(-l.tokens * float64(l.interval))
}

// unreserve gives back a token whose request was never sent.
func (l *limiter) unreserve() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.tokens = min(l.burst, l.tokens+1)
}

// wait blocks until the caller may send, or ctx ends; a caller that gives
// up returns its token, so cancelled requests do not slow later ones.
func (l *limiter) wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d := l.reserve()
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		l.unreserve()
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// limitedTransport waits for the limiter before every attempt, retries
// included.
type limitedTransport struct {
	l    *limiter
	base http.RoundTripper
}

func (t *limitedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.l.wait(req.Context()); err != nil {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, err
	}
	return t.base.RoundTrip(req)
}
