package csr

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cityofaustin/atd-executive-dashboard/internal/faultnet"
)

// Fault tests through the request pipeline (internal/httpapi): redirects
// and stalls.

func TestRedirectToAnotherHostRefused(t *testing.T) {
	t.Parallel()
	other := faultnet.OtherHost(t, func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("not the report"))
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/report.tsv", http.StatusFound)
	}))
	t.Cleanup(srv.Close)
	c, err := New(Config{Endpoint: srv.URL + "/report?key=SECRET", RetryMax: -1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Fetch(t.Context())
	var ae *APIError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusFound || !strings.Contains(ae.Message, "redirect to "+other.URL+"/report.tsv refused") {
		t.Fatalf("err = %v, want the 302 naming its Location", err)
	}
	if strings.Contains(err.Error(), "SECRET") {
		t.Errorf("error leaks the endpoint's query: %v", err)
	}
	if other.Calls() != 0 {
		t.Errorf("the other host got %d requests", other.Calls())
	}
}

// TestStalledReport: a report that stops arriving mid-body fails the read
// after Timeout instead of holding the job.
func TestStalledReport(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		w.Write([]byte("\xff\xfeS\x00R\x00"))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)
	c, err := New(Config{Endpoint: srv.URL, Timeout: 100 * time.Millisecond, RetryMax: -1})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	body, err := c.Fetch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer body.Close()
	_, err = io.ReadAll(body)
	var cerr *Error
	if !errors.As(err, &cerr) || cerr.Op != "read" || ctx.Err() != nil || !strings.Contains(err.Error(), "nothing happened for 100ms") {
		t.Fatalf("err = %v, want a stalled read", err)
	}
}
