package jobkit

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"time"
)

// Env looks a variable up, like os.LookupEnv. An empty value counts as unset.
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

// Settings lists the environment variables a job reads.
type Settings struct {
	// Required must all be set for a live run.
	Required []string
	// Optional are the job's other source/destination settings (credentials
	// with a fallback, an app token, ...). Setting only these is still a
	// partial configuration.
	Optional []string
}

// Resolve decides the mode: Live when every required variable is set,
// Sample when none of the settings is, otherwise a *ConfigError naming the
// missing variables.
func (s Settings) Resolve(env Env) (Mode, error) {
	var missing, present []string
	for _, k := range s.Required {
		if env.Get(k) == "" {
			missing = append(missing, k)
		} else {
			present = append(present, k)
		}
	}
	for _, k := range s.Optional {
		if env.Get(k) != "" {
			present = append(present, k)
		}
	}
	switch {
	case len(missing) == 0:
		return Live, nil
	case len(present) == 0:
		return Sample, nil
	default:
		return Live, &ConfigError{Missing: missing, Present: present}
	}
}

// ConfigError reports a configuration problem found before any work
// started: missing variables of a partial configuration, or an invalid
// value. It maps to exit code 2. It never carries a variable's value.
type ConfigError struct {
	Missing []string // variables that must be set
	Present []string // variables that were set (names only)
	Err     error    // an invalid value, when that is the problem
}

func (e *ConfigError) Error() string {
	if e.Err != nil {
		return "configuration: " + e.Err.Error()
	}
	msg := fmt.Sprintf("configuration: missing required environment variable %s", strings.Join(e.Missing, ", "))
	if len(e.Present) > 0 {
		msg += fmt.Sprintf(" (partial configuration: %s set; set all of them for a live run, or none for the embedded sample)", strings.Join(e.Present, ", "))
	}
	return msg
}

func (e *ConfigError) Unwrap() error { return e.Err }

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
	fs.BoolVar(&f.DryRun, "dry-run", false, "read the real sources, write nothing, print what would be written")
	fs.BoolVar(&f.LogJSON, "log-json", false, "write logs as JSON instead of text")
	fs.StringVar(&f.Out, "out", DefaultOut, "sample mode: folder that receives the outputs")
	fs.BoolVar(&f.Verbose, "v", false, "debug logging")
	fs.DurationVar(&f.RequestTimeout, "request-timeout", 0, "bound each HTTP request attempt: connecting, waiting for the answer, each gap in a body (0: each system's default: Socrata 10m, MicroStrategy 5m, 3-1-1 report 2m, Smartsheet 1m)")
}

// Job is a running job's shared state: its name, flags, mode, logger and
// where it prints.
type Job struct {
	Name   string
	Flags  Flags
	Mode   Mode
	Env    Env
	Logger *slog.Logger
	// Stdout receives logs and dry-run output.
	Stdout io.Writer
}

// Start parses args into fs (after registering the common flags on it),
// builds the logger, resolves the mode from env and logs the first line,
// which says whether the run is live, a dry run, or on the embedded sample.
// Errors are *UsageError or *ConfigError.
func Start(name string, fs *flag.FlagSet, args []string, env Env, stdout io.Writer, settings Settings) (*Job, error) {
	j := &Job{Name: name, Env: env, Stdout: stdout}
	j.Flags.Register(fs)
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stdout)
			fs.Usage()
			return nil, &UsageError{Err: err}
		}
		return nil, &UsageError{Err: err}
	}
	if fs.NArg() > 0 {
		return nil, &UsageError{Err: fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	j.Logger = NewLogger(stdout, j.Flags.LogJSON, j.Flags.Verbose).With("job", name)
	mode, err := settings.Resolve(env)
	if err != nil {
		return nil, err
	}
	j.Mode = mode
	switch {
	case mode == Sample && j.Flags.DryRun:
		j.Logger.Info("SAMPLE MODE, DRY RUN: no settings found in the environment; running on the embedded sample data, writing nothing", "mode", "sample", "dry_run", true)
	case mode == Sample:
		out, _ := filepath.Abs(j.Flags.Out)
		j.Logger.Info("SAMPLE MODE: no settings found in the environment; running on the embedded sample data, writing under "+out, "mode", "sample", "out", out)
	case j.Flags.DryRun:
		j.Logger.Info("DRY RUN: reading the real sources, writing nothing", "mode", "live", "dry_run", true)
	default:
		j.Logger.Info("starting", "mode", "live")
	}
	return j, nil
}

// NewLogger returns the jobs' logger: text (default) or JSON on w, Info level
// or Debug when verbose.
func NewLogger(w io.Writer, jsonFormat, verbose bool) *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	if verbose {
		opts.Level = slog.LevelDebug
	}
	if jsonFormat {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// ExitCode maps a job's result to its exit code: 0 for nil, 2 for usage and
// configuration errors, 1 for anything else.
func ExitCode(err error) int {
	var ce *ConfigError
	var ue *UsageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ce), errors.As(err, &ue):
		return 2
	default:
		return 1
	}
}

// Exit reports err as one line on stderr (nothing for nil, nor for -help)
// and returns the exit code. Only a job's main calls os.Exit with it.
func Exit(name string, err error, stderr io.Writer) int {
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(stderr, "%s: %s\n", name, oneLine(err.Error()))
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	return ExitCode(err)
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
