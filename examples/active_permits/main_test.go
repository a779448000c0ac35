package main

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cityofaustin/atd-executive-dashboard/internal/jobtest"

	"github.com/cityofaustin/atd-executive-dashboard/internal/jobkit"
	"github.com/cityofaustin/atd-executive-dashboard/internal/s3test"
	"github.com/cityofaustin/atd-executive-dashboard/internal/socratatest"
)

const (
	bucket  = "exec-dash"
	dataset = "actv-prmt"
	csvBody = "FOLDERTYPE,ACTIVEPERMITS\nDS,187\nEX,23\nRW,1462\n"
)

type fixture struct {
	s3  *s3test.Server
	soc *socratatest.Server
	env map[string]string
}

// setup starts an S3-compatible server holding active_permits.csv and a
// Socrata-compatible server, both on loopback, and returns the environment
// pointing the job at them.
func setup(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{s3: s3test.Start(t), soc: socratatest.Start(t)}
	f.s3.CreateBucket(t, bucket)
	f.s3.PutObject(t, bucket, "active_permits.csv", []byte(csvBody))
	f.env = map[string]string{"ACTIVE_DATASET": dataset}
	maps.Copy(f.env, f.s3.Env(bucket))
	maps.Copy(f.env, f.soc.Env())
	return f
}

func (f *fixture) run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out jobtest.Buffer
	err := run(t.Context(), args, jobkit.MapEnv(f.env), &out)
	return out.String(), err
}

// lastModified returns the object's LastModified as the job should publish it.
func (f *fixture) publishedDate(t *testing.T) string {
	t.Helper()
	out, err := f.s3.Client().HeadObject(t.Context(), headInput(bucket, "active_permits.csv"))
	if err != nil {
		t.Fatal(err)
	}
	return out.LastModified.In(chicago(t)).Format("2006-01-02T15:04:00.000")
}

func TestPublishesOneRecord(t *testing.T) {
	t.Parallel()
	f := setup(t)
	logs, err := f.run(t)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, logs)
	}
	reqs := f.soc.Requests()
	if len(reqs) != 1 {
		t.Fatalf("socrata saw %d requests, want exactly 1: %+v", len(reqs), reqs)
	}
	r := reqs[0]
	if r.Method != http.MethodPost || r.Path != "/resource/"+dataset+".json" {
		t.Fatalf("request %s %s, want an upsert to %s", r.Method, r.Path, dataset)
	}
	if r.Header.Get("X-App-Token") != socratatest.AppToken {
		t.Fatalf("app token not sent")
	}
	if user, pass, ok := (&http.Request{Header: r.Header}).BasicAuth(); !ok || user != socratatest.KeyID || pass != socratatest.KeySecret {
		t.Fatalf("basic auth not sent")
	}
	want := map[string]any{"ds": json.Number("187"), "ex": json.Number("23"), "rw": json.Number("1462"), "published_date": f.publishedDate(t)}
	if len(r.Rows) != 1 || !maps.Equal(r.Rows[0], want) {
		t.Fatalf("upserted %v, want [%v]", r.Rows, want)
	}
	if n := len(f.s3.Keys(t, bucket, "")); n != 1 {
		t.Fatalf("the job wrote to S3: %d keys", n)
	}
}

func TestRetriesThenPublishesOnce(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status int
		after  string
	}{
		{name: "429 with Retry-After", status: http.StatusTooManyRequests, after: "1"},
		{name: "503", status: http.StatusServiceUnavailable, after: "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			f.soc.FailNext(1, tt.status, tt.after, `{"error":true,"message":"slow down"}`)
			logs, err := f.run(t)
			if err != nil {
				t.Fatalf("run: %v\n%s", err, logs)
			}
			reqs := f.soc.Requests()
			if len(reqs) != 2 || reqs[0].Status != tt.status || reqs[1].Status != http.StatusOK {
				t.Fatalf("requests: %+v", reqs)
			}
			if got := f.soc.Upserts(dataset); len(got) != 1 {
				t.Fatalf("dataset holds %d upserted rows, want 1", len(got))
			}
			if !strings.Contains(logs, "retrying") {
				t.Fatalf("the retry was not logged:\n%s", logs)
			}
		})
	}
}

func TestSocrataErrorIsReadableAndExitsOne(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status int
		body   string
		want   []string
	}{
		{name: "SODA error body", status: http.StatusBadRequest,
			body: `{"code":"illegal.field","error":true,"message":"Unknown field: ds"}`,
			want: []string{"socrata", dataset, "400", "Unknown field: ds", "illegal.field"}},
		{name: "gateway HTML page", status: http.StatusForbidden,
			body: "<html><head><title>Request Rejected</title></head><body>The requested URL was rejected.</body></html>",
			want: []string{"socrata", dataset, "403"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			f.soc.FailNext(1, tt.status, "", tt.body)
			_, err := f.run(t)
			if err == nil {
				t.Fatal("run succeeded, want an error")
			}
			if code := jobkit.ExitCode(err); code != 1 {
				t.Fatalf("exit code %d, want 1", code)
			}
			var stderr bytes.Buffer
			jobkit.Exit(name, err, &stderr)
			line := stderr.String()
			if strings.Count(line, "\n") != 1 {
				t.Fatalf("error is not one line: %q", line)
			}
			for _, w := range tt.want {
				if !strings.Contains(line, w) {
					t.Errorf("error %q lacks %q", line, w)
				}
			}
			if !strings.Contains(line, "request id fake-") { // the fake's X-Socrata-RequestId
				t.Errorf("error %q lacks the request id", line)
			}
			if len(f.soc.Upserts(dataset)) != 0 {
				t.Fatal("rows landed despite the error")
			}
		})
	}
}

func TestSecretsNeverPrinted(t *testing.T) {
	t.Parallel()
	secrets := map[string]string{
		"EXEC_DASH_PASS": "s3-SECRET-pass-0xDEADBEEF",
		"SO_SECRET":      "soc-SECRET-key-0xFEEDFACE",
		"SO_TOKEN":       "app-TOKEN-0xCAFEBABE",
	}
	for _, mode := range []struct {
		name  string
		args  []string
		fault func(f *fixture)
	}{
		{name: "success, debug JSON logs", args: []string{"-v", "--log-json"}},
		{name: "auth failure", fault: func(f *fixture) {}}, // wrong secret: the fake refuses it
		{name: "server error after retries", args: []string{"-v"}, fault: func(f *fixture) {
			f.soc.FailNext(10, http.StatusServiceUnavailable, "0", `{"error":true,"message":"Internal error"}`)
		}},
		{name: "dry run", args: []string{"--dry-run", "-v"}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			maps.Copy(f.env, secrets)
			if mode.name != "auth failure" {
				f.soc.AllowAnonymousWrites() // the fake knows only its own test key
			}
			if mode.fault != nil {
				mode.fault(f)
			}
			logs, err := f.run(t, mode.args...)
			var stderr bytes.Buffer
			jobkit.Exit(name, err, &stderr)
			jobtest.NoSecrets(t, logs+stderr.String(), secrets)
			if mode.name == "auth failure" && err == nil {
				t.Fatal("wrong credentials were accepted")
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
		{name: "missing dataset", drop: []string{"ACTIVE_DATASET"}, wantMsg: "missing required environment variable ACTIVE_DATASET"},
		{name: "missing SO_SECRET", drop: []string{"SO_SECRET"}, wantMsg: "SO_SECRET"},
		{name: "half a key pair", drop: []string{"EXEC_DASH_PASS"}, wantMsg: "EXEC_DASH_PASS"},
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
			err := run(t.Context(), tt.args, jobkit.MapEnv(env), &out)
			var stderr bytes.Buffer
			if code := jobkit.Exit(name, err, &stderr); code != 2 {
				t.Fatalf("exit code %d (err %v), want 2", code, err)
			}
			if !strings.Contains(stderr.String(), tt.wantMsg) || strings.Count(stderr.String(), "\n") != 1 {
				t.Fatalf("stderr %q, want one line naming %q", stderr.String(), tt.wantMsg)
			}
			if len(f.soc.Requests()) != 0 {
				t.Fatal("work started despite the configuration error")
			}
		})
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
	for _, want := range []string{"DRY RUN", "would upsert 1 rows to " + dataset, `"ds":187`} {
		if !strings.Contains(logs, want) {
			t.Errorf("output lacks %q:\n%s", want, logs)
		}
	}
}

func TestSampleMode(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	jobtest.RunSample(t, run, out)
	b, err := os.ReadFile(filepath.Join(out, "socrata", "active-permits-sample.upsert.json"))
	if err != nil {
		t.Fatal(err)
	}
	// The embedded sample's LastModified is 2024-03-10 08:05:42 UTC, the
	// morning Austin springs forward: 03:05 CDT.
	want := `[{"ds":187,"ex":23,"published_date":"2024-03-10T03:05:00.000","rw":1462}]`
	if strings.TrimSpace(string(b)) != want {
		t.Fatalf("sample output %s, want %s", b, want)
	}
}

func TestHeaderOnlyFileIsAnError(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.s3.PutObject(t, bucket, "active_permits.csv", []byte("FOLDERTYPE,ACTIVEPERMITS\n"))
	logs, err := f.run(t)
	if err == nil {
		t.Fatalf("run succeeded on a header-only file\n%s", logs)
	}
	if code := jobkit.ExitCode(err); code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	if !strings.Contains(err.Error(), "active_permits.csv") || !strings.Contains(err.Error(), "no rows") {
		t.Errorf("error %q does not say active_permits.csv has no rows", err)
	}
	if reqs := f.soc.Requests(); len(reqs) != 0 {
		t.Errorf("socrata saw %d requests, want none", len(reqs))
	}
}

func TestMissingAndUnknownFolderTypes(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.s3.PutObject(t, bucket, "active_permits.csv", []byte("FOLDERTYPE,ACTIVEPERMITS\nDS,187\nLA,4\nRW,1462\nZZ,1\n"))
	logs, err := f.run(t)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, logs)
	}
	reqs := f.soc.Requests()
	if len(reqs) != 1 || len(reqs[0].Rows) != 1 {
		t.Fatalf("requests %+v, want one upsert of one row", reqs)
	}
	want := map[string]any{"ds": json.Number("187"), "ex": nil, "rw": json.Number("1462"), "published_date": f.publishedDate(t)}
	if got := reqs[0].Rows[0]; !maps.Equal(got, want) {
		t.Errorf("upserted %v, want %v (EX null, LA and ZZ left out)", got, want)
	}
	if !strings.Contains(string(reqs[0].Body), `"ex":null`) {
		t.Errorf("body %s does not send ex as null", reqs[0].Body)
	}
	var missing, unknown bool
	for _, line := range strings.Split(logs, "\n") {
		if !strings.Contains(line, "level=WARN") {
			continue
		}
		missing = missing || strings.Contains(line, "EX")
		unknown = unknown || (strings.Contains(line, "LA") && strings.Contains(line, "ZZ"))
	}
	if !missing || !unknown {
		t.Errorf("warnings for the missing type (EX: %v) and the unknown ones (LA, ZZ: %v) missing:\n%s", missing, unknown, logs)
	}
}
