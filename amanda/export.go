package amanda

import (
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"time"
)

// DateTimeLayout is how DATE and TIMESTAMP values are written to CSV
// (fractional seconds are dropped).
const DateTimeLayout = "2006-01-02 15:04:05"

// ExportResult describes a finished (or failed) export.
type ExportResult struct {
	Rows    int64         // data rows written, header excluded
	Columns []string      // the header written
	Elapsed time.Duration // from the query to the last flush, by Options.Now
}

// Export runs the named query and streams its rows from the cursor to w as
// CSV: a header row of the query's column names, comma-separated, one line per
// row, NULL as an empty field, DATE/TIMESTAMP as YYYY-MM-DD HH:MM:SS (the
// stored wall-clock time, never converted between zones), numbers as Oracle
// prints them (no exponent, no trailing ".0"). Rows are never all held in
// memory. Progress is reported every Options.ProgressEvery rows.
//
// When the database reports other column names than the query's contract,
// Export writes nothing and fails with [ErrColumns]. On any failure it returns
// an [*Error] (Op "lookup", "query", "columns", "scan", "fetch" or "write"),
// whose Rows field and the returned ExportResult tell how many rows were
// written before it; w may then hold a partial file.
func (c *Client) Export(ctx context.Context, name string, w io.Writer) (ExportResult, error) {
	q, err := Lookup(name)
	if err != nil {
		return ExportResult{}, err
	}
	return c.ExportQuery(ctx, q, w)
}

// ExportQuery is [Client.Export] for any Query value, for example one not in
// the registry. When q.Columns is empty the header is whatever the database
// reports; otherwise the reported names must equal q.Columns.
func (c *Client) ExportQuery(ctx context.Context, q Query, w io.Writer) (res ExportResult, err error) {
	start := c.now()
	log := c.log.With(slog.String("query", q.Name))
	log.DebugContext(ctx, "amanda query started")

	rows, cols, err := c.open(ctx, q)
	if err != nil {
		return res, err
	}
	defer rows.Close()
	res.Columns = cols

	cw := csv.NewWriter(w)
	if err := cw.Write(cols); err != nil {
		return res, c.wrap("write", q.Name, 0, err)
	}

	vals := make([]any, len(cols))
	dest := make([]any, len(cols))
	for i := range vals {
		dest[i] = &vals[i]
	}
	record := make([]string, len(cols))
	var buf []byte
	for {
		more, err := next(rows)
		if err != nil {
			return res, c.wrap("fetch", q.Name, res.Rows, err)
		}
		if !more {
			break
		}
		if err := guard(func() error { return rows.Scan(dest...) }); err != nil {
			return res, c.wrap("scan", q.Name, res.Rows, err)
		}
		for i, v := range vals {
			buf = AppendValue(buf[:0], v)
			record[i] = string(buf)
		}
		if err := cw.Write(record); err != nil {
			return res, c.wrap("write", q.Name, res.Rows, err)
		}
		res.Rows++
		if c.progressEvery > 0 && res.Rows%c.progressEvery == 0 {
			log.InfoContext(ctx, "amanda export progress", slog.Int64("rows", res.Rows))
			if c.progress != nil {
				c.progress(q.Name, res.Rows)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return res, c.wrap("fetch", q.Name, res.Rows, err)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return res, c.wrap("write", q.Name, res.Rows, err)
	}
	res.Elapsed = c.now().Sub(start)
	log.DebugContext(ctx, "amanda export finished", slog.Int64("rows", res.Rows),
		slog.Int("columns", len(cols)), slog.Duration("elapsed", res.Elapsed))
	return res, nil
}

// open runs q and checks the reported column names against q.Columns.
func (c *Client) open(ctx context.Context, q Query) (*sql.Rows, []string, error) {
	var rows *sql.Rows
	err := guard(func() (err error) { rows, err = c.db.QueryContext(ctx, q.SQL); return err })
	if err != nil {
		return nil, nil, c.wrap("query", q.Name, 0, err)
	}
	cols, err := rows.Columns()
	if err != nil {
		rows.Close()
		return nil, nil, c.wrap("columns", q.Name, 0, err)
	}
	if len(q.Columns) > 0 && !slices.Equal(cols, q.Columns) {
		rows.Close()
		return nil, nil, c.wrap("columns", q.Name, 0,
			fmt.Errorf("%w: database reported %q, want %q", ErrColumns, cols, q.Columns))
	}
	return rows, cols, nil
}

// FormatValue returns the CSV field for a value scanned from the database:
// "" for NULL (nil), DATE/TIMESTAMP ([time.Time]) as YYYY-MM-DD HH:MM:SS in
// the value's own location (never converted), integers and floats in plain
// decimal notation without exponent or trailing ".0", strings and []byte as
// they are (go-ora returns NUMBER as its decimal string). Other types use
// fmt's %v.
func FormatValue(v any) string {
	return string(AppendValue(nil, v))
}

// AppendValue appends the CSV field for v, as [FormatValue] formats it, to b.
func AppendValue(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return b
	case string:
		return append(b, x...)
	case []byte:
		return append(b, x...)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case int32:
		return strconv.AppendInt(b, int64(x), 10)
	case uint64:
		return strconv.AppendUint(b, x, 10)
	case float64:
		return strconv.AppendFloat(b, x, 'f', -1, 64)
	case float32:
		return strconv.AppendFloat(b, float64(x), 'f', -1, 32)
	case bool:
		return strconv.AppendBool(b, x)
	case time.Time:
		return x.AppendFormat(b, DateTimeLayout)
	default:
		return fmt.Append(b, x)
	}
}
