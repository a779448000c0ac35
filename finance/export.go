package finance

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"golang.org/x/sync/errgroup"

	"github.com/cityofaustin/atd-executive-dashboard/mstr"
)

// Task is one report run: a report, a department and a month.
type Task struct {
	Report     Report
	Department string
	Month      Month
}

// Key returns where the task's result is written.
func (t Task) Key() Key { return KeyFor(t.Report.Kind, t.Department, t.Month) }

// String names the task: "expenses report, department 2400, 2024-08".
func (t Task) String() string {
	return fmt.Sprintf("%s report, department %s, %s", t.Report.Kind, t.Department, t.Month)
}

// Tasks returns the runs of finance_reports_to_s3 for month m: every report
// (reports, or [Reports] when none is given) × every department × (the
// month before m, m).
func Tasks(m Month, reports ...Report) []Task {
	if len(reports) == 0 {
		reports = Reports()
	}
	var out []Task
	for _, r := range reports {
		for _, d := range Departments() {
			for _, mm := range Selected(m) {
				out = append(out, Task{Report: r, Department: d, Month: mm})
			}
		}
	}
	return out
}

// Runner runs a MicroStrategy report; *mstr.Client implements it.
type Runner interface {
	Run(ctx context.Context, reportID string, opts mstr.RunOptions) (*mstr.Table, error)
}

var _ Runner = (*mstr.Client)(nil)

// Putter stores an object; any object store (an S3 bucket, a folder)
// can satisfy it.
type Putter interface {
	Put(ctx context.Context, key string, body io.Reader) error
}

// TaskError reports a failed task, naming its report, department and month.
type TaskError struct {
	Task Task
	Err  error
}

// Error names the task and the cause.
func (e *TaskError) Error() string { return e.Task.String() + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *TaskError) Unwrap() error { return e.Err }

// Written is a stored report result.
type Written struct {
	Key  string
	Rows int
}

// ExportResult lists what an export did.
type ExportResult struct {
	Written []Written // in task order
	Empty   []string  // keys not written because the report returned no rows
	Failed  []*TaskError
}

// ExportOptions tunes [Export].
type ExportOptions struct {
	// Concurrency bounds the reports running at once (default 4).
	Concurrency int
	// Logger receives one line per task. Nil discards.
	Logger *slog.Logger
}

// Export runs every task (at most Concurrency at once) and streams each
// non-empty result as CSV to dst under its key; an empty result is not
// written. A failed task does not stop the others and is not run again
// (the scheduler reruns the job). The returned error joins every
// *TaskError (nil when all succeeded); the result says what landed.
func Export(ctx context.Context, run Runner, dst Putter, tasks []Task, opts ExportOptions) (ExportResult, error) {
	conc := cmp.Or(max(opts.Concurrency, 0), 4)
	logger := cmp.Or(opts.Logger, slog.New(slog.DiscardHandler))
	type outcome struct {
		rows  int
		empty bool
		err   error
	}
	outs := make([]outcome, len(tasks))
	var g errgroup.Group
	g.SetLimit(conc)
	for i, t := range tasks {
		g.Go(func() error {
			if err := ctx.Err(); err != nil {
				outs[i].err = err
				return nil
			}
			outs[i].rows, outs[i].empty, outs[i].err = exportOne(ctx, run, dst, t, logger)
			return nil // a failed task does not stop the others
		})
	}
	_ = g.Wait()
	var res ExportResult
	var errs []error
	for i, t := range tasks {
		o := outs[i]
		switch {
		case o.err != nil:
			te := &TaskError{Task: t, Err: o.err}
			res.Failed = append(res.Failed, te)
			errs = append(errs, te)
		case o.empty:
			res.Empty = append(res.Empty, t.Key().String())
		default:
			res.Written = append(res.Written, Written{Key: t.Key().String(), Rows: o.rows})
		}
	}
	return res, errors.Join(errs...)
}

func exportOne(ctx context.Context, run Runner, dst Putter, t Task, logger *slog.Logger) (int, bool, error) {
	key := t.Key().String()
	tab, err := run.Run(ctx, t.Report.ID, mstr.RunOptions{Answerer: t.Report.Plan(t.Department, t.Month)})
	if err != nil {
		return 0, false, err
	}
	if tab.Total == 0 {
		logger.InfoContext(ctx, "report is empty, nothing written", "report", string(t.Report.Kind),
			"department", t.Department, "month", t.Month.String(), "key", key)
		return 0, true, nil
	}
	pr, pw := io.Pipe()
	type result struct {
		n   int
		err error
	}
	done := make(chan result, 1)
	go func() {
		n, err := tab.WriteCSV(ctx, pw)
		pw.CloseWithError(err)
		done <- result{n, err}
	}()
	putErr := dst.Put(ctx, key, pr)
	pr.CloseWithError(errors.New("finance: upload ended"))
	w := <-done
	if w.err != nil {
		return w.n, false, w.err
	}
	if putErr != nil {
		return w.n, false, putErr
	}
	logger.InfoContext(ctx, "report exported", "report", string(t.Report.Kind), "department", t.Department,
		"month", t.Month.String(), "key", key, "rows", w.n)
	return w.n, false, nil
}
