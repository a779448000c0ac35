package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cityofaustin/atd-executive-dashboard/internal/jobtest"

	"github.com/cityofaustin/atd-executive-dashboard/internal/jobkit"
	"github.com/cityofaustin/atd-executive-dashboard/internal/socratatest"
)

const dataset = "flex-test"

type fixture struct {
	soc   *socratatest.Server
	env   map[string]string
	serve http.HandlerFunc
}

// setup starts the report endpoint (serving the sample workbook unless
// serve is set) and a Socrata-compatible server, both on loopback.
func setup(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{soc: socratatest.Start(t)}
	mux := http.NewServeMux()
	mux.HandleFunc("/reports/flex.xlsx", func(w http.ResponseWriter, r *http.Request) {
		if f.serve != nil {
			f.serve(w, r)
			return
		}
		w.Write(sample)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	f.env = map[string]string{"FLEX_NOTES_DATASET": dataset, "FLEX_NOTE_ENDPOINT": srv.URL + "/reports/flex.xlsx?key=REPORT-SECRET"}
	maps.Copy(f.env, f.soc.Env())
	return f
}

func (f *fixture) run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out jobtest.Buffer
	err := run(t.Context(), args, jobkit.MapEnv(f.env), &out)
	return out.String(), err
}

// brokenRow returns the sample workbook with the cell reference ref of its
// worksheet made invalid, so reading that row fails.
func brokenRow(t *testing.T, ref string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(sample), int64(len(sample)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	found := false
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if f.Name == "xl/worksheets/sheet1.xml" {
			found = bytes.Contains(b, []byte(`r="`+ref+`"`))
			b = bytes.ReplaceAll(b, []byte(`r="`+ref+`"`), []byte(`r="?"`))
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if !found {
		t.Fatalf("cell %s not in the sample sheet", ref)
	}
	return out.Bytes()
}

func ids(rows []map[string]any) string {
	var out []string
	for _, r := range rows {
		out = append(out, string(r["flex_note_id"].(json.Number)))
	}
	return strings.Join(out, " ")
}

func TestPublishesWithoutPrivateQuestions(t *testing.T) {
	t.Parallel()
	f := setup(t)
	logs, err := f.run(t, "--chunk-size", "3")
	if err != nil {
		t.Fatalf("run: %v\n%s", err, logs)
	}
	rows := f.soc.Upserts(dataset)
	if got, want := ids(rows), "31001 31003 31006 31007"; got != want {
		t.Fatalf("published %s, want %s", got, want)
	}
	if len(f.soc.Requests()) != 2 {
		t.Fatalf("%d requests, want 2 chunks", len(f.soc.Requests()))
	}
	if rows[3]["flex_answer"] != nil || rows[1]["flex_answer"] != "2" {
		t.Errorf("answers: %v / %v", rows[3]["flex_answer"], rows[1]["flex_answer"])
	}
	for _, w := range []string{
		`msg="dropped private question" job=flex_notes_to_socrata question="Mobile Apps Reporter Information" rows=1`,
		`question="What is the 9-digit citation number (top line)?" rows=1`,
		"rows_read=7 rows_dropped=3 rows=4",
	} {
		if !strings.Contains(logs, w) {
			t.Errorf("logs lack %q:\n%s", w, logs)
		}
	}
	for _, secret := range []string{"invented reporter", "TEST123", "000000000", "REPORT-SECRET"} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain %q", secret)
		}
		for _, r := range f.soc.Requests() {
			if bytes.Contains(r.Body, []byte(secret)) {
				t.Errorf("a private answer was sent: %q", secret)
			}
		}
	}
}

func TestIgnoredFile(t *testing.T) {
	t.Parallel()
	f := setup(t)
	list := filepath.Join(t.TempDir(), "ignored.txt")
	if err := os.WriteFile(list, []byte("Describe the problem\r\n\r\nIs anyone hurt?\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	logs, err := f.run(t, "--ignored", list)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, logs)
	}
	if got, want := ids(f.soc.Upserts(dataset)), "31001 31002 31003 31004 31005"; got != want {
		t.Fatalf("published %s, want %s", got, want)
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		args      []string
		prepare   func(f *fixture)
		wantErr   []string
		notErr    []string
		published int
	}{
		{
			name: "endpoint drops the connection mid-download",
			prepare: func(f *fixture) {
				f.serve = func(w http.ResponseWriter, _ *http.Request) {
					conn, buf, _ := w.(http.Hijacker).Hijack()
					defer conn.Close()
					buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: " + strconv.Itoa(len(sample)) + "\r\n\r\n")
					buf.Write(sample[:len(sample)/2])
					buf.Flush()
				}
			},
			wantErr: []string{"flex notes report", "truncated", "nothing was published"},
		},
		{
			name: "socrata answers 429 then succeeds",
			prepare: func(f *fixture) {
				f.soc.FailNext(1, http.StatusTooManyRequests, "0", `{"error":true,"message":"slow down"}`)
			},
			published: 4,
		},
		{
			name: "socrata rejects the second chunk",
			args: []string{"--chunk-size", "2"},
			prepare: func(f *fixture) {
				f.soc.RejectChunk(2, http.StatusBadRequest, `{"error":true,"message":"bad row"}`)
			},
			wantErr:   []string{"2 rows landed before the failure", "chunk 2 failed", "bad row"},
			published: 2,
		},
		{
			// A 2xx that is not a write result: chunk 2 may have landed.
			name: "socrata's answer to the second chunk is not a write result",
			args: []string{"--chunk-size", "2"},
			prepare: func(f *fixture) {
				f.soc.RejectChunk(2, http.StatusOK, `[]`)
			},
			wantErr:   []string{"2 rows landed before the failure", "chunk 2 (from row 3, up to 2 rows) may have landed", "rows after it were not published"},
			notErr:    []string{"the rest were not published"},
			published: 2,
		},
		{
			name: "broken sheet row while the chunk in flight is rejected",
			args: []string{"--chunk-size", "2"},
			prepare: func(f *fixture) {
				broken := brokenRow(t, "A8")
				f.serve = func(w http.ResponseWriter, _ *http.Request) { w.Write(broken) }
				f.soc.RejectChunk(1, http.StatusBadRequest, `{"error":true,"message":"bad row"}`)
			},
			wantErr: []string{"reading stopped after 6 rows", "0 rows had been published", "chunk 1 failed", "bad row", "sheet row 8"},
		},
		{
			name: "firewall page",
			prepare: func(f *fixture) {
				f.serve = func(w http.ResponseWriter, _ *http.Request) {
					w.Write([]byte("<html><head><title>Request Rejected</title></head></html>"))
				}
			},
			wantErr: []string{"got an HTML page titled 'Request Rejected'", "nothing was published"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			tc.prepare(f)
			logs, err := f.run(t, tc.args...)
			var stderr bytes.Buffer
			code := jobkit.Exit(name, err, &stderr)
			if tc.wantErr == nil && err != nil {
				t.Fatalf("run: %v\n%s", err, logs)
			}
			if tc.wantErr != nil && code != 1 {
				t.Fatalf("exit %d (%v), want 1", code, err)
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("error lacks %q: %s", w, stderr.String())
				}
			}
			for _, w := range tc.notErr {
				if strings.Contains(stderr.String(), w) {
					t.Errorf("error holds %q: %s", w, stderr.String())
				}
			}
			if n := len(f.soc.Upserts(dataset)); n != tc.published {
				t.Errorf("%d rows published, want %d", n, tc.published)
			}
		})
	}
}

func TestSampleMode(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	jobtest.RunSample(t, run, out)
	b, err := os.ReadFile(filepath.Join(out, "socrata", "flex-notes-sample.upsert.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rows []map[string]any
	if err := json.Unmarshal(b, &rows); err != nil || len(rows) != 4 {
		t.Fatalf("sample output %s (%v)", b, err)
	}
}

func TestDryRunAndConfig(t *testing.T) {
	t.Parallel()
	f := setup(t)
	logs, err := f.run(t, "--dry-run")
	if err != nil || !strings.Contains(logs, "would upsert 4 rows to "+dataset) {
		t.Fatalf("dry run: %v\n%s", err, logs)
	}
	env := maps.Clone(f.env)
	delete(env, "FLEX_NOTES_DATASET")
	err = run(t.Context(), nil, jobkit.MapEnv(env), &jobtest.Buffer{})
	if jobkit.ExitCode(err) != 2 || !strings.Contains(err.Error(), "FLEX_NOTES_DATASET") {
		t.Fatalf("missing dataset: %v", err)
	}
	_, err = f.run(t, "--ignored", filepath.Join(t.TempDir(), "missing.txt"))
	if jobkit.ExitCode(err) != 2 {
		t.Fatalf("missing --ignored file: %v", err)
	}
	if n := len(f.soc.Requests()); n != 0 {
		t.Fatalf("%d socrata requests", n)
	}
}

// TestWorkbookTooLarge: a download over csr.MaxFlexNotesSize is refused
// once the bound is passed, never read whole, and nothing is published.
func TestWorkbookTooLarge(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.serve = func(w http.ResponseWriter, _ *http.Request) {
		w.Write(sample)
		chunk := bytes.Repeat([]byte("x"), 1<<20)
		for range 80 { // 80 MiB more, written as it is read
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}
	_, err := f.run(t)
	if err == nil {
		t.Fatal("run succeeded")
	}
	var msg bytes.Buffer
	jobkit.Exit(name, err, &msg)
	if !strings.Contains(msg.String(), "the workbook is larger than 67108864 bytes") || msg.Len() > 300 {
		t.Fatalf("message: %s", msg.String())
	}
	if n := len(f.soc.Requests()); n != 0 {
		t.Errorf("%d requests to socrata", n)
	}
}
