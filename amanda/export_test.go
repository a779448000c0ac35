package amanda_test

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/csv"
	"errors"
	"io"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cityofaustin/atd-executive-dashboard/amanda"
	"github.com/cityofaustin/atd-executive-dashboard/amanda/amandatest"
)

// TestExportGolden exports every named query from its recorded result set and
// compares the bytes with testdata/csv/<name>.csv.golden.
func TestExportGolden(t *testing.T) {
	t.Parallel()
	for _, q := range amanda.Queries() {
		t.Run(q.Name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			f := setup(t, amanda.Options{})
			rs, err := amandatest.LoadResultSet(amandatest.Recorded, amandatest.RecordedPath(q.Name))
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			res, err := f.client.Export(ctx, q.Name, &buf)
			if err != nil {
				t.Fatal(err)
			}
			if res.Rows != rs.Len() || !slices.Equal(res.Columns, q.Columns) {
				t.Errorf("result = %+v, want %d rows and columns %q", res, rs.Len(), q.Columns)
			}
			golden(t, "csv/"+q.Name+".csv.golden", buf.Bytes())

			// The file reads back as CSV: header = contract, one record per row.
			recs, err := csv.NewReader(bytes.NewReader(buf.Bytes())).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if int64(len(recs)) != res.Rows+1 || !slices.Equal(recs[0], q.Columns) {
				t.Errorf("read back %d records, header %q", len(recs), recs[0])
			}
			if got := f.conn.Executed(); !slices.Equal(got, []string{q.SQL}) {
				t.Errorf("executed %q, want exactly the query's SQL", got)
			}
		})
	}
}

// TestExportValues pins the formatting rules on the recorded data: NULL is an
// empty field, DATEs keep their wall-clock time (02:30 on the spring-forward
// day stays 02:30), fields with quotes and commas — header names included —
// are quoted.
func TestExportValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		query string
		want  []string // lines that must appear in the CSV
	}{
		// Headers holding commas are quoted, as pandas quoted them.
		{"applications_received", []string{
			`FOLDERTYPE,SUBCODE,"TO_CHAR(ROUND(INDATE,'DDD'),'YYYY-MM-DD')",ISSUEDROWPERMITS`,
			"DS,50500,2024-12-15,3", "DS,50500,2025-01-31,4",
		}},
		{"issued_permits", []string{`FOLDERTYPE,SUBCODE,"TO_CHAR(ROUND(ISSUEDATE,'DDD'),'YYYY-MM-DD')",ISSUEDROWPERMITS`}},
		{"review_time", []string{
			"2024-020001 RW,13012907,2024-03-10 02:30:00,2024-03-28 11:00:00,2024-03-10 02:30:00,2024-03-11 08:00:00,2024-03-25 13:15:00,2024-03-18 10:20:30",
			",13012955,2024-11-03 01:30:00,,,,,2024-11-05 07:05:05",
		}},
		{"ex_permits_issued", []string{
			`PERMIT_ID,SUBCODE,SUBDESC,FOLDERNAME,"TO_CHAR(F.INDATE,'MM-DD-YYYYHH24:MI:SS')","TO_CHAR(F.ISSUEDATE,'MM-DD-YYYYHH24:MI:SS')"`,
			`19-000233,50520,"Utility, Emergency",E 6TH ST / RED RIVER ST,01-15-2019 23:10:59,01-16-2019 08:00:00`,
			`24-001077,50500,,"2201 ""B"" S LAMAR BLVD",03-10-2024 02:30:00,03-12-2024 09:30:00`,
			`24-001078,,,,,11-03-2024 01:30:00`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			t.Parallel()
			f := setup(t, amanda.Options{})
			var buf bytes.Buffer
			if _, err := f.client.Export(t.Context(), tt.query, &buf); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(buf.String(), "\n")
			for _, w := range tt.want {
				if !slices.Contains(lines, w) {
					t.Errorf("CSV lacks line %q:\n%s", w, buf.String())
				}
			}
		})
	}
}

type failingWriter struct{ after int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.after <= 0 {
		return 0, errWrite
	}
	w.after--
	return len(p), nil
}

var (
	errWrite  = errors.New("disk full")
	errCursor = errors.New("ORA-03113: end-of-file on communication channel")
)

func TestExportErrors(t *testing.T) {
	t.Parallel()
	active := mustQuery(t, "active_permits")
	tests := []struct {
		name     string
		query    string
		prepare  func(f *fixture)
		ctx      func(context.Context) context.Context
		w        io.Writer
		wantOp   string
		wantIs   error
		wantRows int64
		someRows bool   // rows were written before the failure; how many depends on buffering
		wantOut  string // exact output, when checked
	}{
		{
			name: "unknown query", query: "permits_by_moon_phase",
			wantOp: "lookup", wantIs: amanda.ErrUnknownQuery,
		},
		{
			name: "columns differ from the contract", query: "active_permits",
			prepare: func(f *fixture) {
				f.conn.Handle(active.SQL, amandatest.ResultSet{
					Columns: []amandatest.Column{{Name: "FOLDERTYPE", Type: "NCHAR"}, {Name: "COUNT(*)", Type: "NUMBER"}},
					Rows:    [][]driver.Value{{"DS", "1"}},
				})
			},
			wantOp: "columns", wantIs: amanda.ErrColumns, wantOut: "",
		},
		{
			name: "cursor fails mid-way", query: "active_permits",
			prepare: func(f *fixture) {
				f.conn.Handle(active.SQL, generated(active.Columns, 10_000, 2_500, errCursor))
			},
			wantOp: "fetch", wantIs: errCursor, wantRows: 2_500,
		},
		{
			name: "connection refused", query: "review_time",
			prepare: func(f *fixture) { f.conn.FailConnect(errors.New("dial tcp: connection refused")) },
			wantOp:  "query",
		},
		{
			name: "unexpected SQL", query: "active_permits",
			wantOp: "query",
		},
		{
			name: "writer fails", query: "active_permits",
			prepare: func(f *fixture) { f.conn.Handle(active.SQL, generated(active.Columns, 100_000, 0, nil)) },
			w:       &failingWriter{after: 2}, wantOp: "write", wantIs: errWrite, someRows: true,
		},
		{
			name: "context cancelled", query: "issued_permits",
			ctx: func(ctx context.Context) context.Context {
				ctx, cancel := context.WithCancel(ctx)
				cancel()
				return ctx
			},
			wantOp: "query", wantIs: context.Canceled,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			if tt.ctx != nil {
				ctx = tt.ctx(ctx)
			}
			f := setup(t, amanda.Options{})
			if tt.prepare != nil {
				tt.prepare(f)
			}
			if tt.name == "unexpected SQL" {
				// Replace the connector's knowledge with a near miss only.
				c := amandatest.NewConnector()
				c.Handle(active.SQL+" ", amandatest.ResultSet{})
				db := sql.OpenDB(c)
				t.Cleanup(func() { db.Close() })
				f.client = amanda.New(db, amanda.Options{})
			}
			var buf bytes.Buffer
			w := tt.w
			if w == nil {
				w = &buf
			}
			res, err := f.client.Export(ctx, tt.query, w)
			var ae *amanda.Error
			if !errors.As(err, &ae) {
				t.Fatalf("error %v (%T) is not an *amanda.Error", err, err)
			}
			if ae.Op != tt.wantOp {
				t.Errorf("Op = %q, want %q (%v)", ae.Op, tt.wantOp, err)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("error %v does not wrap %v", err, tt.wantIs)
			}
			if tt.someRows {
				if ae.Rows == 0 || ae.Rows != res.Rows {
					t.Errorf("rows: error %d, result %d, want the same count > 0", ae.Rows, res.Rows)
				}
			} else if ae.Rows != tt.wantRows || res.Rows != tt.wantRows {
				t.Errorf("rows: error %d, result %d, want %d", ae.Rows, res.Rows, tt.wantRows)
			}
			if tt.wantRows > 0 && !strings.Contains(err.Error(), "after "+strconv.FormatInt(tt.wantRows, 10)+" rows") {
				t.Errorf("error %q does not say how many rows were read", err)
			}
			if tt.name == "unexpected SQL" {
				var ue *amandatest.UnexpectedSQLError
				if !errors.As(err, &ue) {
					t.Errorf("error %v does not come from an unexpected SQL text", err)
				}
			}
			if tt.wantIs == amanda.ErrColumns && buf.String() != tt.wantOut {
				t.Errorf("wrote %q, want nothing", buf.String())
			}
		})
	}
}

// generated returns a result set of n rows with the given columns (the first
// NCHAR, the others NUMBER), failing with err after errAfter rows when err is
// set.
func generated(cols []string, n, errAfter int64, err error) amandatest.ResultSet {
	rs := amandatest.ResultSet{N: n, ErrAfter: errAfter, Err: err}
	for i, c := range cols {
		typ := "NUMBER"
		if i == 0 {
			typ = "NCHAR"
		}
		rs.Columns = append(rs.Columns, amandatest.Column{Name: c, Type: typ})
	}
	types := []string{"DS", "EX", "RW"}
	rs.Generate = func(i int64, dest []driver.Value) {
		dest[0] = types[i%3]
		for j := 1; j < len(dest); j++ {
			dest[j] = i * int64(j)
		}
	}
	return rs
}

// bigResult is a generated applications_received-shaped result with a DATE
// column and NULLs: n rows, produced lazily.
func bigResult(n int64) amandatest.ResultSet {
	base := time.Date(2018, 10, 1, 0, 0, 0, 0, time.UTC)
	types := []driver.Value{"DS", "EX", "RW"}
	return amandatest.ResultSet{
		Columns: []amandatest.Column{
			{Name: "FOLDERTYPE", Type: "NCHAR"},
			{Name: "SUBCODE", Type: "NUMBER"},
			{Name: "TO_CHAR(ROUND(INDATE,'DDD'),'YYYY-MM-DD')", Type: "DATE"},
			{Name: "ISSUEDROWPERMITS", Type: "NUMBER"},
		},
		N: n,
		Generate: func(i int64, dest []driver.Value) {
			dest[0] = types[i%3]
			if i%7 == 0 {
				dest[1] = nil
			} else {
				dest[1] = "50500"
			}
			dest[2] = base.Add(time.Duration(i%2000) * 24 * time.Hour)
			dest[3] = i
		},
	}
}

// TestExportStreams exports 2,000,000 lazily generated rows to io.Discard and
// checks that the live heap stays bounded while rows flow: holding the rows
// (or the CSV) would need hundreds of MB.
func TestExportStreams(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("streams 2,000,000 rows")
	}
	const n = 2_000_000
	const limit = 32 << 20 // live heap ceiling while exporting
	var peak uint64
	var samples int
	f := setup(t, amanda.Options{
		ProgressEvery: 250_000,
		Progress: func(query string, rows int64) {
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
			samples++
		},
	})
	q := mustQuery(t, "applications_received")
	f.conn.Handle(q.SQL, bigResult(n))
	counter := &countingWriter{}
	res, err := f.client.Export(t.Context(), q.Name, counter)
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != n {
		t.Fatalf("exported %d rows, want %d", res.Rows, n)
	}
	if samples != n/250_000 {
		t.Errorf("progress called %d times, want %d", samples, n/250_000)
	}
	if peak == 0 || peak > limit {
		t.Errorf("live heap peaked at %d bytes during the export, limit %d", peak, limit)
	}
	if counter.n < n*20 {
		t.Errorf("wrote only %d bytes for %d rows", counter.n, n)
	}
	if !strings.Contains(f.logs.String(), "rows=2000000") {
		t.Errorf("no progress log line with rows=2000000:\n%.500s", f.logs.String())
	}
	t.Logf("%d rows, %d bytes, peak live heap %d bytes", res.Rows, counter.n, peak)
}

type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	return len(p), nil
}

// TestExportAllocsPerRow checks that the allocations of an export grow with
// the rows by a small constant, not with what was read before.
func TestExportAllocsPerRow(t *testing.T) {
	ctx := t.Context()
	f := setup(t, amanda.Options{ProgressEvery: -1})
	q := mustQuery(t, "applications_received")
	perRow := func(n int64) float64 {
		f.conn.Handle(q.SQL, bigResult(n))
		allocs := testing.AllocsPerRun(3, func() {
			if _, err := f.client.Export(ctx, q.Name, io.Discard); err != nil {
				t.Fatal(err)
			}
		})
		return allocs / float64(n)
	}
	small, large := perRow(1_000), perRow(20_000)
	t.Logf("allocations per row: %.2f (1,000 rows), %.2f (20,000 rows)", small, large)
	if large > 12 {
		t.Errorf("%.2f allocations per row", large)
	}
	if large > small*1.5 {
		t.Errorf("allocations per row grow with the result: %.2f → %.2f", small, large)
	}
}

func BenchmarkExport(b *testing.B) {
	const n = 100_000
	conn := amandatest.NewConnector()
	q := mustQuery(b, "applications_received")
	conn.Handle(q.SQL, bigResult(n))
	db := sql.OpenDB(conn)
	b.Cleanup(func() { db.Close() })
	client := amanda.New(db, amanda.Options{ProgressEvery: -1})
	ctx := b.Context()
	b.ReportAllocs()
	var bytes countingWriter
	for b.Loop() {
		if _, err := client.Export(ctx, q.Name, &bytes); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
	b.SetBytes(bytes.n / int64(b.N))
}

// TestExportEmptyResult: a query that matches nothing still writes the
// header row, so downstream readers find the contract's columns.
func TestExportEmptyResult(t *testing.T) {
	t.Parallel()
	for _, q := range amanda.Queries() {
		t.Run(q.Name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, amanda.Options{})
			f.conn.Handle(q.SQL, generated(q.Columns, 0, 0, nil))
			var buf bytes.Buffer
			res, err := f.client.Export(t.Context(), q.Name, &buf)
			if err != nil {
				t.Fatal(err)
			}
			var want bytes.Buffer
			w := csv.NewWriter(&want)
			w.Write(q.Columns)
			w.Flush()
			if res.Rows != 0 || buf.String() != want.String() {
				t.Errorf("exported %d rows, %q; want the header only, %q", res.Rows, buf.String(), want.String())
			}
		})
	}
}
