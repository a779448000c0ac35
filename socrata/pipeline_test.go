package socrata

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cityofaustin/atd-executive-dashboard/internal/faultnet"
)

// Fault tests through the request pipeline (internal/httpapi): redirects,
// honest write results, stalls, paging and cancellation.

func faultClient(t *testing.T, h http.HandlerFunc, mod ...func(*Config)) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cfg := Config{Domain: srv.URL, AppToken: testToken, KeyID: testKeyID, KeySecret: testSecret,
		RetryMax: 2, RetryWaitMin: time.Millisecond, RetryWaitMax: 2 * time.Millisecond}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRedirectsRefused(t *testing.T) {
	t.Parallel()
	// A host that must never be contacted, answering what a careless
	// client would accept as success.
	other := faultnet.OtherHost(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `[]`) }, "Authorization", "X-App-Token")
	c := faultClient(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/resource/abcd-1234.json?sig=x", http.StatusFound)
	})
	t.Run("upsert", func(t *testing.T) {
		_, err := c.Upsert(t.Context(), "abcd-1234", genRows(3), UpsertOptions{})
		var ae *APIError
		if !errors.As(err, &ae) || ae.StatusCode != http.StatusFound || !strings.Contains(err.Error(), "redirect to "+other.URL+"/resource/abcd-1234.json refused") {
			t.Fatalf("err = %v, want the 302 naming its Location", err)
		}
	})
	t.Run("replace", func(t *testing.T) {
		_, err := c.Replace(t.Context(), "abcd-1234", genRows(3), ReplaceOptions{Force: true})
		if err == nil || !strings.Contains(err.Error(), "a PUT is never redirected") {
			t.Fatalf("err = %v, want the refused redirect", err)
		}
	})
	t.Run("count", func(t *testing.T) {
		_, err := c.Count(t.Context(), "abcd-1234", "")
		if err == nil || !strings.Contains(err.Error(), "another scheme or host") {
			t.Fatalf("err = %v, want the refused redirect", err)
		}
	})
	if n := other.Calls(); n != 0 {
		t.Errorf("the other host got %d requests", n)
	}
}

// TestWriteResultsChecked: a 2xx that does not confirm the rows sent is an
// error for that chunk, reported as "may have landed".
func TestWriteResultsChecked(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, ct, body string
		status         int
	}{
		{"empty array", "application/json", `[]`, 200},
		{"empty object", "application/json", `{}`, 200},
		{"HTML page", "text/html", `<html><title>Welcome</title></html>`, 200},
		{"counts short", "application/json", `{"Rows Created": 2, "Rows Updated": 0, "Errors": 0}`, 200},
		{"queued", "application/json", `{"ticket": "t-1"}`, 202},
		{"empty body", "application/json", ``, 200},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := faultClient(t, func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Type", tt.ct)
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			})
			_, err := c.Upsert(t.Context(), "abcd-1234", genRows(5), UpsertOptions{})
			var pe *PublishError
			if !errors.As(err, &pe) || !pe.Unknown || pe.Chunk != 1 {
				t.Fatalf("err = %v, want chunk 1 of unknown outcome", err)
			}
			if msg := err.Error(); !strings.Contains(msg, "chunk 1 may have landed") || strings.Contains(msg, "not published") {
				t.Errorf("message %q", msg)
			}
			_, err = c.Replace(t.Context(), "abcd-1234", genRows(5), ReplaceOptions{Force: true})
			if !errors.As(err, &pe) || !pe.Unknown {
				t.Fatalf("replace err = %v, want an unknown outcome", err)
			}
		})
	}
}

// TestDroppedAfterSent: a chunk whose connection dropped after the request
// went out may have landed; one whose connection was refused did not.
func TestDroppedAfterSent(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	c := faultClient(t, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if n.Add(1) == 1 {
			io.WriteString(w, `{"Rows Created": 2}`)
			return
		}
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close()
	}, func(c *Config) { c.RetryMax = -1 })
	_, err := c.Upsert(t.Context(), "abcd-1234", genRows(4), UpsertOptions{ChunkSize: 2})
	var pe *PublishError
	if !errors.As(err, &pe) || !pe.Unknown || pe.Chunk != 2 || pe.ChunksLanded != 1 || pe.RowsLanded != 2 {
		t.Fatalf("err = %v, want chunk 2 of unknown outcome after 1 chunk", err)
	}
	if !strings.Contains(err.Error(), "chunk 2 may have landed (its outcome is unknown); 2 rows in 1 chunks landed before it") {
		t.Errorf("message %q", err)
	}
}

// TestStalledAnswer: a Socrata that sends headers and then nothing more is
// given up on after Timeout, not waited on forever.
func TestStalledAnswer(t *testing.T) {
	t.Parallel()
	c := faultClient(t, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Length", "100")
		w.WriteHeader(200)
		io.WriteString(w, `{"Rows`)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}, func(c *Config) { c.Timeout, c.RetryMax = 100*time.Millisecond, -1 })
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	start := time.Now()
	_, err := c.Upsert(ctx, "abcd-1234", genRows(2), UpsertOptions{})
	if err == nil || ctx.Err() != nil || !strings.Contains(err.Error(), "nothing happened for 100ms while reading the answer") {
		t.Fatalf("err = %v after %s, want a stall", err, time.Since(start))
	}
}

// TestCatalogIgnoringPaging: a catalog that answers every page with the
// same assets stops with an error after the second page.
func TestCatalogIgnoringPaging(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	c := faultClient(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		fmt.Fprint(w, `{"results":[{"resource":{"id":"aaaa-0001"}},{"resource":{"id":"aaaa-0002"}}],"resultSetSize":5000}`)
	})
	var n int
	var err error
	for _, e := range c.Catalog(t.Context(), CatalogQuery{PageSize: 2}) {
		if e != nil {
			err = e
			break
		}
		n++
	}
	if err == nil || !strings.Contains(err.Error(), "repeats assets already listed") || n != 2 || calls.Load() != 2 {
		t.Fatalf("err = %v after %d assets and %d requests, want a paging error after 2 requests", err, n, calls.Load())
	}
}

// TestCatalogScrollStuck: a scroll cursor that does not advance stops the
// listing.
func TestCatalogScrollStuck(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	c := faultClient(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if !r.URL.Query().Has("scroll_id") && !r.URL.Query().Has("offset") {
			t.Errorf("neither offset nor scroll_id: %s", r.URL.RawQuery)
		}
		// Past 10,000 assets: scroll pages that always end on the same id.
		fmt.Fprint(w, `{"results":[{"resource":{"id":"bbbb-0001"}},{"resource":{"id":"bbbb-0002"}}],"resultSetSize":20000}`)
	})
	var err error
	for _, e := range c.Catalog(t.Context(), CatalogQuery{PageSize: 2}) {
		if e != nil {
			err = e
		}
	}
	if err == nil || !strings.Contains(err.Error(), "cursor does not advance") || calls.Load() > 3 {
		t.Fatalf("err = %v after %d requests, want a stuck-cursor error", err, calls.Load())
	}
}

// TestCancelWhileChunkInFlight: a publish cancelled (SIGTERM) while a chunk
// is in flight says what landed and that the chunk in flight may have
// landed too.
func TestCancelWhileChunkInFlight(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancelCause(t.Context())
	var n atomic.Int32
	c := faultClient(t, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if n.Add(1) == 1 {
			io.WriteString(w, `{"Rows Created": 2}`)
			return
		}
		cancel(errors.New("received SIGTERM")) // the signal arrives while Socrata works on chunk 2
		<-r.Context().Done()
	})
	_, err := c.Upsert(ctx, "abcd-1234", genRows(6), UpsertOptions{ChunkSize: 2})
	var pe *PublishError
	if !errors.As(err, &pe) || !pe.Unknown || pe.Chunk != 2 || pe.ChunksLanded != 1 || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want chunk 2 of unknown outcome, cancelled", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "chunk 2 may have landed") || !strings.Contains(msg, "received SIGTERM") {
		t.Errorf("message %q", msg)
	}
}

// TestKnownLengthBodies: upsert chunks go with Content-Length (a server
// refusing chunked bodies with 411 accepts them).
func TestKnownLengthBodies(t *testing.T) {
	t.Parallel()
	c := faultClient(t, func(w http.ResponseWriter, r *http.Request) {
		if len(r.TransferEncoding) > 0 || r.ContentLength <= 0 {
			w.WriteHeader(http.StatusLengthRequired)
			return
		}
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, `{"Rows Created": 2}`)
	})
	if _, err := c.Upsert(t.Context(), "abcd-1234", genRows(4), UpsertOptions{ChunkSize: 2}); err != nil {
		t.Fatal(err)
	}
}
