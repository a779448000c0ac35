package main

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/cityofaustin/atd-executive-dashboard/amanda"
	"github.com/cityofaustin/atd-executive-dashboard/internal/jobkit"
)

// TestQueryAllRunsTheRest: with --query all, two failing queries do not
// stop the other three, which are exported; the run then exits 1 naming
// both failed queries.
func TestQueryAllRunsTheRest(t *testing.T) {
	t.Parallel()
	f := setup(t)
	failing := []string{"issued_permits", "review_time"}
	for _, n := range failing {
		q, _ := amanda.Lookup(n)
		rs := bigResult(10)
		rs.ErrAfter, rs.Err = 0, errors.New("ORA-01555: snapshot too old")
		f.conn.Handle(q.SQL, rs)
	}
	logs, err := f.run(t, "--query", "all")
	if code := jobkit.ExitCode(err); code != 1 {
		t.Fatalf("exit code %d (%v), want 1\n%s", code, err, logs)
	}
	if !strings.Contains(err.Error(), "2 of 5 queries failed (issued_permits, review_time)") {
		t.Fatalf("error %q does not name the failed queries", err)
	}
	var want []string
	for _, n := range amanda.Names() {
		if !slices.Contains(failing, n) {
			want = append(want, n+".csv")
		}
	}
	slices.Sort(want)
	if keys := f.s3.Keys(t, bucket, ""); !slices.Equal(keys, want) {
		t.Fatalf("bucket holds %q, want the three queries that worked %q", keys, want)
	}
	if !strings.Contains(logs, `msg="query failed"`) || !strings.Contains(logs, "queries=5 failed=2") {
		t.Fatalf("logs lack the failure lines or the final counts:\n%s", logs)
	}
}
