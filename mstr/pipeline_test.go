package mstr_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cityofaustin/atd-executive-dashboard/internal/faultnet"
	"github.com/cityofaustin/atd-executive-dashboard/mstr"
)

// Fault tests through the request pipeline (internal/httpapi): redirects,
// known-length bodies, the /api base URL, stalls and a bounded logout.

// otherHost is a host a redirect points to: it reports the session token
// or cookie reaching it and answers as a login would.
func otherHost(t *testing.T) *faultnet.Host {
	t.Helper()
	return faultnet.OtherHost(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(mstr.HeaderAuthToken, "other-token")
		w.WriteHeader(http.StatusNoContent)
	}, mstr.HeaderAuthToken, "Cookie")
}

func TestLoginRedirectRefused(t *testing.T) {
	t.Parallel()
	other := otherHost(t)
	f := setup(t)
	f.fake.Intercept = func(w http.ResponseWriter, r *http.Request) bool {
		if strings.HasSuffix(r.URL.Path, "/auth/login") {
			http.Redirect(w, r, other.URL+"/login", http.StatusFound)
			return true
		}
		return false
	}
	err := f.client(t, nil).Login(t.Context())
	var ae *mstr.APIError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusFound || !strings.Contains(ae.Message, "redirect to "+other.URL+"/login refused: a POST is never redirected") {
		t.Fatalf("err = %v, want the 302 naming its Location", err)
	}
	if other.Calls() != 0 {
		t.Errorf("the other host got %d requests", other.Calls())
	}
}

func TestPageRedirectToAnotherHostRefused(t *testing.T) {
	t.Parallel()
	other := otherHost(t)
	f := setup(t)
	f.fake.Intercept = func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/prompts") {
			http.Redirect(w, r, other.URL+"/prompts", http.StatusTemporaryRedirect)
			return true
		}
		return false
	}
	c := f.client(t, nil)
	defer c.Close(t.Context())
	_, err := c.Run(t.Context(), irisReport, mstr.RunOptions{Answerer: irisPlan()})
	if err == nil || !strings.Contains(err.Error(), "another scheme or host is not followed") {
		t.Fatalf("err = %v, want the refused redirect", err)
	}
	if other.Calls() != 0 {
		t.Errorf("the other host got %d requests", other.Calls())
	}
}

// TestKnownLengthBodies: login, instance creation and prompt answers carry
// Content-Length; a server refusing chunked bodies with 411 runs the
// whole report.
func TestKnownLengthBodies(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.fake.Intercept = func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodGet && (len(r.TransferEncoding) > 0 || r.ContentLength < 0) {
			w.WriteHeader(http.StatusLengthRequired)
			return true
		}
		return false
	}
	c := f.client(t, nil)
	defer c.Close(t.Context())
	tab, err := c.Run(t.Context(), irisReport, mstr.RunOptions{Answerer: irisPlan()})
	if err != nil {
		t.Fatal(err)
	}
	if rows := collect(t, t.Context(), tab); len(rows) != 150 {
		t.Errorf("rows = %d", len(rows))
	}
}

// TestBaseURLWithAPI: a BASE_URL ending in /api or /api/ reaches the same
// endpoints as the Library root.
func TestBaseURLWithAPI(t *testing.T) {
	t.Parallel()
	for _, suffix := range []string{"", "/", "/api", "/api/"} {
		t.Run(suffix, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			c := f.client(t, func(cfg *mstr.Config) { cfg.BaseURL += suffix })
			if err := c.Login(t.Context()); err != nil {
				t.Fatal(err)
			}
			if calls := f.fake.Calls(); len(calls) != 1 || calls[0] != "POST /api/auth/login" {
				t.Errorf("calls = %q", calls)
			}
		})
	}
}

// TestStalledAnswer: a server that never answers is given up on after
// Timeout.
func TestStalledAnswer(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.fake.Intercept = func(w http.ResponseWriter, r *http.Request) bool {
		if strings.HasSuffix(r.URL.Path, "/instances") {
			io.Copy(io.Discard, r.Body)
			<-r.Context().Done()
			return true
		}
		return false
	}
	c := f.client(t, func(cfg *mstr.Config) { cfg.Timeout, cfg.RetryMax = 100*time.Millisecond, -1 })
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	_, err := c.Run(ctx, irisReport, mstr.RunOptions{Answerer: irisPlan()})
	if err == nil || ctx.Err() != nil || !strings.Contains(err.Error(), "nothing happened for 100ms while waiting for the answer") {
		t.Fatalf("err = %v, want a stall", err)
	}
}

// TestLogoutBounded: with the server hung, Close returns within a few
// seconds even when its context has no deadline.
func TestLogoutBounded(t *testing.T) {
	t.Parallel()
	f := setup(t)
	release := make(chan struct{})
	defer close(release)
	f.fake.Intercept = func(w http.ResponseWriter, r *http.Request) bool {
		if strings.HasSuffix(r.URL.Path, "/auth/logout") {
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return true
		}
		return false
	}
	c := f.client(t, nil)
	if err := c.Login(t.Context()); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- c.Close(context.WithoutCancel(t.Context())) }()
	select {
	case err := <-done:
		if err == nil || time.Since(start) > mstr.LogoutTimeout+2*time.Second {
			t.Errorf("Close = %v after %s", err, time.Since(start))
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Close still waiting after 15s")
	}
}
