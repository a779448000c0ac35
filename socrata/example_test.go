package socrata_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/cityofaustin/atd-executive-dashboard/socrata"
)

// rowsOf turns a slice into the re-iterable row stream the client takes.
func rowsOf(rows ...socrata.Row) socrata.Rows { return socrata.SliceRows(rows) }

func ExampleClient_Upsert() {
	// A stand-in for the portal.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		fmt.Fprint(w, `{"Errors":0,"Rows Created":1,"Rows Updated":0,"Rows Deleted":0}`)
	}))
	defer srv.Close()

	c, err := socrata.New(socrata.Config{Domain: srv.URL, KeyID: "key", KeySecret: "secret"})
	if err != nil {
		fmt.Println(err)
		return
	}
	published := time.Date(2024, 3, 10, 9, 15, 0, 0, time.UTC)
	res, err := c.Upsert(context.Background(), "abcd-1234",
		rowsOf(socrata.Row{"ds": 12, "ex": 3, "rw": 40, "published_date": published}),
		socrata.UpsertOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("created %d, errors %d, rows sent %d in %d chunk(s)\n", res.Created, res.Errors, res.Rows, res.Chunks)
	// Output: created 1, errors 0, rows sent 1 in 1 chunk(s)
}

func ExampleClient_Replace_errors() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Socrata-RequestId", "abc123")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, `{"code":"authentication_required","error":true,"message":"You must be logged in"}`)
	}))
	defer srv.Close()
	c, _ := socrata.New(socrata.Config{Domain: srv.URL})
	ctx := context.Background()

	_, err := c.Replace(ctx, "abcd-1234", rowsOf(), socrata.ReplaceOptions{})
	fmt.Println(errors.Is(err, socrata.ErrEmptyReplace))

	_, err = c.Replace(ctx, "abcd-1234", rowsOf(socrata.Row{"a": 1}), socrata.ReplaceOptions{})
	var ae *socrata.APIError
	if errors.As(err, &ae) {
		fmt.Println(errors.Is(err, socrata.ErrUnauthorized), ae.StatusCode, ae.Code, ae.RequestID)
	}
	// Output:
	// true
	// true 403 authentication_required abc123
}

func ExampleConfig_String() {
	cfg := socrata.Config{Domain: "datahub.austintexas.gov", AppToken: "tok", KeyID: "id", KeySecret: "shh"}
	fmt.Println(cfg)
	// Output: socrata.Config{Domain:"datahub.austintexas.gov" AppToken:[REDACTED] KeyID:"id" KeySecret:[REDACTED] ChunkSize:0 RetryMax:0 Timeout:0s}
}

func ExampleWriteJSON() {
	socrata.WriteJSON(os.Stdout, socrata.SliceRows([]socrata.Row{{"name": "Lamar", "count": 3, "ratio": math.NaN(),
		"seen": time.Date(2024, 11, 3, 1, 30, 0, 0, time.UTC)}}))
	// Output: [{"count":3,"name":"Lamar","ratio":null,"seen":"2024-11-03T01:30:00.000"}]
}

// A Table gives the field names once; each row is its values in that
// order, and may be the same slice filled again for every row.
func ExampleTable() {
	schema := socrata.NewSchema("name", "count", "ratio")
	names := []string{"Lamar", "Congress"}
	row := make([]socrata.Value, schema.Len())
	rows := func(yield func([]socrata.Value, error) bool) {
		for i, name := range names {
			row[0], row[1], row[2] = socrata.Text(name), socrata.Int(int64(i)), socrata.Float(math.NaN())
			if !yield(row, nil) {
				return
			}
		}
	}
	socrata.WriteJSON(os.Stdout, socrata.Table{Schema: schema, Rows: rows})
	// Output: [{"name":"Lamar","count":0,"ratio":null},{"name":"Congress","count":1,"ratio":null}]
}

func ExampleDecodeWriteResult() {
	for _, body := range []string{
		`{"Errors": 83, "Rows Created": 0, "Rows Updated": 9917, "Rows Deleted": 0}`,
		`[{"typ":"insert","id":"row-1"},{"typ":"error","id":"SR-3","err":"bad date"}]`,
	} {
		res, err := socrata.DecodeWriteResult([]byte(body))
		fmt.Println(res.Created, res.Updated, res.Errors, res.RowErrors, err)
	}
	// Output:
	// 0 9917 83 [] <nil>
	// 1 0 1 [{1 SR-3 bad date}] <nil>
}

func ExampleClient_Catalog() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"results":[{"resource":{"id":"a2bc-3def","name":"Active Permits","type":"dataset",
			"page_views":{"page_views_total":3018}},"classification":{"domain_category":"Transportation and Mobility",
			"domain_metadata":[{"key":"Publishing-Information_Update-Frequency","value":"Daily"}]},
			"owner":{"id":"8t3r-wq64","display_name":"ATD"}}],"resultSetSize":1}`)
	}))
	defer srv.Close()
	c, _ := socrata.New(socrata.Config{Domain: srv.URL})

	for a, err := range c.Catalog(context.Background(), socrata.CatalogQuery{Domain: "datahub.austintexas.gov"}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		freq, _ := a.Classification.Metadata("Publishing-Information_Update-Frequency")
		fmt.Println(a.Resource.ID, a.Resource.Name, a.Resource.PageViews.Total, a.Classification.DomainCategory, freq, a.Owner.ID)
	}
	// Output: a2bc-3def Active Permits 3018 Transportation and Mobility Daily 8t3r-wq64
}
