package mstr

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
)

// RunOptions controls [Client.Run].
type RunOptions struct {
	// Answerer answers the prompts of a prompted report, round after
	// round. Nil is fine for reports without prompts; a prompted report
	// then fails with a [*PromptError].
	Answerer Answerer
	// MaxRounds bounds the answer rounds (default 5).
	MaxRounds int
}

// Table is an executed report whose rows are fetched page by page. Columns
// are known from the first page. A Table is not safe for concurrent
// iteration, but may be iterated again (pages after the first are fetched
// again).
type Table struct {
	// Columns are the column names, in grid order.
	Columns []string
	// Total is the number of rows the server reports for the whole result.
	Total int

	c        *Client
	inst     Instance
	lay      *layout
	first    []Row
	pageSize int
}

// Instance returns the report instance the table reads.
func (t *Table) Instance() Instance { return t.inst }

// Run executes report reportID: it creates an instance, answers its
// prompts with opts.Answerer as long as the instance waits for answers
// (nested prompts need several rounds), and returns the result with its
// first page loaded. Errors are [*OpError] values wrapping an [*APIError],
// a [*PromptError] or a [*PageError].
//
// An expired session is logged in again once, within one call; Run does
// not start a report over (an instance belongs to the session that created
// it, so a report whose session expired midway fails, and the caller's
// scheduler runs it again).
func (c *Client) Run(ctx context.Context, reportID string, opts RunOptions) (*Table, error) {
	maxRounds := opts.MaxRounds
	if maxRounds <= 0 {
		maxRounds = DefaultMaxRounds
	}
	inst, body, err := c.createInstance(ctx, reportID)
	if err != nil {
		return nil, err
	}
	for round := 1; inst.Status == StatusPrompted; round++ {
		if round > maxRounds {
			return nil, &OpError{Op: "answer prompts", ReportID: reportID,
				Err: &PromptError{Round: round - 1, Index: -1, Name: inst.Name, Reason: fmt.Sprintf("instance still waits for answers after %d rounds", maxRounds)}}
		}
		prompts, err := c.Prompts(ctx, inst)
		if err != nil {
			return nil, err
		}
		var answers []PromptAnswer
		if opts.Answerer != nil {
			answers, err = opts.Answerer.Answer(ctx, round, prompts)
			if err != nil {
				return nil, &OpError{Op: "answer prompts", ReportID: reportID, Err: err}
			}
		}
		if len(answers) == 0 {
			return nil, &OpError{Op: "answer prompts", ReportID: reportID, Err: firstOpen(round, prompts)}
		}
		c.logger.DebugContext(ctx, "mstr answering prompts", "report", reportID, "round", round, "answers", len(answers))
		if err := c.AnswerPrompts(ctx, inst, answers); err != nil {
			return nil, err
		}
		body, err = c.fetchPage(ctx, inst, 0, c.cfg.PageSize)
		if err != nil {
			return nil, err
		}
		rp, err := decodePage(body, 0)
		if err != nil {
			return nil, &OpError{Op: "fetch page", ReportID: reportID, Err: err}
		}
		inst.Status = Status(rp.Status)
		if inst.Status != StatusPrompted {
			inst.Status = StatusReady
		}
	}
	if u, ok := opts.Answerer.(interface{ Unanswered() error }); ok {
		if err := u.Unanswered(); err != nil {
			return nil, &OpError{Op: "answer prompts", ReportID: reportID, Err: err}
		}
	}
	rp, err := decodePage(body, 0)
	if err != nil {
		return nil, &OpError{Op: "fetch page", ReportID: reportID, Err: err}
	}
	lay, err := newLayout(rp, 0)
	if err != nil {
		return nil, &OpError{Op: "fetch page", ReportID: reportID, Err: err}
	}
	rows, err := lay.flatten(rp, 0)
	if err != nil {
		return nil, &OpError{Op: "fetch page", ReportID: reportID, Err: err}
	}
	t := &Table{Columns: lay.columns, Total: rp.Data.Paging.Total, c: c, inst: inst, lay: lay, first: rows, pageSize: c.cfg.PageSize}
	c.logger.InfoContext(ctx, "mstr report ready", "report", reportID, "instance", inst.ID,
		"rows", t.Total, "columns", len(t.Columns))
	return t, nil
}

func firstOpen(round int, prompts []Prompt) error {
	for i, p := range prompts {
		if !p.Closed {
			return &PromptError{Round: round, Index: i, Key: p.Key, Name: p.Name, Reason: "instance waits for an answer nobody gives"}
		}
	}
	return &PromptError{Round: round, Index: -1, Name: "", Reason: "instance waits for answers but lists no open prompt"}
}

func (c *Client) fetchPage(ctx context.Context, inst Instance, offset, limit int) ([]byte, error) {
	data, err := c.do(ctx, call{method: http.MethodGet,
		path:  "api/v2/reports/" + url.PathEscape(inst.ReportID) + "/instances/" + url.PathEscape(inst.ID),
		query: c.pageQuery(offset, limit)})
	if err != nil {
		return nil, &OpError{Op: "fetch page", ReportID: inst.ReportID, Err: err}
	}
	return data, nil
}

// Rows returns an iterator over all rows, fetching pages after the first
// on demand, in offset order. Each page's header indexes are resolved
// against that page's own element lists. Iteration stops at the first
// error, which is yielded with a nil row.
func (t *Table) Rows(ctx context.Context) iter.Seq2[Row, error] {
	return func(yield func(Row, error) bool) {
		for page, err := range t.pages(ctx) {
			if err != nil {
				yield(nil, err)
				return
			}
			for _, r := range page {
				if !yield(r, nil) {
					return
				}
			}
		}
	}
}

// pages yields the rows of each page in offset order.
func (t *Table) pages(ctx context.Context) iter.Seq2[[]Row, error] {
	return func(yield func([]Row, error) bool) {
		if !yield(t.first, nil) {
			return
		}
		offset := len(t.first)
		if offset == 0 && t.Total > 0 {
			yield(nil, &OpError{Op: "fetch page", ReportID: t.inst.ReportID,
				Err: &PageError{Offset: 0, Reason: fmt.Sprintf("first page is empty but the result has %d rows", t.Total)}})
			return
		}
		for n := 2; offset < t.Total; n++ {
			if err := ctx.Err(); err != nil {
				yield(nil, err)
				return
			}
			body, err := t.c.fetchPage(ctx, t.inst, offset, t.pageSize)
			if err != nil {
				yield(nil, err)
				return
			}
			rows, err := t.decode(body, offset)
			if err != nil {
				yield(nil, &OpError{Op: "fetch page", ReportID: t.inst.ReportID, Err: err})
				return
			}
			if len(rows) == 0 {
				yield(nil, &OpError{Op: "fetch page", ReportID: t.inst.ReportID,
					Err: &PageError{Offset: offset, Reason: fmt.Sprintf("empty page before the end (%d of %d rows)", offset, t.Total)}})
				return
			}
			t.c.logger.InfoContext(ctx, "mstr page", "report", t.inst.ReportID, "page", n, "offset", offset, "rows", len(rows), "total", t.Total)
			if !yield(rows, nil) {
				return
			}
			offset += len(rows)
		}
	}
}

func (t *Table) decode(body []byte, offset int) ([]Row, error) {
	rp, err := decodePage(body, offset)
	if err != nil {
		return nil, err
	}
	if rp.Status == int(StatusPrompted) {
		return nil, &PageError{Offset: offset, Reason: "instance waits for prompt answers again"}
	}
	lay, err := newLayout(rp, offset)
	if err != nil {
		return nil, err
	}
	if !lay.sameAs(t.lay) {
		return nil, &PageError{Offset: offset, Reason: "columns differ from the first page"}
	}
	return t.lay.flatten(rp, offset)
}

// WriteCSV streams the table to w as CSV, page by page: a header row with
// Columns, then one line per row (encoding/csv quoting, "\n" line ends).
// Numbers are written with strconv.FormatFloat(v, 'f', -1, 64) — "72959",
// not pandas' "72959.0" — and a null metric is an empty field. It returns
// the number of data rows written.
func (t *Table) WriteCSV(ctx context.Context, w io.Writer) (int, error) {
	cw := csv.NewWriter(w)
	if err := cw.Write(t.Columns); err != nil {
		return 0, err
	}
	n := 0
	rec := make([]string, len(t.Columns))
	for page, err := range t.pages(ctx) {
		if err != nil {
			cw.Flush()
			return n, err
		}
		for _, r := range page {
			for i, c := range r {
				rec[i] = c.String()
			}
			if err := cw.Write(rec); err != nil {
				return n, err
			}
			n++
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return n, err
		}
	}
	cw.Flush()
	return n, cw.Error()
}
