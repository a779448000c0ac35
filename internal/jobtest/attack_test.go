package jobtest_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cityofaustin/atd-executive-dashboard/finance/financetest"
	"github.com/cityofaustin/atd-executive-dashboard/internal/faultnet"
	"github.com/cityofaustin/atd-executive-dashboard/internal/jobtest"
	"github.com/cityofaustin/atd-executive-dashboard/internal/s3test"
	"github.com/cityofaustin/atd-executive-dashboard/internal/socratatest"
)

// These tests attack the built job binaries on loopback as issue 11
// describes: each fault is served by a local server, the job runs as a
// process with exactly the environment given, and the outcome (exit code,
// the one stderr line, what reached which host) is checked from outside.

const csrDataset = "csr0-test"

// recorder is a server that records every request it gets (method, path,
// credential headers) and answers 200 "[]".
type recorder struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []*http.Request
}

func startRecorder(t *testing.T) *recorder {
	t.Helper()
	r := &recorder{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.reqs = append(r.reqs, req.Clone(req.Context()))
		r.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, "[]")
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.reqs)
}

func csrReport(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "csr", "testdata", "report_sample.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// reportServer serves body as the 3-1-1 report through handle, or whole.
func reportServer(t *testing.T, handle http.HandlerFunc) string {
	t.Helper()
	srv := httptest.NewServer(handle)
	t.Cleanup(srv.Close)
	return srv.URL + "/reports/csr?key=REPORT-SECRET"
}

func csrEnv(report, soWeb string) map[string]string {
	return map[string]string{
		"CSR_ENDPOINT": report, "CSR_DATASET": csrDataset,
		"SO_WEB": soWeb, "SO_TOKEN": socratatest.AppToken, "SO_KEY": socratatest.KeyID, "SO_SECRET": socratatest.KeySecret,
	}
}

// dashBucket starts an S3 server with an empty bucket "dash" and returns
// it with the environment that points a job at that bucket.
func dashBucket(t *testing.T) (*s3test.Server, map[string]string) {
	t.Helper()
	s3 := s3test.Start(t)
	s3.CreateBucket(t, "dash")
	return s3, s3.Env("dash")
}

// leftNothing fails t if the failed run r printed the secret or stored
// any object in the bucket "dash".
func leftNothing(t *testing.T, s3 *s3test.Server, r result, secret string) {
	t.Helper()
	jobtest.NoSecrets(t, r.stdout+r.stderr, map[string]string{"the password": secret})
	if keys := s3.Keys(t, "dash", ""); len(keys) != 0 {
		t.Errorf("stored %v", keys)
	}
}

// oneLine checks the run failed with exit code want and one stderr line
// holding each of subs, and no secret nor stack trace anywhere.
func oneLine(t *testing.T, r result, want int, subs ...string) {
	t.Helper()
	if r.code != want {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, want, r.stdout, r.stderr)
	}
	if strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("stderr is not one line:\n%s", r.stderr)
	}
	for _, s := range subs {
		if !strings.Contains(r.stderr, s) {
			t.Errorf("stderr lacks %q:\n%s", s, r.stderr)
		}
	}
	for _, bad := range []string{"REPORT-SECRET", socratatest.KeySecret, socratatest.AppToken, "goroutine ", "[signal "} {
		if strings.Contains(r.stdout+r.stderr, bad) {
			t.Errorf("output holds %q:\nstdout:\n%s\nstderr:\n%s", bad, r.stdout, r.stderr)
		}
	}
}

// TestAttackUpsertRedirected: a 302 on an upsert is an error naming the
// Location; nothing reaches the other host and nothing is called
// published.
func TestAttackUpsertRedirected(t *testing.T) {
	t.Parallel()
	dir, _ := binaries(t)
	other := startRecorder(t)
	soc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusFound)
	}))
	t.Cleanup(soc.Close)
	report := csrReport(t)
	url := reportServer(t, func(w http.ResponseWriter, _ *http.Request) { w.Write(report) })
	r := runJob(t, filepath.Join(dir, "csr_to_socrata"), csrEnv(url, soc.URL))
	oneLine(t, r, 1, "redirect to "+other.URL, "refused", "nothing landed")
	if n := other.count(); n != 0 {
		t.Errorf("the other host got %d requests", n)
	}
	if strings.Contains(r.stdout, "published") {
		t.Errorf("a refused upsert was logged as published:\n%s", r.stdout)
	}
}

// TestAttackCredentialsOnRedirect: a GET redirected to another host is not
// followed: the Socrata app token and Basic key (socrata_metadata's
// catalog) and the Smartsheet bearer token (smartsheet_to_s3) never reach
// it.
func TestAttackCredentialsOnRedirect(t *testing.T) {
	t.Parallel()
	dir, _ := binaries(t)
	for _, tc := range []struct {
		job string
		env func(redirector string) map[string]string
	}{
		{"socrata_metadata", func(red string) map[string]string {
			return map[string]string{"SO_WEB": red, "SO_TOKEN": socratatest.AppToken, "SO_KEY": socratatest.KeyID, "SO_SECRET": socratatest.KeySecret}
		}},
		{"smartsheet_to_s3", func(red string) map[string]string {
			_, env := dashBucket(t)
			env["SMARTSHEET_ACCESS_TOKEN"] = "SMARTSHEET-SECRET"
			env["SMARTSHEET_API_BASE"] = red + "/2.0"
			return env
		}},
	} {
		t.Run(tc.job, func(t *testing.T) {
			t.Parallel()
			other := startRecorder(t)
			red := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, other.URL+r.URL.RequestURI(), http.StatusFound)
			}))
			t.Cleanup(red.Close)
			r := runJob(t, filepath.Join(dir, tc.job), tc.env(red.URL), "--request-timeout", "5s")
			if r.code != 1 {
				t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stderr, "redirect") {
				t.Errorf("stderr does not name the redirect:\n%s", r.stderr)
			}
			other.mu.Lock()
			defer other.mu.Unlock()
			for _, req := range other.reqs {
				if req.Header.Get("Authorization") != "" || req.Header.Get("X-App-Token") != "" {
					t.Errorf("credentials reached the other host: %s %s %v", req.Method, req.URL, req.Header)
				}
			}
			if strings.Contains(r.stdout+r.stderr, "SMARTSHEET-SECRET") {
				t.Errorf("the Smartsheet token was printed")
			}
		})
	}
}

// TestAttackMicroStrategyRedirect: finance_reports_to_s3 against a
// MicroStrategy whose GETs (or whose login POST) are redirected to another
// host: the run fails, and neither the session token, the session cookie
// nor the password reaches the other host.
func TestAttackMicroStrategyRedirect(t *testing.T) {
	t.Parallel()
	dir, _ := binaries(t)
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		t.Run(method, func(t *testing.T) {
			t.Parallel()
			other := startRecorder(t)
			fake := financetest.NewFake(financetest.Options{Username: "svc", Password: "MSTR-SECRET", ProjectID: "0123456789ABCDEF0123456789ABCDEF"})
			fake.Intercept = func(w http.ResponseWriter, r *http.Request) bool {
				if r.Method != method {
					return false
				}
				http.Redirect(w, r, other.URL+r.URL.RequestURI(), http.StatusFound)
				return true
			}
			srv := httptest.NewServer(fake)
			t.Cleanup(srv.Close)
			s3, env := dashBucket(t)
			env["BASE_URL"], env["MSTRO_USERNAME"], env["MSTRO_PASSWORD"], env["PROJECT_ID"] = srv.URL+"/MicroStrategyLibrary", "svc", "MSTR-SECRET", "0123456789ABCDEF0123456789ABCDEF"
			r := runJob(t, filepath.Join(dir, "finance_reports_to_s3"), env, "--year", "2024", "--month", "1", "--request-timeout", "5s")
			if r.code != 1 || !strings.Contains(r.stderr, "redirect") {
				t.Fatalf("exit %d, want 1 naming the redirect\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
			}
			other.mu.Lock()
			defer other.mu.Unlock()
			for _, req := range other.reqs {
				if req.Header.Get("X-MSTR-AuthToken") != "" || req.Header.Get("Cookie") != "" || req.Header.Get("Authorization") != "" || req.Method != http.MethodGet {
					t.Errorf("reached the other host: %s %s %v", req.Method, req.URL, req.Header)
				}
			}
			leftNothing(t, s3, r, "MSTR-SECRET")
		})
	}
}

// TestAttackSilentServers: an S3 endpoint, a Socrata and a 3-1-1 report
// endpoint that accept the connection and never answer fail the job, exit
// 1, in bounded time under --request-timeout 2s.
func TestAttackSilentServers(t *testing.T) {
	t.Parallel()
	dir, _ := binaries(t)
	report := csrReport(t)
	for _, tc := range []struct {
		name, job string
		env       func() map[string]string
		within    time.Duration
		want      []string
	}{
		{"silent S3, region asked", "active_permits", func() map[string]string {
			soc := socratatest.Start(t)
			env := soc.Env()
			env["BUCKET_NAME"], env["ACTIVE_DATASET"] = "dash", "actv-prmt"
			env["AWS_ENDPOINT_URL_S3"] = "http://" + faultnet.Silent(t)
			env["EXEC_DASH_ACCESS_ID"], env["EXEC_DASH_PASS"] = s3test.AccessKeyID, s3test.SecretAccessKey
			return env
		}, 20 * time.Second, []string{"timeout"}},
		{"silent S3, region given", "active_permits", func() map[string]string {
			soc := socratatest.Start(t)
			env := soc.Env()
			env["BUCKET_NAME"], env["ACTIVE_DATASET"], env["AWS_REGION"] = "dash", "actv-prmt", "us-east-1"
			env["AWS_ENDPOINT_URL_S3"] = "http://" + faultnet.Silent(t)
			env["EXEC_DASH_ACCESS_ID"], env["EXEC_DASH_PASS"] = s3test.AccessKeyID, s3test.SecretAccessKey
			return env
		}, 20 * time.Second, []string{"timeout"}},
		{"silent Socrata", "csr_to_socrata", func() map[string]string {
			url := reportServer(t, func(w http.ResponseWriter, _ *http.Request) { w.Write(report) })
			return csrEnv(url, "http://"+faultnet.Silent(t))
		}, 60 * time.Second, []string{"nothing had landed before it; chunk 1 (from report row 1, up to 10000 rows) may have landed", "no response after 5 attempt(s)", "request timeout"}},
		{"silent 3-1-1 report", "csr_to_socrata", func() map[string]string {
			return csrEnv("http://"+faultnet.Silent(t)+"/r", socratatest.Start(t).URL)
		}, 60 * time.Second, []string{"3-1-1 report", "nothing was published"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			r := runJob(t, filepath.Join(dir, tc.job), tc.env(), "--request-timeout", "2s")
			took := time.Since(start)
			t.Logf("%s: exit %d after %v: %s", tc.name, r.code, took.Round(10*time.Millisecond), strings.TrimSpace(r.stderr))
			oneLine(t, r, 1, tc.want...)
			if took > tc.within {
				t.Errorf("took %v, want under %v", took, tc.within)
			}
		})
	}
}

// TestAttackCatalogIgnoresPaging: a Discovery API that answers every page
// with the first one stops the listing with an error.
func TestAttackCatalogIgnoresPaging(t *testing.T) {
	t.Parallel()
	dir, _ := binaries(t)
	var pages atomic.Int64
	soc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/api/catalog/") {
			http.Error(w, `{"error":true,"message":"no"}`, http.StatusNotFound)
			return
		}
		pages.Add(1)
		limit := 1000
		fmt.Sscan(r.URL.Query().Get("limit"), &limit)
		var results []map[string]any
		for i := range limit {
			results = append(results, map[string]any{"resource": map[string]any{"id": fmt.Sprintf("a%03d-%04d", i/1000, i%1000), "name": "x", "type": "dataset"}})
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"results": results, "resultSetSize": 1000000})
	}))
	t.Cleanup(soc.Close)
	env := map[string]string{"SO_WEB": soc.URL, "SO_KEY": socratatest.KeyID, "SO_SECRET": socratatest.KeySecret}
	start := time.Now()
	r := runJob(t, filepath.Join(dir, "socrata_metadata"), env)
	oneLine(t, r, 1, "catalog")
	if !strings.Contains(r.stderr, "ignores paging") && !strings.Contains(r.stderr, "does not advance") {
		t.Errorf("stderr does not say the paging is stuck:\n%s", r.stderr)
	}
	if n := pages.Load(); n > 10 || time.Since(start) > 30*time.Second {
		t.Errorf("%d pages in %v before the error", n, time.Since(start))
	}
}

// TestAttackReportCut: a 3-1-1 report cut inside its last field, served
// chunked (no Content-Length), fails the job saying the report was cut;
// its last row is not published.
func TestAttackReportCut(t *testing.T) {
	t.Parallel()
	dir, _ := binaries(t)
	report := csrReport(t)
	cut := report[:len(report)-4] // the last line without its "\r\n"
	url := reportServer(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Write(cut[:100])
		w.(http.Flusher).Flush() // chunked from here: no Content-Length
		w.Write(cut[100:])
	})
	soc := socratatest.Start(t)
	env := csrEnv(url, soc.URL)
	r := runJob(t, filepath.Join(dir, "csr_to_socrata"), env, "--chunk-size", "1")
	oneLine(t, r, 1, "cut")
	if n := len(soc.Upserts(csrDataset)); n != 5 {
		t.Errorf("%d rows published, want the 5 before the cut one", n)
	}
}

// TestAttackHugeField: a report field that never ends fails the job with a
// short message, without reading it whole.
func TestAttackHugeField(t *testing.T) {
	t.Parallel()
	dir, _ := binaries(t)
	report := csrReport(t)
	header := report[:bytes.Index(report, []byte{'\n', 0})+2]
	const size = 256 << 20 // 256 MiB of one field
	var sent atomic.Int64
	url := reportServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Write(header)
		chunk := bytes.Repeat([]byte{'A', 0}, 32<<10)
		for sent.Load() < size {
			if _, err := w.Write(chunk); err != nil {
				return
			}
			sent.Add(int64(len(chunk)))
		}
	})
	soc := socratatest.Start(t)
	r := runJob(t, filepath.Join(dir, "csr_to_socrata"), csrEnv(url, soc.URL))
	oneLine(t, r, 1)
	if len(r.stderr) > 600 {
		t.Errorf("stderr is %d bytes:\n%.600s", len(r.stderr), r.stderr)
	}
	if n := sent.Load(); n >= size {
		t.Errorf("the job read the whole %d-byte field", n)
	}
	if len(soc.Requests()) != 0 {
		t.Errorf("published despite the broken report")
	}
}

// TestAttackJunkOnOraclePort: junk answering the TNS connect is a one-line
// error, exit 1, no stack trace.
func TestAttackJunkOnOraclePort(t *testing.T) {
	t.Parallel()
	dir, _ := binaries(t)
	// An 8-byte ACCEPT packet with no body, then junk.
	addr := faultnet.Answer(t, append([]byte{0, 8, 0, 0, 2, 0, 0, 0}, bytes.Repeat([]byte("junk"), 64)...))
	s3, env := dashBucket(t)
	_, port, _ := net.SplitHostPort(addr)
	env["HOST"], env["PORT"], env["SERVICE_NAME"], env["DB_USER"], env["DB_PASS"] = "127.0.0.1", port, "amanda", "reader", "DB-SECRET"
	r := runJob(t, filepath.Join(dir, "amanda_to_s3"), env, "--query", "active_permits")
	oneLine(t, r, 1, "Oracle")
	leftNothing(t, s3, r, "DB-SECRET")
}

// TestAttackSIGTERMDuringUpsert: SIGTERM while chunk 2 of an upsert is in
// flight ends the job within seconds; the message names the signal, the
// chunk that landed, and the chunk in flight as one that may have landed.
func TestAttackSIGTERMDuringUpsert(t *testing.T) {
	t.Parallel()
	dir, _ := binaries(t)
	report := csrReport(t)
	url := reportServer(t, func(w http.ResponseWriter, _ *http.Request) { w.Write(report) })
	var upserts atomic.Int64
	inFlight := make(chan struct{})
	soc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if upserts.Add(1) == 1 {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"Rows Created":2,"Rows Updated":0,"Rows Deleted":0,"Errors":0}`)
			return
		}
		close(inFlight)
		<-r.Context().Done() // chunk 2 hangs until the job gives up on it
	}))
	t.Cleanup(soc.Close)
	for _, logJSON := range []bool{false, true} {
		t.Run(fmt.Sprintf("log-json=%v", logJSON), func(t *testing.T) {
			upserts.Store(0)
			inFlight = make(chan struct{})
			args := []string{"--chunk-size", "2"}
			if logJSON {
				args = append(args, "--log-json")
			}
			r, took := sigtermWhen(t, filepath.Join(dir, "csr_to_socrata"), csrEnv(url, soc.URL), inFlight, "chunk 2 never arrived", args...)
			oneLine(t, r, 1, "SIGTERM", "chunk 2 may have landed", "2 rows in 1 chunks landed before it")
			if strings.Contains(r.stderr, "rows 3 and later were not published") {
				t.Errorf("the chunk in flight is called not published:\n%s", r.stderr)
			}
			if took > 5*time.Second {
				t.Errorf("exit took %v after SIGTERM", took)
			}
			if logJSON {
				var final map[string]any
				sc := bufio.NewScanner(strings.NewReader(r.stdout))
				for sc.Scan() {
					if err := json.Unmarshal(sc.Bytes(), &final); err != nil {
						t.Fatalf("stdout line is not JSON: %q", sc.Text())
					}
				}
				if final["msg"] != "finished" || final["exit_code"] != float64(1) || !strings.Contains(fmt.Sprint(final["error"]), "SIGTERM") {
					t.Errorf("final record %v: want finished, exit_code 1, an error naming SIGTERM", final)
				}
			}
		})
	}
}

// sigtermWhen starts bin as runJob does and sends it SIGTERM once ready
// yields; if that takes over 30 s it kills the job and fails the test
// with notReady. It returns the outcome and how long the job took to exit
// after the signal.
func sigtermWhen(t *testing.T, bin string, env map[string]string, ready <-chan struct{}, notReady string, args ...string) (result, time.Duration) {
	t.Helper()
	cmd, stdout, stderr := jobCmd(t, bin, env, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ready:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("%s\n%s%s", notReady, stdout.String(), stderr.String())
	}
	sent := time.Now()
	cmd.Process.Signal(syscall.SIGTERM)
	err := cmd.Wait()
	took := time.Since(sent)
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	}
	r := result{code: code, stdout: stdout.String(), stderr: stderr.String()}
	t.Logf("exit %d %v after SIGTERM: %s", code, took.Round(time.Millisecond), strings.TrimSpace(r.stderr))
	return r, took
}

// liveValue is a plausible value for a required variable, pointing at a
// port on loopback where nothing listens.
func liveValue(k string) string {
	switch {
	case strings.HasSuffix(k, "_DATASET"):
		return "abcd-1234"
	case k == "BUCKET_NAME":
		return "dash"
	case k == "SO_WEB":
		return "http://127.0.0.1:1"
	case k == "CSR_ENDPOINT" || k == "FLEX_NOTE_ENDPOINT" || k == "BASE_URL" || k == "SMARTSHEET_API_BASE":
		return "http://127.0.0.1:1/x"
	case k == "HOST":
		return "127.0.0.1"
	case k == "PROJECT_ID":
		return "0123456789ABCDEF0123456789ABCDEF"
	}
	return "x"
}

// TestLogJSONLiveFailure: every job, live, with every system refusing the
// connection, and --log-json (with and without --dry-run): exit 1, every
// stdout line is one JSON object, the last the final record at ERROR with
// the error stderr printed; a dry run never says published or written.
func TestLogJSONLiveFailure(t *testing.T) {
	t.Parallel()
	dir, jobs := binaries(t)
	// Every run waits on retries of refused connections (seconds of
	// backoff, little CPU), so all of them run at once, then each is
	// checked in its own subtest; as parallel subtests they would run two
	// at a time and take minutes.
	type run struct {
		job   string
		dry   bool
		took  time.Duration
		r     result
		err   error // the run could not be started or waited for
		ready chan struct{}
	}
	var runs []*run
	for _, job := range jobs {
		for _, dry := range []bool{false, true} {
			rn := &run{job: job, dry: dry, ready: make(chan struct{})}
			runs = append(runs, rn)
			bin := filepath.Join(dir, job)
			env := map[string]string{"DASHBOARD_MODE": "live", "PORT": "1", "SMARTSHEET_API_BASE": "http://127.0.0.1:1/2.0",
				"AWS_ENDPOINT_URL_S3": "http://127.0.0.1:1", "AWS_REGION": "us-east-1",
				"EXEC_DASH_ACCESS_ID": "k", "EXEC_DASH_PASS": "s", "AWS_ACCESS_KEY": "k", "AWS_SECRET_ACCESS_KEY": "s"}
			for _, k := range requiredOf(t, bin) {
				env[k] = liveValue(k)
			}
			args := []string{"--log-json", "--request-timeout", "1s"}
			switch job {
			case "amanda_to_s3":
				args = append(args, "--query", "all")
			case "dashboard_preview":
				// Six datasets each retried against a refused connection:
				// --timeout bounds them all, as it would in a real run.
				args = append(args, "--html", filepath.Join(t.TempDir(), "page.html"), "--timeout", "5s")
			}
			if dry {
				args = append(args, "--dry-run")
			}
			cmd, stdout, stderr := jobCmd(t, bin, env, args...)
			go func() {
				defer close(rn.ready)
				start := time.Now()
				err := cmd.Run()
				rn.took = time.Since(start)
				rn.r = result{stdout: stdout.String(), stderr: stderr.String()}
				var ee *exec.ExitError
				if errors.As(err, &ee) {
					rn.r.code = ee.ExitCode()
				} else {
					rn.err = err
				}
			}()
		}
	}
	for _, rn := range runs {
		t.Run(fmt.Sprintf("%s/dry-run=%v", rn.job, rn.dry), func(t *testing.T) {
			<-rn.ready
			if rn.err != nil {
				t.Fatalf("run: %v", rn.err)
			}
			r := rn.r
			if r.code != 1 {
				t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
			}
			t.Logf("%v: %s", rn.took.Round(time.Millisecond), strings.TrimSpace(r.stderr))
			jobtest.CheckFinal(t, rn.job, 1, r.stdout, r.stderr)
			if rn.dry {
				for _, rec := range jobtest.Records(t, r.stdout) {
					if m := fmt.Sprint(rec["msg"]); strings.Contains(m, "published") || strings.Contains(m, "written") {
						t.Errorf("a dry run logged %q", m)
					}
				}
			}
		})
	}
}

// TestAttackSIGTERMWithMicroStrategyHung: finance_reports_to_s3 against a
// MicroStrategy that hangs every request after the login, the logout
// included: SIGTERM ends the job within a few seconds (the logout is
// bounded), exit 1, naming the signal.
func TestAttackSIGTERMWithMicroStrategyHung(t *testing.T) {
	t.Parallel()
	dir, _ := binaries(t)
	hung := make(chan struct{}, 64)
	stop := make(chan struct{})
	fake := financetest.NewFake(financetest.Options{Username: "svc", Password: "MSTR-SECRET", ProjectID: "0123456789ABCDEF0123456789ABCDEF"})
	fake.Intercept = func(w http.ResponseWriter, r *http.Request) bool {
		if strings.HasSuffix(r.URL.Path, "/api/auth/login") {
			return false
		}
		select {
		case hung <- struct{}{}:
		default:
		}
		select {
		case <-r.Context().Done():
		case <-stop:
		}
		return true
	}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(stop) }) // runs first: the handlers return
	_, env := dashBucket(t)
	env["BASE_URL"], env["MSTRO_USERNAME"], env["MSTRO_PASSWORD"], env["PROJECT_ID"] = srv.URL+"/MicroStrategyLibrary", "svc", "MSTR-SECRET", "0123456789ABCDEF0123456789ABCDEF"
	r, took := sigtermWhen(t, filepath.Join(dir, "finance_reports_to_s3"), env, hung, "no request after the login", "--year", "2024", "--month", "1")
	if r.code != 1 || !strings.Contains(r.stderr, "SIGTERM") || strings.Count(r.stderr, "\n") != 1 {
		t.Fatalf("exit %d, stderr %q: want exit 1, one line naming SIGTERM", r.code, r.stderr)
	}
	if took > 6*time.Second {
		t.Errorf("exit took %v after SIGTERM, want a few seconds (the logout is bounded)", took)
	}
}

// TestAttackHugeErrorBody: a Socrata error whose message is 4 MiB gives a
// bounded one-line message, not a 4 MB one.
func TestAttackHugeErrorBody(t *testing.T) {
	t.Parallel()
	dir, _ := binaries(t)
	report := csrReport(t)
	url := reportServer(t, func(w http.ResponseWriter, _ *http.Request) { w.Write(report) })
	soc := socratatest.Start(t)
	soc.RejectChunk(1, http.StatusBadRequest, `{"code":"illegal.value","error":true,"message":"`+strings.Repeat("x", 4<<20)+`"}`)
	r := runJob(t, filepath.Join(dir, "csr_to_socrata"), csrEnv(url, soc.URL))
	oneLine(t, r, 1, "400", "illegal.value")
	if len(r.stderr) > 1500 || len(r.stdout) > 8000 {
		t.Errorf("stderr %d bytes, stdout %d bytes", len(r.stderr), len(r.stdout))
	}
	t.Logf("stderr %d bytes, stdout %d bytes", len(r.stderr), len(r.stdout))
}
