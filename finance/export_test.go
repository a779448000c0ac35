package finance_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cityofaustin/atd-executive-dashboard/finance"
	"github.com/cityofaustin/atd-executive-dashboard/finance/financetest"
	"github.com/cityofaustin/atd-executive-dashboard/internal/objstore"
	"github.com/cityofaustin/atd-executive-dashboard/mstr"
)

const (
	user     = "svc-finance"
	password = "pw-SECRET-finance-42"
	project  = "0123456789ABCDEF0123456789ABCDEF"
)

func newClient(t *testing.T, srv *httptest.Server, logs io.Writer) *mstr.Client {
	t.Helper()
	c, err := mstr.New(mstr.Config{
		BaseURL: srv.URL + "/MicroStrategyLibrary", Username: user, Password: password, ProjectID: project,
		Logger:   slog.New(slog.NewTextHandler(logs, nil)),
		RetryMax: 1, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close(t.Context()) })
	return c
}

func TestExport(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	fake := financetest.NewFake(financetest.Options{Username: user, Password: password, ProjectID: project,
		Rows: func(kind finance.Kind, dept string, m finance.Month) ([][]string, error) {
			switch {
			case kind == finance.KindRevenue && dept == "6200" && m.Month == 7:
				return nil, nil // empty result: not written
			case kind == finance.KindExpenses && dept == "6200" && m.Month == 8:
				return nil, errors.New("report execution failed")
			}
			return financetest.DefaultRows(kind, dept, m), nil
		}})
	var inFlight, maxInFlight atomic.Int32
	fake.Intercept = func(w http.ResponseWriter, r *http.Request) bool {
		n := inFlight.Add(1)
		for {
			m := maxInFlight.Load()
			if n <= m || maxInFlight.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(2 * time.Millisecond)
		inFlight.Add(-1)
		return false
	}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	var logs bytes.Buffer
	c := newClient(t, srv, &logs)
	dir := t.TempDir()
	store := objstore.NewDir(dir)

	res, exportErr := finance.Export(ctx, c, store, finance.Tasks(finance.Month{Year: 2024, Month: 8}), finance.ExportOptions{Concurrency: 2})

	err := exportErr
	var te *finance.TaskError
	if !errors.As(err, &te) || te.Task.Report.Kind != finance.KindExpenses || te.Task.Department != "6200" || te.Task.Month.String() != "2024-08" {
		t.Fatalf("err = %v, want the expenses/6200/2024-08 TaskError", err)
	}
	if !strings.Contains(err.Error(), "expenses report, department 6200, 2024-08") {
		t.Errorf("error does not name report, department and month: %v", err)
	}
	if len(res.Failed) != 1 || !slices.Equal(res.Empty, []string{"revenue/2024-07-31_6200.csv"}) || len(res.Written) != 6 {
		t.Errorf("result = %+v", res)
	}
	var keys []string
	for info, err := range store.List(ctx, "") {
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, info.Key)
	}
	want := []string{
		"expenses/2024-07-31_2400.csv", "expenses/2024-07-31_6200.csv", "expenses/2024-08-31_2400.csv",
		"revenue/2024-07-31_2400.csv", "revenue/2024-08-31_2400.csv", "revenue/2024-08-31_6200.csv",
	}
	if !slices.Equal(keys, want) {
		t.Errorf("keys = %q, want %q", keys, want)
	}
	b, err := os.ReadFile(filepath.Join(dir, "expenses/2024-08-31_2400.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	wantHeader := "Fund@Code,Fund@Long Name,Department@Dept,Department@Long Name,Unit@Unit Code,Unit@Long Name," +
		"Object Code Category@Code,Object Code Category@Long Name,Object Code@Code,Object Code@Long Name," +
		"Object Code - Spending Plan@Code,Object Code - Spending Plan@Long Name,Budget YTD with Period Cutoff," +
		"Proposed Budget CYE Amount FY & BFY Prompted (Phase 6),Expenses MTD with Period Cutoff,Expenses YTD with Period Cutoff," +
		"Encumbrance YTD with Period Cutoff,Unobligated,% Obligated"
	if len(lines) != 4 || lines[0] != wantHeader {
		t.Errorf("file:\n%s", b)
	}
	if got := maxInFlight.Load(); got > 2 {
		t.Errorf("%d requests in flight, concurrency limit is 2", got)
	}
	if strings.Contains(logs.String(), password) || strings.Contains(exportErr.Error(), password) {
		t.Errorf("password leaked")
	}
}

func TestTasks(t *testing.T) {
	t.Parallel()
	var got []string
	for _, task := range finance.Tasks(finance.Month{Year: 2025, Month: 1}) {
		got = append(got, fmt.Sprintf("%s %s", task.Key(), task.Report.ID))
	}
	want := []string{
		"expenses/2024-12-31_2400.csv 1C804F8891479811944EF68F99835649",
		"expenses/2025-01-31_2400.csv 1C804F8891479811944EF68F99835649",
		"expenses/2024-12-31_6200.csv 1C804F8891479811944EF68F99835649",
		"expenses/2025-01-31_6200.csv 1C804F8891479811944EF68F99835649",
		"revenue/2024-12-31_2400.csv FBC5E5F30744717D7079ADADB956C3BC",
		"revenue/2025-01-31_2400.csv FBC5E5F30744717D7079ADADB956C3BC",
		"revenue/2024-12-31_6200.csv FBC5E5F30744717D7079ADADB956C3BC",
		"revenue/2025-01-31_6200.csv FBC5E5F30744717D7079ADADB956C3BC",
	}
	if !slices.Equal(got, want) {
		t.Errorf("tasks:\n%s", strings.Join(got, "\n"))
	}
}
