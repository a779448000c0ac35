package socrata_test

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"testing"

	"github.com/cityofaustin/atd-executive-dashboard/internal/socratatest"
	"github.com/cityofaustin/atd-executive-dashboard/socrata"
)

func TestCheckShrink(t *testing.T) {
	t.Parallel()
	tests := []struct {
		current, next int64
		max           float64
		refused       bool
	}{
		{current: 0, next: 0},
		{current: 0, next: 5},
		{current: 10, next: 10},
		{current: 10, next: 12},
		{current: 10, next: 9, refused: true},
		{current: 10, next: 9, max: 0.1},
		{current: 10, next: 8, max: 0.1, refused: true},
		{current: 10, next: 0, max: 0.99, refused: true},
		{current: 10, next: 0, max: 1},
		{current: 10, next: 9, max: -3, refused: true}, // clamped to 0
		{current: 10, next: 0, max: 7},                 // clamped to 1
		{current: 10, next: 9, max: math.NaN(), refused: true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d to %d max %v", tt.current, tt.next, tt.max), func(t *testing.T) {
			t.Parallel()
			err := socrata.CheckShrink(tt.current, tt.next, tt.max)
			var se *socrata.ShrinkError
			if tt.refused != (err != nil) {
				t.Fatalf("err = %v, refused want %v", err, tt.refused)
			}
			if tt.refused && (!errors.Is(err, socrata.ErrShrink) || !errors.As(err, &se) || se.Current != tt.current || se.Next != tt.next) {
				t.Fatalf("err = %#v, want a *ShrinkError wrapping ErrShrink", err)
			}
		})
	}
	if got := socrata.CheckShrink(200, 150, 0.1).Error(); got != "replace would shrink the dataset from 200 to 150 rows (25.0% fewer; allowed 10.0%)" {
		t.Errorf("message %q", got)
	}
}

// TestReplaceGuard checks that Replace refuses to lose data unless forced,
// and that a refused replace sends nothing but the count query.
func TestReplaceGuard(t *testing.T) {
	t.Parallel()
	rows := func(n int) []socrata.Row {
		out := make([]socrata.Row, n)
		for i := range out {
			out[i] = socrata.Row{"id": i}
		}
		return out
	}
	tests := []struct {
		name       string
		stored     int64 // rows the dataset holds; -1: the dataset does not exist
		countFails bool
		send       int
		opts       socrata.ReplaceOptions
		wantErr    error // nil: the replace is sent
		wantCount  bool  // a count query is made
	}{
		{name: "grows", stored: 10, send: 12, wantCount: true},
		{name: "same size", stored: 10, send: 10, wantCount: true},
		{name: "any shrink refused by default", stored: 10, send: 9, wantErr: socrata.ErrShrink, wantCount: true},
		{name: "shrink within MaxShrink", stored: 10, send: 8, opts: socrata.ReplaceOptions{MaxShrink: 0.2}, wantCount: true},
		{name: "shrink beyond MaxShrink", stored: 10, send: 7, opts: socrata.ReplaceOptions{MaxShrink: 0.2}, wantErr: socrata.ErrShrink, wantCount: true},
		{name: "Force skips the guard", stored: 10, send: 1, opts: socrata.ReplaceOptions{Force: true}},
		{name: "MaxShrink 1 skips the count", stored: 10, send: 1, opts: socrata.ReplaceOptions{MaxShrink: 1}},
		{name: "missing dataset counts as empty", stored: -1, send: 3, wantCount: true},
		{name: "empty refused before counting", stored: 10, send: 0, wantErr: socrata.ErrEmptyReplace},
		{name: "NaN MaxShrink guards", stored: 10, send: 9, opts: socrata.ReplaceOptions{MaxShrink: math.NaN()}, wantErr: socrata.ErrShrink, wantCount: true},
		{name: "count failure stops the replace", stored: 10, send: 10, countFails: true, wantErr: socrata.ErrUnauthorized, wantCount: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := socratatest.Start(t)
			if tt.stored >= 0 {
				srv.SetCount("abcd-1234", tt.stored)
			}
			if tt.countFails {
				srv.FailNext(1, http.StatusForbidden, "", `{"code":"permission_denied","error":true,"message":"no"}`)
			}
			c := newFakeClient(t, srv)
			_, err := c.Replace(t.Context(), "abcd-1234", socrata.SliceRows(rows(tt.send)), tt.opts)
			var counted, replaced int
			for _, r := range srv.Requests() {
				switch r.Method {
				case http.MethodGet:
					counted++
				case http.MethodPut:
					replaced++
				}
			}
			if tt.wantErr == nil {
				if err != nil || replaced != 1 {
					t.Fatalf("err = %v, %d replaces; want one replace", err, replaced)
				}
			} else {
				var pe *socrata.PublishError
				if !errors.Is(err, tt.wantErr) || !errors.As(err, &pe) || replaced != 0 {
					t.Fatalf("err = %v, %d replaces; want %v in a *PublishError and nothing sent", err, replaced, tt.wantErr)
				}
			}
			if (counted > 0) != tt.wantCount {
				t.Fatalf("%d count queries, want any: %v", counted, tt.wantCount)
			}
		})
	}
}
