package finance

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// ErrBadKey reports an object key that does not follow the
// "<kind>/<YYYY-MM-DD>_<dept>.csv" pattern. It is wrapped by [*KeyError].
var ErrBadKey = errors.New("finance: key does not match <expenses|revenue>/<YYYY-MM-DD>_<dept>.csv")

// KeyError reports a key that cannot be parsed, and why.
type KeyError struct {
	Key    string
	Reason string
}

// Error names the key and what is wrong.
func (e *KeyError) Error() string { return fmt.Sprintf("finance: key %q: %s", e.Key, e.Reason) }

// Unwrap returns [ErrBadKey].
func (e *KeyError) Unwrap() error { return ErrBadKey }

// Key is the S3 object key of one report result:
// "expenses/2024-08-31_2400.csv" or "revenue/…".
type Key struct {
	Kind       Kind
	Date       time.Time // the period end (last day of the month), UTC midnight
	Department string    // digits, e.g. "2400"
}

// KeyFor returns the key of report kind for department dept and month m.
func KeyFor(kind Kind, dept string, m Month) Key {
	return Key{Kind: kind, Date: m.LastDay(), Department: dept}
}

// String formats the key.
func (k Key) String() string {
	return fmt.Sprintf("%s/%s_%s.csv", k.Kind, k.Date.Format("2006-01-02"), k.Department)
}

// Month returns the key's calendar month.
func (k Key) Month() Month { return MonthOf(k.Date) }

var keyPattern = regexp.MustCompile(`^(expenses|revenue)/([0-9]{4}-[0-9]{2}-[0-9]{2})_([0-9]{1,9})\.csv$`)

// ParseKey parses a key written by finance_reports_to_s3. Anything else —
// another folder depth, a bad date, a non-numeric department — is a
// *KeyError (errors.Is(err, ErrBadKey)); a key is never half-parsed.
func ParseKey(s string) (Key, error) {
	m := keyPattern.FindStringSubmatch(s)
	if m == nil {
		return Key{}, &KeyError{Key: s, Reason: "does not match <expenses|revenue>/<YYYY-MM-DD>_<dept>.csv"}
	}
	d, err := time.Parse("2006-01-02", m[2])
	if err != nil {
		return Key{}, &KeyError{Key: s, Reason: "invalid date " + m[2]}
	}
	if _, err := strconv.Atoi(m[3]); err != nil {
		return Key{}, &KeyError{Key: s, Reason: "invalid department " + m[3]}
	}
	return Key{Kind: Kind(m[1]), Date: d, Department: m[3]}, nil
}
