package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cityofaustin/atd-executive-dashboard/internal/jobtest"

	"github.com/cityofaustin/atd-executive-dashboard/finance"
	"github.com/cityofaustin/atd-executive-dashboard/finance/financetest"
	"github.com/cityofaustin/atd-executive-dashboard/internal/jobkit"
	"github.com/cityofaustin/atd-executive-dashboard/internal/s3test"
	"github.com/cityofaustin/atd-executive-dashboard/mstr"
	"github.com/cityofaustin/atd-executive-dashboard/mstr/mstrtest"
)

const (
	bucket      = "finance-bucket"
	mstrUser    = "svc-finance"
	mstrProject = "0123456789ABCDEF0123456789ABCDEF"
	// Recognisable secret values: none may ever be printed.
	mstrPassword = "mstr-SECRET-pw-0xBADC0DE"
	awsSecret    = "aws-SECRET-key-0xDEFACED"
)

type fixture struct {
	fake *mstrtest.Fake
	s3   *s3test.Server
	env  map[string]string
}

// setup starts a fake MicroStrategy Library server (both finance reports)
// and an S3-compatible server on loopback; rows, when set, overrides the
// data of each run.
func setup(t *testing.T, rows func(kind finance.Kind, dept string, m finance.Month) ([][]string, error)) *fixture {
	t.Helper()
	fake := financetest.NewFake(financetest.Options{Username: mstrUser, Password: mstrPassword, ProjectID: mstrProject, Rows: rows})
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	f := &fixture{fake: fake, s3: s3test.Start(t)}
	f.s3.CreateBucket(t, bucket)
	f.env = map[string]string{
		"BASE_URL":       srv.URL + "/MicroStrategyLibrary",
		"MSTRO_USERNAME": mstrUser,
		"MSTRO_PASSWORD": mstrPassword,
		"PROJECT_ID":     mstrProject,
	}
	maps.Copy(f.env, f.s3.Env(bucket))
	f.env["AWS_SECRET_ACCESS_KEY"] = awsSecret
	return f
}

// fixedNow is 2024-01-15 in Austin: the run covers December 2023 and
// January 2024.
func fixedNow() time.Time { return time.Date(2024, 1, 15, 18, 0, 0, 0, time.UTC) }

func (f *fixture) run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out jobtest.Buffer
	err := runWith(t.Context(), args, jobkit.MapEnv(f.env), &out, deps{now: fixedNow, retryWait: time.Millisecond})
	return out.String(), err
}

var allKeys = []string{
	"expenses/2023-12-31_2400.csv", "expenses/2023-12-31_6200.csv", "expenses/2024-01-31_2400.csv", "expenses/2024-01-31_6200.csv",
	"revenue/2023-12-31_2400.csv", "revenue/2023-12-31_6200.csv", "revenue/2024-01-31_2400.csv", "revenue/2024-01-31_6200.csv",
}

func TestWritesEveryReport(t *testing.T) {
	t.Parallel()
	f := setup(t, nil)
	logs, err := f.run(t)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, logs)
	}
	if keys := f.s3.Keys(t, bucket, ""); !slices.Equal(keys, allKeys) {
		t.Fatalf("keys = %q, want %q", keys, allKeys)
	}
	body := string(f.s3.GetObject(t, bucket, "revenue/2023-12-31_6200.csv"))
	lines := strings.Split(strings.TrimSuffix(body, "\n"), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "Fund@Code,Fund@Long Name,Department@Dept,") ||
		!strings.HasPrefix(lines[1], "8400,Mobility Fund,6200,") {
		t.Errorf("revenue/2023-12-31_6200.csv:\n%s", body)
	}
	if f.fake.Logins() != 1 || f.fake.Logouts() != 1 {
		t.Errorf("logins %d, logouts %d; want one session, closed", f.fake.Logins(), f.fake.Logouts())
	}
}

func TestYearAndMonthFlags(t *testing.T) {
	t.Parallel()
	f := setup(t, nil)
	if logs, err := f.run(t, "--year", "2024", "--month", "10"); err != nil {
		t.Fatalf("run: %v\n%s", err, logs)
	}
	keys := f.s3.Keys(t, bucket, "expenses/")
	want := []string{"expenses/2024-09-30_2400.csv", "expenses/2024-09-30_6200.csv", "expenses/2024-10-31_2400.csv", "expenses/2024-10-31_6200.csv"}
	if !slices.Equal(keys, want) {
		t.Errorf("keys = %q, want %q", keys, want)
	}
}

func TestFailuresAreNamedAndEmptyResultsSkipped(t *testing.T) {
	t.Parallel()
	f := setup(t, func(kind finance.Kind, dept string, m finance.Month) ([][]string, error) {
		switch {
		case kind == finance.KindRevenue && dept == "6200" && m.Month == 12:
			return nil, errors.New("warehouse timeout")
		case kind == finance.KindExpenses && dept == "2400" && m.Month == 1:
			return nil, nil
		}
		return financetest.DefaultRows(kind, dept, m), nil
	})
	logs, err := f.run(t)
	var stderr bytes.Buffer
	if code := jobkit.Exit(name, err, &stderr); code != 1 {
		t.Fatalf("exit code %d, want 1 (err %v)", code, err)
	}
	if !strings.Contains(stderr.String(), "revenue report, department 6200, 2023-12") || strings.Count(stderr.String(), "\n") != 1 {
		t.Errorf("stderr does not name the failed run in one line: %q", stderr.String())
	}
	keys := f.s3.Keys(t, bucket, "")
	want := slices.DeleteFunc(slices.Clone(allKeys), func(k string) bool {
		return k == "revenue/2023-12-31_6200.csv" || k == "expenses/2024-01-31_2400.csv"
	})
	if !slices.Equal(keys, want) {
		t.Errorf("keys = %q, want %q", keys, want)
	}
	if !strings.Contains(logs, "report is empty, nothing written") {
		t.Errorf("the empty result was not logged:\n%s", logs)
	}
	if f.fake.Logouts() != 1 {
		t.Errorf("logouts = %d; the session must be closed when a report fails", f.fake.Logouts())
	}
}

// TestLogoutIsBounded: a Library server that never answers the logout does
// not hold the job (Close runs with a context of its own, cancelled or not).
func TestLogoutIsBounded(t *testing.T) {
	t.Parallel()
	f := setup(t, nil)
	f.fake.Intercept = func(w http.ResponseWriter, r *http.Request) bool {
		if strings.HasSuffix(r.URL.Path, "/auth/logout") {
			<-r.Context().Done() // hang until the client gives up
			return true
		}
		return false
	}
	var out jobtest.Buffer
	start := time.Now()
	err := runWith(t.Context(), nil, jobkit.MapEnv(f.env), &out,
		deps{now: fixedNow, retryWait: time.Millisecond})
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("run took %v with a hanging logout", d)
	}
	if !strings.Contains(out.String(), "microstrategy logout failed") {
		t.Errorf("the failed logout was not logged:\n%s", out.String())
	}
}

func TestPromptListChanged(t *testing.T) {
	t.Parallel()
	f := setup(t, nil)
	rev := f.fake.Reports[finance.Revenue().ID]
	rev.Rounds = [][]mstr.Prompt{rev.Rounds[0][:4]} // the budget fiscal year prompt is gone
	_, err := f.run(t)
	if !errors.Is(err, mstr.ErrPromptMismatch) {
		t.Fatalf("err = %v, want a prompt mismatch", err)
	}
	if !strings.Contains(err.Error(), "position 5") || !strings.Contains(err.Error(), "revenue report") {
		t.Errorf("error does not name the prompt and the report: %v", err)
	}
	if n := len(f.s3.Keys(t, bucket, "revenue/")); n != 0 {
		t.Errorf("%d revenue files written", n)
	}
	if n := len(f.s3.Keys(t, bucket, "expenses/")); n != 4 {
		t.Errorf("%d expense files written, want 4", n)
	}
}

func TestSecretsNeverPrinted(t *testing.T) {
	t.Parallel()
	for _, mode := range []struct {
		name  string
		args  []string
		fault func(f *fixture)
	}{
		{name: "success, debug JSON logs", args: []string{"-v", "--log-json"}},
		{name: "login refused", args: []string{"-v"}, fault: func(f *fixture) { f.fake.Password = "another-password" }},
		{name: "server errors after retries", args: []string{"-v"}, fault: func(f *fixture) {
			f.fake.Intercept = func(w http.ResponseWriter, r *http.Request) bool {
				if strings.Contains(r.URL.Path, "/prompts") {
					mstrtest.WriteError(w, http.StatusServiceUnavailable, "ERR0016", "service not available")
					return true
				}
				return false
			}
		}},
		{name: "session expires, instances die with it", args: []string{"-v"}, fault: func(f *fixture) {
			f.fake.BindInstances = true
			var once sync.Once
			f.fake.Intercept = func(w http.ResponseWriter, r *http.Request) bool {
				if strings.Contains(r.URL.Path, "/prompts/answers") {
					once.Do(f.fake.ExpireSessions)
				}
				return false
			}
		}},
		{name: "dry run", args: []string{"--dry-run", "-v"}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, nil)
			if mode.fault != nil {
				mode.fault(f)
			}
			logs, err := f.run(t, mode.args...)
			var stderr bytes.Buffer
			jobkit.Exit(name, err, &stderr)
			printed := logs + stderr.String()
			for _, secret := range []string{mstrPassword, awsSecret, "fake-mstr-token", "fake-mstr-session"} {
				if strings.Contains(printed, secret) {
					t.Fatalf("%q was printed:\n%s", secret, printed)
				}
			}
			switch mode.name {
			case "login refused":
				if !errors.Is(err, mstr.ErrLoginFailed) {
					t.Fatalf("err = %v, want ErrLoginFailed", err)
				}
			case "server errors after retries":
				var apiErr *mstr.APIError
				if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 {
					t.Fatalf("err = %v, want the 503", err)
				}
			case "session expires, instances die with it":
				// Logged in again once; the reports whose instances died
				// fail, saying so, and are not run again here.
				if !errors.Is(err, mstr.ErrNotFound) || !strings.Contains(err.Error(), "run the report again") {
					t.Fatalf("err = %v, want the lost instances' 404, explained", err)
				}
			default:
				if err != nil {
					t.Fatalf("run: %v", err)
				}
			}
		})
	}
}

func TestConfigurationErrors(t *testing.T) {
	t.Parallel()
	f := setup(t, nil)
	tests := []struct {
		name    string
		drop    []string
		args    []string
		wantMsg string
	}{
		{name: "missing password", drop: []string{"MSTRO_PASSWORD"}, wantMsg: "MSTRO_PASSWORD"},
		{name: "missing bucket", drop: []string{"BUCKET_NAME"}, wantMsg: "BUCKET_NAME"},
		{name: "half a key pair", drop: []string{"AWS_ACCESS_KEY"}, wantMsg: "AWS_ACCESS_KEY"},
		{name: "month out of range", args: []string{"--month", "13"}, wantMsg: "month 13"},
		{name: "bad concurrency", args: []string{"--concurrency", "0"}, wantMsg: "--concurrency"},
		{name: "unknown flag", args: []string{"--bogus"}, wantMsg: "bogus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := maps.Clone(f.env)
			for _, k := range tt.drop {
				delete(env, k)
			}
			var out jobtest.Buffer
			err := runWith(t.Context(), tt.args, jobkit.MapEnv(env), &out, deps{now: fixedNow})
			var stderr bytes.Buffer
			if code := jobkit.Exit(name, err, &stderr); code != 2 {
				t.Fatalf("exit code %d (err %v), want 2", code, err)
			}
			if !strings.Contains(stderr.String(), tt.wantMsg) || strings.Count(stderr.String(), "\n") != 1 {
				t.Fatalf("stderr %q, want one line naming %q", stderr.String(), tt.wantMsg)
			}
			if strings.Contains(stderr.String()+out.String(), mstrPassword) {
				t.Fatal("password printed")
			}
		})
	}
	if n := len(f.fake.Calls()); n != 0 {
		t.Fatalf("work started despite configuration errors: %d MicroStrategy calls", n)
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	t.Parallel()
	f := setup(t, nil)
	logs, err := f.run(t, "--dry-run")
	if err != nil {
		t.Fatalf("run: %v\n%s", err, logs)
	}
	if n := len(f.s3.Keys(t, bucket, "")); n != 0 {
		t.Fatalf("dry run wrote %d objects", n)
	}
	for _, want := range []string{"DRY RUN", "would write expenses/2024-01-31_2400.csv", "Fund@Code,Fund@Long Name"} {
		if !strings.Contains(logs, want) {
			t.Errorf("output lacks %q:\n%s", want, logs)
		}
	}
}

func TestSampleMode(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	jobtest.RunSample(t, func(ctx context.Context, args []string, env jobkit.Env, w io.Writer) error {
		return runWith(ctx, args, env, w, deps{now: fixedNow})
	}, out)
	for _, k := range allKeys {
		b, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(k)))
		if err != nil {
			t.Fatal(err)
		}
		dept := strings.TrimSuffix(k[strings.LastIndexByte(k, '_')+1:], ".csv")
		if lines := strings.Split(string(b), "\n"); len(lines) < 3 || !strings.Contains(lines[1], ","+dept+",") {
			t.Errorf("%s:\n%s", k, b)
		}
	}
}

// TestReportIDsAreConfiguration: the city moved both reports to new ids;
// EXPENSES_REPORT_ID and REVENUE_REPORT_ID point the job at them.
func TestReportIDsAreConfiguration(t *testing.T) {
	t.Parallel()
	const newExpenses, newRevenue = "0A1B2C3D4E5F60718293A4B5C6D7E8F9", "99887766554433221100ffeeddccbbaa"
	moved := func(f *fixture) {
		f.fake.Reports[newExpenses] = f.fake.Reports[finance.Expenses().ID]
		f.fake.Reports[newRevenue] = f.fake.Reports[finance.Revenue().ID]
		delete(f.fake.Reports, finance.Expenses().ID)
		delete(f.fake.Reports, finance.Revenue().ID)
	}
	t.Run("moved reports", func(t *testing.T) {
		t.Parallel()
		f := setup(t, nil)
		moved(f)
		f.env["EXPENSES_REPORT_ID"], f.env["REVENUE_REPORT_ID"] = newExpenses, newRevenue
		logs, err := f.run(t)
		if err != nil {
			t.Fatalf("run: %v\n%s", err, logs)
		}
		if keys := f.s3.Keys(t, bucket, ""); !slices.Equal(keys, allKeys) {
			t.Fatalf("keys = %q, want %q", keys, allKeys)
		}
	})
	t.Run("defaults are today's ids", func(t *testing.T) {
		t.Parallel()
		f := setup(t, nil)
		if logs, err := f.run(t); err != nil {
			t.Fatalf("run: %v\n%s", err, logs)
		}
		for _, c := range f.fake.Calls() {
			if strings.Contains(c, newExpenses) || strings.Contains(c, newRevenue) {
				t.Errorf("call %s uses a configured id", c)
			}
		}
		if len(f.s3.Keys(t, bucket, "")) != len(allKeys) {
			t.Error("the default ids did not reach the reports")
		}
	})
	for _, tt := range []struct{ name, variable, value string }{
		{"too short", "EXPENSES_REPORT_ID", "1C804F88"},
		{"not hex", "REVENUE_REPORT_ID", "FBC5E5F30744717D7079ADADB956C3BZ"},
		{"a URL", "REVENUE_REPORT_ID", "https://host/MicroStrategyLibrary/app/FBC5E5F30744717D7079ADADB956C3BC"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, nil)
			f.env[tt.variable] = tt.value
			_, err := f.run(t)
			var stderr bytes.Buffer
			if code := jobkit.Exit(name, err, &stderr); code != 2 {
				t.Fatalf("exit code %d (err %v), want 2", code, err)
			}
			if !strings.Contains(stderr.String(), tt.variable) || !strings.Contains(stderr.String(), "32 hexadecimal") {
				t.Errorf("stderr %q does not name %s and the expected shape", stderr.String(), tt.variable)
			}
			if n := len(f.fake.Calls()); n != 0 {
				t.Errorf("%d MicroStrategy calls despite the bad id", n)
			}
		})
	}
}

// TestHelpNamesTheReportIDs: --help says what EXPENSES_REPORT_ID and
// REVENUE_REPORT_ID are, with the ids used when they are unset.
func TestHelpNamesTheReportIDs(t *testing.T) {
	t.Parallel()
	var out jobtest.Buffer
	err := run(t.Context(), []string{"--help"}, jobkit.MapEnv(nil), &out)
	if jobkit.ExitCode(err) != 0 {
		t.Fatalf("--help: %v", err)
	}
	for _, w := range []string{"EXPENSES_REPORT_ID", finance.Expenses().ID, "REVENUE_REPORT_ID", finance.Revenue().ID} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("--help lacks %q:\n%s", w, out.String())
		}
	}
}
