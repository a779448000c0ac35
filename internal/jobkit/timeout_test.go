package jobkit

import (
	"context"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cityofaustin/atd-executive-dashboard/socrata"
)

// TestRequestTimeoutFlag: every job takes --request-timeout, and the
// Socrata destination built from it gives up on a silent portal after it.
func TestRequestTimeoutFlag(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	t.Cleanup(srv.Close)
	env := MapEnv(map[string]string{"SO_WEB": srv.URL, "SO_KEY": "k", "SO_SECRET": "s"})
	job, err := Start("test", flag.NewFlagSet("test", flag.ContinueOnError), []string{"--request-timeout", "150ms"}, env, io.Discard, SocrataSettings())
	if err != nil {
		t.Fatal(err)
	}
	if job.Flags.RequestTimeout != 150*time.Millisecond {
		t.Fatalf("RequestTimeout = %s", job.Flags.RequestTimeout)
	}
	pub, err := job.Publisher(func(c *socrata.Config) { c.RetryMax = -1 })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	_, err = pub.Count(ctx, "abcd-1234", "")
	if err == nil || ctx.Err() != nil || !strings.Contains(err.Error(), "nothing happened for 150ms") {
		t.Fatalf("Count = %v, want a stall after 150ms", err)
	}
}
