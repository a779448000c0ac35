package mstr_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cityofaustin/atd-executive-dashboard/mstr"
	"github.com/cityofaustin/atd-executive-dashboard/mstr/mstrtest"
)

const (
	testUser     = "svc-finance"
	testPassword = "pw-SECRET-7f3a91"
	testProject  = "0123456789ABCDEF0123456789ABCDEF"
	irisReport   = "251F443C11EA4E5600000080EF1575DE"
	plainReport  = "00000000000000000000000000000A11"
)

// syncBuffer collects log output from concurrent goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type fixture struct {
	fake   *mstrtest.Fake
	server *httptest.Server
	logs   *syncBuffer
}

func mustRead(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func mustPrompts(tb testing.TB, name string) []mstr.Prompt {
	tb.Helper()
	var ps []mstr.Prompt
	if err := json.Unmarshal(mustRead(tb, name), &ps); err != nil {
		tb.Fatal(err)
	}
	return ps
}

// setup starts a fake Library server under /MicroStrategyLibrary that
// replays the recorded conversation: the iris report behind two prompt
// rounds (the second one nested), served in two pages (70 + 80 rows), and
// an unprompted report answering in one page.
func setup(t *testing.T) *fixture {
	t.Helper()
	fake := &mstrtest.Fake{
		Username: testUser, Password: testPassword, ProjectID: testProject,
		Reports: map[string]*mstrtest.Report{
			irisReport: {
				Name:   "iris_multi_report",
				Rounds: [][]mstr.Prompt{mustPrompts(t, "prompts_round1.json"), mustPrompts(t, "prompts_round2.json")},
				Pages: mstrtest.PagesByOffset(map[int][]byte{
					0:  mustRead(t, "report_instance_id.json"),
					70: mustRead(t, "report_instance_id2.json"),
				}),
			},
			plainReport: {
				Name:  "subtotals",
				Pages: mstrtest.PagesByOffset(map[int][]byte{0: mustRead(t, "subtotals_off.json")}),
			},
		},
	}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	return &fixture{fake: fake, server: srv, logs: &syncBuffer{}}
}

func (f *fixture) client(t *testing.T, mod func(*mstr.Config)) *mstr.Client {
	t.Helper()
	cfg := mstr.Config{
		BaseURL:   f.server.URL + "/MicroStrategyLibrary",
		Username:  testUser,
		Password:  testPassword,
		ProjectID: testProject,
		PageSize:  70,
		Logger:    slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		RetryMax:  3, RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond,
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := mstr.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// irisPlan answers the recorded prompts the way the finance job does,
// plus the nested Unit prompt by key.
func irisPlan() *mstr.Plan {
	return mstr.Expectations(
		mstr.Expect{Index: 0, Type: mstr.PromptValue, Answer: func(p mstr.Prompt) mstr.PromptAnswer { return mstr.ValueAnswer(p, "2400") }},
		mstr.Expect{Index: 1, Type: mstr.PromptElements, Answer: func(p mstr.Prompt) mstr.PromptAnswer {
			return mstr.ElementsAnswer(p, mstr.Element{ID: "h2024;" + p.Source.ID, Name: "2024"})
		}},
		mstr.Expect{Index: 2, Type: mstr.PromptValue, Answer: func(p mstr.Prompt) mstr.PromptAnswer {
			return mstr.ValueAnswer(p, "2024-08-31T05:00:00.000+0000")
		}},
		mstr.Expect{Index: 3, Type: mstr.PromptElements, Answer: func(p mstr.Prompt) mstr.PromptAnswer {
			return mstr.ElementsAnswer(p, mstr.Element{ID: "h2024;" + p.Source.ID, Name: "2024"})
		}},
		mstr.Expect{Key: "9A1C2B3D4E5F60718293A4B5C6D7E8F9@0@10", Type: mstr.PromptElements, Answer: func(p mstr.Prompt) mstr.PromptAnswer {
			return mstr.ElementsAnswer(p, mstr.Element{ID: "h2417;" + p.Source.ID, Name: "2417"})
		}},
	)
}

func collect(t *testing.T, ctx context.Context, tab *mstr.Table) [][]string {
	t.Helper()
	var out [][]string
	for r, err := range tab.Rows(ctx) {
		if err != nil {
			t.Fatalf("rows: %v", err)
		}
		out = append(out, r.Strings())
	}
	return out
}

func singlePageRows(t *testing.T) (cols []string, rows [][]string) {
	t.Helper()
	p, err := mstr.ParsePage(mustRead(t, "report_instance.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range p.Rows {
		rows = append(rows, r.Strings())
	}
	return p.Columns, rows
}

func TestRunConversation(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	f := setup(t)
	c := f.client(t, nil)

	tab, err := c.Run(ctx, irisReport, mstr.RunOptions{Answerer: irisPlan()})
	if err != nil {
		t.Fatal(err)
	}
	got := collect(t, ctx, tab)
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}

	wantCols, wantRows := singlePageRows(t)
	if !slices.Equal(tab.Columns, wantCols) {
		t.Errorf("columns = %q, want %q", tab.Columns, wantCols)
	}
	if len(got) != 150 || !slices.EqualFunc(got, wantRows, slices.Equal) {
		t.Errorf("paged rows (%d) differ from the single-page rows (%d)", len(got), len(wantRows))
	}

	inst := "/instances/" + tab.Instance().ID
	wantCalls := []string{
		"POST /api/auth/login",
		"POST /api/v2/reports/" + irisReport + "/instances",
		"GET /api/reports/" + irisReport + inst + "/prompts",
		"PUT /api/reports/" + irisReport + inst + "/prompts/answers",
		"GET /api/v2/reports/" + irisReport + inst,
		"GET /api/reports/" + irisReport + inst + "/prompts",
		"PUT /api/reports/" + irisReport + inst + "/prompts/answers",
		"GET /api/v2/reports/" + irisReport + inst,
		"GET /api/v2/reports/" + irisReport + inst,
		"POST /api/auth/logout",
	}
	if calls := f.fake.Calls(); !slices.Equal(calls, wantCalls) {
		t.Errorf("conversation:\n%s\nwant:\n%s", strings.Join(calls, "\n"), strings.Join(wantCalls, "\n"))
	}
	answers := f.fake.InstanceAnswers(irisReport)
	if len(answers) != 1 {
		t.Fatalf("instances = %d, want 1", len(answers))
	}
	a := answers[0]
	checks := map[string]string{
		"71AFE887BE4A4FF88CBE3A8E79B692B8@0@10": "VALUE 2400",
		"30BB5363448007F721216B95C55709B3@0@10": "ELEMENTS h2024;7CC8145F4591C84C567D60B236792F33",
		"5554FDDB4204EA8EBAD8D9A1DC46D8FE@0@10": "VALUE 2024-08-31T05:00:00.000+0000",
		"F4435FAF4C2DC68383051CB1CE2B19A0@0@10": "ELEMENTS h2024;502D5DEB40B89AA9B51DB2B48F84D1E1",
		"9A1C2B3D4E5F60718293A4B5C6D7E8F9@0@10": "ELEMENTS h2417;1B2C3D4E5F60718293A4B5C6D7E8F9A0",
	}
	for key, want := range checks {
		ans := a[key]
		got := ans.Type + " " + ans.Value
		if len(ans.Elements) > 0 {
			got = ans.Type + " " + ans.Elements[0].ID
		}
		if got != want {
			t.Errorf("answer %s = %q, want %q", key, got, want)
		}
	}
	if f.fake.Logouts() != 1 {
		t.Errorf("logouts = %d, want 1", f.fake.Logouts())
	}
	if logs := f.logs.String(); strings.Contains(logs, testPassword) || strings.Contains(logs, "fake-mstr-token") || strings.Contains(logs, "fake-mstr-session") {
		t.Errorf("logs leak a secret:\n%s", logs)
	}
}

func TestWriteCSVMatchesSinglePage(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	f := setup(t)
	c := f.client(t, nil)
	defer c.Close(ctx)
	tab, err := c.Run(ctx, irisReport, mstr.RunOptions{Answerer: irisPlan()})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	n, err := tab.WriteCSV(ctx, &buf)
	if err != nil {
		t.Fatal(err)
	}
	if n != 150 {
		t.Errorf("rows written = %d, want 150", n)
	}
	want := mustRead(t, "iris.golden")
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("paged CSV differs from testdata/iris.golden (the single-page flattening)")
	}
}

func TestExpiredSessionReLogin(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	f := setup(t)
	c := f.client(t, nil)
	defer c.Close(ctx)
	tab, err := c.Run(ctx, irisReport, mstr.RunOptions{Answerer: irisPlan()})
	if err != nil {
		t.Fatal(err)
	}
	f.fake.ExpireSessions() // the second page now meets a 401 ERR009
	rows := collect(t, ctx, tab)
	if len(rows) != 150 {
		t.Errorf("rows = %d, want 150", len(rows))
	}
	if f.fake.Logins() != 2 {
		t.Errorf("logins = %d, want 2 (one re-login)", f.fake.Logins())
	}
}

func TestExpiredSessionTwiceFails(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	f := setup(t)
	// Every project call is refused: one re-login, then the error.
	f.fake.Intercept = func(w http.ResponseWriter, r *http.Request) bool {
		if strings.Contains(r.URL.Path, "/reports/") {
			mstrtest.WriteError(w, http.StatusUnauthorized, "ERR009", "session expired")
			return true
		}
		return false
	}
	c := f.client(t, nil)
	_, err := c.Run(ctx, plainReport, mstr.RunOptions{})
	if !errors.Is(err, mstr.ErrSessionExpired) {
		t.Fatalf("err = %v, want ErrSessionExpired", err)
	}
	// One re-login for the failed call. No instance was created, so none
	// can have been lost with the old session: Run does not start over.
	if f.fake.Logins() != 2 {
		t.Errorf("logins = %d, want 2 (one re-login)", f.fake.Logins())
	}
}

// TestUnknownReportRunsOnce: a 4xx at instance creation on a fresh client
// (the first call logs in) is not mistaken for an instance lost with an
// expired session.
func TestUnknownReportRunsOnce(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	f := setup(t)
	c := f.client(t, nil)
	defer c.Close(ctx)
	_, err := c.Run(ctx, "0000000000000000000000000000DEAD", mstr.RunOptions{})
	if !errors.Is(err, mstr.ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
	creates := 0
	for _, call := range f.fake.Calls() {
		if strings.HasSuffix(call, "/instances") {
			creates++
		}
	}
	if creates != 1 || f.fake.Logins() != 1 {
		t.Errorf("instance creations = %d, logins = %d; want 1 and 1", creates, f.fake.Logins())
	}
}

// TestInstanceLostWithSession plays a server whose instances die with the
// session that created them: the client logs in again once, and the report
// then fails with a clear error; it is not started over.
func TestInstanceLostWithSession(t *testing.T) {
	t.Parallel()
	t.Run("during prompts", func(t *testing.T) {
		t.Parallel()
		ctx := t.Context()
		f := setup(t)
		f.fake.BindInstances = true
		var once sync.Once
		f.fake.Intercept = func(w http.ResponseWriter, r *http.Request) bool {
			if r.Method == http.MethodPut {
				once.Do(f.fake.ExpireSessions)
			}
			return false
		}
		c := f.client(t, nil)
		defer c.Close(ctx)
		_, err := c.Run(ctx, irisReport, mstr.RunOptions{Answerer: irisPlan()})
		if !errors.Is(err, mstr.ErrNotFound) || !strings.Contains(err.Error(), "run the report again") {
			t.Fatalf("err = %v, want the lost instance's 404, explained", err)
		}
		if n := len(f.fake.InstanceAnswers(irisReport)); n != 1 {
			t.Errorf("instances = %d, want 1 (no restart)", n)
		}
		if f.fake.Logins() != 2 {
			t.Errorf("logins = %d, want 2 (one re-login)", f.fake.Logins())
		}
	})
	t.Run("during pages", func(t *testing.T) {
		t.Parallel()
		ctx := t.Context()
		f := setup(t)
		f.fake.BindInstances = true
		c := f.client(t, nil)
		defer c.Close(ctx)
		tab, err := c.Run(ctx, irisReport, mstr.RunOptions{Answerer: irisPlan()})
		if err != nil {
			t.Fatal(err)
		}
		f.fake.ExpireSessions()
		var last error
		for _, err := range tab.Rows(ctx) {
			last = err
		}
		if !errors.Is(last, mstr.ErrNotFound) || !strings.Contains(last.Error(), "run the report again") {
			t.Errorf("err = %v, want the lost instance's 404, explained", last)
		}
	})
}

func TestServerErrorBody(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	f := setup(t)
	f.fake.Intercept = func(w http.ResponseWriter, r *http.Request) bool {
		if strings.HasSuffix(r.URL.Path, "/prompts") {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`{"errors":[{"code":"ERR001","iServerCode":-2147468986,"message":"The report execution failed","ticketId":"4d3f0b5a8c6e4b1e9f2a7c0d1e2f3a4b"}]}`))
			return true
		}
		return false
	}
	c := f.client(t, nil)
	_, err := c.Run(ctx, irisReport, mstr.RunOptions{Answerer: irisPlan()})
	var apiErr *mstr.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v, want *APIError", err)
	}
	if apiErr.StatusCode != 500 || apiErr.Code != "ERR001" || apiErr.IServerCode != -2147468986 ||
		apiErr.RequestID != "4d3f0b5a8c6e4b1e9f2a7c0d1e2f3a4b" || apiErr.Message != "The report execution failed" {
		t.Errorf("APIError = %+v", apiErr)
	}
	if apiErr.Attempts != 4 {
		t.Errorf("attempts = %d, want 4 (RetryMax 3)", apiErr.Attempts)
	}
	var op *mstr.OpError
	if !errors.As(err, &op) || op.Op != "list prompts" || op.ReportID != irisReport {
		t.Errorf("OpError = %+v", op)
	}
}

func TestPromptMismatch(t *testing.T) {
	t.Parallel()
	value := func(v string) func(mstr.Prompt) mstr.PromptAnswer {
		return func(p mstr.Prompt) mstr.PromptAnswer { return mstr.ValueAnswer(p, v) }
	}
	tests := []struct {
		name      string
		plan      *mstr.Plan
		wantName  string
		wantIndex int
	}{
		{
			name:      "wrong type",
			plan:      mstr.Expectations(mstr.Expect{Index: 0, Type: mstr.PromptElements, Answer: value("x")}),
			wantName:  "Department",
			wantIndex: 0,
		},
		{
			name:      "wrong name",
			plan:      mstr.Expectations(mstr.Expect{Index: 2, Name: "Period End", Type: mstr.PromptValue, Answer: value("x")}),
			wantName:  "As of Date",
			wantIndex: 2,
		},
		{
			name:      "position beyond the list",
			plan:      mstr.Expectations(mstr.Expect{Index: 4, Name: "Budget Fiscal Year", Type: mstr.PromptElements, Answer: value("x")}),
			wantName:  "Budget Fiscal Year",
			wantIndex: 4,
		},
		{
			name:      "required prompt left unanswered",
			plan:      mstr.Expectations(mstr.Expect{Index: 0, Type: mstr.PromptValue, Answer: value("2400")}),
			wantName:  "Fiscal Year",
			wantIndex: 1,
		},
		{
			name: "keyed prompt never appears",
			plan: func() *mstr.Plan {
				p := irisPlan()
				return p
			}(),
			wantName: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			f := setup(t)
			c := f.client(t, nil)
			defer c.Close(ctx)
			report := irisReport
			if tt.wantName == "" {
				// A report without the nested round: the Unit key never shows.
				f.fake.Reports[irisReport].Rounds = f.fake.Reports[irisReport].Rounds[:1]
			}
			_, err := c.Run(ctx, report, mstr.RunOptions{Answerer: tt.plan})
			if !errors.Is(err, mstr.ErrPromptMismatch) {
				t.Fatalf("err = %v, want ErrPromptMismatch", err)
			}
			var pe *mstr.PromptError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want *PromptError", err)
			}
			if tt.wantName != "" && (pe.Name != tt.wantName || pe.Index != tt.wantIndex) {
				t.Errorf("PromptError = %+v, want name %q index %d", pe, tt.wantName, tt.wantIndex)
			}
			if tt.wantName == "" && pe.Key != "9A1C2B3D4E5F60718293A4B5C6D7E8F9@0@10" {
				t.Errorf("PromptError = %+v, want the Unit key", pe)
			}
			if tt.wantName != "" && !strings.Contains(err.Error(), tt.wantName) {
				t.Errorf("message %q does not name the prompt", err)
			}
		})
	}
}

func TestLoginFailed(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	f := setup(t)
	c := f.client(t, func(cfg *mstr.Config) { cfg.Password = "wrong-SECRET-pw" })
	err := c.Login(ctx)
	if !errors.Is(err, mstr.ErrLoginFailed) {
		t.Fatalf("err = %v, want ErrLoginFailed", err)
	}
	if strings.Contains(err.Error(), "wrong-SECRET-pw") {
		t.Errorf("error leaks the password: %v", err)
	}
}

func TestClosedClient(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	f := setup(t)
	c := f.client(t, nil)
	if err := c.Close(ctx); err != nil { // never logged in: no logout call
		t.Fatal(err)
	}
	if _, err := c.Run(ctx, plainReport, mstr.RunOptions{}); !errors.Is(err, mstr.ErrNotLoggedIn) {
		t.Errorf("err = %v, want ErrNotLoggedIn", err)
	}
	if n := len(f.fake.Calls()); n != 0 {
		t.Errorf("calls = %d, want 0", n)
	}
}

func TestConfigRedaction(t *testing.T) {
	t.Parallel()
	cfg := mstr.Config{BaseURL: "https://h/MicroStrategyLibrary", Username: "u", Password: testPassword, ProjectID: testProject}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("cfg", "config", cfg)
	for name, s := range map[string]string{"String": cfg.String(), "LogValue": buf.String(),
		"%v": fmt.Sprintf("%v", cfg), "%+v": fmt.Sprintf("%+v", cfg), "%#v": fmt.Sprintf("%#v", cfg), "%#v pointer": fmt.Sprintf("%#v", &cfg)} {
		if strings.Contains(s, testPassword) {
			t.Errorf("%s leaks the password: %s", name, s)
		}
		if !strings.Contains(s, "REDACTED") {
			t.Errorf("%s does not mark the password redacted: %s", name, s)
		}
	}
}

func TestNewValidation(t *testing.T) {
	t.Parallel()
	ok := mstr.Config{BaseURL: "https://h/MicroStrategyLibrary", Username: "u", Password: "p", ProjectID: "P"}
	tests := []struct {
		name string
		mod  func(*mstr.Config)
	}{
		{"no base url", func(c *mstr.Config) { c.BaseURL = "" }},
		{"relative base url", func(c *mstr.Config) { c.BaseURL = "host/lib" }},
		{"no username", func(c *mstr.Config) { c.Username = "" }},
		{"no password", func(c *mstr.Config) { c.Password = "" }},
		{"no project", func(c *mstr.Config) { c.ProjectID = "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := ok
			tt.mod(&cfg)
			if _, err := mstr.New(cfg); err == nil {
				t.Error("New accepted an invalid config")
			}
		})
	}
	if _, err := mstr.New(ok); err != nil {
		t.Errorf("New(valid) = %v", err)
	}
}

// TestFaults injects transport and server faults on the v2 data calls.
func TestFaults(t *testing.T) {
	t.Parallel()
	html := "<html><head><title>Request Rejected</title></head><body>The requested URL was rejected. Please consult with your administrator.</body></html>"
	tests := []struct {
		name     string
		fault    func(n int, w http.ResponseWriter) bool // n = attempt number (1-based); true = fault written
		wantErr  bool
		status   int
		attempts int
		check    func(t *testing.T, err error)
	}{
		{name: "429 with Retry-After then success", fault: func(n int, w http.ResponseWriter) bool {
			if n == 1 {
				w.Header().Set("Retry-After", "0")
				mstrtest.WriteError(w, http.StatusTooManyRequests, "ERR001", "too many requests")
				return true
			}
			return false
		}},
		{name: "5xx then success", fault: func(n int, w http.ResponseWriter) bool {
			if n <= 2 {
				mstrtest.WriteError(w, http.StatusBadGateway, "ERR0013", "IServer unreachable")
				return true
			}
			return false
		}},
		{name: "5xx storm gives up", fault: func(n int, w http.ResponseWriter) bool {
			mstrtest.WriteError(w, http.StatusServiceUnavailable, "ERR0016", "service not available")
			return true
		}, wantErr: true, status: 503, attempts: 4},
		{name: "dropped connection then success", fault: func(n int, w http.ResponseWriter) bool {
			if n == 1 {
				conn, _, err := http.NewResponseController(w).Hijack()
				if err == nil {
					conn.Close()
				}
				return true
			}
			return false
		}},
		{name: "truncated body then success", fault: func(n int, w http.ResponseWriter) bool {
			if n == 1 {
				body := mustReadNoTB("subtotals_off.json")
				w.Header().Set("Content-Length", "23531")
				w.WriteHeader(http.StatusOK)
				_, _ = w.Write(body[:1000])
				conn, _, err := http.NewResponseController(w).Hijack()
				if err == nil {
					conn.Close()
				}
				return true
			}
			return false
		}},
		{name: "HTML page with 200", fault: func(n int, w http.ResponseWriter) bool {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte(html))
			return true
		}, wantErr: true, status: 200, attempts: 1, check: func(t *testing.T, err error) {
			var re *mstr.ResponseError
			if !errors.As(err, &re) || re.StatusCode != 200 || !strings.Contains(re.Error(), "Request Rejected") {
				t.Errorf("err = %v, want a ResponseError keeping the page's start", err)
			}
		}},
		{name: "HTML error page storm", fault: func(n int, w http.ResponseWriter) bool {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			_, _ = w.Write([]byte(strings.Repeat(html, 50)))
			return true
		}, wantErr: true, status: 502, attempts: 4, check: func(t *testing.T, err error) {
			var apiErr *mstr.APIError
			if !errors.As(err, &apiErr) || len(apiErr.Message) > 520 || apiErr.Message == "" {
				t.Errorf("err = %v, want a bounded body prefix", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			f := setup(t)
			var n atomic.Int32
			f.fake.Intercept = func(w http.ResponseWriter, r *http.Request) bool {
				if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/api/v2/reports/") {
					return tt.fault(int(n.Add(1)), w)
				}
				return false
			}
			c := f.client(t, nil)
			defer c.Close(ctx)
			tab, err := c.Run(ctx, irisReport, mstr.RunOptions{Answerer: irisPlan()})
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("Run: %v", err)
				}
				if rows := collect(t, ctx, tab); len(rows) != 150 {
					t.Errorf("rows = %d, want 150", len(rows))
				}
				if n.Load() < 2 {
					t.Errorf("fault injected on %d attempt(s), want a failed one and a retry", n.Load())
				}
				return
			}
			var apiErr *mstr.APIError
			if tt.status == 200 {
				// a 2xx answer: checked by tt.check
			} else if !errors.As(err, &apiErr) {
				t.Fatalf("err = %v, want *APIError", err)
			} else if apiErr.StatusCode != tt.status || apiErr.Attempts != tt.attempts {
				t.Errorf("status %d attempts %d, want %d and %d", apiErr.StatusCode, apiErr.Attempts, tt.status, tt.attempts)
			}
			if tt.check != nil {
				tt.check(t, err)
			}
		})
	}
}

func mustReadNoTB(name string) []byte {
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		panic(err)
	}
	return b
}

// TestConcurrentRuns runs reports in parallel within one session.
func TestConcurrentRuns(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	f := setup(t)
	c := f.client(t, nil)
	defer c.Close(ctx)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			tab, err := c.Run(ctx, irisReport, mstr.RunOptions{Answerer: irisPlan()})
			if err != nil {
				errs <- err
				return
			}
			n, err := tab.WriteCSV(ctx, &bytes.Buffer{})
			if err == nil && n != 150 {
				err = errors.New("short result")
			}
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if f.fake.Logins() != 1 {
		t.Errorf("logins = %d, want 1 shared session", f.fake.Logins())
	}
}

// TestInProcessTransport replays the conversation without a network.
func TestInProcessTransport(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	f := setup(t)
	c, err := mstr.New(mstr.Config{
		BaseURL: "https://mstr.invalid/MicroStrategyLibrary", Username: testUser, Password: testPassword, ProjectID: testProject,
		HTTPClient: &http.Client{Transport: mstrtest.Transport{Handler: f.fake}}, PageSize: 70,
	})
	if err != nil {
		t.Fatal(err)
	}
	tab, err := c.Run(ctx, irisReport, mstr.RunOptions{Answerer: irisPlan()})
	if err != nil {
		t.Fatal(err)
	}
	if rows := collect(t, ctx, tab); len(rows) != 150 {
		t.Errorf("rows = %d, want 150", len(rows))
	}
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
}
