package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cityofaustin/atd-executive-dashboard/internal/jobtest"

	"github.com/cityofaustin/atd-executive-dashboard/internal/jobkit"
	"github.com/cityofaustin/atd-executive-dashboard/internal/s3test"
)

const (
	bucket    = "exec-dash"
	token     = "smartsheet-TOKEN-0xC0FFEE"
	apiPrefix = "/smartsheet/2.0"
	// expected holds the daily files the sample sheets give: the weekly
	// summary job's sample inputs.
	expected = "../row_data_summary/sample"
)

var defaultKeys = []string{"Commercial DS Permit Requests.csv", "Extension and Revision Requests.csv", "Residential DS Permits.csv"}

// fakeSmartsheet serves the sample sheets under apiPrefix, slicing rows by
// the page and pageSize parameters, after the faults queued for a sheet.
type fakeSmartsheet struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	faults map[string][]func(w http.ResponseWriter)
	sheets map[string][]byte
	hits   atomic.Int32
	// lenientAuth answers a wrong token with 401 without failing the test.
	lenientAuth atomic.Bool
}

func startSmartsheet(t *testing.T) *fakeSmartsheet {
	t.Helper()
	f := &fakeSmartsheet{t: t, faults: map[string][]func(http.ResponseWriter){}, sheets: map[string][]byte{}}
	entries, err := os.ReadDir(filepath.Join("sample", "sheets"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("sample", "sheets", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		f.sheets[strings.TrimSuffix(e.Name(), ".json")] = b
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeSmartsheet) fail(id string, fault func(w http.ResponseWriter)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults[id] = append(f.faults[id], fault)
}

func (f *fakeSmartsheet) serve(w http.ResponseWriter, r *http.Request) {
	f.hits.Add(1)
	if got := r.Header.Get("Authorization"); got != "Bearer "+token {
		if !f.lenientAuth.Load() {
			f.t.Errorf("Authorization = %q", got)
		}
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"errorCode":1002,"message":"Your Access Token is invalid.","refId":"auth1"}`)
		return
	}
	id, ok := strings.CutPrefix(r.URL.Path, apiPrefix+"/sheets/")
	if !ok {
		f.t.Errorf("request outside the API: %s", r.URL.Path)
		w.WriteHeader(http.StatusNotFound)
		return
	}
	f.mu.Lock()
	var fault func(http.ResponseWriter)
	if q := f.faults[id]; len(q) > 0 {
		fault, f.faults[id] = q[0], q[1:]
	}
	body, found := f.sheets[id]
	f.mu.Unlock()
	if fault != nil {
		fault(w)
		return
	}
	if !found {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"errorCode":1006,"message":"Not Found","refId":"nf1"}`)
		return
	}
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // ids may exceed 2^53
	if err := dec.Decode(&doc); err != nil {
		f.t.Error(err)
		return
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	size, _ := strconv.Atoi(r.URL.Query().Get("pageSize"))
	if page < 1 || size < 1 {
		f.t.Errorf("paging not explicit: %s", r.URL.RawQuery)
		page, size = 1, 1<<30
	}
	rows := doc["rows"].([]any)
	lo, hi := min((page-1)*size, len(rows)), min(page*size, len(rows))
	doc["rows"] = rows[lo:hi]
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	_ = json.NewEncoder(w).Encode(doc)
}

type fixture struct {
	s3  *s3test.Server
	ss  *fakeSmartsheet
	env map[string]string
}

func setup(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{s3: s3test.Start(t), ss: startSmartsheet(t)}
	f.s3.CreateBucket(t, bucket)
	f.env = map[string]string{"SMARTSHEET_ACCESS_TOKEN": token, "SMARTSHEET_API_BASE": f.ss.srv.URL + apiPrefix}
	maps.Copy(f.env, f.s3.Env(bucket))
	return f
}

func (f *fixture) run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out jobtest.Buffer
	err := run(t.Context(), args, jobkit.MapEnv(f.env), &out)
	return out.String(), err
}

func mustRead(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestWritesDailyFiles(t *testing.T) {
	t.Parallel()
	f := setup(t)
	logs, err := f.run(t)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, logs)
	}
	if got := f.s3.Keys(t, bucket, ""); strings.Join(got, "|") != strings.Join(defaultKeys, "|") {
		t.Fatalf("keys = %q, want %q", got, defaultKeys)
	}
	for _, key := range defaultKeys {
		if got, want := f.s3.GetObject(t, bucket, key), mustRead(t, filepath.Join(expected, key)); !bytes.Equal(got, want) {
			t.Errorf("%s:\n%s\nwant:\n%s", key, got, want)
		}
	}
	for _, want := range []string{
		`level=WARN msg="rows without a usable date skipped" job=smartsheet_to_s3 sheet_id=6628516847478660 name="Residential DS Permits" date_column="Date Created" no_date=1 bad_date=1`,
		`sheet_id=1926715770464132 name="Extension and Revision Requests" rows=8 counted=8 days=3 no_date=0 bad_date=0`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, token) {
		t.Error("the token was logged")
	}
}

func TestSheetsFile(t *testing.T) {
	t.Parallel()
	f := setup(t)
	file := filepath.Join(t.TempDir(), "sheets.json")
	cfg := `[{"id": 1926715770464132, "name": "extensions", "date_column": "Created"}]`
	if err := os.WriteFile(file, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	logs, err := f.run(t, "--sheets", file)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, logs)
	}
	if got := f.s3.Keys(t, bucket, ""); len(got) != 1 || got[0] != "extensions.csv" {
		t.Fatalf("keys = %q, want [extensions.csv]", got)
	}
	if got, want := f.s3.GetObject(t, bucket, "extensions.csv"), mustRead(t, filepath.Join(expected, "Extension and Revision Requests.csv")); !bytes.Equal(got, want) {
		t.Errorf("extensions.csv:\n%s\nwant:\n%s", got, want)
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	commercial := "4477152411314052"
	tests := []struct {
		name    string
		prepare func(t *testing.T, f *fixture)
		keys    int      // daily files written
		want    []string // in the error, when one is expected
	}{
		{name: "429 with Retry-After then success", keys: 3, prepare: func(t *testing.T, f *fixture) {
			f.ss.fail(commercial, func(w http.ResponseWriter) {
				w.Header().Set("Retry-After", "0")
				w.WriteHeader(http.StatusTooManyRequests)
				fmt.Fprint(w, `{"errorCode":4003,"message":"Rate limit exceeded.","refId":"rl1"}`)
			})
		}},
		{name: "unknown sheet fails alone", keys: 2, prepare: func(t *testing.T, f *fixture) {
			f.ss.mu.Lock()
			delete(f.ss.sheets, commercial)
			f.ss.mu.Unlock()
		}, want: []string{"1 of 3 sheets failed", "smartsheet: get sheet 4477152411314052", "HTTP 404 Not Found (errorCode 1006)", "request id nf1"}},
		{name: "date column renamed", keys: 2, prepare: func(t *testing.T, f *fixture) {
			f.ss.mu.Lock()
			f.ss.sheets[commercial] = bytes.Replace(f.ss.sheets[commercial], []byte(`"title": "Date Created"`), []byte(`"title": "Created On"`), 1)
			f.ss.mu.Unlock()
		}, want: []string{"sheet 4477152411314052", `no date column "Date Created"`, `"Created On"`}},
		{name: "HTML error page on every attempt", keys: 2, prepare: func(t *testing.T, f *fixture) {
			for range 5 {
				f.ss.fail(commercial, func(w http.ResponseWriter) {
					w.Header().Set("Content-Type", "text/html")
					w.Header().Set("Retry-After", "0")
					w.WriteHeader(http.StatusServiceUnavailable)
					fmt.Fprint(w, "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>")
				})
			}
		}, want: []string{"HTTP 503", "503 Service Temporarily Unavailable", "after 5 attempts"}},
		{name: "wrong token", keys: 0, prepare: func(t *testing.T, f *fixture) {
			f.env["SMARTSHEET_ACCESS_TOKEN"] = "not-the-token"
			f.ss.lenientAuth.Store(true)
		}, want: []string{"3 of 3 sheets failed", "HTTP 401 Unauthorized (errorCode 1002)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			tt.prepare(t, f)
			logs, err := f.run(t)
			if got := len(f.s3.Keys(t, bucket, "")); got != tt.keys {
				t.Errorf("%d daily files written, want %d", got, tt.keys)
			}
			if tt.want == nil {
				if err != nil {
					t.Fatalf("run: %v\n%s", err, logs)
				}
				return
			}
			if err == nil {
				t.Fatalf("run succeeded, want an error\n%s", logs)
			}
			var stderr bytes.Buffer
			if code := jobkit.Exit(name, err, &stderr); code != 1 {
				t.Errorf("exit code %d, want 1", code)
			}
			line := stderr.String()
			if strings.Count(line, "\n") != 1 {
				t.Errorf("error is not one line: %q", line)
			}
			for _, w := range tt.want {
				if !strings.Contains(line, w) {
					t.Errorf("error %q lacks %q", line, w)
				}
			}
			if strings.Contains(line+logs, token) || strings.Contains(line+logs, "not-the-token") {
				t.Error("a token was printed")
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
	if got := f.s3.Keys(t, bucket, ""); len(got) != 0 {
		t.Fatalf("dry run wrote %q", got)
	}
	for _, want := range []string{"DRY RUN", "would write Residential DS Permits.csv (53 bytes, 3 lines)", "2024-12-19,5", "dry run: would write the daily file"} {
		if !strings.Contains(logs, want) {
			t.Errorf("output lacks %q:\n%s", want, logs)
		}
	}
}

func TestSampleMode(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	jobtest.RunSample(t, run, out)
	for _, key := range defaultKeys {
		if got, want := mustRead(t, filepath.Join(out, key)), mustRead(t, filepath.Join(expected, key)); !bytes.Equal(got, want) {
			t.Errorf("%s:\n%s\nwant:\n%s", key, got, want)
		}
	}
}

func TestConfigurationErrors(t *testing.T) {
	t.Parallel()
	f := setup(t)
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`[{"id": 1, "name": "x"}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		drop    []string
		set     map[string]string
		args    []string
		wantMsg string
	}{
		{name: "token without bucket", drop: []string{"BUCKET_NAME"}, wantMsg: "missing required environment variable BUCKET_NAME"},
		{name: "bucket without token", drop: []string{"SMARTSHEET_ACCESS_TOKEN"}, wantMsg: "SMARTSHEET_ACCESS_TOKEN"},
		{name: "bad API base", set: map[string]string{"SMARTSHEET_API_BASE": "api.smartsheet.com"}, wantMsg: "SMARTSHEET_API_BASE must be an http:// or https:// URL"},
		{name: "sheets file missing", args: []string{"--sheets", filepath.Join(dir, "nope.json")}, wantMsg: "nope.json"},
		{name: "sheets file invalid", args: []string{"--sheets", bad}, wantMsg: "date_column"},
		{name: "unknown flag", args: []string{"--bogus"}, wantMsg: "bogus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := maps.Clone(f.env)
			for _, k := range tt.drop {
				delete(env, k)
			}
			maps.Copy(env, tt.set)
			var out jobtest.Buffer
			err := run(t.Context(), tt.args, jobkit.MapEnv(env), &out)
			var stderr bytes.Buffer
			if code := jobkit.Exit(name, err, &stderr); code != 2 {
				t.Fatalf("exit code %d (err %v), want 2", code, err)
			}
			if !strings.Contains(stderr.String(), tt.wantMsg) || strings.Contains(stderr.String(), token) {
				t.Fatalf("stderr %q, want it to name %q (and no token)", stderr.String(), tt.wantMsg)
			}
		})
	}
	if n := f.ss.hits.Load(); n != 0 {
		t.Fatalf("work started despite configuration errors: %d smartsheet requests", n)
	}
}

// cancelAfter is a log writer that cancels the run once a line holding
// marker has been written.
type cancelAfter struct {
	jobtest.Buffer
	marker string
	cancel context.CancelFunc
}

func (c *cancelAfter) Write(p []byte) (int, error) {
	n, err := c.Buffer.Write(p)
	if strings.Contains(string(p), c.marker) {
		c.cancel()
	}
	return n, err
}

func TestInterruptedBetweenSheetsFails(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	out := t.TempDir()
	logs := &cancelAfter{marker: `msg="daily file written"`, cancel: cancel}
	err := run(ctx, []string{"--out", out}, jobkit.MapEnv(nil), logs)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "2 sheet(s) not exported") {
		t.Fatalf("run = %v, want an error saying 2 sheets were not exported\n%s", err, logs.String())
	}
	if _, err := os.Stat(filepath.Join(out, defaultKeys[0])); err != nil {
		t.Errorf("the first sheet's file: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, defaultKeys[1])); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the second sheet was exported after the interrupt: %v", err)
	}
}

// TestColumnTypesAndDays counts one sheet by three date columns of
// different types: a DATETIME instant goes to its America/Chicago day
// (across the DST changes), a DATE and a zone-less ABSTRACT_DATETIME
// to their own calendar day.
func TestColumnTypesAndDays(t *testing.T) {
	t.Parallel()
	f := setup(t)
	sheet := `{"id": 111, "name": "Types", "version": 1, "totalRowCount": 4,
	  "columns": [{"id": 1, "title": "At", "type": "DATETIME"}, {"id": 2, "title": "On", "type": "DATE"},
	              {"id": 3, "title": "Plan", "type": "ABSTRACT_DATETIME"}],
	  "rows": [
	    {"id": 10, "rowNumber": 1, "cells": [{"columnId": 1, "value": "2024-03-10T07:30:00Z"}, {"columnId": 2, "value": "2024-03-10"}, {"columnId": 3, "value": "2024-03-10T01:00:00"}]},
	    {"id": 11, "rowNumber": 2, "cells": [{"columnId": 1, "value": "2024-03-11T04:59:00Z"}, {"columnId": 2, "value": "2024-03-11T00:00:00Z"}, {"columnId": 3, "value": "2024-03-11T05:00:00"}]},
	    {"id": 12, "rowNumber": 3, "cells": [{"columnId": 1, "value": "2024-11-03T05:30:00Z"}, {"columnId": 2, "value": "2024-11-03"}, {"columnId": 3, "value": "2024-11-03T00:30:00"}]},
	    {"id": 13, "rowNumber": 4, "cells": [{"columnId": 1, "value": "2024-11-04T05:30:00Z"}, {"columnId": 3, "value": "2024-11-04T23:30:00"}]}
	  ]}`
	f.ss.mu.Lock()
	f.ss.sheets["111"] = []byte(sheet)
	f.ss.mu.Unlock()
	file := filepath.Join(t.TempDir(), "sheets.json")
	cfg := `[{"id": 111, "name": "at", "date_column": "At"}, {"id": 111, "name": "on", "date_column": "On"},
	         {"id": 111, "name": "plan", "date_column": "Plan"}]`
	if err := os.WriteFile(file, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	logs, err := f.run(t, "--sheets", file)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, logs)
	}
	want := map[string]string{
		// 07:30Z = 01:30 CST on the 10th; 04:59Z on the 11th = 23:59 CDT on the 10th;
		// 05:30Z on Nov 3 = 00:30 CDT; 05:30Z on Nov 4 = 23:30 CST on Nov 3.
		"at.csv":   "At,Count Permits\n2024-03-10,2\n2024-11-03,2\n",
		"on.csv":   "On,Count Permits\n2024-03-10,1\n2024-03-11,1\n2024-11-03,1\n",
		"plan.csv": "Plan,Count Permits\n2024-03-10,1\n2024-03-11,1\n2024-11-03,1\n2024-11-04,1\n",
	}
	for key, w := range want {
		if got := string(f.s3.GetObject(t, bucket, key)); got != w {
			t.Errorf("%s:\n%s\nwant:\n%s", key, got, w)
		}
	}
	if !strings.Contains(logs, `name=on rows=4 counted=3 days=3 no_date=1 bad_date=0`) {
		t.Errorf("logs lack the missing date of column On:\n%s", logs)
	}
}

// TestSecretsNeverPrinted runs the job with a recognisable S3 secret and
// Smartsheet token, with debug and JSON logs, on success and on failure.
func TestSecretsNeverPrinted(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		args    []string
		badAuth bool
	}{
		{name: "success, debug JSON logs", args: []string{"-v", "--log-json"}},
		{name: "token refused, debug logs", args: []string{"-v"}, badAuth: true},
		{name: "dry run", args: []string{"--dry-run", "-v"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			secrets := map[string]string{"SMARTSHEET_ACCESS_TOKEN": token, "EXEC_DASH_PASS": "s3-SECRET-pass-0xBADC0DE"}
			f.env["EXEC_DASH_PASS"] = secrets["EXEC_DASH_PASS"]
			if tt.badAuth {
				f.ss.lenientAuth.Store(true)
				secrets["SMARTSHEET_ACCESS_TOKEN"] = "refused-TOKEN-0xFACADE"
				f.env["SMARTSHEET_ACCESS_TOKEN"] = secrets["SMARTSHEET_ACCESS_TOKEN"]
			}
			logs, err := f.run(t, tt.args...)
			if (err != nil) != tt.badAuth {
				t.Fatalf("err = %v", err)
			}
			var stderr bytes.Buffer
			jobkit.Exit(name, err, &stderr)
			jobtest.NoSecrets(t, logs+stderr.String(), secrets)
		})
	}
}
