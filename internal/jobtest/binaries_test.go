package jobtest_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/cityofaustin/atd-executive-dashboard/internal/jobtest"
)

// The jobs' binaries, built once for this package's tests.
var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
	jobNames  []string
)

// binaries builds every job (each folder of examples/) into a temporary
// folder, once, and returns it with the job names.
func binaries(t *testing.T) (string, []string) {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build the jobs with")
	}
	buildOnce.Do(func() {
		root, err := filepath.Abs(filepath.Join("..", ".."))
		if err != nil {
			buildErr = err
			return
		}
		entries, err := os.ReadDir(filepath.Join(root, "examples"))
		if err != nil {
			buildErr = err
			return
		}
		for _, e := range entries {
			if e.IsDir() {
				jobNames = append(jobNames, e.Name())
			}
		}
		binDir, buildErr = os.MkdirTemp("", "jobs-bin-")
		if buildErr != nil {
			return
		}
		args := []string{"build", "-o", binDir + string(os.PathSeparator)}
		for _, j := range jobNames {
			args = append(args, "./examples/"+j)
		}
		cmd := exec.Command(gobin, args...)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = errors.New("go build of the jobs: " + err.Error() + "\n" + string(out))
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binDir, jobNames
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

type result struct {
	code           int
	stdout, stderr string
}

// runJob runs a job binary with exactly env (nothing inherited from the
// shell) in an empty working folder.
func runJob(t *testing.T, bin string, env map[string]string, args ...string) result {
	t.Helper()
	cmd, stdout, stderr := jobCmd(t, bin, env, args...)
	err := cmd.Run()
	var ee *exec.ExitError
	code := 0
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// jobCmd is the command runJob runs: bin with exactly env in an empty
// working folder, its stdout and stderr kept in the buffers returned.
func jobCmd(t *testing.T, bin string, env map[string]string, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), bin, args...)
	cmd.Dir = t.TempDir()
	cmd.Env = []string{"HOME=" + cmd.Dir}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	return cmd, &stdout, &stderr
}

// helpVarRe matches a variable line of --help: the name, then its text.
var helpVarRe = regexp.MustCompile(`(?m)^    ([A-Z][A-Z0-9_]+)( *.*)$`)

var missingRe = regexp.MustCompile(`missing required environment variable ([A-Z0-9_, ]+)`)

// requiredOf returns the job's required variables, as a DASHBOARD_MODE=live
// run with nothing set names them.
func requiredOf(t *testing.T, bin string) []string {
	t.Helper()
	r := runJob(t, bin, map[string]string{"DASHBOARD_MODE": "live"})
	m := missingRe.FindStringSubmatch(r.stderr)
	if r.code != 2 || m == nil {
		t.Fatalf("DASHBOARD_MODE=live with nothing set: exit %d, stderr %q; want exit 2 naming the missing variables", r.code, r.stderr)
	}
	return strings.Split(strings.TrimSpace(m[1]), ", ")
}

// TestModeRules runs every job binary under each rule of DASHBOARD_MODE,
// with --log-json: every stdout line is a JSON object and the last one the
// final record.
func TestModeRules(t *testing.T) {
	t.Parallel()
	dir, jobs := binaries(t)
	for _, job := range jobs {
		t.Run(job, func(t *testing.T) {
			t.Parallel()
			bin := filepath.Join(dir, job)
			required := requiredOf(t, bin)
			all := map[string]string{}
			for _, k := range required {
				all[k] = "value-of-" + strings.ToLower(k)
			}
			with := func(base map[string]string, kv ...string) map[string]string {
				m := map[string]string{}
				for k, v := range base {
					m[k] = v
				}
				for i := 0; i+1 < len(kv); i += 2 {
					m[kv[i]] = kv[i+1]
				}
				return m
			}
			tests := []struct {
				name    string
				env     map[string]string
				args    []string
				code    int
				first   string // in the first record's msg
				wantErr string // in stderr
			}{
				{name: "auto, nothing set: the sample", code: 0, first: "SAMPLE MODE"},
				{name: "auto, explicit: the sample", env: map[string]string{"DASHBOARD_MODE": "auto"}, code: 0, first: "SAMPLE MODE"},
				{name: "auto, sample dry run", args: []string{"--dry-run"}, code: 0, first: "SAMPLE MODE, DRY RUN"},
				{name: "auto, partial", env: map[string]string{required[0]: "x"}, code: 2, wantErr: "partial configuration"},
				{name: "auto, one set to the empty string", env: map[string]string{required[0]: ""}, code: 2, wantErr: "set but empty: " + required[0]},
				{name: "live, nothing set", env: map[string]string{"DASHBOARD_MODE": "live"}, code: 2, wantErr: "missing required environment variable " + strings.Join(required, ", ")},
				{name: "live, one empty", env: with(all, "DASHBOARD_MODE", "live", required[len(required)-1], ""), code: 2, wantErr: "set but empty: " + required[len(required)-1]},
				{name: "sample, everything set", env: with(all, "DASHBOARD_MODE", "sample"), code: 0, first: "DASHBOARD_MODE=sample; ignoring " + required[0]},
				{name: "invalid mode", env: map[string]string{"DASHBOARD_MODE": "production"}, code: 2, wantErr: `DASHBOARD_MODE="production" is not a mode`},
				{name: "empty mode", env: map[string]string{"DASHBOARD_MODE": ""}, code: 2, wantErr: "DASHBOARD_MODE is set but empty"},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					t.Parallel()
					r := runJob(t, bin, tt.env, append([]string{"--log-json"}, tt.args...)...)
					if r.code != tt.code {
						t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, tt.code, r.stdout, r.stderr)
					}
					recs := jobtest.Records(t, r.stdout)
					jobtest.CheckFinal(t, job, r.code, r.stdout, r.stderr)
					if tt.wantErr != "" && !strings.Contains(r.stderr, tt.wantErr) {
						t.Fatalf("stderr %q lacks %q", r.stderr, tt.wantErr)
					}
					if tt.first != "" {
						msg, _ := recs[0]["msg"].(string)
						if recs[0]["level"] != "WARN" || !strings.Contains(msg, tt.first) || recs[0]["version"] == nil {
							t.Fatalf("first record %v: want a WARN with the version saying %q", recs[0], tt.first)
						}
					}
					for _, rec := range recs {
						msg, _ := rec["msg"].(string)
						if slices.Contains(tt.args, "--dry-run") && (strings.Contains(msg, "published") ||
							(strings.Contains(msg, "written") && !strings.Contains(msg, "nothing written"))) {
							t.Errorf("a dry run says %q", msg)
						}
					}
					for _, v := range all {
						if strings.Contains(r.stdout+r.stderr, v) {
							t.Fatalf("a variable's value %q was printed", v)
						}
					}
				})
			}
		})
	}
}

// TestHelpAndVersion: every binary's --help and --version exit 0.
func TestHelpAndVersion(t *testing.T) {
	t.Parallel()
	dir, jobs := binaries(t)
	for _, job := range jobs {
		t.Run(job, func(t *testing.T) {
			t.Parallel()
			bin := filepath.Join(dir, job)
			r := runJob(t, bin, nil, "--help")
			if r.code != 0 || r.stderr != "" {
				t.Fatalf("--help: exit %d, stderr %q", r.code, r.stderr)
			}
			for _, w := range []string{job, "Writes:", "required:", "optional:", "DASHBOARD_MODE", "-dry-run", "-log-json", "-request-timeout", "Exit codes:"} {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("--help lacks %q:\n%s", w, r.stdout)
				}
			}
			// Every variable listed says what it is.
			for _, m := range helpVarRe.FindAllStringSubmatch(r.stdout, -1) {
				if strings.TrimSpace(m[2]) == "" {
					t.Errorf("--help lists %s without saying what it is", m[1])
				}
			}
			if strings.Contains(r.stdout, "BUCKET_NAME") {
				// The S3 client reads these from the job's environment:
				// the region is asked of the bucket, and the credential
				// chain is the job's own, not the AWS SDK's.
				for _, w := range []string{"AWS_REGION", "asked of the bucket", "AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SESSION_TOKEN",
					"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_EC2_METADATA_DISABLED", "HTTPS_PROXY", "NO_PROXY"} {
					if !strings.Contains(r.stdout, w) {
						t.Errorf("--help of an S3 job lacks %q:\n%s", w, r.stdout)
					}
				}
				if strings.Contains(r.stdout, "the AWS SDK's default credential chain") {
					t.Errorf("--help still names the AWS SDK's default chain:\n%s", r.stdout)
				}
			}
			r = runJob(t, bin, nil, "--version")
			if r.code != 0 || r.stderr != "" || !strings.HasPrefix(r.stdout, job+" ") ||
				!strings.Contains(r.stdout, "module github.com/cityofaustin/atd-executive-dashboard") || !strings.Contains(r.stdout, "revision ") {
				t.Fatalf("--version: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
			}
		})
	}
}
