package smartsheet_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/cityofaustin/atd-executive-dashboard/smartsheet"
)

// fakeAPI stands in for api.smartsheet.com: one sheet with a date column.
func fakeAPI() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer example-token" {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"errorCode":1002,"message":"Your Access Token is invalid.","refId":"ex1"}`)
			return
		}
		if r.URL.Path != "/2.0/sheets/42" {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"errorCode":1006,"message":"Not Found","refId":"ex2"}`)
			return
		}
		if r.Header.Get("Accept") == "text/csv" {
			w.Header().Set("Content-Type", "text/csv")
			fmt.Fprint(w, "Request,Date Created\nR-1,03/09/24\nR-2,03/10/24\n")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"id":42,"name":"Requests","version":3,"totalRowCount":2,
			"columns":[{"id":1,"index":0,"title":"Request","type":"TEXT_NUMBER","primary":true},
			           {"id":2,"index":1,"title":"Date Created","type":"DATE"}],
			"rows":[{"id":10,"rowNumber":1,"cells":[{"columnId":1,"value":"R-1"},{"columnId":2,"value":"2024-03-09"}]},
			        {"id":11,"rowNumber":2,"cells":[{"columnId":1,"value":"R-2"},{"columnId":2,"value":"2024-03-10"}]}]}`)
	}))
}

func ExampleClient_Sheet() {
	srv := fakeAPI()
	defer srv.Close()

	c, err := smartsheet.New(smartsheet.Config{Token: "example-token", BaseURL: srv.URL + "/2.0"})
	if err != nil {
		fmt.Println(err)
		return
	}
	sh, err := c.Sheet(context.Background(), 42, smartsheet.SheetOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, row := range sh.Rows {
		created := row.Value("Date Created")
		fmt.Println(row.RowNumber, row.Value("Request"), created.Kind, created)
	}
	// Output:
	// 1 R-1 date 2024-03-09
	// 2 R-2 date 2024-03-10
}

func ExampleClient_Rows() {
	srv := fakeAPI()
	defer srv.Close()

	c, _ := smartsheet.New(smartsheet.Config{Token: "example-token", BaseURL: srv.URL + "/2.0"})
	for row, err := range c.Rows(context.Background(), 42, smartsheet.SheetOptions{PageSize: 500}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(row.ID, row.Value("Date Created").Time.Weekday())
	}
	// Output:
	// 10 Saturday
	// 11 Sunday
}

func ExampleClient_SheetCSV() {
	srv := fakeAPI()
	defer srv.Close()

	c, _ := smartsheet.New(smartsheet.Config{Token: "example-token", BaseURL: srv.URL + "/2.0"})
	n, err := c.SheetCSV(context.Background(), 42, os.Stdout)
	fmt.Println(n, err)
	// Output:
	// Request,Date Created
	// R-1,03/09/24
	// R-2,03/10/24
	// 47 <nil>
}

func ExampleAPIError() {
	srv := fakeAPI()
	defer srv.Close()

	c, _ := smartsheet.New(smartsheet.Config{Token: "example-token", BaseURL: srv.URL + "/2.0"})
	_, err := c.Sheet(context.Background(), 7, smartsheet.SheetOptions{})
	var apiErr *smartsheet.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.ErrorCode, apiErr.Message, apiErr.RequestID)
	}
	fmt.Println(errors.Is(err, smartsheet.ErrNotFound))
	fmt.Println(strings.Replace(err.Error(), srv.URL, "http://HOST", 1))
	// Output:
	// 404 1006 Not Found ex2
	// true
	// smartsheet: get sheet 7: GET http://HOST/2.0/sheets/7: HTTP 404 Not Found (errorCode 1006): Not Found [request id ex2]
}
