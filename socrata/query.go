package socrata

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
)

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
	req, err := c.newRequest(ctx, http.MethodGet, c.resourceURL(dataset, q), true)
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
