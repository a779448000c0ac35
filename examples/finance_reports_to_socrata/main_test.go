package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cityofaustin/atd-executive-dashboard/internal/jobtest"

	"github.com/cityofaustin/atd-executive-dashboard/finance"
	"github.com/cityofaustin/atd-executive-dashboard/internal/jobkit"
	"github.com/cityofaustin/atd-executive-dashboard/internal/s3test"
	"github.com/cityofaustin/atd-executive-dashboard/internal/socratatest"
)

const (
	bucket     = "finance-bucket"
	expDataset = "expn-fin1"
	revDataset = "revn-fin1"
	awsSecret  = "aws-SECRET-key-0xDEFACED"
)

type fixture struct {
	s3  *s3test.Server
	soc *socratatest.Server
	env map[string]string
}

// setup starts an S3-compatible server holding the embedded sample files
// (June–August 2024 and a stray copy) and a Socrata-compatible server.
func setup(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{s3: s3test.Start(t), soc: socratatest.Start(t)}
	f.s3.CreateBucket(t, bucket)
	for _, dir := range []string{"expenses", "revenue"} {
		entries, err := sample.ReadDir("sample/" + dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			b, err := sample.ReadFile("sample/" + dir + "/" + e.Name())
			if err != nil {
				t.Fatal(err)
			}
			f.s3.PutObject(t, bucket, dir+"/"+e.Name(), b)
		}
	}
	f.env = map[string]string{"EXP_DATASET": expDataset, "REV_DATASET": revDataset}
	maps.Copy(f.env, f.s3.Env(bucket))
	maps.Copy(f.env, f.soc.Env())
	return f
}

// fixedNow is 2024-09-01 02:00 UTC: still August in Austin.
func fixedNow() time.Time { return time.Date(2024, 9, 1, 2, 0, 0, 0, time.UTC) }

func (f *fixture) run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out jobtest.Buffer
	err := runWith(t.Context(), args, jobkit.MapEnv(f.env), &out, deps{now: fixedNow})
	return out.String(), err
}

func months(rows []map[string]any) []string {
	seen := map[string]bool{}
	for _, r := range rows {
		seen[string(r["year"].(json.Number))+"-"+string(r["month"].(json.Number))] = true
	}
	return slices.Sorted(maps.Keys(seen))
}

func TestUpsertsSelectedMonths(t *testing.T) {
	t.Parallel()
	f := setup(t)
	logs, err := f.run(t)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, logs)
	}
	exp, rev := f.soc.Upserts(expDataset), f.soc.Upserts(revDataset)
	if len(exp) != 12 || len(rev) != 8 {
		t.Fatalf("upserted %d expense and %d revenue rows, want 12 and 8", len(exp), len(rev))
	}
	if got := months(exp); !slices.Equal(got, []string{"2024-7", "2024-8"}) {
		t.Errorf("months = %v, want July and August 2024", got)
	}
	for _, r := range f.soc.Requests() {
		if r.Method != http.MethodPost {
			t.Errorf("%s %s: the job must only upsert", r.Method, r.Path)
		}
	}
	if !strings.Contains(logs, `skipping object whose name does not match the report file pattern`) ||
		!strings.Contains(logs, `key="expenses/2024-08-31_2400 (1).csv"`) {
		t.Errorf("the stray file was not reported:\n%s", logs)
	}
	// A revenue row: fiscal year 2024, fiscal month 11 (August), fund 5020,
	// department 6200, unit 6220, category 45, source 4520.
	var found bool
	for _, r := range rev {
		if r["row_identifier"] == "2024115020620062204"+"54520" {
			found = true
			if r["revenue_cye"] != nil || r["percent_unrecognized"] != nil || r["month_name"] != "Aug" {
				t.Errorf("row = %v", r)
			}
		}
	}
	if !found {
		t.Errorf("no revenue row with the expected row_identifier")
	}
}

func TestReplaceFlagTakesEveryFile(t *testing.T) {
	t.Parallel()
	every, selected := []string{"2024-6", "2024-7", "2024-8"}, []string{"2024-7", "2024-8"}
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"--replace"}, every},
		{[]string{"-replace"}, every},
		{[]string{"--replace=true"}, every},
		{[]string{"--replace=false"}, selected},
		// The separated forms the runbooks use (Go's flag package reads a
		// separated value of a bool flag as a positional argument).
		{[]string{"--replace", "True"}, every},
		{[]string{"--replace", "False"}, selected},
		{[]string{"--replace", "true", "--month", "8"}, every},
		{[]string{"--replace", "0"}, selected},
		{[]string{"--replace", "--dry-run"}, nil}, // a flag after --replace is not its value
		{nil, selected},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			logs, err := f.run(t, tt.args...)
			if err != nil {
				t.Fatalf("run: %v\n%s", err, logs)
			}
			exp := f.soc.Upserts(expDataset)
			if tt.want == nil { // dry run: every file previewed, nothing sent
				if len(exp) != 0 || !strings.Contains(logs, "publishing every report file (--replace)") {
					t.Errorf("--replace --dry-run: %d rows sent; logs:\n%s", len(exp), logs)
				}
				return
			}
			if got := months(exp); !slices.Equal(got, tt.want) || len(exp) != 6*len(tt.want) {
				t.Errorf("%d rows of months %v, want %d rows of %v", len(exp), got, 6*len(tt.want), tt.want)
			}
		})
	}
}

// TestReplaceValueNotABool: a value that is not a boolean is refused, never
// read as true (the original's argparse type=bool took "False" as true).
func TestReplaceValueNotABool(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--replace=yes"}, {"--replace", "yes"}, {"--replace", "False", "extra"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			_, err := f.run(t, args...)
			if code := jobkit.ExitCode(err); code != 2 {
				t.Fatalf("exit code %d (err %v), want 2", code, err)
			}
			if n := len(f.soc.Requests()); n != 0 {
				t.Errorf("%d socrata requests despite the usage error", n)
			}
		})
	}
}

func TestBadFileFailsNamingIt(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.s3.PutObject(t, bucket, "revenue/2024-08-31_6200.csv", []byte("Fund@Code,Revenue Source@Code\n8400,4410\n"))
	_, err := f.run(t)
	var stderr bytes.Buffer
	if code := jobkit.Exit(name, err, &stderr); code != 1 {
		t.Fatalf("exit %d, want 1 (err %v)", code, err)
	}
	if !errors.Is(err, finance.ErrBadFile) || !strings.Contains(stderr.String(), "revenue/2024-08-31_6200.csv") {
		t.Errorf("stderr %q does not name the file", stderr.String())
	}
	if n := len(f.soc.Upserts(expDataset)); n != 12 {
		t.Errorf("expenses were not published despite the revenue failure: %d rows", n)
	}
}

func TestSecretsNeverPrinted(t *testing.T) {
	t.Parallel()
	secrets := map[string]string{
		"AWS_SECRET_ACCESS_KEY": awsSecret,
		"SO_SECRET":             "soc-SECRET-key-0xFEEDFACE",
		"SO_TOKEN":              "app-TOKEN-0xCAFEBABE",
	}
	for _, mode := range []struct {
		name string
		args []string
		anon bool
	}{
		{name: "success, debug JSON logs", args: []string{"-v", "--log-json"}, anon: true},
		{name: "auth failure", args: []string{"-v"}},
		{name: "dry run", args: []string{"--dry-run", "-v"}, anon: true},
	} {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			maps.Copy(f.env, secrets)
			if mode.anon {
				f.soc.AllowAnonymousWrites()
			}
			logs, err := f.run(t, mode.args...)
			var stderr bytes.Buffer
			jobkit.Exit(name, err, &stderr)
			jobtest.NoSecrets(t, logs+stderr.String(), secrets)
			if (err != nil) != (mode.name == "auth failure") {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func TestConfigurationErrors(t *testing.T) {
	t.Parallel()
	f := setup(t)
	tests := []struct {
		name    string
		drop    []string
		args    []string
		wantMsg string
	}{
		{name: "missing revenue dataset", drop: []string{"REV_DATASET"}, wantMsg: "REV_DATASET"},
		{name: "missing SO_KEY", drop: []string{"SO_KEY"}, wantMsg: "SO_KEY"},
		{name: "half a key pair", drop: []string{"AWS_SECRET_ACCESS_KEY"}, wantMsg: "AWS_SECRET_ACCESS_KEY"},
		{name: "bad month", args: []string{"--month", "0", "--year", "99"}, wantMsg: "year 99"},
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
		})
	}
	if n := len(f.soc.Requests()); n != 0 {
		t.Fatalf("work started despite configuration errors: %d socrata requests", n)
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	t.Parallel()
	f := setup(t)
	logs, err := f.run(t, "--dry-run")
	if err != nil {
		t.Fatalf("run: %v\n%s", err, logs)
	}
	if n := len(f.soc.Requests()); n != 0 {
		t.Fatalf("dry run sent %d requests to socrata", n)
	}
	for _, want := range []string{"DRY RUN", "would upsert 12 rows to " + expDataset, "would upsert 8 rows to " + revDataset, `"row_identifier":"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("output lacks %q:\n%s", want, logs)
		}
	}
}

func TestSampleMode(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	jobtest.RunSample(t, func(ctx context.Context, args []string, env jobkit.Env, w io.Writer) error {
		return runWith(ctx, args, env, w, deps{now: time.Now})
	}, out)
	for file, want := range map[string]int{"expenses-sample.upsert.json": 12, "revenue-sample.upsert.json": 8} {
		b, err := os.ReadFile(filepath.Join(out, "socrata", file))
		if err != nil {
			t.Fatal(err)
		}
		var rows []map[string]any
		if err := json.Unmarshal(b, &rows); err != nil {
			t.Fatal(err)
		}
		if len(rows) != want {
			t.Errorf("%s: %d rows, want %d", file, len(rows), want)
		}
	}
}
