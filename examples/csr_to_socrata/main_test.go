package main

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cityofaustin/atd-executive-dashboard/internal/jobtest"

	"github.com/cityofaustin/atd-executive-dashboard/internal/jobkit"
	"github.com/cityofaustin/atd-executive-dashboard/internal/socratatest"
	"golang.org/x/text/encoding/unicode"
)

const dataset = "csr0-test"

type fixture struct {
	soc    *socratatest.Server
	env    map[string]string
	report []byte
	serve  http.HandlerFunc // the report endpoint's behaviour (default: the report)
}

func mustReport(tb testing.TB) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "csr", "testdata", "report_sample.tsv"))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func mustTestdata(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "csr", "testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// setup starts a report endpoint (mounted under a path prefix, with a
// secret in its query string) and a Socrata-compatible server on loopback.
func setup(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{soc: socratatest.Start(t), report: mustReport(t)}
	mux := http.NewServeMux()
	mux.HandleFunc("/reports/csr", func(w http.ResponseWriter, r *http.Request) {
		if f.serve != nil {
			f.serve(w, r)
			return
		}
		w.Write(f.report)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	f.env = map[string]string{"CSR_DATASET": dataset, "CSR_ENDPOINT": srv.URL + "/reports/csr?key=REPORT-SECRET"}
	maps.Copy(f.env, f.soc.Env())
	return f
}

func (f *fixture) run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out jobtest.Buffer
	err := run(t.Context(), args, jobkit.MapEnv(f.env), &out)
	return out.String(), err
}

// stderrLine is what the job prints on failure.
func stderrLine(err error) string {
	var b bytes.Buffer
	jobkit.Exit(name, err, &b)
	return b.String()
}

// dropAfter answers the report's headers and its first n bytes, then drops
// the connection.
func dropAfter(body []byte, n int) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			panic(err)
		}
		defer conn.Close()
		buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n")
		buf.Write(body[:n])
		buf.Flush()
	}
}

// rowStart returns the offset of the UTF-16 text s in body.
func rowStart(t *testing.T, body []byte, s string) int {
	t.Helper()
	var needle []byte
	for _, r := range s {
		needle = append(needle, byte(r), 0)
	}
	i := bytes.Index(body, needle)
	if i < 0 {
		t.Fatalf("%q not in the report", s)
	}
	return i
}

func srNumbers(rows []map[string]any) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r["service_request_sr_number"].(string))
	}
	return out
}

func TestPublishesInChunks(t *testing.T) {
	t.Parallel()
	f := setup(t)
	logs, err := f.run(t, "--chunk-size", "2", "--progress", "2")
	if err != nil {
		t.Fatalf("run: %v\n%s", err, logs)
	}
	reqs := f.soc.Requests()
	if len(reqs) != 3 {
		t.Fatalf("socrata saw %d requests, want 3 chunks", len(reqs))
	}
	rows := f.soc.Upserts(dataset)
	want := "23-00412345 23-00412346 23-00412347 24-00000001 24-00000002 24-00000003"
	if got := strings.Join(srNumbers(rows), " "); got != want {
		t.Fatalf("upserted %s, want %s", got, want)
	}
	r := rows[0]
	for k, v := range map[string]any{
		"created_date": "2023-10-01T09:05:00", "fiscal_year": json.Number("2024"), "close_date": "2023-10-03T14:15:07",
		"location": "POINT (-97.74204105377774 30.26631862467003)", "response_days": json.Number("2.22"),
	} {
		if r[k] != v {
			t.Errorf("%s = %#v, want %#v", k, r[k], v)
		}
	}
	if rows[1]["close_date"] != nil || rows[1]["location"] != nil {
		t.Errorf("blank close date / coordinates not null: %v", rows[1])
	}
	for _, w := range []string{`msg="rows read" job=csr_to_socrata rows=4`, "chunk=3", "rows_read=6"} {
		if !strings.Contains(logs, w) {
			t.Errorf("logs lack %q:\n%s", w, logs)
		}
	}
	if strings.Contains(logs, "REPORT-SECRET") {
		t.Errorf("the endpoint's query string was logged:\n%s", logs)
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	report := mustReport(t)
	for _, tc := range []struct {
		name      string
		args      []string
		prepare   func(t *testing.T, f *fixture)
		wantErr   []string // substrings of the stderr line; nil means success
		notErr    []string // substrings the stderr line must not hold
		published int      // rows the fake holds afterwards
		requests  int      // socrata requests, -1 to skip
	}{
		{
			name: "report endpoint drops the connection mid-stream",
			args: []string{"--chunk-size", "2"},
			prepare: func(t *testing.T, f *fixture) {
				f.serve = dropAfter(report, rowStart(t, report, "24-00000002")+6)
			},
			wantErr:   []string{"3-1-1 report: reading stopped after 4 rows", "4 rows in 2 chunk(s) had been published to " + dataset, "rerun", "truncated", "unexpected EOF"},
			published: 4, requests: 2,
		},
		{
			name: "report drops mid-stream while the chunk in flight is rejected",
			args: []string{"--chunk-size", "2"},
			prepare: func(t *testing.T, f *fixture) {
				f.serve = dropAfter(report, rowStart(t, report, "24-00000002")+6)
				f.soc.RejectChunk(2, http.StatusBadRequest, `{"code":"illegal.value","error":true,"message":"Invalid value for location"}`)
			},
			wantErr:   []string{"reading stopped after 4 rows", "2 rows in 1 chunk(s) had been published", "chunk 2 failed", "Invalid value for location", "truncated"},
			published: 2, requests: -1,
		},
		{
			name: "socrata answers 429 then succeeds",
			prepare: func(t *testing.T, f *fixture) {
				f.soc.FailNext(1, http.StatusTooManyRequests, "0", `{"error":true,"message":"slow down"}`)
			},
			published: 6, requests: 2,
		},
		{
			name: "socrata rejects the second chunk",
			args: []string{"--chunk-size", "2"},
			prepare: func(t *testing.T, f *fixture) {
				f.soc.RejectChunk(2, http.StatusBadRequest, `{"code":"illegal.value","error":true,"message":"Invalid value for location"}`)
			},
			wantErr:   []string{"report rows 1-2 landed (1 chunk(s)), rows 3 and later were not published", "400", "Invalid value for location", "rerun"},
			published: 2, requests: -1,
		},
		{
			// A 2xx that is not a write result: chunk 2 may have landed,
			// so rows 3 and 4 must not be called "not published".
			name: "socrata's answer to the second chunk is not a write result",
			args: []string{"--chunk-size", "2"},
			prepare: func(t *testing.T, f *fixture) {
				f.soc.RejectChunk(2, http.StatusOK, `[]`)
			},
			wantErr:   []string{"report rows 1-2 landed (1 chunk(s))", "chunk 2 (from report row 3, up to 2 rows) may have landed", "rows after it were not published", "rerun"},
			notErr:    []string{"rows 3 and later were not published"},
			published: 2, requests: -1,
		},
		{
			name: "report drops mid-stream while the answer to the chunk in flight is not a write result",
			args: []string{"--chunk-size", "2"},
			prepare: func(t *testing.T, f *fixture) {
				f.serve = dropAfter(report, rowStart(t, report, "24-00000002")+6)
				f.soc.RejectChunk(2, http.StatusOK, `{}`)
			},
			wantErr:   []string{"reading stopped after 4 rows", "2 rows in 1 chunk(s) had been published", "chunk 2 (from report row 3, up to 2 rows) may have landed", "truncated"},
			published: 2, requests: -1,
		},
		{
			name: "firewall page instead of the report",
			prepare: func(t *testing.T, f *fixture) {
				f.report = []byte("<!DOCTYPE html><html><head><title>Request Rejected</title></head><body>support ID 123</body></html>")
			},
			wantErr:  []string{"got an HTML page titled 'Request Rejected'", "nothing was published"},
			requests: 0,
		},
		{
			name: "report without some columns",
			prepare: func(t *testing.T, f *fixture) {
				f.report = mustTestdata(t, "report_missing_columns.tsv")
			},
			wantErr:  []string{"not the report", `missing 2 required column(s): "Close Date", "SR Location"`, "nothing was published"},
			requests: 0,
		},
		{
			name: "report in the wrong encoding",
			prepare: func(t *testing.T, f *fixture) {
				f.report = mustTestdata(t, "report_utf8.tsv")
			},
			wantErr:  []string{"not the report", "UTF-8 text", "instead of a UTF-16 report", "nothing was published"},
			requests: 0,
		},
		{
			name: "report endpoint answers 500 after retries",
			prepare: func(t *testing.T, f *fixture) {
				f.serve = func(w http.ResponseWriter, _ *http.Request) {
					w.Header().Set("Retry-After", "0")
					http.Error(w, "boom", http.StatusServiceUnavailable)
				}
			},
			wantErr:  []string{"3-1-1 report", "503", "attempt", "nothing was published"},
			requests: 0,
		},
		{
			name: "bad date in the report",
			args: []string{"--chunk-size", "1"},
			prepare: func(t *testing.T, f *fixture) {
				b, err := os.ReadFile(filepath.Join("..", "..", "csr", "testdata", "report_bad_date.tsv"))
				if err != nil {
					t.Fatal(err)
				}
				f.report = b
			},
			wantErr:   []string{"reading stopped after 2 rows", `row 3 (line 4), column "Created Date": unrecognised date "13/45/2023 1:00 PM"`},
			published: 2, requests: 2,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			tc.prepare(t, f)
			logs, err := f.run(t, tc.args...)
			line := stderrLine(err)
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("run: %v\n%s", err, logs)
				}
			} else {
				if err == nil || jobkit.ExitCode(err) != 1 {
					t.Fatalf("err %v (exit %d), want exit 1\n%s", err, jobkit.ExitCode(err), logs)
				}
				for _, w := range tc.wantErr {
					if !strings.Contains(line, w) {
						t.Errorf("error line lacks %q:\n%s", w, line)
					}
				}
				for _, w := range tc.notErr {
					if strings.Contains(line, w) {
						t.Errorf("error line holds %q:\n%s", w, line)
					}
				}
			}
			if n := len(f.soc.Upserts(dataset)); n != tc.published {
				t.Errorf("socrata holds %d upserted rows, want %d", n, tc.published)
			}
			if n := len(f.soc.Requests()); tc.requests >= 0 && n != tc.requests {
				t.Errorf("socrata saw %d requests, want %d", n, tc.requests)
			}
			if strings.Contains(logs+line, "REPORT-SECRET") || strings.Contains(logs+line, socratatest.KeySecret) {
				t.Errorf("a secret was printed:\n%s%s", logs, line)
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
	for _, want := range []string{"DRY RUN", "would upsert 6 rows to " + dataset, `"service_request_sr_number":"23-00412345"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("output lacks %q:\n%s", want, logs)
		}
	}
}

func TestSampleMode(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	jobtest.RunSample(t, run, out)
	b, err := os.ReadFile(filepath.Join(out, "socrata", "csr-sample.upsert.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rows []map[string]any
	if err := json.Unmarshal(b, &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 6 || rows[4]["created_date"] != "2024-03-10T02:30:00" {
		t.Fatalf("sample output: %d rows, %v", len(rows), rows)
	}
}

func TestConfigurationErrors(t *testing.T) {
	t.Parallel()
	f := setup(t)
	for _, tc := range []struct {
		name    string
		drop    []string
		set     map[string]string
		args    []string
		wantMsg string
	}{
		{name: "missing dataset", drop: []string{"CSR_DATASET"}, wantMsg: "missing required environment variable CSR_DATASET"},
		{name: "missing endpoint", drop: []string{"CSR_ENDPOINT"}, wantMsg: "CSR_ENDPOINT"},
		{name: "missing SO_SECRET", drop: []string{"SO_SECRET"}, wantMsg: "SO_SECRET"},
		{name: "endpoint not a URL", set: map[string]string{"CSR_ENDPOINT": "reports/csr"}, wantMsg: "CSR_ENDPOINT must be an http:// or https:// URL"},
		{name: "bad chunk size", args: []string{"--chunk-size", "-1"}, wantMsg: "chunk-size"},
		{name: "unknown flag", args: []string{"--bogus"}, wantMsg: "bogus"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := maps.Clone(f.env)
			for _, k := range tc.drop {
				delete(env, k)
			}
			maps.Copy(env, tc.set)
			var out jobtest.Buffer
			err := run(t.Context(), tc.args, jobkit.MapEnv(env), &out)
			var stderr bytes.Buffer
			if code := jobkit.Exit(name, err, &stderr); code != 2 {
				t.Fatalf("exit code %d (err %v), want 2", code, err)
			}
			if !strings.Contains(stderr.String(), tc.wantMsg) || strings.Count(stderr.String(), "\n") != 1 {
				t.Fatalf("stderr %q, want one line naming %q", stderr.String(), tc.wantMsg)
			}
		})
	}
	if len(f.soc.Requests()) != 0 {
		t.Fatal("work started despite a configuration error")
	}
}

// editReport decodes the UTF-16 report, lets edit change fields by column
// name in data row row (1-based), and encodes it again.
func editReport(t *testing.T, body []byte, edit func(row int, set func(column, value string))) []byte {
	t.Helper()
	text, err := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder().Bytes(body)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(text), "\r\n")
	header := strings.Split(lines[0], "\t")
	for i := 1; i < len(lines); i++ {
		if lines[i] == "" {
			continue
		}
		fields := strings.Split(lines[i], "\t")
		edit(i, func(column, value string) { fields[slices.Index(header, column)] = value })
		lines[i] = strings.Join(fields, "\t")
	}
	out, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(strings.Join(lines, "\r\n")))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestTextInNumericColumns: a value in a numeric column that is not a
// number is published as its text, as the pandas job did, and counted in
// one warning per column naming the first rows; the run goes on.
func TestTextInNumericColumns(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.report = editReport(t, f.report, func(row int, set func(string, string)) {
		if row%2 == 0 {
			set("Response Days", "Pending")
		}
		if row == 3 {
			set("SR Age (days)", "1,234.5")
		}
	})
	logs, err := f.run(t)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, logs)
	}
	rows := f.soc.Upserts(dataset)
	if len(rows) != 6 {
		t.Fatalf("published %d rows, want 6", len(rows))
	}
	if rows[1]["response_days"] != "Pending" || rows[2]["sr_age_days"] != "1,234.5" || rows[0]["response_days"] != json.Number("2.22") {
		t.Errorf("rows 1-3: %v / %v / %v", rows[0]["response_days"], rows[1]["response_days"], rows[2]["sr_age_days"])
	}
	for _, w := range []string{
		`level=WARN msg="3-1-1 report: values that are not numbers published as text" job=csr_to_socrata column="SR Age (days)" count=1 first_rows=[3]`,
		`column="Response Days" count=3 first_rows="[2 4 6]"`,
	} {
		if !strings.Contains(logs, w) {
			t.Errorf("logs lack %q:\n%s", w, logs)
		}
	}
}

// serveRaw answers with body and closes the connection; with length the
// response declares its Content-Length, without it the body ends where
// the connection does.
func serveRaw(body []byte, length bool) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			panic(err)
		}
		defer conn.Close()
		buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-16le\r\nConnection: close\r\n")
		if length {
			buf.WriteString("Content-Length: " + strconv.Itoa(len(body)) + "\r\n")
		}
		buf.WriteString("\r\n")
		buf.Write(body)
		buf.Flush()
	}
}

// TestLastLineWithoutLineEnd: a report whose last line has no line end is
// whole only when its length was declared and arrived; otherwise it was
// cut, its last row is not published and the job fails saying so.
func TestLastLineWithoutLineEnd(t *testing.T) {
	t.Parallel()
	report := mustReport(t)
	unterminated := bytes.TrimSuffix(report, []byte("\r\x00\n\x00"))
	if len(unterminated) == len(report) {
		t.Fatal("the sample report does not end with CRLF")
	}
	cut := unterminated[:len(unterminated)-2] // the last field ("9", Council District) lost
	for _, tc := range []struct {
		name      string
		body      []byte
		length    bool
		wantErr   []string
		published int
	}{
		{name: "declared length, last line unterminated", body: unterminated, length: true, published: 6},
		{name: "no declared length, cut in the last field", body: cut, wantErr: []string{"3-1-1 report: reading stopped after 5 rows", "the report was cut", "its last line (line 8) has no line end", "5 rows in 5 chunk(s) had been published"}, published: 5},
		{name: "no declared length, last line unterminated", body: unterminated, wantErr: []string{"the report was cut"}, published: 5},
		{name: "no declared length, complete", body: report, published: 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			f.serve = serveRaw(tc.body, tc.length)
			logs, err := f.run(t, "--chunk-size", "1")
			if tc.wantErr == nil && err != nil {
				t.Fatalf("run: %v\n%s", err, logs)
			}
			if tc.wantErr != nil {
				if err == nil {
					t.Fatalf("run succeeded, want %q", tc.wantErr)
				}
				for _, w := range tc.wantErr {
					if msg := stderrLine(err); !strings.Contains(msg, w) {
						t.Errorf("message lacks %q: %s", w, msg)
					}
				}
			}
			if n := len(f.soc.Upserts(dataset)); n != tc.published {
				t.Errorf("published %d rows, want %d", n, tc.published)
			}
		})
	}
}

// TestLoneSurrogate: a lone UTF-16 surrogate is published as U+FFFD and
// counted in a warning that names its row.
func TestLoneSurrogate(t *testing.T) {
	t.Parallel()
	f := setup(t)
	report := mustReport(t)
	at := rowStart(t, report, "1100 CONGRESS AVE")
	f.report = append(append(append([]byte(nil), report[:at]...), 0x3D, 0xD8), report[at:]...) // a high surrogate, alone
	logs, err := f.run(t)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, logs)
	}
	rows := f.soc.Upserts(dataset)
	if len(rows) != 6 || rows[0]["sr_location"] != "\uFFFD1100 CONGRESS AVE, AUSTIN, TX 78701" {
		t.Fatalf("%d rows; first sr_location %q", len(rows), rows[0]["sr_location"])
	}
	if w := `level=WARN msg="3-1-1 report: lone UTF-16 surrogates published as U+FFFD" job=csr_to_socrata count=1 first_rows=[1]`; !strings.Contains(logs, w) {
		t.Errorf("logs lack %q:\n%s", w, logs)
	}
}
