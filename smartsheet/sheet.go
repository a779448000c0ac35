package smartsheet

import (
	"context"
	"fmt"
	"iter"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Column types as Smartsheet names them.
const (
	TypeTextNumber       = "TEXT_NUMBER"
	TypeDate             = "DATE"
	TypeDateTime         = "DATETIME"
	TypeAbstractDateTime = "ABSTRACT_DATETIME"
	TypeCheckbox         = "CHECKBOX"
	TypePicklist         = "PICKLIST"
	TypeContactList      = "CONTACT_LIST"
)

// Sheet is a whole sheet: its columns in display order and all its rows.
type Sheet struct {
	ID            int64
	Name          string
	Version       int64
	TotalRowCount int64
	Permalink     string
	CreatedAt     time.Time
	ModifiedAt    time.Time
	Columns       []Column
	Rows          []Row
}

// Column describes one column of a sheet.
type Column struct {
	ID    int64
	Index int
	Title string
	// Type is the Smartsheet column type (TEXT_NUMBER, DATE, DATETIME,
	// CHECKBOX, PICKLIST, CONTACT_LIST, …).
	Type string
	// SystemColumnType is set on system columns (CREATED_DATE,
	// MODIFIED_DATE, AUTO_NUMBER, …).
	SystemColumnType string
	Primary          bool
}

// Row is one row of a sheet. Its cells are keyed by column id; [Row.Cell]
// and [Row.Value] look them up by column title.
type Row struct {
	ID         int64
	RowNumber  int
	CreatedAt  time.Time
	ModifiedAt time.Time
	// Cells holds the row's cells by column id. A cell that never held
	// data may be absent.
	Cells map[int64]Cell

	titles map[string]int64 // shared by all rows of a sheet
}

// Cell is one cell: its typed value and the text the Smartsheet UI shows.
type Cell struct {
	ColumnID     int64
	Value        Value
	DisplayValue string
}

// CellByID returns the cell of column id and whether the row has one.
func (r Row) CellByID(id int64) (Cell, bool) {
	c, ok := r.Cells[id]
	return c, ok
}

// Cell returns the cell of the column titled title and whether the row has
// one (false also when the sheet has no such column).
func (r Row) Cell(title string) (Cell, bool) {
	id, ok := r.titles[title]
	if !ok {
		return Cell{}, false
	}
	return r.CellByID(id)
}

// Value returns the typed value of the column titled title; the zero
// [Value] (KindEmpty) when the cell or column is absent.
func (r Row) Value(title string) Value {
	c, _ := r.Cell(title)
	return c.Value
}

// Column returns the column titled title.
func (s Sheet) Column(title string) (Column, bool) {
	for _, c := range s.Columns {
		if c.Title == title {
			return c, true
		}
	}
	return Column{}, false
}

// SheetName returns s.Name.
func (s Sheet) SheetName() string { return s.Name }

// HasColumn reports whether s has a column titled title.
func (s Sheet) HasColumn(title string) bool {
	_, ok := s.Column(title)
	return ok
}

// ColumnText yields the text of column title in every row, in row order:
// the cell's display value, or its value rendered by [Value.String] when it
// has none, or "" for an absent cell. With SheetName and HasColumn it lets
// a Sheet serve where a package wants a plain table of text (for example
// the permits package's StatusSheet) without importing this package.
func (s Sheet) ColumnText(title string) iter.Seq[string] {
	return func(yield func(string) bool) {
		for _, r := range s.Rows {
			text := ""
			if c, ok := r.Cell(title); ok {
				text = c.DisplayValue
				if text == "" {
					text = c.Value.String()
				}
			}
			if !yield(text) {
				return
			}
		}
	}
}

// Kind is the type of a cell [Value].
type Kind uint8

// Kinds of cell values.
const (
	KindEmpty    Kind = iota // no value
	KindText                 // Text
	KindNumber               // Number (Text keeps the literal)
	KindDate                 // Time at midnight UTC of a calendar date
	KindDateTime             // Time, an instant (UTC)
	KindBool                 // Bool
)

// String names the kind: empty, text, number, date, datetime, bool.
func (k Kind) String() string {
	switch k {
	case KindEmpty:
		return "empty"
	case KindText:
		return "text"
	case KindNumber:
		return "number"
	case KindDate:
		return "date"
	case KindDateTime:
		return "datetime"
	case KindBool:
		return "bool"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Value is a typed cell value. The column type decides the kind: a DATE
// column's "2023-01-05" is a KindDate, a DATETIME column's
// "2023-01-05T14:03:00Z" a KindDateTime, a CHECKBOX's true a KindBool. Text
// that does not parse in a date column stays KindText (Smartsheet lets
// users type free text there).
type Value struct {
	Kind   Kind
	Text   string    // KindText; the literal of a KindNumber
	Number float64   // KindNumber
	Time   time.Time // KindDate (midnight UTC), KindDateTime (UTC)
	Bool   bool      // KindBool
}

// String renders the value: text as is, numbers by their literal, dates as
// 2006-01-02, date-times as RFC 3339, booleans as true/false, empty as "".
func (v Value) String() string {
	switch v.Kind {
	case KindText, KindNumber:
		return v.Text
	case KindDate:
		return v.Time.Format(time.DateOnly)
	case KindDateTime:
		return v.Time.Format(time.RFC3339)
	case KindBool:
		return strconv.FormatBool(v.Bool)
	}
	return ""
}

// SheetOptions narrows or tunes [Client.Sheet]. The zero value reads every
// row and column.
type SheetOptions struct {
	// PageSize is the number of rows per request (DefaultPageSize when 0).
	PageSize int
	// ColumnIDs, when set, limits the cells returned to these columns.
	ColumnIDs []int64
	// Include and Exclude are passed as the include/exclude parameters
	// (e.g. Exclude: []string{"nonexistentCells"}).
	Include, Exclude []string
}

// maxPages bounds the number of page requests of one read, whatever a
// server claims.
const maxPages = 100000

// Sheet reads sheet id with all its rows, paging explicitly (page and
// pageSize) up to the last page that totalRowCount implies. It returns an
// [*OpError] wrapping an [*APIError] for an error answer, or wrapping
// [ErrMalformedResponse] (also for pages that repeat rows),
// [ErrRowCountMismatch] or [ErrSheetChanged].
// Use [Client.Rows] to process a large sheet page by page instead.
//
// API: https://developers.smartsheet.com/api/smartsheet/openapi/sheets/getsheet
func (c *Client) Sheet(ctx context.Context, id int64, opts SheetOptions) (Sheet, error) {
	var sh Sheet
	err := c.pages(ctx, id, opts, func(page int, p Sheet) bool {
		if page == 1 {
			sh = p
		} else {
			sh.Rows = append(sh.Rows, p.Rows...)
		}
		return true
	})
	if err != nil {
		return Sheet{}, &OpError{Op: "get sheet", SheetID: id, Err: err}
	}
	titles := titleIndex(sh.Columns)
	for i := range sh.Rows {
		sh.Rows[i].titles = titles
	}
	return sh, nil
}

// Rows returns an iterator over the rows of sheet id that fetches one page
// at a time, so a large sheet is never held whole; rows can be looked up by
// column title as with [Client.Sheet]. Iteration ends with a non-nil error
// (an [*OpError], as Sheet returns) when a page fails, when the sheet
// changed between pages, or — after the last row — when the rows did not
// number totalRowCount. Breaking out of the loop stops fetching. opts is
// not modified.
func (c *Client) Rows(ctx context.Context, id int64, opts SheetOptions) iter.Seq2[Row, error] {
	return func(yield func(Row, error) bool) {
		stopped := false
		err := c.pages(ctx, id, opts, func(_ int, p Sheet) bool {
			for _, r := range p.Rows {
				if !yield(r, nil) {
					stopped = true
					return false
				}
			}
			return true
		})
		if err != nil && !stopped {
			yield(Row{}, &OpError{Op: "get sheet rows", SheetID: id, Err: err})
		}
	}
}

// pages fetches the pages of sheet id in order and hands each to fn until
// fn returns false. It checks that every page has the first page's version
// and totalRowCount, and, once the last page is read, that the rows number
// totalRowCount.
func (c *Client) pages(ctx context.Context, id int64, opts SheetOptions, fn func(page int, p Sheet) bool) error {
	pageSize := opts.PageSize
	if pageSize <= 0 {
		pageSize = DefaultPageSize
	}
	q := url.Values{}
	q.Set("pageSize", strconv.Itoa(pageSize))
	if len(opts.ColumnIDs) > 0 {
		ids := make([]string, len(opts.ColumnIDs))
		for i, cid := range opts.ColumnIDs {
			ids[i] = strconv.FormatInt(cid, 10)
		}
		q.Set("columnIds", strings.Join(ids, ","))
	}
	if len(opts.Include) > 0 {
		q.Set("include", strings.Join(opts.Include, ","))
	}
	if len(opts.Exclude) > 0 {
		q.Set("exclude", strings.Join(opts.Exclude, ","))
	}
	path := "sheets/" + strconv.FormatInt(id, 10)

	var first Sheet
	var rows int64
	seen := map[int64]int{} // row id → page it came on
	for page := 1; ; page++ {
		q.Set("page", strconv.Itoa(page))
		body, err := c.getJSON(ctx, path, q)
		if err != nil {
			return err
		}
		p, tp, err := decodeSheet(body, first.Columns)
		if err != nil {
			return fmt.Errorf("page %d: %w", page, err)
		}
		if page == 1 {
			first = p
		} else if p.Version != first.Version || p.TotalRowCount != first.TotalRowCount {
			return fmt.Errorf("%w: page %d has version %d and %d rows, page 1 had version %d and %d rows",
				ErrSheetChanged, page, p.Version, p.TotalRowCount, first.Version, first.TotalRowCount)
		}
		for _, r := range p.Rows {
			if on, dup := seen[r.ID]; dup {
				return fmt.Errorf("%w: page %d repeats row id %d (first on page %d): the server ignores paging",
					ErrMalformedResponse, page, r.ID, on)
			}
			seen[r.ID] = page
		}
		rows += int64(len(p.Rows))
		totalPages := int((first.TotalRowCount + int64(pageSize) - 1) / int64(pageSize))
		if tp > 0 {
			totalPages = tp
		}
		c.logger.DebugContext(ctx, "smartsheet page read", "sheet_id", id, "page", page,
			"pages", totalPages, "rows", len(p.Rows), "total_rows", first.TotalRowCount)
		if !fn(page, p) {
			return nil
		}
		if page >= totalPages || len(p.Rows) == 0 || page >= maxPages {
			break
		}
	}
	if rows != first.TotalRowCount {
		return fmt.Errorf("%w: read %d rows, totalRowCount is %d", ErrRowCountMismatch, rows, first.TotalRowCount)
	}
	return nil
}
