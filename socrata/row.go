package socrata

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// FloatingTimestamp is the layout of a Socrata floating_timestamp (no zone,
// millisecond precision). time.Time values in a [Row] are written with it,
// as their wall clock in their own location.
const FloatingTimestamp = "2006-01-02T15:04:05.000"

// Row is one dataset row keyed by API field name. Values may be nil, string,
// bool, integers, floats (NaN and ±Inf are written as null), json.Number,
// time.Time (a floating timestamp), or anything encoding/json can marshal
// (a GeoJSON point as map[string]any, say).
type Row map[string]any

// appendRow appends row as a JSON object with sorted keys. keys is
// scratch space, returned for reuse.
func appendRow(dst []byte, keys []string, row Row) ([]byte, []string, error) {
	keys = slices.AppendSeq(keys[:0], maps.Keys(row))
	slices.Sort(keys)
	dst = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, k)
		dst = append(dst, ':')
		var err error
		if dst, err = appendValue(dst, row[k]); err != nil {
			return dst, keys, fmt.Errorf("field %q: %w", k, err)
		}
	}
	return append(dst, '}'), keys, nil
}

func appendValue(dst []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case string:
		return appendString(dst, x), nil
	case bool:
		return strconv.AppendBool(dst, x), nil
	case int:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(dst, x, 10), nil
	case float64:
		return appendFloat(dst, x, 64), nil
	case float32:
		return appendFloat(dst, float64(x), 32), nil
	case json.Number:
		if x == "" {
			return append(dst, "null"...), nil
		}
		if !validNumber(string(x)) {
			return dst, fmt.Errorf("invalid json.Number %q", string(x))
		}
		return append(dst, x...), nil
	case time.Time:
		dst = append(dst, '"')
		dst = x.AppendFormat(dst, FloatingTimestamp)
		return append(dst, '"'), nil
	case *time.Time:
		if x == nil {
			return append(dst, "null"...), nil
		}
		return appendValue(dst, *x)
	}
	// Other integers, json.Marshaler (json.RawMessage) and everything
	// else: encoding/json.
	b, err := json.Marshal(v)
	if err != nil {
		return dst, err
	}
	return append(dst, b...), nil
}

// appendFloat writes f like encoding/json does; NaN and ±Inf become null.
func appendFloat(dst []byte, f float64, bits int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...)
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	dst = strconv.AppendFloat(dst, f, format, -1, bits)
	if format == 'e' {
		// clean up e-09 to e-9, as encoding/json does
		n := len(dst)
		if n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst
}

const hex = "0123456789abcdef"

// appendString writes s as a JSON string without HTML escaping; invalid
// UTF-8 becomes U+FFFD, as in encoding/json.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// validNumber reports whether s is a JSON number: valid JSON that starts
// with a minus or a digit and ends with a digit (so no whitespace, string,
// array or literal).
func validNumber(s string) bool {
	n := len(s)
	return n > 0 && (s[0] == '-' || '0' <= s[0] && s[0] <= '9') && '0' <= s[n-1] && s[n-1] <= '9' && json.Valid([]byte(s))
}
