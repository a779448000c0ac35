package socrata

import (
	"context"
	"errors"
	"fmt"
	"math"
)

// ErrShrink is wrapped by a [*ShrinkError]: a replace was refused because
// it would remove more of the dataset's rows than allowed.
var ErrShrink = errors.New("replace would shrink the dataset")

// ShrinkError reports a refused replace: the dataset holds Current rows,
// the replace would leave Next, and at most the fraction MaxShrink of
// Current may go. errors.Is(err, ErrShrink) matches it.
type ShrinkError struct {
	Current, Next int64
	MaxShrink     float64
}

func (e *ShrinkError) Error() string {
	return fmt.Sprintf("%v from %d to %d rows (%.1f%% fewer; allowed %.1f%%)", ErrShrink, e.Current, e.Next,
		100*float64(e.Current-e.Next)/float64(e.Current), 100*e.MaxShrink)
}

// Unwrap returns ErrShrink.
func (e *ShrinkError) Unwrap() error { return ErrShrink }

// CheckShrink decides whether replacing a dataset of current rows with next
// rows is safe: it returns a [*ShrinkError] when next is smaller than
// current by more than the fraction maxShrink of current (0 refuses any
// shrink, 0.1 allows losing up to 10%, 1 allows any). Growing or keeping
// the size is always allowed. [Client.Replace] applies it unless forced;
// other publishers (a dry run, a sample writer) call it to behave alike.
func CheckShrink(current, next int64, maxShrink float64) error {
	if next >= current || current <= 0 {
		return nil
	}
	if math.IsNaN(maxShrink) {
		maxShrink = 0 // an unusable bound guards fully
	}
	maxShrink = min(max(maxShrink, 0), 1)
	if float64(current-next) > maxShrink*float64(current) {
		return &ShrinkError{Current: current, Next: next, MaxShrink: maxShrink}
	}
	return nil
}

// Counter counts a dataset's rows. [*Client] implements it.
type Counter interface {
	Count(ctx context.Context, dataset, where string) (int64, error)
}

var _ Counter = (*Client)(nil)

// ReplaceCheck is what [GuardReplace] found: the rows the replace would
// send (Next) and, when it counted them, the rows the dataset holds.
type ReplaceCheck struct {
	Next, Current int64
	Counted       bool
}

// GuardReplace applies Replace's data-loss checks, for Client.Replace and
// for stand-ins such as a dry run: unless opts.Force, rows must not be
// empty ([ErrEmptyReplace]) and, unless opts.MaxShrink >= 1, must not
// remove more than opts.MaxShrink of the rows c counts in dataset (a
// [*ShrinkError]; a dataset c reports as [ErrNotFound] counts as empty). It
// ranges over rows once (completely when the shrink guard applies). Other
// errors are a [*RowsError] from rows or the count's error.
func GuardReplace(ctx context.Context, c Counter, dataset string, rows Rows, opts ReplaceOptions) (ReplaceCheck, error) {
	var check ReplaceCheck
	guardShrink := !opts.Force && !(opts.MaxShrink >= 1) // NaN guards too
	for _, err := range rows.JSON() {
		if err != nil {
			return check, &RowsError{Row: check.Next, Err: err}
		}
		check.Next++
		if !guardShrink {
			break // emptiness is all that matters
		}
	}
	switch {
	case opts.Force:
		return check, nil
	case check.Next == 0:
		return check, ErrEmptyReplace
	case !guardShrink:
		return check, nil
	}
	current, err := c.Count(ctx, dataset, "")
	if err != nil && !errors.Is(err, ErrNotFound) {
		return check, fmt.Errorf("counting the dataset's rows before replacing: %w", err)
	}
	check.Current, check.Counted = current, true
	return check, CheckShrink(current, check.Next, opts.MaxShrink)
}
