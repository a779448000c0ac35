package main

import (
	"bytes"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cityofaustin/atd-executive-dashboard/internal/jobtest"

	"github.com/cityofaustin/atd-executive-dashboard/amanda"
	"github.com/cityofaustin/atd-executive-dashboard/amanda/amandatest"
	"github.com/cityofaustin/atd-executive-dashboard/internal/jobkit"
	"github.com/cityofaustin/atd-executive-dashboard/internal/s3test"
)

const (
	bucket = "exec-dash"
	dbPass = "db-SECRET-Pa55/w0rd:0xDEADBEEF@x"
)

// fixture is a live-mode world on loopback: an S3-compatible server with the
// bucket, and the recorded AMANDA results behind a replaying connector that
// stands in for the read replica.
type fixture struct {
	s3     *s3test.Server
	conn   *amandatest.Connector
	env    map[string]string
	mu     sync.Mutex
	opened []amanda.Config // configurations the job opened
}

func setup(t *testing.T) *fixture {
	t.Helper()
	conn, err := amandatest.NewRecorded()
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{s3: s3test.Start(t), conn: conn}
	f.s3.CreateBucket(t, bucket)
	f.env = map[string]string{
		"HOST": "amanda-rr.test", "PORT": "1531", "SERVICE_NAME": "AMANDARR",
		"DB_USER": "exec_dash_ro", "DB_PASS": dbPass,
	}
	maps.Copy(f.env, f.s3.Env(bucket))
	return f
}

// open is the job's openFunc: it records the configuration and returns a
// client over the replaying connector.
func (f *fixture) open(cfg amanda.Config, opts amanda.Options) (*amanda.Client, error) {
	f.mu.Lock()
	f.opened = append(f.opened, cfg)
	f.mu.Unlock()
	db := sql.OpenDB(f.conn)
	return amanda.New(db, opts), nil
}

func (f *fixture) run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out jobtest.Buffer
	err := runWith(t.Context(), args, jobkit.MapEnv(f.env), &out, f.open)
	return out.String(), err
}

func goldenCSV(t *testing.T, query string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "amanda", "testdata", "csv", query+".csv.golden"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestExportsToS3 runs the job for every named query against the loopback
// S3 server and compares the stored object with the amanda package's golden
// CSV.
func TestExportsToS3(t *testing.T) {
	t.Parallel()
	for _, query := range amanda.Names() {
		t.Run(query, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			logs, err := f.run(t, "--query", query)
			if err != nil {
				t.Fatalf("run: %v\n%s", err, logs)
			}
			if got, want := f.s3.GetObject(t, bucket, query+".csv"), goldenCSV(t, query); !bytes.Equal(got, want) {
				t.Errorf("object differs from the golden CSV\n--- got\n%s\n--- want\n%s", got, want)
			}
			if keys := f.s3.Keys(t, bucket, ""); !slices.Equal(keys, []string{query + ".csv"}) {
				t.Errorf("bucket holds %q", keys)
			}
			want := amanda.Config{Host: "amanda-rr.test", Port: 1531, ServiceName: "AMANDARR",
				User: "exec_dash_ro", Password: dbPass, ConnectTimeout: 30 * time.Second}
			if len(f.opened) != 1 || f.opened[0] != want {
				t.Errorf("opened %v, want %v", f.opened, want)
			}
			if !strings.Contains(logs, "msg=exported") || !strings.Contains(logs, "key="+query+".csv") {
				t.Errorf("no final log line:\n%s", logs)
			}
		})
	}
}

// bigResult is n generated applications_received rows.
func bigResult(n int64) amandatest.ResultSet {
	q, _ := amanda.Lookup("applications_received")
	rs := amandatest.ResultSet{N: n}
	for i, c := range q.Columns {
		typ := "NUMBER"
		if i%2 == 0 {
			typ = "NCHAR"
		}
		rs.Columns = append(rs.Columns, amandatest.Column{Name: c, Type: typ})
	}
	types := []driver.Value{"DS", "EX", "RW"}
	rs.Generate = func(i int64, dest []driver.Value) {
		dest[0], dest[1], dest[2], dest[3] = types[i%3], "50500", "2019-01-02", i
	}
	return rs
}

// TestLargeExportIsMultipart streams a result larger than two S3 parts: the
// object arrives as a multipart upload, complete and in order.
func TestLargeExportIsMultipart(t *testing.T) {
	t.Parallel()
	const n = 350_000
	f := setup(t)
	q, _ := amanda.Lookup("applications_received")
	f.conn.Handle(q.SQL, bigResult(n))
	logs, err := f.run(t, "--query", q.Name)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, logs)
	}
	body := f.s3.GetObject(t, bucket, q.Name+".csv")
	lines := bytes.Count(body, []byte("\n"))
	if lines != n+1 {
		t.Fatalf("object has %d lines, want %d", lines, n+1)
	}
	if !bytes.HasSuffix(body, []byte([]string{"DS", "EX", "RW"}[(n-1)%3]+",50500,2019-01-02,"+strconv.Itoa(n-1)+"\n")) {
		t.Errorf("object ends with %q", body[len(body)-40:])
	}
	if parts := f.s3.Count("UploadPart", bucket, q.Name+".csv"); parts < 2 {
		t.Errorf("%d parts uploaded, want a multipart upload (%d bytes)", parts, len(body))
	}
	if !strings.Contains(logs, "rows=350000") {
		t.Errorf("no row count in the logs:\n%s", logs)
	}
}

// TestFailureStoresNothing: a cursor failure part-way, or a query the
// database rejects, fails the job with exit code 1 and a message naming the
// system, the step and the row count, and no object (nor pending upload) is
// left in the bucket.
func TestFailureStoresNothing(t *testing.T) {
	t.Parallel()
	q, _ := amanda.Lookup("applications_received")
	tests := []struct {
		name string
		rs   func() amandatest.ResultSet
		want []string
		// multipart: the failure comes after the first part went out, so
		// the upload must have been started and then aborted.
		multipart bool
	}{
		{name: "cursor fails after a multipart upload began", rs: func() amandatest.ResultSet {
			rs := bigResult(400_000)
			rs.ErrAfter, rs.Err = 330_000, errors.New("ORA-03113: end-of-file on communication channel")
			return rs
		}, want: []string{"amanda", "fetch", "applications_received", "after 330000 rows", "ORA-03113"}, multipart: true},
		{name: "cursor fails at once", rs: func() amandatest.ResultSet {
			rs := bigResult(10)
			rs.ErrAfter, rs.Err = 0, errors.New("ORA-00942: table or view does not exist")
			return rs
		}, want: []string{"amanda", "fetch", "ORA-00942"}},
		{name: "unexpected columns", rs: func() amandatest.ResultSet {
			rs := bigResult(10)
			rs.Columns[2].Name = "TO_CHAR(ROUND(INDATE,'DDD'),'YYYY-MM-DD HH24')"
			return rs
		}, want: []string{"amanda", "columns", "unexpected result columns"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			f.conn.Handle(q.SQL, tt.rs())
			_, err := f.run(t, "--query", q.Name)
			if code := jobkit.ExitCode(err); code != 1 {
				t.Fatalf("exit code %d (%v), want 1", code, err)
			}
			var stderr bytes.Buffer
			jobkit.Exit(name, err, &stderr)
			for _, w := range tt.want {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("message %q lacks %q", stderr.String(), w)
				}
			}
			if keys := f.s3.Keys(t, bucket, ""); len(keys) != 0 {
				t.Errorf("bucket holds %q after a failure", keys)
			}
			if ups := f.s3.Uploads(t, bucket); len(ups) != 0 {
				t.Errorf("pending multipart uploads %q", ups)
			}
			key := q.Name + ".csv"
			wantStarted := 0
			if tt.multipart {
				wantStarted = 1
			}
			for op, want := range map[string]int{
				"CreateMultipartUpload":   wantStarted,
				"AbortMultipartUpload":    wantStarted,
				"CompleteMultipartUpload": 0,
				"PutObject":               0,
			} {
				if got := f.s3.Count(op, bucket, key); got != want {
					t.Errorf("%s requests = %d, want %d", op, got, want)
				}
			}
		})
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	t.Parallel()
	f := setup(t)
	logs, err := f.run(t, "--dry-run", "--query", "active_permits")
	if err != nil {
		t.Fatalf("run: %v\n%s", err, logs)
	}
	if reqs := f.s3.Requests(); len(reqs) != 0 {
		t.Errorf("dry run sent %d S3 requests, want none: %+v", len(reqs), reqs)
	}
	if keys := f.s3.Keys(t, bucket, ""); len(keys) != 0 {
		t.Fatalf("dry run wrote %q", keys)
	}
	for _, want := range []string{"DRY RUN", "would write active_permits.csv", "FOLDERTYPE,ACTIVEPERMITS\nDS,187\n", "rows=3"} {
		if !strings.Contains(logs, want) {
			t.Errorf("output lacks %q:\n%s", want, logs)
		}
	}
	if got := f.conn.Executed(); len(got) != 1 {
		t.Errorf("dry run ran %d queries, want 1", len(got))
	}
}

func TestSampleMode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     []string
		files    []string
		previews []string // queries whose dry-run preview is printed, once each
	}{
		{name: "all queries by default", files: amanda.Names()},
		{name: "one query", args: []string{"--query", "review_time"}, files: []string{"review_time"}},
		{name: "dry run writes nothing", args: []string{"--dry-run"}, previews: amanda.Names()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := t.TempDir()
			var buf jobtest.Buffer
			err := run(t.Context(), append([]string{"--out", out}, tt.args...), jobkit.MapEnv(nil), &buf)
			if err != nil {
				t.Fatalf("run: %v\n%s", err, buf.String())
			}
			first, _, _ := strings.Cut(buf.String(), "\n")
			if !strings.Contains(first, "SAMPLE MODE") {
				t.Fatalf("first log line does not say sample mode: %q", first)
			}
			entries, err := os.ReadDir(out)
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != len(tt.files) {
				t.Errorf("wrote %d files, want %d", len(entries), len(tt.files))
			}
			for _, q := range tt.files {
				got, err := os.ReadFile(filepath.Join(out, q+".csv"))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, goldenCSV(t, q)) {
					t.Errorf("%s.csv differs from the golden CSV:\n%s", q, got)
				}
			}
			if n := strings.Count(buf.String(), "--- dry run: would write "); n != len(tt.previews) {
				t.Errorf("%d dry-run previews printed, want %d:\n%s", n, len(tt.previews), buf.String())
			}
			for _, q := range tt.previews {
				header, _, _ := strings.Cut(string(goldenCSV(t, q)), "\n")
				if !strings.Contains(buf.String(), "would write "+q+".csv") || !strings.Contains(buf.String(), header+"\n") {
					t.Errorf("no dry-run preview of %s.csv with its header %q:\n%s", q, header, buf.String())
				}
			}
		})
	}
}

func TestConfigurationErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		drop    []string
		set     map[string]string
		args    []string
		wantMsg []string
	}{
		{name: "missing DB_PASS", drop: []string{"DB_PASS"}, args: []string{"--query", "active_permits"},
			wantMsg: []string{"missing required environment variable DB_PASS"}},
		{name: "missing bucket", drop: []string{"BUCKET_NAME"}, args: []string{"--query", "active_permits"},
			wantMsg: []string{"BUCKET_NAME"}},
		{name: "S3 key id without its secret", drop: []string{"EXEC_DASH_PASS"}, args: []string{"--query", "active_permits"},
			wantMsg: []string{"EXEC_DASH_PASS"}},
		{name: "S3 secret without its key id", drop: []string{"EXEC_DASH_ACCESS_ID"}, args: []string{"--query", "active_permits"},
			wantMsg: []string{"EXEC_DASH_ACCESS_ID"}},
		{name: "bad PORT", set: map[string]string{"PORT": "15x21"}, args: []string{"--query", "active_permits"},
			wantMsg: []string{"PORT"}},
		{name: "no query", wantMsg: []string{"--query is required", "active_permits"}},
		{name: "unknown query", args: []string{"--query", "permits"},
			wantMsg: []string{"unknown query", "applications_received, issued_permits, active_permits, review_time, ex_permits_issued"}},
		{name: "unknown flag", args: []string{"--bogus"}, wantMsg: []string{"bogus"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			for _, k := range tt.drop {
				delete(f.env, k)
			}
			maps.Copy(f.env, tt.set)
			_, err := f.run(t, tt.args...)
			var stderr bytes.Buffer
			if code := jobkit.Exit(name, err, &stderr); code != 2 {
				t.Fatalf("exit code %d (%v), want 2", code, err)
			}
			for _, w := range tt.wantMsg {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr %q lacks %q", stderr.String(), w)
				}
			}
			if strings.Count(stderr.String(), "\n") != 1 {
				t.Errorf("stderr is not one line: %q", stderr.String())
			}
			if len(f.opened) != 0 || len(f.conn.Executed()) != 0 || len(f.s3.Requests()) != 0 {
				t.Error("work started despite the configuration error")
			}
		})
	}
}

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return strconv.Itoa(port)
}

// TestSecretsNeverPrinted runs the job with recognisable secrets — through
// the real go-ora driver against a closed loopback port, and through the
// replay with debug logs and a dry run — and checks no secret is printed.
func TestSecretsNeverPrinted(t *testing.T) {
	t.Parallel()
	s3Secret := "s3-SECRET-pass-0xFEEDFACE"
	tests := []struct {
		name    string
		args    []string
		real    bool
		wantErr bool
	}{
		{name: "real driver, connection refused", args: []string{"-v", "--query", "active_permits"}, real: true, wantErr: true},
		{name: "real driver, JSON logs", args: []string{"-v", "--log-json", "--query", "review_time"}, real: true, wantErr: true},
		{name: "success, debug logs", args: []string{"-v", "--query", "review_time"}},
		{name: "dry run", args: []string{"-v", "--dry-run", "--query", "active_permits"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			f.env["EXEC_DASH_PASS"] = s3Secret
			var out jobtest.Buffer
			var err error
			if tt.real {
				f.env["HOST"], f.env["PORT"] = "127.0.0.1", closedPort(t)
				err = run(t.Context(), tt.args, jobkit.MapEnv(f.env), &out)
			} else {
				err = runWith(t.Context(), tt.args, jobkit.MapEnv(f.env), &out, f.open)
			}
			if (err != nil) != tt.wantErr {
				t.Fatalf("error = %v, want error: %v\n%s", err, tt.wantErr, out.String())
			}
			var stderr bytes.Buffer
			jobkit.Exit(name, err, &stderr)
			printed := out.String() + stderr.String()
			for _, secret := range []string{dbPass, "Pa55", s3Secret} {
				if strings.Contains(printed, secret) {
					t.Fatalf("secret %q printed:\n%s", secret, printed)
				}
			}
			if tt.real && (!strings.Contains(stderr.String(), "connection refused") || jobkit.ExitCode(err) != 1) {
				t.Errorf("stderr %q (exit %d), want a refused connection and exit 1", stderr.String(), jobkit.ExitCode(err))
			}
			if !strings.Contains(printed, "exec_dash_ro") && tt.args[0] == "-v" && !tt.real {
				t.Errorf("debug log does not show the (redacted) settings:\n%s", printed)
			}
		})
	}
}

// sinkS3 is an S3 endpoint on loopback that accepts uploads (PutObject and
// the multipart calls) and discards the data, counting it, so a test can
// measure the job's own memory while a large object streams through:
// s3test's in-memory backend would itself hold the whole object.
type sinkS3 struct {
	mu              sync.Mutex
	bytes           int64
	parts, puts     int
	completed, abrt int
}

func (s *sinkS3) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	n, err := io.Copy(io.Discard, r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	w.Header().Set("Content-Type", "application/xml")
	switch {
	case r.Method == http.MethodPost && q.Has("uploads"):
		io.WriteString(w, `<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>sink-1</UploadId></InitiateMultipartUploadResult>`)
	case r.Method == http.MethodPut && q.Has("partNumber"):
		s.parts++
		s.bytes += n
		w.Header().Set("ETag", `"part-`+q.Get("partNumber")+`"`)
	case r.Method == http.MethodPost && q.Has("uploadId"):
		s.completed++
		io.WriteString(w, `<CompleteMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><ETag>"sink"</ETag></CompleteMultipartUploadResult>`)
	case r.Method == http.MethodDelete && q.Has("uploadId"):
		s.abrt++
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodPut:
		s.puts++
		s.bytes += n
		w.Header().Set("ETag", `"sink"`)
	default:
		http.Error(w, "sinkS3: unexpected "+r.Method+" "+r.URL.String(), http.StatusNotImplemented)
	}
}

// TestLargeExportStreamsToS3 runs the job, with its default S3 settings, on
// a generated result of about 200 MiB of CSV and samples the live heap while
// rows flow: cursor → CSV → pipe → transfermanager → S3 must hold a bounded
// number of parts, never the object. Not parallel: the heap is the
// process's, and other tests' uploads would be counted too.
func TestLargeExportStreamsToS3(t *testing.T) {
	if testing.Short() {
		t.Skip("streams about 200 MiB")
	}
	const (
		n       = 500_000
		wide    = 400       // bytes of the first column of every row
		limit   = 100 << 20 // live heap ceiling; holding the object needs > 200 MiB
		sampleN = 25_000    // rows between two heap samples
	)
	sink := &sinkS3{}
	srv := httptest.NewServer(sink)
	t.Cleanup(srv.Close)

	q, _ := amanda.Lookup("applications_received")
	rs := bigResult(n)
	pad := strings.Repeat("x", wide)
	generate := rs.Generate
	rs.Generate = func(i int64, dest []driver.Value) {
		generate(i, dest)
		dest[0] = pad
	}
	conn := amandatest.NewConnector()
	conn.Handle(q.SQL, rs)

	var peak uint64
	samples := 0
	open := func(cfg amanda.Config, opts amanda.Options) (*amanda.Client, error) {
		opts.ProgressEvery = sampleN
		opts.Progress = func(string, int64) {
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
			samples++
		}
		return amanda.New(sql.OpenDB(conn), opts), nil
	}
	env := map[string]string{
		"HOST": "amanda-rr.test", "SERVICE_NAME": "AMANDARR", "DB_USER": "exec_dash_ro", "DB_PASS": dbPass,
		"BUCKET_NAME": bucket, "AWS_ENDPOINT_URL_S3": srv.URL, "AWS_REGION": "us-east-1",
		"EXEC_DASH_ACCESS_ID": "sink-id", "EXEC_DASH_PASS": "sink-secret",
	}
	var out jobtest.Buffer
	if err := runWith(t.Context(), []string{"--query", q.Name}, jobkit.MapEnv(env), &out, open); err != nil {
		t.Fatalf("run: %v\n%.2000s", err, out.String())
	}

	sink.mu.Lock()
	defer sink.mu.Unlock()
	if min := int64(n * wide); sink.bytes < min {
		t.Fatalf("S3 received %d bytes, want more than %d", sink.bytes, min)
	}
	if sink.parts < 2 || sink.completed != 1 || sink.puts != 0 || sink.abrt != 0 {
		t.Errorf("uploads: %d parts, %d completed, %d single puts, %d aborted; want one multipart upload",
			sink.parts, sink.completed, sink.puts, sink.abrt)
	}
	if samples != n/sampleN {
		t.Errorf("%d heap samples, want %d", samples, n/sampleN)
	}
	if peak == 0 || peak > limit {
		t.Errorf("live heap peaked at %d MiB while streaming %d MiB, limit %d MiB", peak>>20, sink.bytes>>20, limit>>20)
	}
	t.Logf("%d MiB in %d parts, peak live heap %d MiB", sink.bytes>>20, sink.parts, peak>>20)
}

// TestSampleFeedsTheOtherJobs checks that the sample files this job writes
// are the ones the downstream jobs' samples read: active_permits reads
// active_permits.csv, row_data_summary the two daily files. The samples must
// tell one story, so that a preview of the sample outputs shows what a chain
// of sample runs would publish.
func TestSampleFeedsTheOtherJobs(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	var buf jobtest.Buffer
	if err := run(t.Context(), []string{"--out", out}, jobkit.MapEnv(nil), &buf); err != nil {
		t.Fatalf("run: %v\n%s", err, buf.String())
	}
	for key, consumer := range map[string]string{
		"active_permits.csv":        "../active_permits/sample",
		"applications_received.csv": "../row_data_summary/sample",
		"issued_permits.csv":        "../row_data_summary/sample",
	} {
		got, err := os.ReadFile(filepath.Join(out, key))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join(consumer, key))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("the sample writes %s:\n%s\nbut %s holds:\n%s", key, got, consumer, want)
		}
	}
}
