package socratatest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

type catalogAsset struct {
	id  string
	raw json.RawMessage
}

type catalogState struct {
	auth, anon []catalogAsset
}

// SetCatalog sets the Discovery results served at /api/catalog/v1:
// authenticated lists what a caller sending the server's Basic credentials
// and an X-Socrata-Host header sees, anonymous what everybody else sees.
// Each element is one result object of the Discovery response (with
// resource.id set). Results are served in resource.id order, paged with
// limit (default 100) and offset, or scroll_id (results after that id); like
// the real service, offset+limit > 10000 and order with scroll_id answer 400.
// An ids= parameter restricts the results to those assets.
func (s *Server) SetCatalog(authenticated, anonymous []json.RawMessage) {
	conv := func(in []json.RawMessage) []catalogAsset {
		out := make([]catalogAsset, 0, len(in))
		for _, raw := range in {
			var probe struct {
				Resource struct {
					ID string `json:"id"`
				} `json:"resource"`
			}
			_ = json.Unmarshal(raw, &probe)
			out = append(out, catalogAsset{id: probe.Resource.ID, raw: raw})
		}
		slices.SortStableFunc(out, func(a, b catalogAsset) int { return strings.Compare(a.id, b.id) })
		return out
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.catalog = catalogState{auth: conv(authenticated), anon: conv(anonymous)}
}

func (s *Server) serveCatalog(w http.ResponseWriter, r *http.Request) int {
	q := r.URL.Query()
	s.mu.Lock()
	assets := s.catalog.anon
	if s.authorized(r) && r.Header.Get("X-Socrata-Host") != "" {
		assets = s.catalog.auth
	}
	s.mu.Unlock()
	if ids := q["ids"]; len(ids) > 0 { // ids=: only those assets
		assets = slices.DeleteFunc(slices.Clone(assets), func(a catalogAsset) bool { return !slices.Contains(ids, a.id) })
	}

	bad := func(msg string) int {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": msg})
		return http.StatusBadRequest
	}
	limit := 100
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return bad("invalid limit")
		}
		limit = n
	}
	offset := 0
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return bad("invalid offset")
		}
		offset = n
	}
	page := assets
	if q.Has("scroll_id") {
		if q.Get("order") != "" {
			return bad("order cannot be used with scroll_id")
		}
		after := q.Get("scroll_id")
		i, _ := slices.BinarySearchFunc(page, after, func(a catalogAsset, id string) int { return strings.Compare(a.id, id) })
		if i < len(page) && page[i].id == after {
			i++
		}
		page = page[i:]
		offset = 0
	} else if offset+limit > 10000 {
		return bad("offset + limit must be <= 10000; use scroll_id")
	}
	offset = min(offset, len(page))
	page = page[offset:min(offset+limit, len(page))]

	results := make([]json.RawMessage, 0, len(page))
	for _, a := range page {
		results = append(results, a.raw)
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"results":       results,
		"resultSetSize": len(assets),
		"timings":       map[string]any{"serviceMillis": 1, "searchMillis": []int{0, 1}},
		"warnings":      []string{},
	})
	return http.StatusOK
}
