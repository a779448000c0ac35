package main

import (
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/cityofaustin/atd-executive-dashboard/internal/jobkit"
	"github.com/cityofaustin/atd-executive-dashboard/internal/jobtest"
	"github.com/cityofaustin/atd-executive-dashboard/internal/s3test"
	"github.com/cityofaustin/atd-executive-dashboard/internal/socratatest"
)

// TestPreviewOfALiveDryRun runs active_permits and row_data_summary live
// with --dry-run --out DIR against S3 and Socrata on loopback, then the
// preview --from DIR with the same dataset variables and no Socrata
// setting: the page draws what the dry runs would have published, and
// neither fake received a write.
func TestPreviewOfALiveDryRun(t *testing.T) {
	t.Parallel()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build the jobs with")
	}
	jobs := []string{"active_permits", "row_data_summary"}
	bin := t.TempDir()
	args := []string{"build", "-o", bin + string(filepath.Separator)}
	for _, j := range jobs {
		args = append(args, "../"+j)
	}
	if out, err := exec.CommandContext(t.Context(), gobin, args...).CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	const bucket = "exec-dash"
	s3srv, soc := s3test.Start(t), socratatest.Start(t)
	s3srv.CreateBucket(t, bucket)
	inputs := map[string]string{"active_permits.csv": "../active_permits/sample/active_permits.csv"}
	for _, key := range []string{"applications_received.csv", "issued_permits.csv", "Commercial DS Permit Requests.csv",
		"Extension and Revision Requests.csv", "Residential DS Permits.csv"} {
		inputs[key] = "../row_data_summary/sample/" + key
	}
	for key, file := range inputs {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		s3srv.PutObject(t, bucket, key, b)
	}
	soc.SetRows("week-smry", nil)
	s3Setup := len(s3srv.Requests())
	datasets := map[string]string{"ACTIVE_DATASET": "actv-prmt", "WEEK_DATASET": "week-smry"}
	env := maps.Clone(datasets)
	maps.Copy(env, s3srv.Env(bucket))
	maps.Copy(env, soc.Env())

	dir := t.TempDir()
	for _, j := range jobs {
		cmd := exec.CommandContext(t.Context(), filepath.Join(bin, j), "--dry-run", "--out", dir)
		cmd.Dir = t.TempDir()
		cmd.Env = []string{"HOME=" + cmd.Dir, "DASHBOARD_MODE=live"}
		for k, v := range env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s --dry-run --out: %v\n%s", j, err, b)
		}
		if !strings.Contains(string(b), "DRY RUN") || strings.Contains(string(b), "msg=published") {
			t.Errorf("%s: not a dry run:\n%s", j, b)
		}
	}
	for _, r := range soc.Requests() {
		if r.Method != http.MethodGet {
			t.Errorf("a dry run sent %s %s to socrata", r.Method, r.Path)
		}
	}
	for _, r := range s3srv.Writes(s3Setup) {
		t.Errorf("a dry run sent %s %s to s3", r.Method, r.Path)
	}

	out := t.TempDir()
	var logs jobtest.Buffer
	if err := run(t.Context(), []string{"--from", dir, "--out", out, "--as-of", asOf}, jobkit.MapEnv(datasets), &logs); err != nil {
		t.Fatalf("preview --from: %v\n%s", err, logs.String())
	}
	page := readPage(t, filepath.Join(out, pageFile))
	for _, want := range []*regexp.Regexp{
		// active_permits.csv: DS 187, EX 23, RW 1462, at the object's time.
		regexp.MustCompile(`data-series="DS" data-x="[^"]+" data-value="187"`),
		regexp.MustCompile(`data-series="EX" data-x="[^"]+" data-value="23"`),
		regexp.MustCompile(`data-series="RW" data-x="[^"]+" data-value="1,462"`),
		// The weekly summary of the five daily files.
		regexp.MustCompile(regexp.QuoteMeta(`<title>Applications received, Dec 21, 2024: 12</title>`)),
	} {
		if !want.MatchString(page) {
			t.Errorf("the page lacks %s", want)
		}
	}
	for _, want := range []string{"file=actv-prmt.upsert.json", "file=week-smry.replace.json"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("preview logs lack %q:\n%s", want, logs.String())
		}
	}
}
