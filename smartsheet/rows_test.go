package smartsheet

import (
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
)

func TestRows(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		failPage  string // page answered 404
		breakAt   int    // stop after this many rows; 0: read all
		wantRows  int
		wantHits  int32
		wantError error
	}{
		{name: "all pages", wantRows: 5, wantHits: 3},
		{name: "break stops fetching", breakAt: 2, wantRows: 2, wantHits: 1},
		{name: "break on the second page", breakAt: 3, wantRows: 3, wantHits: 2},
		{name: "failing page ends with its error", failPage: "2", wantRows: 2, wantHits: 2, wantError: ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			c, mux, _ := setup(t)
			var hits atomic.Int32
			pages := pagedHandler(t)
			mux.HandleFunc(sheetPath, func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				if r.URL.Query().Get("page") == tt.failPage {
					respond(w, 404, "application/json", mustRead(t, "error_404_1006.json"))
					return
				}
				pages(w, r)
			})
			var got []Row
			var gotErr error
			for row, err := range c.Rows(ctx, testSheet, SheetOptions{PageSize: 2}) {
				if err != nil {
					gotErr = err
					break
				}
				got = append(got, row)
				if len(got) == tt.breakAt {
					break
				}
			}
			if len(got) != tt.wantRows || hits.Load() != tt.wantHits {
				t.Errorf("rows %d, requests %d; want %d rows, %d requests", len(got), hits.Load(), tt.wantRows, tt.wantHits)
			}
			for i, r := range got {
				if r.RowNumber != i+1 || r.Value("Permit Number").Kind != KindText {
					t.Errorf("row %d = %d %+v", i, r.RowNumber, r.Value("Permit Number"))
				}
			}
			var op *OpError
			switch {
			case tt.wantError == nil && gotErr != nil:
				t.Errorf("err = %v", gotErr)
			case tt.wantError != nil && (!errors.Is(gotErr, tt.wantError) || !errors.As(gotErr, &op) || op.Op != "get sheet rows"):
				t.Errorf("err = %v, want an *OpError wrapping %v", gotErr, tt.wantError)
			}
		})
	}
}

func TestRowsCountMismatchComesLast(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c, mux, _ := setup(t)
	mux.HandleFunc(sheetPath, func(w http.ResponseWriter, r *http.Request) {
		_, body := scenario(t, "header_scenarios.json", "Assume User - Can Be Set")
		respond(w, 200, "application/json", body)
	})
	var rows int
	var last error
	for _, err := range c.Rows(ctx, testSheet, SheetOptions{}) {
		if err != nil {
			last = err
			continue
		}
		rows++
	}
	if rows != 1 || !errors.Is(last, ErrRowCountMismatch) {
		t.Fatalf("rows %d, err %v; want the 1 recorded row then ErrRowCountMismatch", rows, last)
	}
}
