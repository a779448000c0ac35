package smartsheet

import (
	"context"
	"fmt"
	"io"
	"mime"
	"net/url"
	"strconv"

	"github.com/cityofaustin/atd-executive-dashboard/internal/errbody"
	"github.com/cityofaustin/atd-executive-dashboard/internal/httpapi"
)

// SheetCSV downloads sheet id as CSV (GET /sheets/{id} with Accept:
// text/csv) and streams the body to w as it arrives. It returns the number
// of bytes written. Smartsheet's first CSV line holds the column titles;
// the rest is passed through unchanged.
//
// The request is retried as any other until the answer's headers arrive; a
// body that breaks off after bytes reached w is not restarted, and the
// error wraps [ErrMalformedResponse] (w then holds a partial copy). An HTML
// page answered with status 200 (a proxy's error page) is refused before
// anything is written. Errors are [*OpError] values.
func (c *Client) SheetCSV(ctx context.Context, id int64, w io.Writer) (int64, error) {
	n, err := c.sheetCSV(ctx, id, w)
	if err != nil {
		return n, &OpError{Op: "get sheet csv", SheetID: id, Err: err}
	}
	return n, nil
}

func (c *Client) sheetCSV(ctx context.Context, id int64, w io.Writer) (int64, error) {
	req, err := c.newRequest(ctx, "sheets/"+strconv.FormatInt(id, 10), url.Values{}, "text/csv")
	if err != nil {
		return 0, err
	}
	resp, err := c.http.Do(req, httpapi.Body{})
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		if mt, _, _ := mime.ParseMediaType(ct); mt == "text/html" || mt == "application/json" {
			prefix, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBodySize))
			return 0, fmt.Errorf("%w: %w", ErrMalformedResponse, c.http.ResponseError(resp,
				fmt.Errorf("%s instead of text/csv: %q", mt, errbody.Text(prefix, ct, maxErrorText))))
		}
	}
	cw := &errWriter{w: w}
	n, err := io.Copy(cw, resp.Body)
	if err != nil {
		if cw.err != nil {
			return n, fmt.Errorf("writing CSV after %d bytes: %w", n, cw.err)
		}
		if ctx.Err() != nil {
			return n, ctx.Err()
		}
		return n, fmt.Errorf("%w: CSV body broke off after %d bytes: %w", ErrMalformedResponse, n, err)
	}
	c.logger.DebugContext(ctx, "smartsheet csv read", "sheet_id", id, "bytes", n)
	return n, nil
}

// errWriter remembers the destination's write error, to tell it apart from
// a read error of the response body.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	n, err := e.w.Write(p)
	if err != nil {
		e.err = err
	}
	return n, err
}
