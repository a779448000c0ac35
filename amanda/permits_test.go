package amanda_test

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/cityofaustin/atd-executive-dashboard/amanda"
	"github.com/cityofaustin/atd-executive-dashboard/amanda/amandatest"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func wall(y int, m time.Month, d, hh, mm, ss int) sql.NullTime {
	return sql.NullTime{Time: time.Date(y, m, d, hh, mm, ss, 0, time.UTC), Valid: true}
}

func subcode(n int64) sql.NullInt64 { return sql.NullInt64{Int64: n, Valid: true} }

func str(s string) sql.NullString { return sql.NullString{String: s, Valid: true} }

func TestActivePermits(t *testing.T) {
	t.Parallel()
	f := setup(t, amanda.Options{})
	got, err := f.client.ActivePermits(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := []amanda.ActivePermitCount{{"DS", 187}, {"EX", 23}, {"RW", 1462}}
	if !slices.Equal(got, want) {
		t.Errorf("ActivePermits = %+v, want %+v", got, want)
	}
}

func TestDailyCounts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		run         func(*amanda.Client, *testing.T) ([]amanda.DailyCount, error)
		wantN       int
		first, last amanda.DailyCount
	}{
		{
			name: "applications_received",
			run: func(c *amanda.Client, t *testing.T) ([]amanda.DailyCount, error) {
				return collect(c.ApplicationsReceived(t.Context()))
			},
			wantN: 10,
			first: amanda.DailyCount{FolderType: "DS", SubCode: subcode(50500), Day: day(2024, 12, 15), Count: 3},
			last:  amanda.DailyCount{FolderType: "DS", SubCode: subcode(50500), Day: day(2025, 1, 31), Count: 4},
		},
		{
			name: "issued_permits",
			run: func(c *amanda.Client, t *testing.T) ([]amanda.DailyCount, error) {
				return collect(c.IssuedPermits(t.Context()))
			},
			wantN: 5,
			first: amanda.DailyCount{FolderType: "RW", SubCode: subcode(50500), Day: day(2024, 12, 16), Count: 10},
			last:  amanda.DailyCount{FolderType: "DS", SubCode: subcode(50510), Day: day(2025, 1, 26), Count: 2},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, amanda.Options{})
			got, err := tt.run(f.client, t)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.wantN || got[0] != tt.first || got[len(got)-1] != tt.last {
				t.Errorf("got %d rows, first %+v, last %+v; want %d, %+v, %+v",
					len(got), got[0], got[len(got)-1], tt.wantN, tt.first, tt.last)
			}
		})
	}
}

func TestReviewTimes(t *testing.T) {
	t.Parallel()
	f := setup(t, amanda.Options{})
	got, err := collect(f.client.ReviewTimes(t.Context()))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 {
		t.Fatalf("got %d rows, want 4", len(got))
	}
	// 02:30 on 2024-03-10 does not exist in Austin: it must come back as stored.
	want := amanda.ReviewTime{
		CustomFolderNumber: str("2024-020001 RW"), FolderRSN: 13012907,
		InDate: wall(2024, 3, 10, 2, 30, 0), IssueDate: wall(2024, 3, 28, 11, 0, 0),
		WebAppStart: wall(2024, 3, 10, 2, 30, 0), WebAppEnd: wall(2024, 3, 11, 8, 0, 0),
		Extend: wall(2024, 3, 25, 13, 15, 0), DeptComments: wall(2024, 3, 18, 10, 20, 30),
	}
	if got[2] != want {
		t.Errorf("row 3 = %+v, want %+v", got[2], want)
	}
	nulls := got[3]
	if nulls.CustomFolderNumber.Valid || nulls.IssueDate.Valid || nulls.Extend.Valid || !nulls.DeptComments.Valid {
		t.Errorf("row 4 NULLs not preserved: %+v", nulls)
	}
}

func TestEXPermitsIssued(t *testing.T) {
	t.Parallel()
	f := setup(t, amanda.Options{})
	got, err := collect(f.client.EXPermitsIssued(t.Context()))
	if err != nil {
		t.Fatal(err)
	}
	want := []amanda.EXPermit{
		{PermitID: "18-004512", SubCode: subcode(50500), SubDesc: str("Excavation"), FolderName: str("1100 CONGRESS AVE"),
			InDate: wall(2018, 10, 1, 7, 45, 0), IssueDate: wall(2018, 10, 3, 14, 20, 11)},
		{PermitID: "19-000233", SubCode: subcode(50520), SubDesc: str("Utility, Emergency"), FolderName: str("E 6TH ST / RED RIVER ST"),
			InDate: wall(2019, 1, 15, 23, 10, 59), IssueDate: wall(2019, 1, 16, 8, 0, 0)},
		{PermitID: "24-001077", SubCode: subcode(50500), FolderName: str(`2201 "B" S LAMAR BLVD`),
			InDate: wall(2024, 3, 10, 2, 30, 0), IssueDate: wall(2024, 3, 12, 9, 30, 0)},
		{PermitID: "24-001078", IssueDate: wall(2024, 11, 3, 1, 30, 0)},
	}
	if !slices.Equal(got, want) {
		t.Errorf("EXPermitsIssued =\n%+v\nwant\n%+v", got, want)
	}
}

// TestIteratorErrors covers the iterator error paths: a cursor failure
// mid-way (yielded last, with the row count), a value that does not parse,
// and stopping early (the connection goes back to the pool).
func TestIteratorErrors(t *testing.T) {
	t.Parallel()
	q := mustQuery(t, "applications_received")
	cols := []amandatest.Column{
		{Name: q.Columns[0], Type: "NCHAR"}, {Name: q.Columns[1], Type: "NUMBER"},
		{Name: q.Columns[2], Type: "NCHAR"}, {Name: q.Columns[3], Type: "NUMBER"},
	}
	row := func(i int64, dest []driver.Value) {
		dest[0], dest[1], dest[2], dest[3] = "RW", "50500", "2020-02-29", i
	}
	tests := []struct {
		name     string
		rs       amandatest.ResultSet
		stopAt   int
		wantRows int
		wantOp   string
		wantIs   error
	}{
		{name: "cursor fails", rs: amandatest.ResultSet{Columns: cols, N: 50, Generate: row, ErrAfter: 7, Err: errCursor},
			wantRows: 7, wantOp: "fetch", wantIs: errCursor},
		{name: "bad day", rs: amandatest.ResultSet{Columns: cols, Rows: [][]driver.Value{{"RW", "1", "2020-02-30", "1"}}},
			wantOp: "scan", wantIs: amanda.ErrValue},
		{name: "count is not a number", rs: amandatest.ResultSet{Columns: cols, Rows: [][]driver.Value{{"RW", "1", "2020-02-28", "many"}}},
			wantOp: "scan"},
		{name: "stop early", rs: amandatest.ResultSet{Columns: cols, N: 1_000_000, Generate: row}, stopAt: 3, wantRows: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, amanda.Options{})
			f.conn.Handle(q.SQL, tt.rs)
			n := 0
			var err error
			for r, e := range f.client.ApplicationsReceived(t.Context()) {
				if e != nil {
					err = e
					break
				}
				if r.Day != day(2020, 2, 29) {
					t.Fatalf("row %d: day %v", n, r.Day)
				}
				n++
				if n == tt.stopAt {
					break
				}
			}
			if n != tt.wantRows {
				t.Errorf("got %d rows, want %d", n, tt.wantRows)
			}
			if tt.wantOp == "" {
				if err != nil {
					t.Fatal(err)
				}
				if inUse := f.db.Stats().InUse; inUse != 0 {
					t.Errorf("%d connections still in use after stopping early", inUse)
				}
				return
			}
			var ae *amanda.Error
			if !errors.As(err, &ae) || ae.Op != tt.wantOp || ae.Rows != int64(tt.wantRows) {
				t.Fatalf("error %v, want *amanda.Error Op %s after %d rows", err, tt.wantOp, tt.wantRows)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("error %v does not wrap %v", err, tt.wantIs)
			}
		})
	}
}

func collect[T any](seq func(func(T, error) bool)) ([]T, error) {
	var out []T
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}
