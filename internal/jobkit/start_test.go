package jobkit

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"strings"
	"testing"
	"time"
)

// jsonLines parses every line of out as one JSON object.
func jsonLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var recs []map[string]any
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("line is not a JSON object: %q (%v)\nall output:\n%s", line, err, out)
		}
		recs = append(recs, m)
	}
	return recs
}

func TestStartSampleFirstLineIsAWarning(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		env     map[string]string
		ignored bool
	}{
		{name: "nothing set"},
		{name: "DASHBOARD_MODE=sample ignores settings", env: map[string]string{ModeVar: "sample", "X": "secret-value"}, ignored: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			if _, err := Start("job", flag.NewFlagSet("job", flag.ContinueOnError), []string{"--log-json", "--out", t.TempDir()}, MapEnv(tt.env), &out, Settings{Required: []string{"X"}}); err != nil {
				t.Fatal(err)
			}
			first := jsonLines(t, out.String())[0]
			if first["level"] != "WARN" || !strings.HasPrefix(first["msg"].(string), "SAMPLE MODE") || first["version"] == nil {
				t.Fatalf("first record %v: want a WARN saying SAMPLE MODE with the version", first)
			}
			if msg := first["msg"].(string); tt.ignored != strings.Contains(msg, "ignoring X") {
				t.Fatalf("first record %q: ignored list wrong", msg)
			}
			if strings.Contains(out.String(), "secret-value") {
				t.Fatal("an ignored variable's value was logged")
			}
		})
	}
}

// TestStartFailureLogsFinalRecord: a run that stops in Start still ends
// with one final record, in the format asked for, with the exit code.
func TestStartFailureLogsFinalRecord(t *testing.T) {
	t.Parallel()
	settings := Settings{Required: []string{"X", "CSR_DATASET"}}
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		code    float64
		wantErr string
	}{
		{name: "unknown flag", args: []string{"--log-json", "--nope"}, code: 2, wantErr: "flag provided but not defined: --nope"},
		{name: "unknown flag, one dash", args: []string{"--log-json", "-nope"}, code: 2, wantErr: "flag provided but not defined: -nope"},
		{name: "bad value, named as typed", args: []string{"--log-json", "--wait=x"}, code: 2, wantErr: `invalid value "x" for flag --wait: parse error (--wait takes a duration such as 30s`},
		{name: "partial configuration", env: map[string]string{"X": "1"}, args: []string{"--log-json"}, code: 2, wantErr: "CSR_DATASET"},
		{name: "bad dataset id", env: map[string]string{"X": "1", "CSR_DATASET": "abcd1234"}, args: []string{"--log-json"}, code: 2, wantErr: "CSR_DATASET"},
		{name: "--out in a live run", env: map[string]string{"X": "1", "CSR_DATASET": "abcd-1234"}, args: []string{"--log-json", "--out", "o"}, code: 2, wantErr: "--out applies to a sample run or a dry run"},
		{name: "bad duration", args: []string{"--log-json", "--wait", "5"}, code: 2, wantErr: "a duration such as 30s"},
		{name: "negative duration", args: []string{"--log-json", "--wait", "-5s"}, code: 2, wantErr: "--wait must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			fs := flag.NewFlagSet("job", flag.ContinueOnError)
			fs.Duration("wait", time.Second, "a wait")
			_, err := Start("job", fs, tt.args, MapEnv(tt.env), &out, settings)
			if ExitCode(err) != int(tt.code) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v (exit %d), want exit %v with %q", err, ExitCode(err), tt.code, tt.wantErr)
			}
			recs := jsonLines(t, out.String())
			last := recs[len(recs)-1]
			if len(recs) != 1 || last["msg"] != "finished" || last["level"] != "ERROR" || last["exit_code"] != tt.code ||
				last["job"] != "job" || !strings.Contains(last["error"].(string), tt.wantErr) || last["version"] == nil {
				t.Fatalf("records %v: want exactly one final ERROR record with exit_code %v and the error", recs, tt.code)
			}
			if _, ok := last["elapsed_s"].(float64); !ok {
				t.Fatalf("elapsed_s %v is not a number", last["elapsed_s"])
			}
		})
	}
}

func TestFinishAndPreviewRecords(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	j, err := Start("job", flag.NewFlagSet("job", flag.ContinueOnError), []string{"--log-json", "--dry-run"}, MapEnv(map[string]string{"X": "1"}), &out, Settings{Required: []string{"X"}})
	if err != nil {
		t.Fatal(err)
	}
	store := DryRunStore(nil, j.Stdout)
	if err := store.Put(t.Context(), "a.csv", strings.NewReader("h\n1\n")); err != nil {
		t.Fatal(err)
	}
	j.Logger.Info("waited", "wait", 1500*time.Millisecond)
	j.Summary("rows", 3, "files", 1)
	j.Summary("rows", 4)
	j.Logger.Info(j.Verb("published", "dry run: would publish"))
	failure := errors.New("socrata: upsert x:\n HTTP 500")
	j.Finish(&failure)
	j.Finish(&failure) // once only
	recs := jsonLines(t, out.String())
	if len(recs) != 5 {
		t.Fatalf("%d records, want 5:\n%s", len(recs), out.String())
	}
	if p := recs[1]; p["msg"] != "dry run: would write a.csv (4 bytes, 2 lines)" || p["first_lines"] != "h\n1" {
		t.Fatalf("preview record %v", p)
	}
	if recs[2]["wait"] != "1.5s" {
		t.Fatalf("duration logged as %v, want \"1.5s\"", recs[2]["wait"])
	}
	if recs[3]["msg"] != "dry run: would publish" {
		t.Fatalf("dry run says %v", recs[3]["msg"])
	}
	last := recs[4]
	if last["msg"] != "finished" || last["level"] != "ERROR" || last["exit_code"] != 1.0 || last["rows"] != 4.0 ||
		last["files"] != 1.0 || last["error"] != "socrata: upsert x: HTTP 500" || last["dry_run"] != true {
		t.Fatalf("final record %v", last)
	}
	if strings.Contains(out.String(), "published") || strings.Contains(out.String(), "written") {
		t.Fatalf("a dry run says published or written:\n%s", out.String())
	}
}

func TestFinishSuccess(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	j, err := Start("job", flag.NewFlagSet("job", flag.ContinueOnError), []string{"--out", t.TempDir()}, nil, &out, Settings{Required: []string{"X"}})
	if err != nil {
		t.Fatal(err)
	}
	var ok error
	j.Summary("rows", 2)
	j.Finish(&ok)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	last := lines[len(lines)-1]
	for _, w := range []string{"level=INFO", "msg=finished", "job=job", "exit_code=0", "elapsed_s=", "rows=2"} {
		if !strings.Contains(last, w) {
			t.Fatalf("final line %q lacks %q", last, w)
		}
	}
}

func TestHelpAndVersion(t *testing.T) {
	t.Parallel()
	settings := Settings{Required: []string{"BUCKET_NAME", "SO_WEB"}, Optional: []string{"SO_TOKEN"},
		Purpose: "Publishes the thing.", Writes: "the dataset WEEK_DATASET"}
	var out bytes.Buffer
	fs := flag.NewFlagSet("job", flag.ContinueOnError)
	fs.Int("concurrency", 4, "reports at once")
	_, err := Start("job", fs, []string{"--help"}, nil, &out, settings)
	var stderr bytes.Buffer
	if code := Exit("job", err, &stderr); code != 0 || stderr.Len() != 0 {
		t.Fatalf("--help: exit %d, stderr %q", code, stderr.String())
	}
	for _, w := range []string{"Publishes the thing.", "Writes: the dataset WEEK_DATASET", "required:", "BUCKET_NAME", "SO_WEB",
		"optional:", "SO_TOKEN", "(default: none)", "AWS_REGION", "AWS_ENDPOINT_URL_S3", ModeVar, "-concurrency", "-dry-run",
		"Exit codes:", "  2  a usage or configuration error"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("--help lacks %q:\n%s", w, out.String())
		}
	}

	out.Reset()
	_, err = Start("job", flag.NewFlagSet("job", flag.ContinueOnError), []string{"--version"}, nil, &out, settings)
	if code := Exit("job", err, &stderr); code != 0 || stderr.Len() != 0 {
		t.Fatalf("--version: exit %d, stderr %q", code, stderr.String())
	}
	v, _, _ := BuildVersion()
	if !strings.HasPrefix(out.String(), "job "+v+"\nmodule ") || !strings.Contains(out.String(), "\nrevision ") {
		t.Fatalf("--version printed %q", out.String())
	}
}

func TestCheckSettings(t *testing.T) {
	t.Parallel()
	s := Settings{Required: []string{"SO_WEB", "CSR_DATASET", "CSR_ENDPOINT", "BUCKET_NAME"}, Optional: []string{"PORT", "METADATA_DOMAIN"}}
	good := map[string]string{"SO_WEB": "datahub.austintexas.gov", "CSR_DATASET": "abcd-1234", "CSR_ENDPOINT": "https://example.org/r?id=1", "BUCKET_NAME": "atd-dash"}
	tests := []struct {
		name, key, value, want string
	}{
		{name: "all good"},
		{name: "SO_WEB URL", key: "SO_WEB", value: "http://127.0.0.1:8080"},
		{name: "SO_WEB URL with slash", key: "SO_WEB", value: "https://datahub.austintexas.gov/"},
		{name: "SO_WEB host:port", key: "SO_WEB", value: "localhost:8080"},
		{name: "SO_WEB host with a trailing slash", key: "SO_WEB", value: "datahub.austintexas.gov/"},
		{name: "SO_WEB IPv6 URL", key: "SO_WEB", value: "http://[::1]:8080"},
		{name: "SO_WEB host with path", key: "SO_WEB", value: "host/api", want: "SO_WEB must be a host"},
		{name: "SO_WEB URL with path", key: "SO_WEB", value: "https://host/api", want: "SO_WEB must be a host"},
		{name: "SO_WEB URL with query", key: "SO_WEB", value: "https://host?x=1", want: "SO_WEB must be a host"},
		{name: "SO_WEB credentials", key: "SO_WEB", value: "https://u:pw@host", want: "SO_WEB must not carry credentials"},
		{name: "SO_WEB scheme", key: "SO_WEB", value: "ftp://host", want: "SO_WEB must be an http:// or https:// URL (scheme \"ftp\")"},
		{name: "dataset id", key: "CSR_DATASET", value: "abcd1234", want: `CSR_DATASET is "abcd1234", not a Socrata dataset id: four-by-four, such as abcd-1234`},
		{name: "dataset id upper case", key: "CSR_DATASET", value: "ABCD-1234", want: "CSR_DATASET"},
		{name: "endpoint not a URL", key: "CSR_ENDPOINT", value: "example.org/report", want: "CSR_ENDPOINT must be an http:// or https:// URL"},
		{name: "endpoint credentials", key: "CSR_ENDPOINT", value: "https://u:p@example.org/r", want: "CSR_ENDPOINT must not carry credentials"},
		{name: "port", key: "PORT", value: "70000", want: `PORT is "70000", not a TCP port number`},
		{name: "port text", key: "PORT", value: "orcl", want: "PORT"},
		{name: "bucket URL", key: "BUCKET_NAME", value: "s3://atd-dash", want: "BUCKET_NAME must be a bucket name"},
		{name: "domain with scheme", key: "METADATA_DOMAIN", value: "https://data.austintexas.gov", want: "METADATA_DOMAIN must be a host name"},
		{name: "S3 endpoint with path", key: "AWS_ENDPOINT_URL_S3", value: "http://127.0.0.1:9000/bucket", want: "AWS_ENDPOINT_URL_S3 must be scheme://host[:port]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{}
			for k, v := range good {
				env[k] = v
			}
			if tt.key != "" {
				env[tt.key] = tt.value
			}
			err := CheckSettings(MapEnv(env), s)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("CheckSettings = %v", err)
				}
				return
			}
			if ExitCode(err) != 2 || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("CheckSettings = %v, want exit 2 with %q", err, tt.want)
			}
			if strings.Contains(tt.want, "credentials") && strings.Contains(err.Error(), "p@") {
				t.Fatalf("the credentials were printed: %v", err)
			}
		})
	}
}

func TestCheckYear(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for year, ok := range map[int]bool{0: true, 2000: true, 2024: true, 2027: true, 1999: false, 2028: false, 24: false, 20245: false} {
		if err := CheckYear(year, now); (err == nil) != ok || (err != nil && (ExitCode(err) != 2 || !strings.Contains(err.Error(), "--year"))) {
			t.Errorf("CheckYear(%d) = %v, want ok %v", year, err, ok)
		}
	}
}
