package finance

import (
	"context"
	"io"
	"iter"
	"log/slog"
	"strings"
	"time"

	"github.com/cityofaustin/atd-executive-dashboard/socrata"
)

// Lister lists and reads the report files in object storage, with plain
// types so that any store can satisfy it (the jobs adapt theirs through
// jobkit.Opener). Keys yields the keys under prefix in lexical order.
type Lister interface {
	Keys(ctx context.Context, prefix string) iter.Seq2[string, error]
	Open(ctx context.Context, key string) (io.ReadCloser, time.Time, error)
}

// Selection is the files finance_reports_to_socrata publishes for one
// report.
type Selection struct {
	Report  Report
	Keys    []Key    // selected, in key order
	Skipped []string // keys under the report's folder that do not match the pattern
	Ignored int      // well-formed keys of other months
}

// Select lists the report's folder and keeps the files of month m and the
// month before (every file when all is true). Keys that do not match the
// pattern are collected in Skipped — never guessed at — and logged at Warn.
func Select(ctx context.Context, src Lister, r Report, m Month, all bool, logger *slog.Logger) (Selection, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	want := map[Month]bool{}
	for _, mm := range Selected(m) {
		want[mm] = true
	}
	sel := Selection{Report: r}
	for key, err := range src.Keys(ctx, string(r.Kind)+"/") {
		if err != nil {
			return sel, err
		}
		k, err := ParseKey(key)
		if err != nil || k.Kind != r.Kind {
			sel.Skipped = append(sel.Skipped, key)
			logger.WarnContext(ctx, "skipping object whose name does not match the report file pattern",
				"key", key, "pattern", string(r.Kind)+"/<YYYY-MM-DD>_<dept>.csv")
			continue
		}
		if all || want[k.Month()] {
			sel.Keys = append(sel.Keys, k)
		} else {
			sel.Ignored++
		}
	}
	return sel, nil
}

// Rows streams the Socrata rows of every selected file, file after file.
// Each file is read and closed before the next is opened. Errors are
// yielded once, after which iteration stops. onFile, when set, is called
// after each file with its row count.
func (s Selection) Rows(ctx context.Context, src Lister, onFile func(key string, rows int)) socrata.RowSeq {
	return func(yield func(socrata.Row, error) bool) {
		for _, k := range s.Keys {
			rc, _, err := src.Open(ctx, k.String())
			if err != nil {
				yield(nil, &FileError{Key: k.String(), Err: err})
				return
			}
			n := 0
			stop := false
			for row, err := range s.Report.ReadRows(k, rc) {
				if err != nil {
					yield(nil, err)
					stop = true
					break
				}
				if !yield(row, nil) {
					stop = true
					break
				}
				n++
			}
			_ = rc.Close()
			if stop {
				return
			}
			if onFile != nil {
				onFile(k.String(), n)
			}
		}
	}
}

// String summarises the selection for logs.
func (s Selection) String() string {
	keys := make([]string, len(s.Keys))
	for i, k := range s.Keys {
		keys[i] = k.String()
	}
	return strings.Join(keys, ", ")
}
