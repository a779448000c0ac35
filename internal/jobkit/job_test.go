package jobkit

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/cityofaustin/atd-executive-dashboard/internal/objstore"
	"github.com/cityofaustin/atd-executive-dashboard/socrata"
)

func TestSettingsResolve(t *testing.T) {
	t.Parallel()
	s := Settings{Required: []string{"A", "B"}, Optional: []string{"C"}}
	tests := []struct {
		name        string
		env         map[string]string
		want        Mode
		wantErr     string // in the *ConfigError's message
		wantMissing []string
		wantEmpty   []string
	}{
		{name: "auto: nothing set: sample", env: nil, want: Sample},
		{name: "auto: all required: live", env: map[string]string{"A": "1", "B": "2"}, want: Live},
		{name: "auto: all required and optional: live", env: map[string]string{"A": "1", "B": "2", "C": "3"}, want: Live},
		{name: "auto: an empty optional takes its default", env: map[string]string{"A": "1", "B": "2", "C": ""}, want: Live},
		{name: "auto: partial", env: map[string]string{"A": "1"}, wantMissing: []string{"B"}, wantErr: "partial configuration: A set"},
		{name: "auto: only optional is partial", env: map[string]string{"C": "x"}, wantMissing: []string{"A", "B"}},
		{name: "auto: empty counts as set", env: map[string]string{"A": ""}, wantMissing: []string{"B"}, wantEmpty: []string{"A"}, wantErr: "set but empty: A"},
		{name: "auto: blank counts as set", env: map[string]string{"A": "  "}, wantMissing: []string{"B"}, wantEmpty: []string{"A"}},
		{name: "auto: empty optional alone is partial", env: map[string]string{"C": ""}, wantMissing: []string{"A", "B"}, wantEmpty: []string{"C"}},
		{name: "auto: explicit", env: map[string]string{ModeVar: "auto"}, want: Sample},
		{name: "live: all set", env: map[string]string{ModeVar: "live", "A": "1", "B": "2"}, want: Live},
		{name: "live: nothing set", env: map[string]string{ModeVar: "live"}, wantMissing: []string{"A", "B"}, wantErr: "DASHBOARD_MODE=live"},
		{name: "live: empty required", env: map[string]string{ModeVar: "live", "A": "1", "B": ""}, wantEmpty: []string{"B"}, wantErr: "set but empty: B"},
		{name: "live: empty optional is fine", env: map[string]string{ModeVar: "live", "A": "1", "B": "2", "C": ""}, want: Live},
		{name: "sample: everything set", env: map[string]string{ModeVar: "sample", "A": "1", "B": "2"}, want: Sample},
		{name: "sample: partial", env: map[string]string{ModeVar: "sample", "A": "1"}, want: Sample},
		{name: "invalid mode", env: map[string]string{ModeVar: "prod"}, wantErr: `DASHBOARD_MODE="prod" is not a mode`},
		{name: "empty mode", env: map[string]string{ModeVar: ""}, wantErr: "DASHBOARD_MODE is set but empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := s.Resolve(MapEnv(tt.env))
			if tt.wantErr != "" || tt.wantMissing != nil || tt.wantEmpty != nil {
				var ce *ConfigError
				if !errors.As(err, &ce) || fmt.Sprint(ce.Missing) != fmt.Sprint(tt.wantMissing) || fmt.Sprint(ce.Empty) != fmt.Sprint(tt.wantEmpty) {
					t.Fatalf("err = %#v, want missing %v, empty %v", err, tt.wantMissing, tt.wantEmpty)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q in it", err, tt.wantErr)
				}
				if ExitCode(err) != 2 {
					t.Fatalf("exit code %d, want 2", ExitCode(err))
				}
				for k, v := range tt.env {
					if k != ModeVar && strings.TrimSpace(v) != "" && strings.Contains(err.Error(), "="+v) {
						t.Fatalf("error prints a value: %v", err)
					}
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Resolve = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestExit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		code int
		line string
	}{
		{name: "success", err: nil, code: 0, line: ""},
		{name: "failure", err: errors.New("socrata: upsert x:\n HTTP 500"), code: 1, line: "job: socrata: upsert x: HTTP 500\n"},
		{name: "config", err: &ConfigError{Missing: []string{"SO_WEB"}}, code: 2, line: "job: configuration: missing required environment variable SO_WEB\n"},
		{name: "usage wrapped", err: fmt.Errorf("start: %w", &UsageError{Err: errors.New("flag provided but not defined: -x")}), code: 2, line: "job: start: usage: flag provided but not defined: -x\n"},
		{name: "help", err: &UsageError{Err: flag.ErrHelp}, code: 0, line: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stderr bytes.Buffer
			if code := Exit("job", tt.err, &stderr); code != tt.code || stderr.String() != tt.line {
				t.Fatalf("Exit = %d %q, want %d %q", code, stderr.String(), tt.code, tt.line)
			}
		})
	}
}

func TestStartFirstLine(t *testing.T) {
	t.Parallel()
	settings := Settings{Required: []string{"X"}}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{name: "sample", want: "SAMPLE MODE: no settings found in the environment; running on the embedded sample data, writing under"},
		{name: "sample dry run", args: []string{"--dry-run"}, want: "SAMPLE MODE, DRY RUN"},
		{name: "live", env: map[string]string{"X": "1"}, want: "starting"},
		{name: "dry run", env: map[string]string{"X": "1"}, args: []string{"--dry-run"}, want: "DRY RUN"},
		{name: "json", env: map[string]string{"X": "1"}, args: []string{"--log-json"}, want: `"msg":"starting"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			if _, err := Start("job", flag.NewFlagSet("job", flag.ContinueOnError), tt.args, MapEnv(tt.env), &out, settings); err != nil {
				t.Fatal(err)
			}
			first, _, _ := strings.Cut(out.String(), "\n")
			if !strings.Contains(first, tt.want) {
				t.Fatalf("first line %q lacks %q", first, tt.want)
			}
		})
	}
}

func TestDryRunStore(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 70000)
	tests := []struct {
		name, body, want string
	}{
		{name: "rows and a last line without newline", body: "H\n" + strings.Repeat("row\n", 99) + "last",
			want: "(402 bytes, 101 lines); first lines:\nH\nrow\nrow\nrow\nrow\nrow\n"},
		{name: "empty", body: "", want: "(0 bytes, 0 lines); first lines:\n"},
		{name: "one long line", body: long + "\n", want: "(70001 bytes, 1 lines); first lines:\n" + long[:4096] + "\n"},
		{name: "fewer lines than the preview", body: "a\nb\n", want: "(4 bytes, 2 lines); first lines:\na\nb\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			inner := objstore.NewDir(t.TempDir())
			if err := DryRunStore(inner, &out).Put(t.Context(), "x.csv", strings.NewReader(tt.body)); err != nil {
				t.Fatal(err)
			}
			if want := "--- dry run: would write x.csv " + tt.want; out.String() != want {
				t.Fatalf("output:\n%q\nwant:\n%q", out.String(), want)
			}
			if _, _, err := inner.Get(t.Context(), "x.csv"); !errors.Is(err, objstore.ErrNotFound) {
				t.Fatalf("dry run wrote the object (Get err %v)", err)
			}
		})
	}
}

func TestSampleStoreAndFilePublisher(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dir := t.TempDir()
	st := SampleStore(fstest.MapFS{"in.csv": {Data: []byte("a\n1\n")}}, objstore.NewDir(dir))
	rc, info, err := st.Get(ctx, "in.csv")
	if err != nil {
		t.Fatal(err)
	}
	rc.Close()
	if !info.LastModified.Equal(SampleModTime()) {
		t.Fatalf("LastModified %v", info.LastModified)
	}
	if err := st.Put(ctx, "out/x.csv", strings.NewReader("b\n")); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "out", "x.csv")); err != nil || string(b) != "b\n" {
		t.Fatalf("sample output %q, %v", b, err)
	}

	p := &FilePublisher{Dir: filepath.Join(dir, "socrata")}
	res, err := p.Replace(ctx, "ds-1", socrata.SliceRows([]socrata.Row{{"a": 1}, {"a": nil}}), socrata.ReplaceOptions{})
	if err != nil || res.Rows != 2 {
		t.Fatalf("Replace = %+v, %v", res, err)
	}
	if n, err := p.Count(ctx, "ds-1", ""); err != nil || n != 2 {
		t.Fatalf("Count = %d, %v", n, err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "socrata", "ds-1.replace.json"))
	if string(b) != `[{"a":1},{"a":null}]` {
		t.Fatalf("replace file %s", b)
	}
}

func TestDryRunPublisher(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	p := &DryRunPublisher{W: &out}
	rows := make([]socrata.Row, 5)
	for i := range rows {
		rows[i] = socrata.Row{"n": i}
	}
	res, err := p.Upsert(t.Context(), "ds-2", socrata.SliceRows(rows), socrata.UpsertOptions{})
	if err != nil || res.Rows != 5 {
		t.Fatalf("Upsert = %+v, %v", res, err)
	}
	s := out.String()
	if !strings.Contains(s, "would upsert 5 rows to ds-2") || !strings.Contains(s, `[{"n":2}]`) || strings.Contains(s, `[{"n":3}]`) {
		t.Fatalf("dry-run output:\n%s", s)
	}
}

// TestSampleDryRunWritesNothing: --dry-run on the embedded sample prints
// instead of writing files, like a live dry run.
func TestSampleDryRunWritesNothing(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	out := t.TempDir()
	var logs bytes.Buffer
	j, err := Start("job", flag.NewFlagSet("job", flag.ContinueOnError), []string{"--dry-run", "--out", out}, MapEnv(nil), &logs, Settings{Required: []string{"X"}})
	if err != nil {
		t.Fatal(err)
	}
	st, err := j.Store(ctx, ExecDashKeys, fstest.MapFS{})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Put(ctx, "a.csv", strings.NewReader("h\n1\n")); err != nil {
		t.Fatal(err)
	}
	pub, err := j.Publisher(nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pub.Replace(ctx, "ds", socrata.SliceRows([]socrata.Row{{"a": 1}}), socrata.ReplaceOptions{}); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(out)
	if len(entries) != 0 {
		t.Fatalf("dry run wrote %d entries under %s", len(entries), out)
	}
	if !strings.Contains(logs.String(), "would write a.csv") || !strings.Contains(logs.String(), "would replace 1 rows to ds") {
		t.Fatalf("dry-run output:\n%s", logs.String())
	}
}

func TestReplaceFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args    []string
		want    socrata.ReplaceOptions
		wantErr bool
	}{
		{args: nil, want: socrata.ReplaceOptions{MaxShrink: 0.25}},
		{args: []string{"--force"}, want: socrata.ReplaceOptions{Force: true, MaxShrink: 0.25}},
		{args: []string{"--max-shrink", "0"}, want: socrata.ReplaceOptions{}},
		{args: []string{"--max-shrink", "1"}, want: socrata.ReplaceOptions{MaxShrink: 1}},
		{args: []string{"--max-shrink", "1.5"}, wantErr: true},
		{args: []string{"--max-shrink", "-0.1"}, wantErr: true},
		{args: []string{"--max-shrink", "NaN"}, wantErr: true}, // NaN < 1 is false: it would skip the guard
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.args), func(t *testing.T) {
			t.Parallel()
			var f ReplaceFlags
			fs := flag.NewFlagSet("job", flag.ContinueOnError)
			f.Register(fs, 0.25)
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			got, err := f.Options()
			var ue *UsageError
			if tt.wantErr {
				if !errors.As(err, &ue) {
					t.Fatalf("Options = %+v, %v; want a *UsageError", got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Options = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestEnvGetKeepsValues(t *testing.T) {
	t.Parallel()
	env := MapEnv(map[string]string{"DB_PASS": " pass word ", "BLANK": " \t", "SO_WEB": "host"})
	for key, want := range map[string]string{"DB_PASS": " pass word ", "BLANK": "", "SO_WEB": "host", "UNSET": ""} {
		if got := env.Get(key); got != want {
			t.Errorf("Get(%s) = %q, want %q", key, got, want)
		}
	}
}
