package jobkit

import (
	"bytes"
	"flag"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cityofaustin/atd-executive-dashboard/internal/s3test"
	"github.com/cityofaustin/atd-executive-dashboard/internal/socratatest"
	"github.com/cityofaustin/atd-executive-dashboard/socrata"
)

// TestLiveDryRunOutKeepsACopy: a live --dry-run --out DIR reads the real
// sources, counts the real dataset for the replace guard, sends no write to
// S3 or Socrata, and keeps what it would have published under DIR in the
// sample-mode layout.
func TestLiveDryRunOutKeepsACopy(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s3srv, soc := s3test.Start(t), socratatest.Start(t)
	s3srv.CreateBucket(t, "bkt")
	s3srv.PutObject(t, "bkt", "in.csv", []byte("h\n1\n"))
	soc.SetCount("abcd-1234", 4)
	env := map[string]string{"X": "1"}
	maps.Copy(env, s3srv.Env("bkt"))
	maps.Copy(env, soc.Env())
	setupRequests := len(s3srv.Requests())
	out := t.TempDir()
	var logs bytes.Buffer
	settings := Merge(Settings{Required: []string{"X"}}, S3Settings(ExecDashKeys), SocrataSettings())
	j, err := Start("job", flag.NewFlagSet("job", flag.ContinueOnError), []string{"--dry-run", "--out", out}, MapEnv(env), &logs, settings)
	if err != nil {
		t.Fatalf("Start: %v\n%s", err, logs.String())
	}
	st, err := j.Store(ctx, ExecDashKeys, nil)
	if err != nil {
		t.Fatal(err)
	}
	rc, _, err := st.Get(ctx, "in.csv") // reads the real bucket
	if err != nil {
		t.Fatal(err)
	}
	rc.Close()
	if err := st.Put(ctx, "dir/a.csv", strings.NewReader("h\n1\n2\n")); err != nil {
		t.Fatal(err)
	}
	pub, err := j.Publisher(nil)
	if err != nil {
		t.Fatal(err)
	}
	rows := []socrata.Row{{"a": 1}, {"a": 2}, {"a": 3}}
	if _, err := pub.Replace(ctx, "abcd-1234", socrata.SliceRows(rows), socrata.ReplaceOptions{MaxShrink: 0.25}); err != nil {
		t.Fatalf("replace 3 of 4 rows: %v", err)
	}
	if _, err := pub.Upsert(ctx, "efgh-5678", socrata.SliceRows(rows[:1]), socrata.UpsertOptions{}); err != nil {
		t.Fatal(err)
	}
	// The guard counts the real dataset: 4 rows, 1 left would be a shrink.
	_, err = pub.Replace(ctx, "abcd-1234", socrata.SliceRows(rows[:1]), socrata.ReplaceOptions{MaxShrink: 0.25})
	if err == nil || !strings.Contains(err.Error(), "abcd-1234") {
		t.Fatalf("shrinking replace: err %v, want the guard's refusal", err)
	}

	for file, want := range map[string]string{
		"dir/a.csv":                      "h\n1\n2\n",
		"socrata/abcd-1234.replace.json": `[{"a":1},{"a":2},{"a":3}]`,
		"socrata/efgh-5678.upsert.json":  `[{"a":1}]`,
	} {
		b, err := os.ReadFile(filepath.Join(out, file))
		if err != nil || string(b) != want {
			t.Errorf("%s: %q, %v; want %q", file, b, err, want)
		}
	}
	for _, r := range soc.Requests() {
		if r.Method != http.MethodGet {
			t.Errorf("dry run sent %s %s to socrata", r.Method, r.Path)
		}
	}
	if n := len(soc.Requests()); n == 0 {
		t.Error("the replace guard did not count the real dataset")
	}
	for _, r := range s3srv.Writes(setupRequests) {
		t.Errorf("dry run sent %s %s to s3", r.Method, r.Path)
	}
	s := logs.String()
	for _, want := range []string{"would write dir/a.csv", "would replace 3 rows to abcd-1234", "would upsert 1 rows to efgh-5678", filepath.Join(out, "socrata", "abcd-1234.replace.json")} {
		if !strings.Contains(s, want) {
			t.Errorf("logs lack %q:\n%s", want, s)
		}
	}
	for _, never := range []string{"published", "written"} {
		if strings.Contains(s, never) {
			t.Errorf("a dry run says %q:\n%s", never, s)
		}
	}
}

// TestLiveOutNeedsDryRun: --out in a live run without --dry-run is still a
// usage error, which names both uses of --out.
func TestLiveOutNeedsDryRun(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	_, err := Start("job", flag.NewFlagSet("job", flag.ContinueOnError), []string{"--out", t.TempDir()}, MapEnv(map[string]string{"X": "1"}), &logs, Settings{Required: []string{"X"}})
	if ExitCode(err) != 2 || !strings.Contains(err.Error(), "--out applies to a sample run or a dry run") {
		t.Fatalf("err %v (exit %d), want a usage error naming a sample run or a dry run", err, ExitCode(err))
	}
}

// TestOfflineRun: a run that Settings.Offline says reads a local folder
// needs no setting, takes --out, and still has its variables checked.
func TestOfflineRun(t *testing.T) {
	t.Parallel()
	offline := Settings{Required: []string{"X", "CSR_DATASET"}, Offline: func() bool { return true }}
	for _, env := range []map[string]string{nil, {"CSR_DATASET": "abcd-1234"}, {ModeVar: "live"}} {
		var logs bytes.Buffer
		if _, err := Start("job", flag.NewFlagSet("job", flag.ContinueOnError), []string{"--out", t.TempDir()}, MapEnv(env), &logs, offline); err != nil {
			t.Errorf("env %v: %v", env, err)
		}
		if s := logs.String(); !strings.Contains(s, "reading a local folder") || strings.Contains(s, "SAMPLE MODE") {
			t.Errorf("env %v: first line:\n%s", env, s)
		}
	}
	var logs bytes.Buffer
	_, err := Start("job", flag.NewFlagSet("job", flag.ContinueOnError), nil, MapEnv(map[string]string{"CSR_DATASET": "abcd1234"}), &logs, offline)
	if ExitCode(err) != 2 || !strings.Contains(err.Error(), "CSR_DATASET") {
		t.Fatalf("malformed CSR_DATASET: err %v", err)
	}
}

// TestLiveDryRunOutJSONLogs: under --log-json the lines about the kept
// copy are log records too.
func TestLiveDryRunOutJSONLogs(t *testing.T) {
	t.Parallel()
	soc := socratatest.Start(t)
	env := map[string]string{"X": "1"}
	maps.Copy(env, soc.Env())
	out := t.TempDir()
	var logs bytes.Buffer
	j, err := Start("job", flag.NewFlagSet("job", flag.ContinueOnError), []string{"--log-json", "--dry-run", "--out", out}, MapEnv(env), &logs, Merge(Settings{Required: []string{"X"}}, SocrataSettings()))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := j.Publisher(nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pub.Upsert(t.Context(), "abcd-1234", socrata.SliceRows([]socrata.Row{{"a": 1}}), socrata.UpsertOptions{}); err != nil {
		t.Fatal(err)
	}
	var kept bool
	for _, r := range jsonLines(t, logs.String()) {
		kept = kept || r["msg"] == "dry run: a copy of the 1 rows is kept in "+filepath.Join(out, "socrata", "abcd-1234.upsert.json")
	}
	if !kept {
		t.Errorf("no record of the kept copy:\n%s", logs.String())
	}
}
