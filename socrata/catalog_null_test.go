package socrata

import "testing"

// TestDecodeCatalogNullText: a null or absent description or attribution is
// told apart from an empty one.
func TestDecodeCatalogNullText(t *testing.T) {
	t.Parallel()
	page, err := DecodeCatalogPage([]byte(`{"results":[
		{"resource":{"id":"a","description":null,"attribution":""}},
		{"resource":{"id":"b","description":"text","attribution":null}},
		{"resource":{"id":"c"}},
		{"resource":{"id":"d","description":{"x":1},"attribution":42}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		desc, attr         string
		descNull, attrNull bool
	}
	wants := []want{{"", "", true, false}, {"text", "", false, true}, {"", "", true, true}, {"", "42", false, false}}
	for i, w := range wants {
		r := page.Results[i].Resource
		if got := (want{r.Description, r.Attribution, r.DescriptionNull, r.AttributionNull}); got != w {
			t.Errorf("%s: got %+v, want %+v", r.ID, got, w)
		}
	}
}
