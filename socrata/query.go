package socrata

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// DefaultPageSize is the page size [Client.Rows] uses when given 0.
const DefaultPageSize = 1000

// MaxPageSize is the largest page [Client.Rows] asks for (the limit of
// SODA 2.0 endpoints).
const MaxPageSize = 50000

// Query is a SoQL query on one dataset (SODA 2.x $-parameters). Empty
// fields are not sent. See https://dev.socrata.com/docs/queries/.
type Query struct {
	Select string // $select, e.g. "id, count(*) as n"
	Where  string // $where
	Order  string // $order, e.g. ":id" or "created_date DESC"
	Group  string // $group
	Having string // $having
	Search string // $q, full-text search
	// Limit is $limit (0: the server's default of 1000 for Query; all
	// rows for Rows).
	Limit int
	// Offset is $offset.
	Offset int
}

func (q Query) values() url.Values {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set("$select", q.Select)
	set("$where", q.Where)
	set("$order", q.Order)
	set("$group", q.Group)
	set("$having", q.Having)
	set("$q", q.Search)
	if q.Limit > 0 {
		v.Set("$limit", strconv.Itoa(q.Limit))
	}
	if q.Offset > 0 {
		v.Set("$offset", strconv.Itoa(q.Offset))
	}
	return v
}

// Query runs q on dataset (GET /resource/{dataset}.json) and returns one
// page of rows. Values are decoded as JSON gives them: strings (SODA sends
// numbers, money and timestamps as strings), json.Number, bool, nil, and
// maps/slices for points and other objects. Errors are an *Error wrapping
// an *APIError, *ResponseError or transport error.
//
// Without an explicit Order, SODA has no defined row order: use [Client.Rows]
// to page through a dataset.
func (c *Client) Query(ctx context.Context, dataset string, q Query) ([]Row, error) {
	var rows []Row
	if err := c.QueryInto(ctx, dataset, q, &rows); err != nil {
		return nil, err
	}
	return rows, nil
}

// QueryInto runs q on dataset like [Client.Query] and decodes the JSON
// array of rows into dst, for example a *[]T whose fields carry json tags
// (numbers arrive as strings: use `json:",string"` or json.Number).
func (c *Client) QueryInto(ctx context.Context, dataset string, q Query, dst any) error {
	const op = "query"
	if err := checkDataset(dataset); err != nil {
		return &Error{Op: op, Dataset: dataset, Err: err}
	}
	req, err := c.newRequest(ctx, http.MethodGet, resourceRef(dataset), q.values(), true)
	if err != nil {
		return &Error{Op: op, Dataset: dataset, Err: err}
	}
	if err := c.doJSON(req, dst); err != nil {
		return &Error{Op: op, Dataset: dataset, Err: err}
	}
	return nil
}

// Rows pages through the rows of dataset matching q, pageSize rows per
// request (0: [DefaultPageSize]; capped at [MaxPageSize]), holding one page
// at a time. It always sends an explicit $order, since SODA pages without
// one overlap or skip rows: q.Order, followed by ":id" as a tie-breaker, or
// ":id" alone. q.Offset is where to start and q.Limit, when > 0, the most
// rows to yield. q is not modified.
//
// Iteration stops at the first error, yielded as an *Error. Rows are
// fetched as the caller consumes them; breaking out of the loop stops the
// requests.
func (c *Client) Rows(ctx context.Context, dataset string, q Query, pageSize int) iter.Seq2[Row, error] {
	if pageSize <= 0 {
		pageSize = DefaultPageSize
	}
	pageSize = min(pageSize, MaxPageSize)
	q.Order = pagingOrder(q.Order)
	return func(yield func(Row, error) bool) {
		page := q
		yielded := 0
		for {
			page.Limit = pageSize
			if q.Limit > 0 {
				page.Limit = min(pageSize, q.Limit-yielded)
			}
			rows, err := c.Query(ctx, dataset, page)
			if err != nil {
				yield(nil, err)
				return
			}
			for _, r := range rows {
				if !yield(r, nil) {
					return
				}
			}
			yielded += len(rows)
			if len(rows) < page.Limit || (q.Limit > 0 && yielded >= q.Limit) {
				return
			}
			page.Offset += len(rows)
		}
	}
}

// pagingOrder makes order total by appending the :id tie-breaker.
func pagingOrder(order string) string {
	order = strings.TrimSpace(order)
	if order == "" {
		return ":id"
	}
	for _, part := range strings.Split(order, ",") {
		if f := strings.Fields(part); len(f) > 0 && f[0] == ":id" {
			return order
		}
	}
	return order + ", :id"
}

// Count returns the number of rows of dataset matching the SoQL where clause
// (all rows when where is empty), with GET
// /resource/{dataset}.json?$select=count(*) as count. Socrata answers the
// count as a string ([{"count":"1234"}]); a number is accepted too. Errors
// are an *Error wrapping an *APIError, *ResponseError or transport error.
func (c *Client) Count(ctx context.Context, dataset, where string) (int64, error) {
	const op = "count"
	if err := checkDataset(dataset); err != nil {
		return 0, &Error{Op: op, Dataset: dataset, Err: err}
	}
	q := url.Values{"$select": {"count(*) as count"}}
	if where != "" {
		q.Set("$where", where)
	}
	req, err := c.newRequest(ctx, http.MethodGet, resourceRef(dataset), q, true)
	if err != nil {
		return 0, &Error{Op: op, Dataset: dataset, Err: err}
	}
	var out []map[string]json.RawMessage
	if err := c.doJSON(req, &out); err != nil {
		return 0, &Error{Op: op, Dataset: dataset, Err: err}
	}
	if len(out) == 0 {
		return 0, nil
	}
	for _, k := range []string{"count", "COUNT", "count_1"} {
		if v, ok := out[0][k]; ok {
			n, err := lenientInt(v)
			if err != nil {
				return 0, &Error{Op: op, Dataset: dataset, Err: fmt.Errorf("count value: %w", err)}
			}
			return n, nil
		}
	}
	if len(out[0]) == 1 {
		for _, v := range out[0] {
			n, err := lenientInt(v)
			if err != nil {
				return 0, &Error{Op: op, Dataset: dataset, Err: fmt.Errorf("count value: %w", err)}
			}
			return n, nil
		}
	}
	return 0, &Error{Op: op, Dataset: dataset, Err: fmt.Errorf("no count in answer")}
}
