package socrata

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cityofaustin/atd-executive-dashboard/internal/httpapi"
)

// Discovery API paging limits.
const (
	// DefaultCatalogPageSize is the limit [Client.Catalog] asks for when
	// CatalogQuery.PageSize is 0.
	DefaultCatalogPageSize = 1000
	// CatalogOffsetLimit is the largest offset+limit the Discovery API
	// accepts; past it, paging uses scroll_id.
	CatalogOffsetLimit = 10000
)

// CatalogQuery selects assets from the Discovery API. Empty fields are not
// sent. See https://dev.socrata.com/docs/other/discovery.
type CatalogQuery struct {
	// Domain is sent as domains= (the portal's own catalog returns every
	// domain's assets without it) and, when Authenticated, as the
	// X-Socrata-Host header. Default: the client's host.
	Domain string
	// Authenticated sends the client's Basic credentials and
	// X-Socrata-Host, so private, unpublished and hidden assets the
	// credentials may see are listed too, with their private metadata.
	// Anonymous requests send neither and list public assets only.
	Authenticated bool
	// Only restricts asset types (only=dataset, map, ...).
	Only []string
	// IDs restricts to these asset ids.
	IDs []string
	// Categories and Tags filter by domain category and tag.
	Categories, Tags []string
	// ForUser lists assets owned by this user or team id.
	ForUser string
	// Search is the full-text query (q=).
	Search string
	// Params carries any other parameter (custom metadata filters such as
	// "Publishing-Information_Update-Frequency"). An unknown parameter
	// name is a metadata filter to the API: a typo silently matches
	// nothing.
	Params url.Values
	// PageSize is the limit per request (default 1000, at most 10,000).
	PageSize int
}

// Asset is one Discovery API result.
type Asset struct {
	Resource       Resource
	Classification Classification
	Domain         string // metadata.domain
	License        string // metadata.license
	Permalink      string // https://host/d/{id}
	Link           string
	Owner          User
	Creator        User
}

// Resource describes the asset itself. Timestamps are UTC; a missing or
// unparsable timestamp is the zero time.
type Resource struct {
	ID                string
	Name              string
	Description       string
	Attribution       string
	AttributionLink   string
	ContactEmail      string
	Type              string // dataset, map, chart, file, story, href, ...
	UpdatedAt         time.Time
	CreatedAt         time.Time
	MetadataUpdatedAt time.Time
	DataUpdatedAt     time.Time
	PublicationDate   time.Time
	PageViews         PageViews
	DownloadCount     int64
	ColumnsName       []string
	ColumnsFieldName  []string
	ColumnsDatatype   []string
	Provenance        string
	ParentFXF         []string
	LensViewType      string
	LensDisplayType   string
	Locked            bool
	BlobMimeType      string

	// DescriptionNull and AttributionNull report a description or
	// attribution sent as null or left out (the string is then ""), to
	// tell it from an empty one.
	DescriptionNull, AttributionNull bool
}

// PageViews are the asset's page view counts.
type PageViews struct {
	LastWeek  int64
	LastMonth int64
	Total     int64
}

// Classification holds the asset's categories, tags and custom metadata.
// DomainCategory, DomainTags and the metadata lists may be empty: the API
// omits them when unset, and DomainPrivateMetadata is only sent to
// authenticated callers allowed to see it.
type Classification struct {
	Categories            []string
	Tags                  []string
	DomainCategory        string
	DomainTags            []string
	DomainMetadata        []KeyValue
	DomainPrivateMetadata []KeyValue
}

// Metadata returns the value of a custom metadata key
// ("Set-Name_Key-Name"), looking in the public metadata first, then the
// private metadata.
func (c Classification) Metadata(key string) (string, bool) {
	for _, list := range [][]KeyValue{c.DomainMetadata, c.DomainPrivateMetadata} {
		for _, kv := range list {
			if kv.Key == key {
				return kv.Value, true
			}
		}
	}
	return "", false
}

// KeyValue is one custom metadata entry.
type KeyValue struct {
	Key   string
	Value string
}

// User is an asset's owner or creator.
type User struct {
	ID          string
	DisplayName string
	UserType    string
}

// IsDraft reports whether the asset id carries a draft suffix
// ("abcd-1234:7", "abcd-1234:draft").
func (a Asset) IsDraft() bool { return strings.Contains(a.Resource.ID, ":") }

// CatalogPage is one decoded Discovery API response.
type CatalogPage struct {
	Results       []Asset
	ResultSetSize int64
}

// Catalog lists the assets matching q through the Discovery API
// (Config.CatalogURL, default <Domain>/api/catalog/v1), one page per
// request as the caller consumes them. It pages with limit/offset; once
// offset+limit would pass the API's 10,000 limit (or the result set is
// larger than that), it continues with scroll_id, restarting the scroll
// from the beginning and skipping the assets already yielded, so no asset
// is missed or repeated whatever order the offset pages came in. q is not
// modified.
//
// Iteration stops at the first error, yielded as an *Error with Op
// "catalog".
func (c *Client) Catalog(ctx context.Context, q CatalogQuery) iter.Seq2[Asset, error] {
	limit := q.PageSize
	if limit <= 0 {
		limit = DefaultCatalogPageSize
	}
	limit = min(limit, CatalogOffsetLimit)
	domain := q.Domain
	if domain == "" {
		domain = c.Host()
	}
	base := url.Values{}
	for k, vs := range q.Params {
		base[k] = append([]string(nil), vs...)
	}
	base.Set("domains", domain)
	multi := func(k string, vs []string) {
		for _, v := range vs {
			base.Add(k, v)
		}
	}
	multi("only", q.Only)
	multi("ids", q.IDs)
	multi("categories", q.Categories)
	multi("tags", q.Tags)
	if q.ForUser != "" {
		base.Set("for_user", q.ForUser)
	}
	if q.Search != "" {
		base.Set("q", q.Search)
	}
	base.Set("limit", strconv.Itoa(limit))

	return func(yield func(Asset, error) bool) {
		fail := func(err error) { yield(Asset{}, &Error{Op: "catalog", Err: err}) }
		var (
			offset int
			scroll bool
			after  string              // scroll_id
			seen   = map[string]bool{} // ids yielded while paging by offset (≤ 10,000)
		)
		for {
			v := url.Values{}
			for k, vs := range base {
				v[k] = vs
			}
			if scroll {
				v.Set("scroll_id", after)
			} else {
				v.Set("offset", strconv.Itoa(offset))
			}
			page, err := c.catalogPage(ctx, v, q.Authenticated, domain)
			if err != nil {
				fail(err)
				return
			}
			if !scroll && len(page.Results) > 0 && !slices.ContainsFunc(page.Results, func(a Asset) bool { return !seen[a.Resource.ID] }) {
				fail(fmt.Errorf("the page at offset %d repeats assets already listed: the server ignores paging", offset))
				return
			}
			for _, a := range page.Results {
				if scroll {
					if seen[a.Resource.ID] {
						continue
					}
				} else {
					seen[a.Resource.ID] = true
				}
				if !yield(a, nil) {
					return
				}
			}
			if len(page.Results) < limit {
				return
			}
			if scroll {
				next := page.Results[len(page.Results)-1].Resource.ID
				if next == "" {
					fail(errors.New("scroll paging: result without resource.id"))
					return
				}
				if next == after {
					fail(fmt.Errorf("scroll paging: the cursor does not advance past %q", after))
					return
				}
				after = next
				continue
			}
			offset += len(page.Results)
			if offset+limit > CatalogOffsetLimit || page.ResultSetSize > CatalogOffsetLimit {
				scroll, after = true, ""
			}
		}
	}
}

func (c *Client) catalogPage(ctx context.Context, v url.Values, auth bool, domain string) (CatalogPage, error) {
	req, err := c.newRequest(ctx, http.MethodGet, c.catalog.String(), v, auth)
	if err != nil {
		return CatalogPage{}, err
	}
	if auth {
		req.Header.Set("X-Socrata-Host", domain)
	}
	data, resp, err := c.http.Fetch(req, httpapi.Body{})
	if err != nil {
		return CatalogPage{}, err
	}
	page, err := DecodeCatalogPage(data)
	if err != nil {
		return CatalogPage{}, c.http.ResponseError(resp, err)
	}
	return page, nil
}

// DecodeCatalogPage decodes a Discovery API response leniently: unknown
// fields are ignored, absent optional fields are left empty, numbers may
// arrive as strings, and timestamps that do not parse are left zero.
func DecodeCatalogPage(data []byte) (CatalogPage, error) {
	var w struct {
		Results       []wireAsset `json:"results"`
		ResultSetSize flexInt     `json:"resultSetSize"`
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return CatalogPage{}, errors.New("catalog: answer is not a JSON object")
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return CatalogPage{}, fmt.Errorf("catalog: %w", err)
	}
	page := CatalogPage{ResultSetSize: int64(w.ResultSetSize), Results: make([]Asset, 0, len(w.Results))}
	for _, a := range w.Results {
		page.Results = append(page.Results, a.asset())
	}
	return page, nil
}

type wireAsset struct {
	Resource struct {
		ID                flexString `json:"id"`
		Name              flexString `json:"name"`
		Description       nullString `json:"description"`
		Attribution       nullString `json:"attribution"`
		AttributionLink   flexString `json:"attribution_link"`
		ContactEmail      flexString `json:"contact_email"`
		Type              flexString `json:"type"`
		UpdatedAt         flexTime   `json:"updatedAt"`
		CreatedAt         flexTime   `json:"createdAt"`
		MetadataUpdatedAt flexTime   `json:"metadata_updated_at"`
		DataUpdatedAt     flexTime   `json:"data_updated_at"`
		PublicationDate   flexTime   `json:"publication_date"`
		PageViews         *struct {
			LastWeek  flexInt `json:"page_views_last_week"`
			LastMonth flexInt `json:"page_views_last_month"`
			Total     flexInt `json:"page_views_total"`
		} `json:"page_views"`
		DownloadCount    flexInt     `json:"download_count"`
		ColumnsName      flexStrings `json:"columns_name"`
		ColumnsFieldName flexStrings `json:"columns_field_name"`
		ColumnsDatatype  flexStrings `json:"columns_datatype"`
		Provenance       flexString  `json:"provenance"`
		ParentFXF        flexStrings `json:"parent_fxf"`
		LensViewType     flexString  `json:"lens_view_type"`
		LensDisplayType  flexString  `json:"lens_display_type"`
		Locked           flexBool    `json:"locked"`
		BlobMimeType     flexString  `json:"blob_mime_type"`
	} `json:"resource"`
	Classification struct {
		Categories            flexStrings `json:"categories"`
		Tags                  flexStrings `json:"tags"`
		DomainCategory        flexString  `json:"domain_category"`
		DomainTags            flexStrings `json:"domain_tags"`
		DomainMetadata        flexKVs     `json:"domain_metadata"`
		DomainPrivateMetadata flexKVs     `json:"domain_private_metadata"`
	} `json:"classification"`
	Metadata struct {
		Domain  flexString `json:"domain"`
		License flexString `json:"license"`
	} `json:"metadata"`
	Permalink flexString `json:"permalink"`
	Link      flexString `json:"link"`
	Owner     wireUser   `json:"owner"`
	Creator   wireUser   `json:"creator"`
}

type wireUser struct {
	ID          flexString `json:"id"`
	DisplayName flexString `json:"display_name"`
	DisplayAlt  flexString `json:"displayName"` // the spec's spelling
	UserType    flexString `json:"user_type"`
}

func (u wireUser) user() User {
	return User{ID: string(u.ID), DisplayName: cmp.Or(string(u.DisplayName), string(u.DisplayAlt)), UserType: string(u.UserType)}
}

func (w wireAsset) asset() Asset {
	r := w.Resource
	a := Asset{
		Resource: Resource{
			ID: string(r.ID), Name: string(r.Name), Description: string(r.Description.s),
			Attribution: string(r.Attribution.s), AttributionLink: string(r.AttributionLink),
			DescriptionNull: !r.Description.sent, AttributionNull: !r.Attribution.sent,
			ContactEmail: string(r.ContactEmail), Type: string(r.Type),
			UpdatedAt: time.Time(r.UpdatedAt), CreatedAt: time.Time(r.CreatedAt),
			MetadataUpdatedAt: time.Time(r.MetadataUpdatedAt), DataUpdatedAt: time.Time(r.DataUpdatedAt),
			PublicationDate: time.Time(r.PublicationDate), DownloadCount: int64(r.DownloadCount),
			ColumnsName: r.ColumnsName, ColumnsFieldName: r.ColumnsFieldName, ColumnsDatatype: r.ColumnsDatatype,
			Provenance: string(r.Provenance), ParentFXF: r.ParentFXF, LensViewType: string(r.LensViewType),
			LensDisplayType: string(r.LensDisplayType), Locked: bool(r.Locked), BlobMimeType: string(r.BlobMimeType),
		},
		Classification: Classification{
			Categories: w.Classification.Categories, Tags: w.Classification.Tags,
			DomainCategory: string(w.Classification.DomainCategory), DomainTags: w.Classification.DomainTags,
			DomainMetadata: w.Classification.DomainMetadata, DomainPrivateMetadata: w.Classification.DomainPrivateMetadata,
		},
		Domain: string(w.Metadata.Domain), License: string(w.Metadata.License),
		Permalink: string(w.Permalink), Link: string(w.Link),
		Owner: w.Owner.user(), Creator: w.Creator.user(),
	}
	if pv := r.PageViews; pv != nil {
		a.Resource.PageViews = PageViews{LastWeek: int64(pv.LastWeek), LastMonth: int64(pv.LastMonth), Total: int64(pv.Total)}
	}
	return a
}

// flexString accepts a string, a number or a bool (as text) and null.
type flexString string

func (s *flexString) UnmarshalJSON(b []byte) error {
	*s = flexString(rawText(b))
	if len(b) > 0 && (b[0] == '{' || b[0] == '[') {
		*s = "" // an object where text was expected: ignore
	}
	return nil
}

// nullString is a flexString that remembers whether a value was sent: null
// or an absent key leave sent false.
type nullString struct {
	s    flexString
	sent bool
}

func (n *nullString) UnmarshalJSON(b []byte) error {
	if string(bytes.TrimSpace(b)) == "null" {
		*n = nullString{}
		return nil
	}
	n.sent = true
	return n.s.UnmarshalJSON(b)
}

// flexStrings accepts an array of scalars (null elements dropped), a
// single string, or null.
type flexStrings []string

func (s *flexStrings) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '[' {
		if t := rawText(b); t != "" && b[0] == '"' {
			*s = []string{t}
		}
		return nil
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	out := make([]string, 0, len(raw))
	for _, r := range raw {
		if t := rawText(r); t != "" {
			out = append(out, t)
		}
	}
	*s = out
	return nil
}

// flexInt accepts an integer, a float (truncated), a numeric string or null.
type flexInt int64

func (n *flexInt) UnmarshalJSON(b []byte) error {
	t := rawText(b)
	if t == "" {
		return nil
	}
	if i, err := strconv.ParseInt(t, 10, 64); err == nil {
		*n = flexInt(i)
		return nil
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 9e18 {
		return nil // lenient: an unusable count is zero
	}
	*n = flexInt(f)
	return nil
}

// flexBool accepts a bool or "true"/"false"; anything else is false.
type flexBool bool

func (v *flexBool) UnmarshalJSON(b []byte) error {
	t := rawText(b)
	*v = flexBool(t == "true")
	return nil
}

// flexTime accepts RFC 3339 timestamps (with or without fraction), a
// zone-less timestamp (taken as UTC), or null; anything else is zero.
type flexTime time.Time

func (t *flexTime) UnmarshalJSON(b []byte) error {
	s := rawText(b)
	if s == "" {
		return nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if v, err := time.Parse(layout, s); err == nil {
			*t = flexTime(v.UTC())
			return nil
		}
	}
	return nil
}

// flexKVs accepts [{"key","value"}] (values of any scalar type) or null.
type flexKVs []KeyValue

func (kv *flexKVs) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '[' {
		return nil
	}
	var raw []struct {
		Key   flexString `json:"key"`
		Value flexString `json:"value"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	out := make([]KeyValue, 0, len(raw))
	for _, r := range raw {
		if r.Key != "" {
			out = append(out, KeyValue{Key: string(r.Key), Value: string(r.Value)})
		}
	}
	*kv = out
	return nil
}
