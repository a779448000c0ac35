package socrata

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"testing"
	"time"
)

func collectAssets(t *testing.T, seq func(func(Asset, error) bool)) ([]Asset, error) {
	t.Helper()
	var out []Asset
	for a, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, a)
	}
	return out, nil
}

func TestCatalogPages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		auth bool
	}{
		{"anonymous", false},
		{"authenticated", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			c, api, _ := setup(t)
			api.script(step{file: "catalog_page1.json"}, step{file: "catalog_page2.json"}, step{file: "catalog_page3.json"})
			assets, err := collectAssets(t, c.Catalog(ctx, CatalogQuery{Domain: "datahub.austintexas.gov", Authenticated: tt.auth, PageSize: 2, Only: []string{"dataset", "story"}}))
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, a := range assets {
				ids = append(ids, a.Resource.ID)
			}
			if want := []string{"a2bc-3def", "b3cd-4efg", "c4de-5fgh", "c4de-5fgh:3", "d5ef-6ghi"}; !reflect.DeepEqual(ids, want) {
				t.Errorf("ids = %v, want %v", ids, want)
			}
			reqs := api.requests()
			if len(reqs) != 3 {
				t.Fatalf("%d requests, want 3", len(reqs))
			}
			for i, r := range reqs {
				testMethod(t, r, "GET")
				if r.Path != "/api/catalog/v1" {
					t.Errorf("path = %s", r.Path)
				}
				if got, want := r.Query.Get("offset"), fmt.Sprint(2*i); got != want || r.Query.Get("limit") != "2" {
					t.Errorf("request %d: offset %s limit %s", i, got, r.Query.Get("limit"))
				}
				if r.Query.Get("domains") != "datahub.austintexas.gov" || !slices.Equal(r.Query["only"], []string{"dataset", "story"}) {
					t.Errorf("request %d query = %v", i, r.Query)
				}
				_, _, hasBasic := (&http.Request{Header: r.Header}).BasicAuth()
				host := r.Header.Get("X-Socrata-Host")
				if tt.auth && (!hasBasic || host != "datahub.austintexas.gov") {
					t.Errorf("authenticated request without Basic auth (%v) or X-Socrata-Host (%q)", hasBasic, host)
				}
				if !tt.auth && (hasBasic || host != "") {
					t.Errorf("anonymous request sent Basic auth (%v) or X-Socrata-Host (%q)", hasBasic, host)
				}
			}
		})
	}
}

func TestCatalogDecodesFields(t *testing.T) {
	t.Parallel()
	var assets []Asset
	for _, f := range []string{"catalog_page1.json", "catalog_page2.json", "catalog_page3.json"} {
		p, err := DecodeCatalogPage(mustRead(t, f))
		if err != nil {
			t.Fatal(err)
		}
		if p.ResultSetSize != 5 {
			t.Errorf("%s resultSetSize = %d", f, p.ResultSetSize)
		}
		assets = append(assets, p.Results...)
	}
	full := assets[0]
	wantRes := Resource{
		ID: "a2bc-3def", Name: "Austin Transportation & Public Works Active Permits",
		Description: "Count of active right-of-way permits by folder type, one row per run.",
		Attribution: "Austin Transportation & Public Works", AttributionLink: "https://www.austintexas.gov/department/transportation-public-works",
		Type: "dataset", UpdatedAt: time.Date(2025, 4, 27, 19, 4, 46, 0, time.UTC), CreatedAt: time.Date(2021, 6, 2, 14, 11, 9, 0, time.UTC),
		MetadataUpdatedAt: time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC), DataUpdatedAt: time.Date(2025, 4, 27, 19, 4, 46, 0, time.UTC),
		PublicationDate: time.Date(2021, 6, 2, 14, 30, 0, 0, time.UTC), PageViews: PageViews{LastWeek: 12, LastMonth: 57, Total: 3018},
		DownloadCount: 245, ColumnsName: []string{"ds", "ex", "rw", "published_date"}, ColumnsFieldName: []string{"ds", "ex", "rw", "published_date"},
		ColumnsDatatype: []string{"Number", "Number", "Number", "Calendar date"}, Provenance: "official", ParentFXF: []string{},
		LensViewType: "tabular", LensDisplayType: "table",
	}
	if !reflect.DeepEqual(full.Resource, wantRes) {
		t.Errorf("resource =\n%+v\nwant\n%+v", full.Resource, wantRes)
	}
	if full.Classification.DomainCategory != "Transportation and Mobility" || !slices.Equal(full.Classification.DomainTags, []string{"permits", "right of way"}) {
		t.Errorf("classification = %+v", full.Classification)
	}
	if v, ok := full.Classification.Metadata("Strategic-Area_Strategic-Direction-Outcome"); !ok || v != "Mobility" {
		t.Errorf("private metadata = %q, %v", v, ok)
	}
	if v, _ := full.Classification.Metadata("Publishing-Information_Automation-Method"); v != "Airflow" {
		t.Errorf("public metadata = %q", v)
	}
	if full.Owner != (User{ID: "8t3r-wq64", DisplayName: "ATD Data & Technology Services", UserType: "interactive"}) {
		t.Errorf("owner = %+v", full.Owner)
	}
	if full.Permalink != "https://datahub.austintexas.gov/d/a2bc-3def" || full.Domain != "datahub.austintexas.gov" || full.License != "Public Domain" {
		t.Errorf("asset = %+v", full)
	}

	tests := []struct {
		name  string
		asset Asset
		check func(Asset) bool
	}{
		{"no domain_category", assets[1], func(a Asset) bool {
			return a.Classification.DomainCategory == "" && len(a.Classification.DomainTags) == 1
		}},
		{"null attribution", assets[1], func(a Asset) bool { return a.Resource.Attribution == "" && a.Resource.ContactEmail == "" }},
		{"no domain_tags", assets[2], func(a Asset) bool { return a.Classification.DomainTags == nil && a.Classification.DomainCategory != "" }},
		{"no private metadata", assets[2], func(a Asset) bool {
			_, ok := a.Classification.Metadata("Strategic-Area_Strategic-Direction-Outcome")
			v, _ := a.Classification.Metadata("Publishing-Information_Spatial-Information")
			return !ok && a.Classification.DomainPrivateMetadata == nil && v == "Census tract"
		}},
		{"draft", assets[3], func(a Asset) bool {
			return a.IsDraft() && a.Classification.DomainMetadata == nil && a.Creator == (User{})
		}},
		{"not a draft", assets[2], func(a Asset) bool { return !a.IsDraft() }},
		{"story with null data_updated_at", assets[4], func(a Asset) bool { return a.Resource.Type == "story" && a.Resource.DataUpdatedAt.IsZero() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if !tt.check(tt.asset) {
				t.Errorf("asset = %+v", tt.asset)
			}
		})
	}
}

func TestCatalogLenient(t *testing.T) {
	t.Parallel()
	p, err := DecodeCatalogPage([]byte(`{"results":[{"resource":{"id":"abcd-1234","download_count":"17","page_views":{"page_views_total":12.0},
		"updatedAt":"2025-01-02T03:04:05Z","createdAt":"not a time","locked":"true","columns_name":["a",null,3]},
		"classification":{"domain_tags":"one","domain_metadata":[{"key":"k","value":5},{"value":"no key"}]},
		"owner":{"id":"u","displayName":"Spec Spelling"},"unknown":{"x":[1]}}],"resultSetSize":"1"}`))
	if err != nil {
		t.Fatal(err)
	}
	a := p.Results[0]
	if a.Resource.DownloadCount != 17 || a.Resource.PageViews.Total != 12 || !a.Resource.CreatedAt.IsZero() ||
		a.Resource.UpdatedAt != time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC) || !a.Resource.Locked ||
		!slices.Equal(a.Resource.ColumnsName, []string{"a", "3"}) || !slices.Equal(a.Classification.DomainTags, []string{"one"}) ||
		!reflect.DeepEqual(a.Classification.DomainMetadata, []KeyValue{{"k", "5"}}) || a.Owner.DisplayName != "Spec Spelling" || p.ResultSetSize != 1 {
		t.Errorf("decoded %+v", p)
	}
}

func TestCatalogFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		steps     []step
		wantIDs   int
		wantErr   bool
		checkErr  func(t *testing.T, err error)
		wantCalls int
	}{
		{name: "429 then success", steps: []step{{status: 429, header: map[string]string{"Retry-After": "0"}}, {file: "catalog_page3.json"}}, wantIDs: 1, wantCalls: 2},
		{name: "5xx then success", steps: []step{{status: 502, file: "gateway_502.html"}, {file: "catalog_page3.json"}}, wantIDs: 1, wantCalls: 2},
		{name: "dropped connection then success", steps: []step{{drop: true}, {file: "catalog_page3.json"}}, wantIDs: 1, wantCalls: 2},
		{name: "400 error string", steps: []step{{status: 400, file: "catalog_error_400.json"}}, wantErr: true, wantCalls: 1,
			checkErr: func(t *testing.T, err error) {
				var ae *APIError
				if !errors.As(err, &ae) || ae.Message != "Offset + limit must be <= 10000. Use scroll_id to page further." {
					t.Errorf("err = %v", err)
				}
			}},
		{name: "5xx storm", steps: []step{{status: 500}, {status: 500}, {status: 500}, {status: 500}}, wantErr: true, wantCalls: 4,
			checkErr: func(t *testing.T, err error) {
				var ae *APIError
				if !errors.As(err, &ae) || ae.Attempts != 4 {
					t.Errorf("err = %v", err)
				}
			}},
		{name: "HTML page", steps: []step{{status: 403, file: "gateway_502.html"}}, wantErr: true, wantCalls: 1,
			checkErr: func(t *testing.T, err error) {
				var ae *APIError
				if !errors.As(err, &ae) || !errors.Is(err, ErrUnauthorized) || ae.Message == "" {
					t.Errorf("err = %v", err)
				}
			}},
		{name: "truncated body, fetched again", steps: []step{{file: "catalog_page1.json", truncate: true}, {file: "catalog_page1.json", truncate: true},
			{file: "catalog_page1.json", truncate: true}, {file: "catalog_page1.json", truncate: true}}, wantErr: true, wantCalls: 4,
			checkErr: func(t *testing.T, err error) {
				var re *ResponseError
				if !errors.As(err, &re) {
					t.Errorf("err = %v", err)
				}
			}},
		{name: "not JSON", steps: []step{{body: "<html>maintenance</html>"}}, wantErr: true, wantCalls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, api, _ := setup(t)
			api.script(tt.steps...)
			assets, err := collectAssets(t, c.Catalog(t.Context(), CatalogQuery{}))
			if tt.wantErr {
				var oe *Error
				if !errors.As(err, &oe) || oe.Op != "catalog" {
					t.Fatalf("err = %v, want *Error for catalog", err)
				}
				if tt.checkErr != nil {
					tt.checkErr(t, err)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if len(assets) != tt.wantIDs {
				t.Errorf("%d assets, want %d", len(assets), tt.wantIDs)
			}
			if n := len(api.requests()); n != tt.wantCalls {
				t.Errorf("%d requests, want %d", n, tt.wantCalls)
			}
		})
	}
}

func TestCatalogBreakStopsPaging(t *testing.T) {
	t.Parallel()
	c, api, _ := setup(t)
	api.script(step{file: "catalog_page1.json"}, step{file: "catalog_page2.json"})
	for range c.Catalog(t.Context(), CatalogQuery{PageSize: 2}) {
		break
	}
	if n := len(api.requests()); n != 1 {
		t.Errorf("%d requests after break, want 1", n)
	}
}

func FuzzDecodeCatalogPage(f *testing.F) {
	for _, name := range []string{"catalog_page1.json", "catalog_page2.json", "catalog_page3.json", "catalog_error_400.json"} {
		f.Add(mustRead(f, name))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := DecodeCatalogPage(data)
		if err != nil {
			return
		}
		for _, a := range p.Results {
			_ = a.IsDraft()
			a.Classification.Metadata("x")
			if _, err := json.Marshal(a); err != nil {
				t.Fatalf("decoded asset does not marshal: %v", err)
			}
		}
	})
}
