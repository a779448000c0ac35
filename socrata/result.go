package socrata

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// maxRowErrors bounds WriteResult.RowErrors; Errors still counts them all.
const maxRowErrors = 1000

// WriteResult is the outcome of an upsert or replace, summed over chunks.
type WriteResult struct {
	Created int64 // rows created
	Updated int64 // rows updated
	Deleted int64 // rows deleted
	// Errors counts rows Socrata refused. A result with Errors > 0 is not
	// an error: the other rows were written. Check it.
	Errors int64
	// RowErrors details refused rows when the server said which (per-row
	// and snake_case responses); the summary response gives a count only.
	// At most 1,000 are kept.
	RowErrors []RowError
	Rows      int64 // rows sent
	Chunks    int   // requests that landed
}

// RowError is one row Socrata refused.
type RowError struct {
	// Index is the 0-based position of the row in the whole stream, or -1
	// when unknown.
	Index int64
	// Key is the row identifier (row id or primary key) when reported.
	Key     string
	Message string
}

// add merges o (the result of one chunk whose first row is at offset) into r.
func (r *WriteResult) add(o WriteResult, offset int64) {
	r.Created += o.Created
	r.Updated += o.Updated
	r.Deleted += o.Deleted
	r.Errors += o.Errors
	r.Rows += o.Rows
	r.Chunks += o.Chunks
	for _, e := range o.RowErrors {
		if len(r.RowErrors) >= maxRowErrors {
			break
		}
		if e.Index >= 0 {
			e.Index += offset
		}
		r.RowErrors = append(r.RowErrors, e)
	}
}

// DecodeWriteResult decodes a SODA write response body. It accepts every
// documented shape: the summary object ("Rows Created", "Rows Updated",
// "Rows Deleted", "Errors", optionally "By RowIdentifier"/"By SID"), the
// snake_case summary (rows_created, ..., errors as a count or as
// [{error,input_index,primary_key}]), and the per-row array
// [{"typ","id","ver","err"}], also nested in an outer array. Unknown keys are
// ignored; an empty body is an empty result. Rows and Chunks are left zero.
func DecodeWriteResult(data []byte) (WriteResult, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return WriteResult{}, nil
	}
	switch data[0] {
	case '{':
		return decodeSummary(data)
	case '[':
		var res WriteResult
		var idx int64
		if err := decodeRowArray(data, &res, &idx, 0); err != nil {
			return WriteResult{}, err
		}
		return res, nil
	}
	return WriteResult{}, errors.New("write result: not a JSON object or array")
}

func decodeSummary(data []byte) (WriteResult, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return WriteResult{}, fmt.Errorf("write result: %w", err)
	}
	var res WriteResult
	for k, v := range m {
		key := strings.ToLower(strings.NewReplacer(" ", "_", "-", "_").Replace(k))
		var dst *int64
		switch key {
		case "rows_created", "created":
			dst = &res.Created
		case "rows_updated", "updated":
			dst = &res.Updated
		case "rows_deleted", "deleted":
			dst = &res.Deleted
		case "errors":
			v = bytes.TrimSpace(v)
			if len(v) > 0 && v[0] == '[' {
				var list []struct {
					Error      json.RawMessage `json:"error"`
					InputIndex *int64          `json:"input_index"`
					PrimaryKey json.RawMessage `json:"primary_key"`
				}
				if err := json.Unmarshal(v, &list); err != nil {
					return WriteResult{}, fmt.Errorf("write result: errors: %w", err)
				}
				res.Errors += int64(len(list))
				for _, e := range list {
					if len(res.RowErrors) >= maxRowErrors {
						break
					}
					re := RowError{Index: -1, Key: rawText(e.PrimaryKey), Message: rawText(e.Error)}
					if e.InputIndex != nil {
						re.Index = *e.InputIndex
					}
					res.RowErrors = append(res.RowErrors, re)
				}
				continue
			}
			dst = &res.Errors
		default:
			continue // "By RowIdentifier", "By SID", message, ...
		}
		n, err := lenientInt(v)
		if err != nil {
			return WriteResult{}, fmt.Errorf("write result: %q: %w", k, err)
		}
		*dst += n
	}
	return res, nil
}

// decodeRowArray reads [{"typ","id","ver","err"}, ...] possibly nested in
// outer arrays.
func decodeRowArray(data []byte, res *WriteResult, idx *int64, depth int) error {
	if depth > 4 {
		return errors.New("write result: arrays nested too deep")
	}
	var items []json.RawMessage
	if err := json.Unmarshal(data, &items); err != nil {
		return fmt.Errorf("write result: %w", err)
	}
	for _, it := range items {
		it = bytes.TrimSpace(it)
		if len(it) == 0 {
			continue
		}
		switch it[0] {
		case '[':
			if err := decodeRowArray(it, res, idx, depth+1); err != nil {
				return err
			}
			continue
		case '{':
		default:
			return fmt.Errorf("write result: unexpected element %.20q", it)
		}
		var r struct {
			Typ string          `json:"typ"`
			ID  json.RawMessage `json:"id"`
			Err json.RawMessage `json:"err"`
		}
		if err := json.Unmarshal(it, &r); err != nil {
			return fmt.Errorf("write result: %w", err)
		}
		switch strings.ToLower(r.Typ) {
		case "insert", "create", "created":
			res.Created++
		case "update", "updated":
			res.Updated++
		case "delete", "deleted":
			res.Deleted++
		case "error":
			res.Errors++
			if len(res.RowErrors) < maxRowErrors {
				res.RowErrors = append(res.RowErrors, RowError{Index: *idx, Key: rawText(r.ID), Message: rawText(r.Err)})
			}
		}
		*idx++
	}
	return nil
}

// lenientInt accepts a JSON number (integral) or a numeric string.
func lenientInt(v json.RawMessage) (int64, error) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || string(v) == "null" {
		return 0, nil
	}
	s := string(v)
	if v[0] == '"' {
		if err := json.Unmarshal(v, &s); err != nil {
			return 0, err
		}
		s = strings.TrimSpace(s)
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != float64(int64(f)) {
		return 0, fmt.Errorf("not an integer: %.30q", s)
	}
	return int64(f), nil
}

// rawText renders a JSON scalar as text: strings unquoted, other values as
// written, null as "".
func rawText(v json.RawMessage) string {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || string(v) == "null" {
		return ""
	}
	if v[0] == '"' {
		var s string
		if json.Unmarshal(v, &s) == nil {
			return s
		}
	}
	return string(v)
}
