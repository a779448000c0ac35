package socratatest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func do(t *testing.T, s *Server, method, path, body string, auth bool) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth {
		req.SetBasicAuth(KeyID, KeySecret)
		req.Header.Set("X-Socrata-Host", "example.org")
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestServer(t *testing.T) {
	t.Parallel()
	t.Run("upsert merges by key and counts", func(t *testing.T) {
		t.Parallel()
		s := Start(t)
		s.SetKey("abcd-1234", "k")
		if r := do(t, s, "POST", "/resource/abcd-1234.json", `[{"k":"1","v":1},{"k":"2","v":2}]`, true); r.StatusCode != 200 {
			t.Fatalf("status %d", r.StatusCode)
		}
		do(t, s, "POST", "/resource/abcd-1234.json", `[{"k":"1","v":3},{"k":"2",":deleted":true}]`, true)
		if got := len(s.Rows("abcd-1234")); got != 1 {
			t.Fatalf("rows = %d, want 1", got)
		}
		if got := len(s.Upserts("abcd-1234")); got != 4 {
			t.Fatalf("upserted rows = %d, want 4", got)
		}
		r := do(t, s, "GET", "/resource/abcd-1234.json?$select=count(*)+as+count", "", false)
		var out []map[string]string
		json.NewDecoder(r.Body).Decode(&out)
		if len(out) != 1 || out[0]["count"] != "1" {
			t.Fatalf("count answer %v", out)
		}
		if r.Header.Get("X-Socrata-RequestId") == "" {
			t.Error("no request id")
		}
	})
	t.Run("write without auth is refused", func(t *testing.T) {
		t.Parallel()
		s := Start(t)
		if r := do(t, s, "PUT", "/resource/abcd-1234.json", `[]`, false); r.StatusCode != 401 {
			t.Fatalf("status %d, want 401", r.StatusCode)
		}
	})
	t.Run("reject chunk and fail next", func(t *testing.T) {
		t.Parallel()
		s := Start(t)
		s.RejectChunk(2, 500, "")
		s.FailNext(1, 429, "0", "")
		codes := []int{}
		for range 4 {
			codes = append(codes, do(t, s, "POST", "/resource/abcd-1234.json", `[{"a":1}]`, true).StatusCode)
		}
		if want := []int{429, 200, 500, 500}; !equal(codes, want) {
			t.Fatalf("codes %v, want %v", codes, want)
		}
	})
	t.Run("catalog pages and scrolls", func(t *testing.T) {
		t.Parallel()
		s := Start(t)
		s.SetCatalog([]json.RawMessage{
			json.RawMessage(`{"resource":{"id":"bbbb-2222"}}`),
			json.RawMessage(`{"resource":{"id":"aaaa-1111"}}`),
			json.RawMessage(`{"resource":{"id":"cccc-3333"}}`),
		}, nil)
		var page struct {
			Results []struct {
				Resource struct{ ID string } `json:"resource"`
			} `json:"results"`
		}
		r := do(t, s, "GET", "/api/catalog/v1?limit=2&scroll_id=aaaa-1111", "", true)
		json.NewDecoder(r.Body).Decode(&page)
		if len(page.Results) != 2 || page.Results[0].Resource.ID != "bbbb-2222" {
			t.Fatalf("page %+v", page)
		}
		if r := do(t, s, "GET", "/api/catalog/v1?limit=100&offset=9950", "", true); r.StatusCode != 400 {
			t.Fatalf("status %d, want 400", r.StatusCode)
		}
		r = do(t, s, "GET", "/api/catalog/v1", "", false)
		page.Results = nil
		json.NewDecoder(r.Body).Decode(&page)
		if len(page.Results) != 0 {
			t.Fatalf("anonymous sees %d", len(page.Results))
		}
	})
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestCatalogIDs(t *testing.T) {
	t.Parallel()
	s := Start(t)
	asset := func(id string) json.RawMessage { return json.RawMessage(`{"resource":{"id":"` + id + `"}}`) }
	s.SetCatalog(nil, []json.RawMessage{asset("aaaa-1111"), asset("bbbb-2222"), asset("cccc-3333")})
	resp, err := s.Client().Get(s.URL + "/api/catalog/v1?ids=bbbb-2222&ids=zzzz-9999")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct {
		Results []struct {
			Resource struct{ ID string } `json:"resource"`
		} `json:"results"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		t.Fatal(err)
	}
	if len(page.Results) != 1 || page.Results[0].Resource.ID != "bbbb-2222" {
		t.Fatalf("ids=bbbb-2222: results %+v, want only bbbb-2222", page.Results)
	}
}
