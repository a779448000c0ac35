package socratameta

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"iter"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cityofaustin/atd-executive-dashboard/internal/httpapi"
	"github.com/cityofaustin/atd-executive-dashboard/internal/socratatest"
	"github.com/cityofaustin/atd-executive-dashboard/socrata"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden files")

func mustAssets(tb testing.TB, files ...string) []socrata.Asset {
	tb.Helper()
	var out []socrata.Asset
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join("testdata", f))
		if err != nil {
			tb.Fatal(err)
		}
		p, err := socrata.DecodeCatalogPage(b)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, p.Results...)
	}
	return out
}

func chicago(tb testing.TB) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation("America/Chicago")
	if err != nil {
		tb.Fatal(err)
	}
	return loc
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// flakySource fails the first n counts of each id in fail.
type flakySource struct {
	*StaticSource
	mu    sync.Mutex
	fail  map[string]int
	calls map[string]int
}

func (f *flakySource) Count(ctx context.Context, id, where string) (int64, error) {
	f.mu.Lock()
	f.calls[id]++
	left := f.fail[id]
	if left > 0 {
		f.fail[id]--
	}
	f.mu.Unlock()
	if left > 0 {
		return 0, &socrata.Error{Op: "count", Dataset: id, Err: &socrata.APIError{APIError: httpapi.APIError{StatusCode: 500, Message: "Internal error"}}}
	}
	return f.StaticSource.Count(ctx, id, where)
}

func TestGather(t *testing.T) {
	t.Parallel()
	all := mustAssets(t, "catalog_page1.json", "catalog_page2.json", "catalog_page3.json")
	// Public: the first and the third asset.
	anon := []socrata.Asset{all[0], all[2]}
	counts := map[string]int64{"a2bc-3def": 1412, "b3cd-4efg": 77, "c4de-5fgh": 9000000}
	tests := []struct {
		name       string
		fail       map[string]int
		opts       Options
		wantIDs    []string
		wantCounts map[string]any
		wantFailed int
		wantWarn   bool
		withheld   int
	}{
		{
			name:       "all counts succeed",
			wantIDs:    []string{"a2bc-3def", "b3cd-4efg", "c4de-5fgh", "d5ef-6ghi"},
			wantCounts: map[string]any{"a2bc-3def": int64(1412), "b3cd-4efg": int64(77), "c4de-5fgh": int64(9000000), "d5ef-6ghi": nil},
		},
		{
			// The HTTP client retries; Gather does not retry on top.
			name:       "a failed count is null with a warning, not retried",
			fail:       map[string]int{"c4de-5fgh": 1},
			wantIDs:    []string{"a2bc-3def", "b3cd-4efg", "c4de-5fgh", "d5ef-6ghi"},
			wantCounts: map[string]any{"a2bc-3def": int64(1412), "b3cd-4efg": int64(77), "c4de-5fgh": nil, "d5ef-6ghi": nil},
			wantFailed: 1,
			wantWarn:   true,
		},
		{
			name:       "private assets withheld by default",
			opts:       Options{IncludePrivate: false},
			wantIDs:    []string{"a2bc-3def", "c4de-5fgh"},
			wantCounts: map[string]any{"a2bc-3def": int64(1412), "c4de-5fgh": int64(9000000)},
			withheld:   2,
		},
		{
			name:       "owner filter only",
			opts:       Options{Categories: []string{"No Such Category"}},
			wantIDs:    []string{"a2bc-3def", "b3cd-4efg", "d5ef-6ghi"},
			wantCounts: map[string]any{"a2bc-3def": int64(1412), "b3cd-4efg": int64(77), "d5ef-6ghi": nil},
		},
		{
			name:       "category filter only",
			opts:       Options{Owners: []string{"nobody"}},
			wantIDs:    []string{"a2bc-3def", "c4de-5fgh", "d5ef-6ghi"},
			wantCounts: map[string]any{"a2bc-3def": int64(1412), "c4de-5fgh": int64(9000000), "d5ef-6ghi": nil},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			logs := &syncBuffer{}
			src := &flakySource{StaticSource: &StaticSource{Authenticated: all, Anonymous: anon, Counts: counts},
				fail: map[string]int{}, calls: map[string]int{}}
			for k, v := range tt.fail {
				src.fail[k] = v
			}
			opts := tt.opts
			if tt.withheld == 0 {
				opts.IncludePrivate = true
			}
			opts.Logger = slog.New(slog.NewTextHandler(logs, nil))
			res, err := Gather(t.Context(), src, opts)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, r := range res.Rows {
				id := r["id"].(string)
				ids = append(ids, id)
				if got, want := r["row_count"], tt.wantCounts[id]; got != want {
					t.Errorf("%s row_count = %v, want %v", id, got, want)
				}
			}
			if fmt.Sprint(ids) != fmt.Sprint(tt.wantIDs) {
				t.Errorf("ids = %v, want %v", ids, tt.wantIDs)
			}
			if res.Drafts != 1 || res.Listed != 4 || res.Public != 2 || res.CountFailed != tt.wantFailed || res.Withheld != tt.withheld {
				t.Errorf("result = %+v", res)
			}
			if got := strings.Contains(logs.String(), "recording row_count as null"); got != tt.wantWarn {
				t.Errorf("warned = %v, want %v:\n%s", got, tt.wantWarn, logs)
			}
			for id := range tt.fail {
				if src.calls[id] != 1 {
					t.Errorf("%s counted %d times, want 1", id, src.calls[id])
				}
			}
			if tt.withheld > 0 && src.calls["b3cd-4efg"] != 0 {
				t.Error("a withheld private asset was counted")
			}
			if src.calls["d5ef-6ghi"] != 0 {
				t.Error("a story was counted")
			}
		})
	}
}

func TestGatherListingError(t *testing.T) {
	t.Parallel()
	srv := socratatest.Start(t)
	srv.FailNext(1, 403, "", `{"error":"not allowed"}`)
	c := newClient(t, srv)
	_, err := Gather(t.Context(), c, Options{})
	var ae *socrata.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 403 || !strings.Contains(err.Error(), "listing the catalog") {
		t.Fatalf("err = %v", err)
	}
}

func TestAssetRowsGolden(t *testing.T) {
	t.Parallel()
	all := mustAssets(t, "catalog_page1.json", "catalog_page2.json", "catalog_page3.json")
	n := int64(1412)
	var buf bytes.Buffer
	var shaped []socrata.Row
	for i, a := range all {
		var count *int64
		if i == 0 {
			count = &n
		}
		shaped = append(shaped, AssetRow(a, i%2 == 0, count, Options{Location: chicago(t)}))
	}
	if _, err := socrata.WriteJSON(&buf, socrata.SliceRows(shaped)); err != nil {
		t.Fatal(err)
	}
	var pretty bytes.Buffer
	json.Indent(&pretty, buf.Bytes(), "", "  ")
	pretty.WriteByte('\n')
	path := filepath.Join("testdata", "rows.golden")
	if *update {
		os.WriteFile(path, pretty.Bytes(), 0o644)
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update)", err)
	}
	if !bytes.Equal(pretty.Bytes(), want) {
		t.Errorf("rows differ from %s:\n%s", path, pretty.String())
	}
	// Every field of the contract is present in every row.
	var rows []map[string]any
	json.Unmarshal(buf.Bytes(), &rows)
	for _, r := range rows {
		for _, f := range Fields() {
			if _, ok := r[f]; !ok {
				t.Errorf("row %v lacks %s", r["id"], f)
			}
		}
		if len(r) != len(Fields()) {
			t.Errorf("row %v has %d fields, want %d", r["id"], len(r), len(Fields()))
		}
	}
}

// TestFields pins the field names of the metadata dataset (SPEC
// "socrata_metadata") and checks that a caller cannot change them.
func TestFields(t *testing.T) {
	t.Parallel()
	want := []string{
		"id", "name", "description", "attribution", "type", "updatedAt", "createdAt", "metadata_updated_at",
		"data_updated_at", "download_count", "publication_date", "page_views_last_week", "page_views_last_month",
		"page_views_total", "is_public", "dataset_url", "owner_display_name", "tags",
		"automation_method", "automation_method_other", "update_frequency", "spatial_information",
		"department_name", "program_name", "strategic_area", "row_count",
	}
	got := Fields()
	if !slices.Equal(got, want) {
		t.Fatalf("Fields() = %q, want %q", got, want)
	}
	got[0] = "changed"
	if Fields()[0] != "id" {
		t.Error("changing the returned slice changed the package's field list")
	}
}

func TestAssetRowTimestamps(t *testing.T) {
	t.Parallel()
	loc := chicago(t)
	tests := []struct {
		name string
		utc  time.Time
		want any
	}{
		{"CDT", time.Date(2025, 4, 27, 19, 4, 46, 0, time.UTC), "2025-04-27T14:04:46"},
		{"CST", time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), "2025-01-01T21:04:05"},
		{"fall back hour", time.Date(2024, 11, 3, 6, 30, 0, 0, time.UTC), "2024-11-03T01:30:00"},
		{"zero is null", time.Time{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			row := AssetRow(socrata.Asset{Resource: socrata.Resource{ID: "x", UpdatedAt: tt.utc}}, false, nil, Options{Location: loc})
			if row["updatedAt"] != tt.want {
				t.Errorf("updatedAt = %v, want %v", row["updatedAt"], tt.want)
			}
			if row["dataset_url"] != "https://datahub.austintexas.gov/d/x" || row["automation_method"] != "" || row["tags"] != "" {
				t.Errorf("row = %v", row)
			}
		})
	}
}

func newClient(tb testing.TB, srv *socratatest.Server) *socrata.Client {
	tb.Helper()
	env := srv.Env()
	c, err := socrata.New(socrata.Config{Domain: env["SO_WEB"], AppToken: env["SO_TOKEN"], KeyID: env["SO_KEY"],
		KeySecret: env["SO_SECRET"], RetryWaitMin: time.Millisecond, RetryWaitMax: 2 * time.Millisecond})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// fakeCatalog fills srv with n dataset assets owned by the department, each
// with a stored row count, and a delay on every request.
func fakeCatalog(tb testing.TB, n int, delay time.Duration) *socratatest.Server {
	tb.Helper()
	srv := socratatest.Start(tb)
	var assets []json.RawMessage
	for i := range n {
		id := fmt.Sprintf("t%03d-%04d", i%1000, i)
		assets = append(assets, json.RawMessage(fmt.Sprintf(
			`{"resource":{"id":%q,"name":"Dataset %d","type":"dataset","updatedAt":"2025-04-27T19:04:46.000Z"},"owner":{"id":"8t3r-wq64","display_name":"ATD"}}`, id, i)))
		srv.SetCount(id, int64(i))
	}
	srv.SetCatalog(assets, assets[:n/2])
	srv.SetDelay(delay)
	return srv
}

// TestGatherBoundedConcurrency: 120 datasets whose counts each take 20 ms on
// the fake; the server's own in-flight gauge reaches the bound and never
// passes it.
func TestGatherBoundedConcurrency(t *testing.T) {
	t.Parallel()
	for _, bound := range []int{8, 3} {
		t.Run(fmt.Sprintf("bound %d", bound), func(t *testing.T) {
			t.Parallel()
			srv := fakeCatalog(t, 120, 20*time.Millisecond)
			res, err := Gather(t.Context(), newClient(t, srv), Options{Concurrency: bound, IncludePrivate: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Rows) != 120 || res.Counted != 120 || res.Public != 60 {
				t.Fatalf("result: %d rows, %+v", len(res.Rows), res)
			}
			if got := srv.MaxInFlight(); got != int64(bound) {
				t.Errorf("max in flight = %d, want exactly %d", got, bound)
			}
			var counts atomic.Int64
			for _, r := range srv.Requests() {
				if r.Query.Get("$select") == "count(*) as count" {
					counts.Add(1)
				}
			}
			if counts.Load() != 120 {
				t.Errorf("%d count requests", counts.Load())
			}
		})
	}
}

// BenchmarkGather records Gather's wall time against the fake (100 datasets,
// 10 ms per request) with concurrency 1 and 8.
func BenchmarkGather(b *testing.B) {
	for _, c := range []int{1, 8} {
		b.Run(fmt.Sprintf("concurrency=%d", c), func(b *testing.B) {
			srv := fakeCatalog(b, 100, 10*time.Millisecond)
			client := newClient(b, srv)
			for b.Loop() {
				if _, err := Gather(b.Context(), client, Options{Concurrency: c, IncludePrivate: true}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// recordingLister answers from a StaticSource and records the queries.
type recordingLister struct {
	*StaticSource
	err     error
	queries []socrata.CatalogQuery
}

func (r *recordingLister) Catalog(ctx context.Context, q socrata.CatalogQuery) iter.Seq2[socrata.Asset, error] {
	r.queries = append(r.queries, q)
	if r.err != nil {
		return func(yield func(socrata.Asset, error) bool) { yield(socrata.Asset{}, r.err) }
	}
	return r.StaticSource.Catalog(ctx, q)
}

func TestDestinationListed(t *testing.T) {
	t.Parallel()
	all := mustAssets(t, "catalog_page1.json", "catalog_page2.json", "catalog_page3.json")
	anon := []socrata.Asset{all[0], all[2]}
	tests := []struct {
		name, id string
		err      error
		want     bool
	}{
		{name: "listed", id: all[0].Resource.ID, want: true},
		{name: "not listed", id: all[1].Resource.ID, want: false},
		{name: "catalog fails", id: all[0].Resource.ID, err: errors.New("503")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l := &recordingLister{StaticSource: &StaticSource{Authenticated: all, Anonymous: anon}, err: tt.err}
			got, err := DestinationListed(t.Context(), l, []string{"datahub.austintexas.gov", "", "data.austintexas.gov", "datahub.austintexas.gov"}, tt.id)
			if tt.err != nil {
				if err == nil || !strings.Contains(err.Error(), tt.id) {
					t.Fatalf("err = %v, want an error naming %s", err, tt.id)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("DestinationListed = %v, %v; want %v", got, err, tt.want)
			}
			if len(l.queries) != 1 {
				t.Fatalf("%d catalog queries, want 1", len(l.queries))
			}
			q := l.queries[0]
			if q.Authenticated || !slices.Equal(q.IDs, []string{tt.id}) || q.Domain != "datahub.austintexas.gov,data.austintexas.gov" {
				t.Errorf("query = %+v, want anonymous, ids=[%s], both domains once", q, tt.id)
			}
		})
	}
}
