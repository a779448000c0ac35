package smartsheet

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cityofaustin/atd-executive-dashboard/internal/faultnet"
)

// Fault tests through the request pipeline (internal/httpapi): redirects,
// stalls and paging.

func TestRedirectToAnotherHostRefused(t *testing.T) {
	t.Parallel()
	sheet := mustRead(t, "sheet_4477152411314052_all.json")
	other := faultnet.OtherHost(t, func(w http.ResponseWriter, r *http.Request) { w.Write(sheet) }, "Authorization")
	c, mux, _ := setup(t)
	mux.HandleFunc(sheetPath, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/2.0/sheets/4477152411314052", http.StatusFound)
	})
	_, err := c.Sheet(t.Context(), testSheet, SheetOptions{})
	var ae *APIError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusFound || !strings.Contains(ae.Message, "redirect to "+other.URL) {
		t.Fatalf("err = %v, want the 302 naming its Location", err)
	}
	var buf bytes.Buffer
	if _, err := c.SheetCSV(t.Context(), testSheet, &buf); err == nil || buf.Len() > 0 {
		t.Fatalf("SheetCSV err = %v (%d bytes), want the refused redirect", err, buf.Len())
	}
	if other.Calls() != 0 {
		t.Errorf("the other host got %d requests", other.Calls())
	}
}

// TestPagesRepeatingRows: a server that ignores the page parameter repeats
// the first page; the repeated row ids are an error, even when the count
// adds up.
func TestPagesRepeatingRows(t *testing.T) {
	t.Parallel()
	var page map[string]any
	if err := json.Unmarshal(mustRead(t, "sheet_4477152411314052_page1.json"), &page); err != nil {
		t.Fatal(err)
	}
	page["totalRowCount"] = 4 // two pages of two rows: the count matches the repeated rows
	body, _ := json.Marshal(page)
	c, mux, _ := setup(t)
	mux.HandleFunc(sheetPath, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})
	_, err := c.Sheet(t.Context(), testSheet, SheetOptions{PageSize: 2})
	if !errors.Is(err, ErrMalformedResponse) || !strings.Contains(err.Error(), "page 2 repeats row id 7000000000000001") {
		t.Fatalf("err = %v, want the repeated row named", err)
	}
}

// TestStalledBody: headers and then silence is given up on after Timeout.
func TestStalledBody(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		w.WriteHeader(200)
		io.WriteString(w, `{"id":`)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)
	c, err := New(Config{Token: testToken, BaseURL: srv.URL, Timeout: 100 * time.Millisecond, RetryMax: -1})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	_, err = c.Sheet(ctx, testSheet, SheetOptions{})
	if err == nil || ctx.Err() != nil || !strings.Contains(err.Error(), "nothing happened for 100ms while reading the answer") {
		t.Fatalf("err = %v, want a stall", err)
	}
}
