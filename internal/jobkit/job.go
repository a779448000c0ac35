package jobkit

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// Env looks a variable up, like os.LookupEnv. [Env.Get] treats an empty
// value as unset; choosing the mode counts it as set ([Settings.Resolve]).
type Env func(key string) (string, bool)

// MapEnv returns an Env over m, for tests.
func MapEnv(m map[string]string) Env {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// Get returns the variable's value, "" when unset or only whitespace. A
// value is otherwise returned as set: a password may begin or end with a
// space.
func (e Env) Get(key string) string {
	if e == nil {
		return ""
	}
	v, ok := e(key)
	if !ok || strings.TrimSpace(v) == "" {
		return ""
	}
	return v
}

// Mode says where a job reads and writes.
type Mode int

const (
	// Live reads the real sources and writes the real destinations.
	Live Mode = iota
	// Sample reads the embedded sample and writes files under the output
	// folder.
	Sample
)

func (m Mode) String() string {
	if m == Sample {
		return "sample"
	}
	return "live"
}

// Settings lists the environment variables a job reads, and what --help
// says about the job.
type Settings struct {
	// Required must all be set for a live run.
	Required []string
	// Optional are the job's other source/destination settings (credentials
	// with a fallback, an app token, ...). Setting only these is still a
	// partial configuration.
	Optional []string
	// Also are variables read only in some runs (with a flag, say); they
	// play no part in choosing the mode but are listed and checked.
	Also []string

	// Purpose says what the job does, in a sentence or two (--help).
	Purpose string
	// Writes says what the job writes, and where (--help).
	Writes string

	// Offline, when not nil, is asked once the flags are parsed: true when
	// the run reads no source and writes no destination (dashboard_preview
	// --from DIR). Then no variable is required, those set are only
	// checked, and --out applies as in a sample run.
	Offline func() bool
}

// ModeVar is the environment variable that chooses the mode explicitly:
// live, sample, or auto (the same as unset).
const ModeVar = "DASHBOARD_MODE"

// Resolve decides the mode. DASHBOARD_MODE=live: Live, every required
// variable set and not empty, or a *ConfigError naming each one that is
// missing or empty. DASHBOARD_MODE=sample: Sample, whatever else is set.
// Unset or auto: Live when every required variable is set, Sample when none
// of the settings is, otherwise a *ConfigError. A variable set to the empty
// string counts as set (a missing secret mount gives one), and is named as
// empty. Any other DASHBOARD_MODE is a *ConfigError.
func (s Settings) Resolve(env Env) (Mode, error) {
	m, _, err := s.resolve(env)
	return m, err
}

// resolve is Resolve, also returning in sample mode the settings that are
// set and ignored.
func (s Settings) resolve(env Env) (Mode, []string, error) {
	lookup := func(k string) (string, bool) {
		if env == nil {
			return "", false
		}
		return env(k)
	}
	// set: every setting present in the environment, empty or not.
	var missing, emptyRequired, emptyOptional, present, set []string
	for _, k := range s.Required {
		v, ok := lookup(k)
		switch {
		case !ok:
			missing = append(missing, k)
		case strings.TrimSpace(v) == "":
			emptyRequired = append(emptyRequired, k)
		default:
			present = append(present, k)
		}
		if ok {
			set = append(set, k)
		}
	}
	for _, k := range s.Optional {
		v, ok := lookup(k)
		switch {
		case !ok:
			continue
		case strings.TrimSpace(v) == "":
			emptyOptional = append(emptyOptional, k)
		default:
			present = append(present, k)
		}
		set = append(set, k)
	}
	mode, ok := lookup(ModeVar)
	switch strings.ToLower(strings.TrimSpace(mode)) {
	case "sample":
		return Sample, set, nil
	case "live":
		// An empty optional setting takes its default.
		if len(missing)+len(emptyRequired) > 0 {
			return Live, nil, &ConfigError{Missing: missing, Empty: emptyRequired, Mode: "live"}
		}
		return Live, nil, nil
	case "auto":
	case "":
		if ok {
			return Live, nil, Invalid("%s is set but empty; set it to live, sample or auto, or unset it", ModeVar)
		}
	default:
		return Live, nil, Invalid("%s=%q is not a mode; set it to live, sample or auto", ModeVar, mode)
	}
	switch {
	case len(missing)+len(emptyRequired) == 0:
		return Live, nil, nil
	case len(set) == 0:
		return Sample, nil, nil
	default:
		return Live, nil, &ConfigError{Missing: missing, Empty: append(emptyRequired, emptyOptional...), Present: present}
	}
}

// ConfigError reports a configuration problem found before any work
// started: missing or empty variables, or an invalid value. It maps to exit
// code 2. It never carries a secret's value.
type ConfigError struct {
	Missing []string // variables that must be set
	Empty   []string // variables set to the empty string (or only spaces)
	Present []string // variables that were set (names only)
	Mode    string   // "live" when DASHBOARD_MODE=live asked for a live run
	Err     error    // an invalid value, when that is the problem
}

func (e *ConfigError) Error() string {
	if e.Err != nil {
		return "configuration: " + e.Err.Error()
	}
	var parts []string
	if len(e.Missing) > 0 {
		parts = append(parts, "missing required environment variable "+strings.Join(e.Missing, ", "))
	}
	if len(e.Empty) > 0 {
		parts = append(parts, "set but empty: "+strings.Join(e.Empty, ", "))
	}
	msg := "configuration: " + strings.Join(parts, "; ")
	switch {
	case e.Mode == "live":
		msg += " (" + ModeVar + "=live: a live run needs every required variable, with a value)"
	case len(e.Present) > 0 || len(e.Empty) > 0:
		set := append(slices.Clone(e.Present), e.Empty...)
		msg += fmt.Sprintf(" (partial configuration: %s set; set all of them for a live run, or none for the embedded sample)", strings.Join(set, ", "))
	}
	return msg
}

// Invalid returns a *ConfigError for an invalid setting.
func Invalid(format string, args ...any) error {
	return &ConfigError{Err: fmt.Errorf(format, args...)}
}

// UsageError reports bad command-line arguments. It maps to exit code 2.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return "usage: " + e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Flags are the flags every job takes.
type Flags struct {
	DryRun  bool
	LogJSON bool
	Out     string
	Verbose bool
	// RequestTimeout bounds each attempt of every HTTP request (0: each
	// system's default).
	RequestTimeout time.Duration
}

// DefaultOut is the sample-mode output folder, relative to the working
// directory.
const DefaultOut = "sample-output"

// Register adds the common flags to fs.
func (f *Flags) Register(fs *flag.FlagSet) {
	fs.BoolVar(&f.DryRun, "dry-run", false, "read the real sources, send nothing to the destinations, print what would be published (with --out in a live run: also keep a copy of it under that folder)")
	fs.BoolVar(&f.LogJSON, "log-json", false, "write logs as JSON instead of text")
	fs.StringVar(&f.Out, "out", DefaultOut, "sample mode: folder that receives the outputs; live with --dry-run: folder that keeps a copy of what would be published (same layout, nothing is sent)")
	fs.BoolVar(&f.Verbose, "v", false, "debug logging")
	fs.DurationVar(&f.RequestTimeout, "request-timeout", 0, "bound each HTTP request attempt: connecting, waiting for the answer, each gap in a body (0: each system's default: Socrata 10m for writes and 2m for reads, MicroStrategy 5m, 3-1-1 report 2m, Smartsheet 1m, S3 30s)")
}

// Job is a running job's shared state: its name, flags, mode, logger and
// where it prints.
type Job struct {
	Name   string
	Flags  Flags
	Mode   Mode
	Env    Env
	Logger *slog.Logger
	// Stdout receives logs and dry-run output. Under --log-json each write
	// to it becomes one log record.
	Stdout io.Writer

	// keep is the --out folder of a live dry run, which receives a copy
	// of what would be published ("" otherwise).
	keep string

	start    time.Time
	mu       sync.Mutex
	summary  []slog.Attr
	finished bool
}

// ErrVersion is returned by [Start] after --version printed the version:
// like flag.ErrHelp, nothing ran and the exit code is 0.
var ErrVersion = errors.New("version printed")

// Start parses args into fs (after registering the common flags on it),
// builds the logger, resolves the mode from env, checks the settings and
// logs the first line, which names the version and says whether the run is
// live, a dry run, or on the embedded sample. Errors are *UsageError or
// *ConfigError; Start then has logged the final record itself. --help and
// --version print to stdout and return an error wrapping flag.ErrHelp or
// ErrVersion (exit code 0).
//
// A job's run defers [Job.Finish] right after a successful Start.
func Start(name string, fs *flag.FlagSet, args []string, env Env, stdout io.Writer, settings Settings) (*Job, error) {
	j := &Job{Name: name, Env: env, Stdout: stdout, start: time.Now()}
	j.Flags.Register(fs)
	var version bool
	fs.BoolVar(&version, "version", false, "print the version and exit")
	fs.SetOutput(io.Discard)
	fs.Usage = func() {} // the flag package calls it on every error
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printHelp(stdout, name, fs, settings)
			return nil, &UsageError{Err: err}
		}
		return nil, j.fail(args, &UsageError{Err: explainFlagError(fs, args, err)})
	}
	if version {
		fmt.Fprintln(stdout, VersionLine(name))
		return nil, ErrVersion
	}
	if fs.NArg() > 0 {
		return nil, j.fail(args, &UsageError{Err: fmt.Errorf("unexpected argument %q", fs.Arg(0))})
	}
	if err := checkDurationFlags(fs); err != nil {
		return nil, j.fail(args, err)
	}
	j.Logger = NewLogger(stdout, j.Flags.LogJSON, j.Flags.Verbose).With("job", name)
	if j.Flags.LogJSON {
		j.Stdout = &logWriter{log: j.Logger}
	}
	offline := settings.Offline != nil && settings.Offline()
	if offline {
		settings = Settings{Also: allVariables(settings)}
	}
	mode, ignored, err := settings.resolve(env)
	if err != nil {
		return nil, j.fail(args, err)
	}
	j.Mode = mode
	if mode == Live {
		if err := CheckSettings(env, settings); err != nil {
			return nil, j.fail(args, err)
		}
		if outSet(fs) && !offline {
			if !j.Flags.DryRun {
				return nil, j.fail(args, &UsageError{Err: errors.New("--out applies to a sample run or a dry run (a live run writes to its real destinations); drop --out, add --dry-run to keep a copy of what would be published under it, or set " + ModeVar + "=sample")})
			}
			j.keep = j.Flags.Out
		}
	}
	v := slog.String("version", Version())
	switch {
	case offline:
		j.Logger.Info("starting: reading a local folder, no live source or destination", v, "mode", "offline", "dry_run", j.Flags.DryRun)
	case mode == Sample:
		why := "no settings found in the environment"
		if len(ignored) > 0 {
			why = ModeVar + "=sample; ignoring " + strings.Join(ignored, ", ")
		}
		attrs := []any{v, "mode", "sample"}
		if len(ignored) > 0 {
			attrs = append(attrs, "ignored", ignored)
		}
		if j.Flags.DryRun {
			j.Logger.Warn("SAMPLE MODE, DRY RUN: "+why+"; running on the embedded sample data, writing nothing", append(attrs, "dry_run", true)...)
		} else {
			out, _ := filepath.Abs(j.Flags.Out)
			j.Logger.Warn("SAMPLE MODE: "+why+"; running on the embedded sample data, writing under "+out, append(attrs, "out", out)...)
		}
	case j.Flags.DryRun && j.keep != "":
		out, _ := filepath.Abs(j.keep)
		j.Logger.Info("DRY RUN: reading the real sources, sending nothing to the destinations; keeping a copy of what the run would publish under "+out, v, "mode", "live", "dry_run", true, "out", out)
	case j.Flags.DryRun:
		j.Logger.Info("DRY RUN: reading the real sources, writing nothing", v, "mode", "live", "dry_run", true)
	default:
		j.Logger.Info("starting", v, "mode", "live")
	}
	return j, nil
}

// outSet reports whether --out was given on the command line.
func outSet(fs *flag.FlagSet) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == "out" })
	return set
}

// fail logs the final record of a run that stopped in Start and returns
// err. Before the flags are parsed the logger's format comes from args.
func (j *Job) fail(args []string, err error) error {
	if j.Logger == nil {
		j.Logger = NewLogger(j.Stdout, j.Flags.LogJSON || wantsJSON(args), j.Flags.Verbose).With("job", j.Name)
	}
	j.Finish(&err)
	return err
}

// wantsJSON reports whether args ask for JSON logs, for the final record of
// a command line that did not parse.
func wantsJSON(args []string) bool {
	for _, a := range args {
		if a == "--" {
			break
		}
		switch a {
		case "-log-json", "--log-json", "-log-json=true", "--log-json=true":
			return true
		}
	}
	return false
}

// Summary adds headline counts to the final record (key-value pairs, as
// for slog). A later value for a key replaces the earlier one.
func (j *Job) Summary(args ...any) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, a := range attrsOf(args) {
		i := slices.IndexFunc(j.summary, func(b slog.Attr) bool { return b.Key == a.Key })
		if i >= 0 {
			j.summary[i] = a
		} else {
			j.summary = append(j.summary, a)
		}
	}
}

func attrsOf(args []any) []slog.Attr {
	var r slog.Record
	r.Add(args...)
	var out []slog.Attr
	r.Attrs(func(a slog.Attr) bool { out = append(out, a); return true })
	return out
}

// Finish logs the run's final record, once: msg "finished", with the
// version, exit_code, elapsed_s (seconds), dry_run, the [Job.Summary]
// counts and, on failure, level ERROR and the error on one line. errp
// points at the run's result: a job's run does
//
//	job, err := jobkit.Start(...)
//	if err != nil {
//		return err
//	}
//	defer job.Finish(&err)
//
// with err its named result.
func (j *Job) Finish(errp *error) {
	var err error
	if errp != nil {
		err = *errp
	}
	j.mu.Lock()
	if j.finished {
		j.mu.Unlock()
		return
	}
	j.finished = true
	attrs := []slog.Attr{
		slog.String("version", Version()),
		slog.Int("exit_code", ExitCode(err)),
		slog.Float64("elapsed_s", float64(time.Since(j.start).Milliseconds())/1000),
		slog.Bool("dry_run", j.Flags.DryRun),
	}
	attrs = append(attrs, j.summary...)
	j.mu.Unlock()
	level := slog.LevelInfo
	if err != nil {
		level = slog.LevelError
		attrs = append(attrs, slog.String("error", oneLine(err.Error())))
	}
	j.Logger.LogAttrs(context.Background(), level, "finished", attrs...)
}

// Verb returns done, or planned under --dry-run: a dry run says what it
// would do ("would publish"), never "published" or "written".
func (j *Job) Verb(done, planned string) string {
	if j.Flags.DryRun {
		return planned
	}
	return done
}

// NewLogger returns the jobs' logger: text (default) or JSON on w, Info level
// or Debug when verbose. Durations print as readable strings ("1.5s").
func NewLogger(w io.Writer, jsonFormat, verbose bool) *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo, ReplaceAttr: readableDurations}
	if verbose {
		opts.Level = slog.LevelDebug
	}
	if jsonFormat {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// readableDurations turns a time.Duration attribute into a string such as
// "1.5s" (rounded to the millisecond above one), instead of nanoseconds.
func readableDurations(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		d := a.Value.Duration()
		if d >= time.Second || d <= -time.Second {
			d = d.Round(time.Millisecond)
		}
		a.Value = slog.StringValue(d.String())
	}
	return a
}

// logWriter turns each write (one dry-run preview) into a log record: the
// first line is the message, the lines after it an attribute named by the
// message's last clause ("first rows:" → first_rows).
type logWriter struct{ log *slog.Logger }

func (w *logWriter) Write(p []byte) (int, error) {
	text := strings.TrimSuffix(string(p), "\n")
	head, rest, hasRest := strings.Cut(text, "\n")
	head = strings.TrimPrefix(head, "--- ")
	key := "text"
	if i := strings.LastIndex(head, "; "); i >= 0 && strings.HasSuffix(head, ":") {
		key = strings.ReplaceAll(strings.TrimSuffix(head[i+2:], ":"), " ", "_")
		head = head[:i]
	}
	args := []any{}
	if hasRest || key != "text" {
		args = append(args, key, rest)
	}
	w.log.Info(head, args...)
	return len(p), nil
}

// ExitCode maps a job's result to its exit code: 0 for nil (and for --help
// and --version), 2 for usage and configuration errors, 1 for anything
// else.
func ExitCode(err error) int {
	var ce *ConfigError
	var ue *UsageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp), errors.Is(err, ErrVersion):
		return 0
	case errors.As(err, &ce), errors.As(err, &ue):
		return 2
	default:
		return 1
	}
}

// Exit reports err as one line on stderr (nothing for nil, nor for --help
// or --version) and returns the exit code. Only a job's main calls os.Exit
// with it.
func Exit(name string, err error, stderr io.Writer) int {
	code := ExitCode(err)
	if err != nil && code != 0 {
		fmt.Fprintf(stderr, "%s: %s\n", name, oneLine(err.Error()))
	}
	return code
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// lookup is e(key), and unset for a nil Env.
func (e Env) lookup(key string) (string, bool) {
	if e == nil {
		return "", false
	}
	return e(key)
}
