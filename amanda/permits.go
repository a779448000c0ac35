package amanda

import (
	"context"
	"database/sql"
	"fmt"
	"iter"
	"log/slog"
	"time"
)

// DailyCount is one row of applications_received or issued_permits: how many
// folders of a type and subcode were received (or issued) on a day.
type DailyCount struct {
	FolderType string        // FOLDERTYPE: "DS", "EX" or "RW"
	SubCode    sql.NullInt64 // SUBCODE; NULL when the folder has none
	Day        time.Time     // the day (INDATE or ISSUEDATE rounded to the day), midnight UTC as a civil date
	Count      int64         // ISSUEDROWPERMITS
}

// ActivePermitCount is one row of active_permits.
type ActivePermitCount struct {
	FolderType string // FOLDERTYPE
	Count      int64  // ACTIVEPERMITS
}

// ReviewTime is one row of review_time. Dates are the stored wall-clock
// times (AMANDA stores local time) in the location go-ora gives them (see
// Dates in the package documentation); NULL dates have Valid false.
type ReviewTime struct {
	CustomFolderNumber sql.NullString // CUSTOMFOLDERNUMBER
	FolderRSN          int64          // FOLDERRSN
	InDate             sql.NullTime   // INDATE
	IssueDate          sql.NullTime   // ISSUEDATE
	WebAppStart        sql.NullTime   // WEBAPPSTART: start of process 70000
	WebAppEnd          sql.NullTime   // WEBAPPEND: end of process 70000
	Extend             sql.NullTime   // EXTEND: start of process 50680
	DeptComments       sql.NullTime   // DEPT_COMMENTS: date of the attempt with result 61510
}

// EXPermit is one row of ex_permits_issued.
type EXPermit struct {
	PermitID   string         // PERMIT_ID: FOLDERYEAR-FOLDERSEQUENCE
	SubCode    sql.NullInt64  // SUBCODE
	SubDesc    sql.NullString // SUBDESC from VALIDSUB
	FolderName sql.NullString // FOLDERNAME
	InDate     sql.NullTime   // intake date-time (wall clock, UTC location)
	IssueDate  sql.NullTime   // issue date-time (wall clock, UTC location)
}

const (
	dayLayout       = "2006-01-02"          // TO_CHAR(…,'YYYY-MM-DD')
	exDateLayout    = "01-02-2006 15:04:05" // TO_CHAR(…,'MM-DD-YYYY HH24:MI:SS')
	maxSmallResults = 10_000                // active_permits has one row per folder type
)

// ActivePermits returns the number of active permits per folder type
// (active_permits; a handful of rows). On failure it returns an [*Error].
func (c *Client) ActivePermits(ctx context.Context) ([]ActivePermitCount, error) {
	var out []ActivePermitCount
	for r, err := range rowsOf(c, ctx, ActivePermitsQuery, func(rows *sql.Rows, r *ActivePermitCount) error {
		return rows.Scan(&r.FolderType, &r.Count)
	}) {
		if err != nil {
			return nil, err
		}
		if len(out) >= maxSmallResults {
			return nil, c.wrap("fetch", ActivePermitsQuery, int64(len(out)),
				fmt.Errorf("%w: more than %d rows", ErrValue, maxSmallResults))
		}
		out = append(out, r)
	}
	return out, nil
}

// ApplicationsReceived streams the rows of applications_received. The
// iterator yields at most one error, as its last element; stopping early
// closes the cursor.
func (c *Client) ApplicationsReceived(ctx context.Context) iter.Seq2[DailyCount, error] {
	return rowsOf(c, ctx, ApplicationsReceivedQuery, scanDailyCount)
}

// IssuedPermits streams the rows of issued_permits, like
// [Client.ApplicationsReceived].
func (c *Client) IssuedPermits(ctx context.Context) iter.Seq2[DailyCount, error] {
	return rowsOf(c, ctx, IssuedPermitsQuery, scanDailyCount)
}

// ReviewTimes streams the rows of review_time, like
// [Client.ApplicationsReceived].
func (c *Client) ReviewTimes(ctx context.Context) iter.Seq2[ReviewTime, error] {
	return rowsOf(c, ctx, ReviewTimeQuery, func(rows *sql.Rows, r *ReviewTime) error {
		return rows.Scan(&r.CustomFolderNumber, &r.FolderRSN, &r.InDate, &r.IssueDate,
			&r.WebAppStart, &r.WebAppEnd, &r.Extend, &r.DeptComments)
	})
}

// EXPermitsIssued streams the rows of ex_permits_issued, like
// [Client.ApplicationsReceived]. The date-times, which the query formats as
// MM-DD-YYYY HH24:MI:SS text, are parsed back into times.
func (c *Client) EXPermitsIssued(ctx context.Context) iter.Seq2[EXPermit, error] {
	return rowsOf(c, ctx, EXPermitsIssuedQuery, func(rows *sql.Rows, r *EXPermit) error {
		var in, issued sql.NullString
		if err := rows.Scan(&r.PermitID, &r.SubCode, &r.SubDesc, &r.FolderName, &in, &issued); err != nil {
			return err
		}
		var err error
		if r.InDate, err = parseNullTime(exDateLayout, in); err != nil {
			return err
		}
		r.IssueDate, err = parseNullTime(exDateLayout, issued)
		return err
	})
}

func scanDailyCount(rows *sql.Rows, r *DailyCount) error {
	var day sql.NullString
	if err := rows.Scan(&r.FolderType, &r.SubCode, &day, &r.Count); err != nil {
		return err
	}
	t, err := parseNullTime(dayLayout, day)
	r.Day = t.Time
	return err
}

func parseNullTime(layout string, s sql.NullString) (sql.NullTime, error) {
	if !s.Valid || s.String == "" {
		return sql.NullTime{}, nil
	}
	t, err := time.Parse(layout, s.String)
	if err != nil {
		return sql.NullTime{}, fmt.Errorf("%w: %q is not a %s date", ErrValue, s.String, layout)
	}
	return sql.NullTime{Time: t, Valid: true}, nil
}

// rowsOf runs the named query and yields one typed row per result row. It
// checks the column names, closes the cursor when the caller stops, and
// yields rows.Err() as the final error.
func rowsOf[T any](c *Client, ctx context.Context, name string, scan func(*sql.Rows, *T) error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		q, err := Lookup(name)
		if err != nil {
			yield(zero, err)
			return
		}
		rows, _, err := c.open(ctx, q)
		if err != nil {
			yield(zero, err)
			return
		}
		defer rows.Close()
		var n int64
		for {
			more, err := next(rows)
			if err != nil {
				yield(zero, c.wrap("fetch", name, n, err))
				return
			}
			if !more {
				break
			}
			var r T
			if err := guard(func() error { return scan(rows, &r) }); err != nil {
				yield(zero, c.wrap("scan", name, n, err))
				return
			}
			n++
			if !yield(r, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(zero, c.wrap("fetch", name, n, err))
			return
		}
		c.log.DebugContext(ctx, "amanda query finished", slog.String("query", name), slog.Int64("rows", n))
	}
}
