package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cityofaustin/atd-executive-dashboard/internal/jobtest"

	"github.com/cityofaustin/atd-executive-dashboard/internal/jobkit"
	"github.com/cityofaustin/atd-executive-dashboard/internal/socratatest"
)

const metaDataset = "28ys-ieqv"

type fixture struct {
	soc *socratatest.Server
	env map[string]string
}

// setup starts a Socrata-compatible server serving the sample catalog
// (authenticated and anonymous listings) and the sample row counts.
func setup(t *testing.T) *fixture {
	t.Helper()
	var raw struct {
		Authenticated struct{ Results []json.RawMessage } `json:"authenticated"`
		Anonymous     struct{ Results []json.RawMessage } `json:"anonymous"`
		Counts        map[string]int64                    `json:"counts"`
	}
	if err := json.Unmarshal(sampleCatalog, &raw); err != nil {
		t.Fatal(err)
	}
	f := &fixture{soc: socratatest.Start(t), env: map[string]string{}}
	f.soc.SetCatalog(raw.Authenticated.Results, raw.Anonymous.Results)
	for id, n := range raw.Counts {
		f.soc.SetCount(id, n)
	}
	maps.Copy(f.env, f.soc.Env())
	return f
}

func (f *fixture) run(t testing.TB, args ...string) (string, error) {
	t.Helper()
	var out jobtest.Buffer
	err := run(t.Context(), args, jobkit.MapEnv(f.env), &out)
	return out.String(), err
}

func (f *fixture) puts() []socratatest.Request {
	var out []socratatest.Request
	for _, r := range f.soc.Requests() {
		if r.Method == http.MethodPut {
			out = append(out, r)
		}
	}
	return out
}

func TestReplacesMetadataDataset(t *testing.T) {
	t.Parallel()
	f := setup(t)
	logs, err := f.run(t)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, logs)
	}
	puts := f.puts()
	if len(puts) != 1 || puts[0].Path != "/resource/"+metaDataset+".json" {
		t.Fatalf("replaces: %+v", puts)
	}
	rows := puts[0].Rows
	var ids []string
	for _, r := range rows {
		ids = append(ids, r["id"].(string))
	}
	if want := "[a2bc-3def b3cd-4efg c4de-5fgh d5ef-6ghi]"; fmt.Sprint(ids) != want {
		t.Fatalf("ids = %v, want %s (library asset and draft dropped)", ids, want)
	}
	first := rows[0]
	want := map[string]any{
		"is_public": true, "dataset_url": "https://data.austintexas.gov/d/a2bc-3def", "row_count": json.Number("1412"),
		"updatedAt": "2025-04-27T14:04:46", "tags": "permits, right of way", "strategic_area": "Mobility",
		"owner_display_name": "ATD Data & Technology Services", "page_views_total": json.Number("3018"),
	}
	for k, v := range want {
		if first[k] != v {
			t.Errorf("%s = %#v, want %#v", k, first[k], v)
		}
	}
	if rows[1]["is_public"] != false || rows[1]["dataset_url"] != "https://datahub.austintexas.gov/d/b3cd-4efg" {
		t.Errorf("private asset row = %v", rows[1])
	}
	if rows[3]["row_count"] != nil || rows[3]["type"] != "story" {
		t.Errorf("story row = %v", rows[3])
	}
	// The authenticated listing carried Basic auth and X-Socrata-Host, the
	// anonymous one neither.
	var auth, anon int
	for _, r := range f.soc.Requests() {
		if r.Path != "/api/catalog/v1" || r.Query.Has("ids") { // ids: the destination check
			continue
		}
		_, _, basic := (&http.Request{Header: r.Header}).BasicAuth()
		host := r.Header.Get("X-Socrata-Host")
		switch {
		case basic && host == "datahub.austintexas.gov":
			auth++
		case !basic && host == "":
			anon++
		default:
			t.Errorf("catalog request with basic=%v host=%q", basic, host)
		}
		if r.Query.Get("domains") != "datahub.austintexas.gov" {
			t.Errorf("domains = %q", r.Query.Get("domains"))
		}
	}
	if auth != 1 || anon != 1 {
		t.Errorf("catalog requests: %d authenticated, %d anonymous", auth, anon)
	}
}

func TestFailedCountIsNull(t *testing.T) {
	t.Parallel()
	f := setup(t)
	// The catalog lists a dataset the server does not have: its count
	// answers 404 on every attempt.
	f.env["METADATA_DATASET"] = metaDataset
	var raw map[string]json.RawMessage
	json.Unmarshal(sampleCatalog, &raw)
	page := strings.ReplaceAll(string(raw["authenticated"]), `"b3cd-4efg"`, `"gone-0000"`)
	var p struct{ Results []json.RawMessage }
	json.Unmarshal([]byte(page), &p)
	var anon struct{ Results []json.RawMessage }
	json.Unmarshal(raw["anonymous"], &anon)
	f.soc.SetCatalog(p.Results, anon.Results)

	logs, err := f.run(t)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, logs)
	}
	if !strings.Contains(logs, "recording row_count as null") || !strings.Contains(logs, "asset_id=gone-0000") {
		t.Errorf("no warning for the failed count:\n%s", logs)
	}
	tries := 0
	for _, r := range f.soc.Requests() {
		if r.Dataset == "gone-0000" {
			tries++
		}
	}
	// A 404 is final: the one HTTP pipeline does not retry it, and nothing
	// above it retries either.
	if tries != 1 {
		t.Errorf("count tried %d times, want 1", tries)
	}
	puts := f.puts()
	if len(puts) != 1 {
		t.Fatalf("%d replaces", len(puts))
	}
	for _, r := range puts[0].Rows {
		if r["id"] == "gone-0000" && r["row_count"] != nil {
			t.Errorf("row_count = %v, want null", r["row_count"])
		}
	}
}

func TestShrinkGuard(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		existing int64
		args     []string
		wantPut  bool
		wantCode int
	}{
		{"grows", 2, nil, true, 0},
		{"shrinks within the limit", 5, nil, true, 0},
		{"shrinks too much", 100, nil, false, 1},
		{"shrinks too much, forced", 100, []string{"--force"}, true, 0},
		{"looser limit", 6, []string{"--max-shrink", "0.5"}, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			f.soc.SetCount(metaDataset, tt.existing)
			logs, err := f.run(t, tt.args...)
			if code := jobkit.ExitCode(err); code != tt.wantCode {
				t.Fatalf("exit code %d (%v), want %d\n%s", code, err, tt.wantCode, logs)
			}
			if got := len(f.puts()) == 1; got != tt.wantPut {
				t.Fatalf("replaced = %v, want %v", got, tt.wantPut)
			}
			if err != nil && !strings.Contains(err.Error(), "--force") {
				t.Errorf("error %q does not mention --force", err)
			}
		})
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	t.Parallel()
	f := setup(t)
	logs, err := f.run(t, "--dry-run")
	if err != nil {
		t.Fatalf("run: %v\n%s", err, logs)
	}
	if len(f.puts()) != 0 {
		t.Fatal("dry run replaced the dataset")
	}
	if !strings.Contains(logs, "would replace 4 rows to "+metaDataset) {
		t.Errorf("dry run output:\n%s", logs)
	}
}

func TestSampleMode(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	jobtest.RunSample(t, run, out)
	b, err := os.ReadFile(filepath.Join(out, "socrata", sampleDataset+".replace.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rows []map[string]any
	if err := json.Unmarshal(b, &rows); err != nil || len(rows) != 4 {
		t.Fatalf("sample output: %d rows, %v", len(rows), err)
	}
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"partial configuration", map[string]string{"SO_WEB": "http://127.0.0.1:1"}, nil, "SO_KEY"},
		{"only an optional variable", map[string]string{"METADATA_DOMAIN": "data.austintexas.gov"}, nil, "SO_WEB"},
		{"bad concurrency", nil, []string{"--concurrency", "0"}, "--concurrency"},
		{"bad max shrink", nil, []string{"--max-shrink", "2"}, "--max-shrink"},
		{"bad domain", map[string]string{"SO_WEB": "ftp://x", "SO_KEY": "k", "SO_SECRET": "s"}, nil, "scheme"},
		{"count retries are gone", nil, []string{"--count-retry-wait", "1s"}, "count-retry-wait"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf jobtest.Buffer
			err := run(t.Context(), append([]string{"--out", t.TempDir()}, tt.args...), jobkit.MapEnv(tt.env), &buf)
			if code := jobkit.ExitCode(err); code != 2 || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v (exit %d), want exit 2 naming %s", err, code, tt.want)
			}
		})
	}
}

func TestCatalogErrorExitsOne(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.soc.FailNext(1, http.StatusForbidden, "", `{"code":"authentication_required","error":true,"message":"bad key"}`)
	_, err := f.run(t, "--include-private") // no destination check: the listing is the first request
	if jobkit.ExitCode(err) != 1 {
		t.Fatalf("err = %v", err)
	}
	var stderr bytes.Buffer
	jobkit.Exit(name, err, &stderr)
	for _, w := range []string{"socrata", "catalog", "403", "bad key", "request id fake-"} {
		if !strings.Contains(stderr.String(), w) {
			t.Errorf("error %q lacks %q", stderr.String(), w)
		}
	}
	if len(f.puts()) != 0 {
		t.Fatal("replaced despite the error")
	}
}

func TestSecretsNeverPrinted(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.soc.AllowAnonymousWrites()
	f.env["SO_SECRET"] = "soc-SECRET-key-0xFEEDFACE"
	f.env["SO_TOKEN"] = "app-TOKEN-0xCAFEBABE"
	f.soc.FailNext(1, 503, "0", "<html><title>down</title></html>")
	logs, err := f.run(t, "-v")
	if err != nil {
		t.Fatalf("run: %v\n%s", err, logs)
	}
	for _, s := range []string{f.env["SO_SECRET"], f.env["SO_TOKEN"]} {
		if strings.Contains(logs, s) {
			t.Errorf("secret %q printed", s)
		}
	}
}

// bigFixture serves n department datasets whose count queries each take
// delay on the fake.
func bigFixture(tb testing.TB, n int, delay time.Duration) *fixture {
	tb.Helper()
	f := &fixture{soc: socratatest.Start(tb), env: map[string]string{}}
	var assets []json.RawMessage
	for i := range n {
		id := fmt.Sprintf("m%03d-%04d", i%1000, i)
		assets = append(assets, json.RawMessage(fmt.Sprintf(
			`{"resource":{"id":%q,"name":"Dataset %d","type":"dataset"},"owner":{"id":"8t3r-wq64","display_name":"ATD"}}`, id, i)))
		f.soc.SetCount(id, int64(i))
	}
	f.soc.SetCatalog(assets, assets[:n/3])
	f.soc.SetDelay(delay)
	maps.Copy(f.env, f.soc.Env())
	return f
}

// TestBoundedConcurrency: 300 datasets whose counts each take 50 ms; the
// fake's own in-flight gauge reaches --concurrency and never exceeds it.
func TestBoundedConcurrency(t *testing.T) {
	t.Parallel()
	f := bigFixture(t, 300, 50*time.Millisecond)
	logs, err := f.run(t)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, logs)
	}
	if got := f.soc.MaxInFlight(); got != 8 {
		t.Errorf("max in flight = %d, want exactly the default bound 8", got)
	}
	if puts := f.puts(); len(puts) != 1 || len(puts[0].Rows) != 300 {
		t.Fatalf("replace: %d requests", len(puts))
	}
}

// BenchmarkJob records the job's wall time against the fake (100 datasets,
// 10 ms per request) with --concurrency 1 and 8.
func BenchmarkJob(b *testing.B) {
	for _, c := range []int{1, 8} {
		b.Run(fmt.Sprintf("concurrency=%d", c), func(b *testing.B) {
			f := bigFixture(b, 100, 10*time.Millisecond)
			for b.Loop() {
				if _, err := f.run(b, "--concurrency", fmt.Sprint(c), "--force"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestCatalogDomainAndEndpoint: METADATA_DOMAIN chooses the catalog domain
// (domains= and X-Socrata-Host), and SOCRATA_CATALOG_URL sends the listings
// to another Discovery endpoint while counts and the replace stay on SO_WEB.
func TestCatalogDomainAndEndpoint(t *testing.T) {
	t.Parallel()
	f := setup(t)
	catalog := setup(t) // a second server holding the same catalog
	f.env["METADATA_DOMAIN"] = "data.austintexas.gov"
	f.env["SOCRATA_CATALOG_URL"] = catalog.soc.URL + "/api/catalog/v1"
	logs, err := f.run(t)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, logs)
	}
	for _, r := range f.soc.Requests() {
		if r.Path == "/api/catalog/v1" {
			t.Errorf("catalog listed on SO_WEB despite SOCRATA_CATALOG_URL: %+v", r)
		}
	}
	var auth, anon int
	for _, r := range catalog.soc.Requests() {
		if r.Path != "/api/catalog/v1" {
			t.Errorf("unexpected request to the catalog endpoint: %s %s", r.Method, r.Path)
			continue
		}
		if r.Query.Has("ids") { // the destination check
			continue
		}
		if got := r.Query.Get("domains"); got != "data.austintexas.gov" {
			t.Errorf("domains = %q, want METADATA_DOMAIN", got)
		}
		switch r.Header.Get("X-Socrata-Host") {
		case "data.austintexas.gov":
			auth++
		case "":
			anon++
		default:
			t.Errorf("X-Socrata-Host = %q", r.Header.Get("X-Socrata-Host"))
		}
	}
	if auth != 1 || anon != 1 {
		t.Errorf("catalog requests: %d authenticated, %d anonymous; want 1 and 1", auth, anon)
	}
	if puts := f.puts(); len(puts) != 1 || len(puts[0].Rows) != 4 {
		t.Fatalf("replace on SO_WEB: %+v", puts)
	}
}

// catalogWith returns the sample catalog's results with extra appended to
// the authenticated and/or anonymous listing.
func catalogWith(t *testing.T, extra json.RawMessage, auth, anon bool) (a, b []json.RawMessage) {
	t.Helper()
	var raw struct {
		Authenticated struct{ Results []json.RawMessage } `json:"authenticated"`
		Anonymous     struct{ Results []json.RawMessage } `json:"anonymous"`
	}
	if err := json.Unmarshal(sampleCatalog, &raw); err != nil {
		t.Fatal(err)
	}
	a, b = raw.Authenticated.Results, raw.Anonymous.Results
	if auth {
		a = append(a, extra)
	}
	if anon {
		b = append(b, extra)
	}
	return a, b
}

// destination is the metadata dataset's own catalog entry (another owner,
// another category: not one of the department's assets).
var destination = json.RawMessage(`{"resource":{"id":"28ys-ieqv","name":"Data and Technology Services Datasets","type":"dataset"},` +
	`"classification":{"domain_category":"City Government"},"owner":{"id":"aaaa-bbbb","display_name":"Open Data"}}`)

func TestPrivateAssetsOnlyIntoAPrivateDestination(t *testing.T) {
	t.Parallel()
	const all, public = "[a2bc-3def b3cd-4efg c4de-5fgh d5ef-6ghi]", "[a2bc-3def c4de-5fgh d5ef-6ghi]"
	tests := []struct {
		name       string
		auth, anon bool // where the destination is listed
		fail       bool // the anonymous destination query fails
		args       []string
		wantIDs    string
		wantLog    string
		wantQuery  bool // the destination query was sent
	}{
		{name: "public destination", auth: true, anon: true, wantIDs: public, wantLog: "dataset=" + metaDataset + " withheld=1", wantQuery: true},
		{name: "private destination", auth: true, wantIDs: all, wantLog: "not publicly listed", wantQuery: true},
		{name: "destination missing from the catalog", wantIDs: all, wantLog: "not publicly listed", wantQuery: true},
		{name: "catalog cannot answer", auth: true, anon: true, fail: true, wantIDs: public, wantLog: "dataset=" + metaDataset + " withheld=1", wantQuery: true},
		{name: "--include-private", auth: true, anon: true, args: []string{"--include-private"}, wantIDs: all, wantLog: "--include-private"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			f.env["METADATA_DATASET"] = metaDataset
			f.soc.SetCatalog(catalogWith(t, destination, tt.auth, tt.anon))
			if tt.fail {
				f.soc.FailNext(1, http.StatusForbidden, "", `{"error":"catalog refused"}`)
			}
			logs, err := f.run(t, tt.args...)
			if err != nil {
				t.Fatalf("run: %v\n%s", err, logs)
			}
			puts := f.puts()
			if len(puts) != 1 {
				t.Fatalf("%d replaces, want 1", len(puts))
			}
			var ids []string
			for _, r := range puts[0].Rows {
				ids = append(ids, r["id"].(string))
				if r["is_public"] == false && tt.wantIDs == public {
					t.Errorf("private asset %v published", r["id"])
				}
			}
			if fmt.Sprint(ids) != tt.wantIDs {
				t.Errorf("published ids %v, want %s", ids, tt.wantIDs)
			}
			if !strings.Contains(logs, tt.wantLog) {
				t.Errorf("logs lack %q:\n%s", tt.wantLog, logs)
			}
			var queries int
			for _, r := range f.soc.Requests() {
				if r.Path != "/api/catalog/v1" || !r.Query.Has("ids") {
					continue
				}
				queries++
				if got := r.Query["ids"]; len(got) != 1 || got[0] != metaDataset {
					t.Errorf("destination query ids = %v, want [%s]", got, metaDataset)
				}
				// The portal holding the dataset (SO_WEB), the catalog's
				// domain and the public portal.
				if got, want := r.Query.Get("domains"), "127.0.0.1,datahub.austintexas.gov,data.austintexas.gov"; got != want {
					t.Errorf("destination query domains = %q, want %q", got, want)
				}
				// Anonymous: what the public sees, so no credentials and no app token.
				for _, h := range []string{"Authorization", "X-App-Token", "X-Socrata-Host"} {
					if v := r.Header.Get(h); v != "" {
						t.Errorf("destination query sent %s", h)
					}
				}
			}
			if got := queries > 0; got != tt.wantQuery {
				t.Errorf("destination queries = %d, want some: %v", queries, tt.wantQuery)
			}
		})
	}
}

func TestNullAttributionAndDescriptionStayNull(t *testing.T) {
	t.Parallel()
	f := setup(t)
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(sampleCatalog, &raw); err != nil {
		t.Fatal(err)
	}
	// b3cd-4efg: attribution null in the recording; make its description
	// null too. d5ef-6ghi keeps its explicit "" attribution.
	page := strings.Replace(string(raw["authenticated"]), `"id": "b3cd-4efg",
     "description": "",`, `"id": "b3cd-4efg",
     "description": null,`, 1)
	if page == string(raw["authenticated"]) {
		t.Fatal("the recorded b3cd-4efg entry changed shape; update the test")
	}
	var p, anon struct{ Results []json.RawMessage }
	json.Unmarshal([]byte(page), &p)
	json.Unmarshal(raw["anonymous"], &anon)
	f.soc.SetCatalog(p.Results, anon.Results)
	logs, err := f.run(t)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, logs)
	}
	puts := f.puts()
	if len(puts) != 1 {
		t.Fatalf("%d replaces", len(puts))
	}
	byID := map[string]map[string]any{}
	for _, r := range puts[0].Rows {
		byID[r["id"].(string)] = r
	}
	for _, c := range []struct {
		id, field string
		want      any
	}{
		{"b3cd-4efg", "attribution", nil}, {"b3cd-4efg", "description", nil},
		{"d5ef-6ghi", "attribution", ""}, {"a2bc-3def", "attribution", "Austin Transportation & Public Works"},
	} {
		if got, ok := byID[c.id][c.field]; !ok || got != c.want {
			t.Errorf("%s %s = %#v (sent: %v), want %#v", c.id, c.field, got, ok, c.want)
		}
	}
	if !strings.Contains(string(puts[0].Body), `"attribution":null`) {
		t.Errorf("the replace body sends no null attribution")
	}
}
