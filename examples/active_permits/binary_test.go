package main

import (
	"bytes"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cityofaustin/atd-executive-dashboard/internal/jobtest"
)

// TestBinary builds the job and runs it as a process, with the environment
// pointing at the loopback S3-compatible and Socrata-compatible servers
// (AWS_ENDPOINT_URL_S3, SO_WEB=http://127.0.0.1:PORT), as a scheduler would:
// main's wiring, the real environment lookup and the exit codes.
func TestBinary(t *testing.T) {
	t.Parallel()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build the job with")
	}
	bin := filepath.Join(t.TempDir(), name)
	if out, err := exec.CommandContext(t.Context(), gobin, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	tests := []struct {
		name     string
		args     []string
		prepare  func(f *fixture)
		wantCode int
		wantErr  string // in stderr
		upserts  int
	}{
		{name: "publishes one record", wantCode: 0, upserts: 1},
		{name: "socrata error body", prepare: func(f *fixture) {
			f.soc.FailNext(1, http.StatusBadRequest, "", `{"code":"illegal.field","error":true,"message":"Unknown field: ds"}`)
		}, wantCode: 1, wantErr: "Unknown field: ds"},
		{name: "missing variable", prepare: func(f *fixture) { delete(f.env, "ACTIVE_DATASET") }, wantCode: 2,
			wantErr: "missing required environment variable ACTIVE_DATASET"},
		{name: "json logs: publishes", args: []string{"--log-json"}, wantCode: 0, upserts: 1},
		{name: "json logs: socrata error", args: []string{"--log-json"}, prepare: func(f *fixture) {
			f.soc.FailNext(1, http.StatusBadRequest, "", `{"code":"illegal.field","error":true,"message":"Unknown field: ds"}`)
		}, wantCode: 1, wantErr: "Unknown field: ds"},
		{name: "json logs: dry run", args: []string{"--log-json", "--dry-run"}, wantCode: 0, upserts: 0},
		{name: "json logs: bad dataset id", args: []string{"--log-json"}, prepare: func(f *fixture) { f.env["ACTIVE_DATASET"] = "actvprmt" },
			wantCode: 2, wantErr: "ACTIVE_DATASET is \"actvprmt\", not a Socrata dataset id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			if tt.prepare != nil {
				tt.prepare(f)
			}
			cmd := exec.CommandContext(t.Context(), bin, tt.args...)
			cmd.Dir = t.TempDir()
			cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + cmd.Dir}
			for k, v := range f.env {
				cmd.Env = append(cmd.Env, k+"="+v)
			}
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tt.wantCode {
				t.Fatalf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, stdout.String(), stderr.String())
			}
			if tt.wantErr != "" && (!strings.Contains(stderr.String(), tt.wantErr) || strings.Count(stderr.String(), "\n") != 1) {
				t.Fatalf("stderr %q, want one line with %q", stderr.String(), tt.wantErr)
			}
			if slices.Contains(tt.args, "--log-json") {
				final := jobtest.CheckFinal(t, name, code, stdout.String(), stderr.String())
				if code == 0 && final["rows"] != 1.0 {
					t.Fatalf("final record %v lacks rows=1", final)
				}
				for _, rec := range jobtest.Records(t, stdout.String()) {
					if msg := rec["msg"].(string); slices.Contains(tt.args, "--dry-run") && (strings.Contains(msg, "published") || strings.Contains(msg, "written")) {
						t.Fatalf("the dry run says %q", msg)
					}
				}
			}
			if got := len(f.soc.Upserts(dataset)); got != tt.upserts {
				t.Fatalf("%d rows upserted, want %d", got, tt.upserts)
			}
		})
	}
}
