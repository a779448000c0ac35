package main

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cityofaustin/atd-executive-dashboard/finance"
	"github.com/cityofaustin/atd-executive-dashboard/finance/financetest"
	"github.com/cityofaustin/atd-executive-dashboard/internal/jobkit"
	"github.com/cityofaustin/atd-executive-dashboard/internal/jobtest"
	"github.com/cityofaustin/atd-executive-dashboard/internal/s3test"
	"github.com/cityofaustin/atd-executive-dashboard/internal/socratatest"
)

// buildS3Job compiles finance_reports_to_s3, so the end-to-end test runs
// the real binary (environment in, exit code out).
func buildS3Job(t *testing.T) string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not found; cannot build finance_reports_to_s3")
	}
	bin := filepath.Join(t.TempDir(), "finance_reports_to_s3")
	cmd := exec.CommandContext(t.Context(), gobin, "build", "-o", bin, "../finance_reports_to_s3")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func runBinary(t *testing.T, bin string, env map[string]string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), bin, args...)
	cmd.Dir = t.TempDir()
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return out.String(), 0
	case errors.As(err, &exitErr):
		return out.String(), exitErr.ExitCode()
	default:
		t.Fatalf("running %s: %v", bin, err)
		return "", -1
	}
}

// expectedIdentifiers computes, independently of the jobs, the
// row_identifier of every row the fake MicroStrategy serves for month m and
// the month before.
func expectedIdentifiers(kind finance.Kind, m finance.Month) []string {
	var ids []string
	for _, mm := range []finance.Month{m.Prev(), m} {
		fy, fm := mm.Year, mm.Month+3
		if mm.Month >= 10 {
			fy, fm = mm.Year+1, mm.Month-9
		}
		for _, dept := range []string{"2400", "6200"} {
			for _, row := range financetest.DefaultRows(kind, dept, mm) {
				// Columns: Fund@Code 0, Department@Dept 2, Unit@Unit Code 4,
				// then Object Code@Code 8 (expenses) or Revenue Source
				// Category@Code 6 and Revenue Source@Code 8 (revenue).
				id := fmt.Sprintf("%d%d%s%s%s", fy, fm, row[0], dept, row[4])
				if kind == finance.KindExpenses {
					id += row[8]
				} else {
					id += row[6] + row[8]
				}
				ids = append(ids, id)
			}
		}
	}
	slices.Sort(ids)
	return ids
}

// TestEndToEnd: fake MicroStrategy → finance_reports_to_s3 (the binary) →
// S3-compatible server → finance_reports_to_socrata → Socrata-compatible
// server, all on loopback.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	bin := buildS3Job(t)
	const (
		user, password, project = "svc-finance", "mstr-SECRET-pw-0xBADC0DE", "0123456789ABCDEF0123456789ABCDEF"
	)
	fake := financetest.NewFake(financetest.Options{Username: user, Password: password, ProjectID: project})
	fake.BindInstances = true
	mstrSrv := httptest.NewServer(fake)
	t.Cleanup(mstrSrv.Close)
	s3srv, soc := s3test.Start(t), socratatest.Start(t)
	s3srv.CreateBucket(t, bucket)

	env := map[string]string{
		"BASE_URL": mstrSrv.URL + "/MicroStrategyLibrary", "MSTRO_USERNAME": user, "MSTRO_PASSWORD": password, "PROJECT_ID": project,
	}
	maps.Copy(env, s3srv.Env(bucket))

	// A configuration error exits 2 before any work.
	noPass := maps.Clone(env)
	delete(noPass, "MSTRO_PASSWORD")
	if out, code := runBinary(t, bin, noPass, "--year", "2024", "--month", "1"); code != 2 || !strings.Contains(out, "MSTRO_PASSWORD") {
		t.Fatalf("missing password: exit %d, output:\n%s", code, out)
	}
	if len(fake.Calls()) != 0 {
		t.Fatal("the job called MicroStrategy despite the configuration error")
	}

	out, code := runBinary(t, bin, env, "--year", "2024", "--month", "1", "--log-json")
	if code != 0 {
		t.Fatalf("finance_reports_to_s3 exit %d:\n%s", code, out)
	}
	if strings.Contains(out, password) {
		t.Fatalf("the password was printed:\n%s", out)
	}
	keys := s3srv.Keys(t, bucket, "")
	if len(keys) != 8 {
		t.Fatalf("S3 holds %q, want 8 report files", keys)
	}
	// A stray object the publisher must skip, not mis-parse.
	s3srv.PutObject(t, bucket, "expenses/2024-01-31_2400.csv.bak", []byte("junk"))

	jobEnv := map[string]string{"EXP_DATASET": expDataset, "REV_DATASET": revDataset}
	maps.Copy(jobEnv, s3srv.Env(bucket))
	maps.Copy(jobEnv, soc.Env())
	var logs jobtest.Buffer
	if err := runWith(t.Context(), []string{"--year", "2024", "--month", "1"}, jobkit.MapEnv(jobEnv), &logs, deps{now: fixedNow}); err != nil {
		t.Fatalf("finance_reports_to_socrata: %v\n%s", err, logs.String())
	}
	m := finance.Month{Year: 2024, Month: 1}
	for _, tc := range []struct {
		dataset string
		kind    finance.Kind
	}{{expDataset, finance.KindExpenses}, {revDataset, finance.KindRevenue}} {
		rows := soc.Upserts(tc.dataset)
		var ids []string
		for _, r := range rows {
			ids = append(ids, r["row_identifier"].(string))
		}
		slices.Sort(ids)
		if want := expectedIdentifiers(tc.kind, m); !slices.Equal(ids, want) {
			t.Errorf("%s row identifiers:\n got %q\nwant %q", tc.dataset, ids, want)
		}
	}
	if !strings.Contains(logs.String(), "expenses/2024-01-31_2400.csv.bak") {
		t.Errorf("the stray object was not reported:\n%s", logs.String())
	}
	if fake.Logouts() != 1 {
		t.Errorf("MicroStrategy logouts = %d, want 1", fake.Logouts())
	}
}
