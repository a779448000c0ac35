package smartsheet

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"
)

func TestLimiterReserve(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 3, 10, 8, 0, 0, 0, time.UTC)
	l := newLimiter(300, func() time.Time { return now }) // one token per 200ms, burst 10
	for i := range limiterBurst {
		if d := l.reserve(); d != 0 {
			t.Fatalf("request %d of the burst waits %v", i+1, d)
		}
	}
	want := []time.Duration{200 * time.Millisecond, 400 * time.Millisecond, 600 * time.Millisecond}
	for i, w := range want {
		if d := l.reserve(); d != w {
			t.Errorf("request %d after the burst waits %v, want %v", i+1, d, w)
		}
	}
	now = now.Add(time.Minute) // the bucket refills, but never beyond the burst
	for i := range limiterBurst {
		if d := l.reserve(); d != 0 {
			t.Fatalf("after a minute, request %d waits %v", i+1, d)
		}
	}
	if d := l.reserve(); d != 200*time.Millisecond {
		t.Errorf("bucket held more than the burst: wait %v", d)
	}
}

func TestLimiterWaitHonoursContext(t *testing.T) {
	t.Parallel()
	now := time.Now()
	l := newLimiter(1, func() time.Time { return now }) // one per minute
	l.tokens = 0
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := l.wait(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("wait = %v, want context.Canceled", err)
	}
	rt := &limitedTransport{l: l, base: http.DefaultTransport}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1:1/", nil)
	if _, err := rt.RoundTrip(req); !errors.Is(err, context.Canceled) {
		t.Fatalf("RoundTrip = %v, want context.Canceled before any connection", err)
	}
}

func TestLimiterCancelledWaitReturnsToken(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 3, 10, 8, 0, 0, 0, time.UTC)
	l := newLimiter(300, func() time.Time { return now }) // one token per 200ms
	for range limiterBurst {
		l.reserve()
	}
	for range 3 {
		ctx, cancel := context.WithTimeout(t.Context(), time.Millisecond)
		if err := l.wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("wait = %v, want the deadline", err)
		}
		cancel()
	}
	if d := l.reserve(); d != 200*time.Millisecond {
		t.Errorf("after three abandoned waits the next request waits %v, want 200ms", d)
	}
}
