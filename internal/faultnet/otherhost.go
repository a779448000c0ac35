package faultnet

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

// Host is an HTTP server on loopback that a client must never contact,
// such as the target of a redirect to another host. Its URL is the
// server's base URL.
type Host struct {
	URL   string
	calls atomic.Int32
}

// OtherHost starts a [Host] that counts every request, reports with
// t.Errorf each of the named credential headers (Authorization, Cookie,
// ...) that reaches it, and answers with answer, which may stand for what
// a careless client would take for success. It closes with the test.
func OtherHost(t testing.TB, answer http.HandlerFunc, credentials ...string) *Host {
	t.Helper()
	h := &Host{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.calls.Add(1)
		for _, name := range credentials {
			if r.Header.Get(name) != "" {
				t.Errorf("the %s header reached the other host: %s %s", name, r.Method, r.URL.Path)
			}
		}
		answer(w, r)
	}))
	t.Cleanup(srv.Close)
	h.URL = srv.URL
	return h
}

// Calls returns how many requests the host has had.
func (h *Host) Calls() int { return int(h.calls.Load()) }
