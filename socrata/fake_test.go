package socrata_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/cityofaustin/atd-executive-dashboard/internal/socratatest"
	"github.com/cityofaustin/atd-executive-dashboard/socrata"
)

func newFakeClient(t *testing.T, srv *socratatest.Server) *socrata.Client {
	t.Helper()
	env := srv.Env()
	c, err := socrata.New(socrata.Config{Domain: env["SO_WEB"], AppToken: env["SO_TOKEN"], KeyID: env["SO_KEY"],
		KeySecret: env["SO_SECRET"], RetryWaitMin: time.Millisecond, RetryWaitMax: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestAgainstFakeServer runs the client against internal/socratatest, the
// server the jobs' end-to-end tests use.
func TestAgainstFakeServer(t *testing.T) {
	t.Parallel()
	t.Run("upsert merges, replace sets, count counts", func(t *testing.T) {
		t.Parallel()
		ctx := t.Context()
		srv := socratatest.Start(t)
		srv.SetKey("abcd-1234", "id")
		c := newFakeClient(t, srv)
		rows := func(n int) func(func(socrata.Row, error) bool) {
			return func(yield func(socrata.Row, error) bool) {
				for i := range n {
					if !yield(socrata.Row{"id": i, "v": "x"}, nil) {
						return
					}
				}
			}
		}
		res, err := c.Upsert(ctx, "abcd-1234", rows(2500), socrata.UpsertOptions{ChunkSize: 1000})
		if err != nil || res.Created != 2500 || res.Chunks != 3 {
			t.Fatalf("upsert = %+v, %v", res, err)
		}
		res, err = c.Upsert(ctx, "abcd-1234", rows(10), socrata.UpsertOptions{})
		if err != nil || res.Updated != 10 {
			t.Fatalf("second upsert = %+v, %v", res, err)
		}
		if n, err := c.Count(ctx, "abcd-1234", ""); err != nil || n != 2500 {
			t.Fatalf("count = %d, %v", n, err)
		}
		if _, err := c.Replace(ctx, "abcd-1234", rows(7), socrata.ReplaceOptions{}); err != nil {
			t.Fatal(err)
		}
		if n, _ := c.Count(ctx, "abcd-1234", "v = 'x'"); n != 7 {
			t.Errorf("count after replace = %d", n)
		}
		if got := len(srv.Replaces("abcd-1234")); got != 1 {
			t.Errorf("%d replaces", got)
		}
		for _, r := range srv.Requests() {
			if r.Method != "GET" {
				if u, p, ok := (&httpRequest{r.Header}).basicAuth(); !ok || u != socratatest.KeyID || p != socratatest.KeySecret {
					t.Errorf("%s sent without credentials", r.Method)
				}
			}
			if r.Header.Get("X-App-Token") != socratatest.AppToken {
				t.Errorf("%s %s without app token", r.Method, r.Path)
			}
		}
	})
	t.Run("rejected chunk reports rows landed", func(t *testing.T) {
		t.Parallel()
		srv := socratatest.Start(t)
		srv.RejectChunk(3, 400, `{"code":"illegal_argument","error":true,"message":"bad row"}`)
		srv.FailNext(1, 429, "0", "")
		c := newFakeClient(t, srv)
		rows := func(yield func(socrata.Row, error) bool) {
			for i := range 50 {
				if !yield(socrata.Row{"id": i}, nil) {
					return
				}
			}
		}
		_, err := c.Upsert(t.Context(), "abcd-1234", rows, socrata.UpsertOptions{ChunkSize: 10})
		var pe *socrata.PublishError
		var ae *socrata.APIError
		if !errors.As(err, &pe) || !errors.As(err, &ae) {
			t.Fatalf("err = %v", err)
		}
		if pe.Chunk != 3 || pe.RowsLanded != 20 || ae.Code != "illegal_argument" || ae.RequestID == "" {
			t.Errorf("publish error %+v / %+v", pe, ae)
		}
		if got := len(srv.Upserts("abcd-1234")); got != 20 {
			t.Errorf("server holds %d upserted rows", got)
		}
	})
}

type httpRequest struct{ h map[string][]string }

func (r *httpRequest) basicAuth() (string, string, bool) {
	req := &http.Request{Header: r.h}
	return req.BasicAuth()
}
