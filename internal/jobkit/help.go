package jobkit

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// printHelp writes --help: what the job does, its environment variables
// with their defaults, what it writes, its flags and the exit codes.
func printHelp(w io.Writer, name string, fs *flag.FlagSet, s Settings) {
	fmt.Fprintf(w, "%s, version %s\n", name, Version())
	if s.Purpose != "" {
		fmt.Fprintf(w, "\n%s\n", wrap(s.Purpose, 100))
	}
	fmt.Fprintf(w, "\nUsage: %s [flags]\n", name)
	if s.Writes != "" {
		fmt.Fprintf(w, "\n%s\n", wrap("Writes: "+s.Writes, 100))
	}
	fmt.Fprintf(w, "\n%s\n", wrap("Environment. A live run needs every required variable, with a value. With none of the job's "+
		"variables set it runs on its embedded sample and writes under ./"+DefaultOut+"; some but not all is refused "+
		"(exit 2). "+ModeVar+"=live or "+ModeVar+"=sample makes the choice explicit.", 100))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	section := func(title string, keys []string) {
		if len(keys) == 0 {
			return
		}
		fmt.Fprintf(tw, "  %s:\n", title)
		for _, k := range keys {
			v := variables[k]
			about := v.about
			if v.def != "" {
				about += " (default: " + v.def + ")"
			}
			fmt.Fprintf(tw, "    %s\t%s\n", k, about)
		}
	}
	section("required", s.Required)
	var optional []string
	for _, k := range allVariables(s) {
		if !slices.Contains(s.Required, k) {
			optional = append(optional, k)
		}
	}
	section("optional", optional)
	tw.Flush()
	fmt.Fprintf(w, "\nFlags:\n")
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
	fmt.Fprintf(w, "\nExit codes:\n"+
		"  0  success\n"+
		"  1  a failure while working (a source or destination failed; the message names the\n"+
		"     system, the step and the cause): safe to retry\n"+
		"  2  a usage or configuration error found before any work started: do not retry, fix\n"+
		"     the flags or the environment\n"+
		"\nLogs go to stdout (--log-json: one JSON object a line); the last record is msg=finished\n"+
		"with exit_code and elapsed_s. A failure is also one line on stderr.\n")
}

// durationFlags returns the flags of fs whose values are durations.
func durationFlags(fs *flag.FlagSet) []*flag.Flag {
	var out []*flag.Flag
	fs.VisitAll(func(f *flag.Flag) {
		if g, ok := f.Value.(flag.Getter); ok {
			if _, ok := g.Get().(time.Duration); ok {
				out = append(out, f)
			}
		}
	})
	return out
}

// durationExample is appended to the message of a bad duration flag.
const durationExample = "a duration such as 30s, 2m or 1h30m"

// explainFlagError rewrites the flag package's error for a command line
// that does not parse: the flag spelled as the user typed it (the package
// always writes one dash), and an example for a duration flag.
func explainFlagError(fs *flag.FlagSet, args []string, err error) error {
	msg := err.Error()
	for _, a := range args {
		if a == "--" {
			break
		}
		if name, ok := strings.CutPrefix(a, "--"); ok && name != "" {
			name, _, _ = strings.Cut(name, "=")
			msg = replaceFlag(msg, "-"+name, "--"+name)
		}
	}
	for _, f := range durationFlags(fs) {
		if strings.Contains(err.Error(), "flag -"+f.Name+":") {
			msg += fmt.Sprintf(" (--%s takes %s)", f.Name, durationExample)
		}
	}
	return errors.New(msg)
}

// replaceFlag replaces the flag old in msg, where it stands as a word
// (after a space, at the end or before a colon), by typed.
func replaceFlag(msg, old, typed string) string {
	var b strings.Builder
	for {
		i := strings.Index(msg, " "+old)
		if i < 0 {
			b.WriteString(msg)
			return b.String()
		}
		end := i + 1 + len(old)
		if end == len(msg) || msg[end] == ':' || msg[end] == ' ' {
			b.WriteString(msg[:i+1] + typed)
		} else {
			b.WriteString(msg[:end])
		}
		msg = msg[end:]
	}
}

// checkDurationFlags refuses a negative duration flag.
func checkDurationFlags(fs *flag.FlagSet) error {
	var errs []error
	for _, f := range durationFlags(fs) {
		if d := f.Value.(flag.Getter).Get().(time.Duration); d < 0 {
			errs = append(errs, fmt.Errorf("--%s must not be negative, got %s (%s)", f.Name, d, durationExample))
		}
	}
	if len(errs) > 0 {
		return &UsageError{Err: joinErrors(errs)}
	}
	return nil
}

// wrap breaks text into lines of at most width columns, at spaces.
func wrap(text string, width int) string {
	var b strings.Builder
	n := 0
	for i, word := range strings.Fields(text) {
		switch {
		case i == 0:
		case n+1+len(word) > width:
			b.WriteByte('\n')
			n = 0
		default:
			b.WriteByte(' ')
			n++
		}
		b.WriteString(word)
		n += len(word)
	}
	return b.String()
}
