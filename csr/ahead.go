package csr

import (
	"errors"
	"io"
	"iter"
)

// aheadBatch is the number of rows handed between goroutines at once.
const aheadBatch = 256

// DefaultReadAhead is the read-ahead depth [StreamRowsAhead] uses for a
// depth ≤ 0: 8 batches of 256 rows.
const DefaultReadAhead = 8

type rowBatch[R ~map[string]any] struct {
	rows []R
	n    int
	err  error
}

// StreamRowsAhead is [StreamRows] with the reading, decoding, parsing and
// transforming of the report moved to a second goroutine that stays at
// most depth batches of 256 rows ahead of the consumer. On a two-core
// machine the consumer (socrata.Client.Upsert: JSON encoding and sending)
// then runs in parallel with the report side. Memory is bounded by depth
// (each batch reuses its row maps), whatever the report's size.
//
// Like StreamRows it yields reused maps: the consumer must be done with a
// row before asking for the next, and must not keep it. Iteration stops
// after the first error. If the consumer stops early, the reading
// goroutine exits at its next batch; close the Reader to interrupt a read
// blocked on the network.
func StreamRowsAhead[R ~map[string]any](r *Reader, depth int) iter.Seq2[R, error] {
	if depth <= 0 {
		depth = DefaultReadAhead
	}
	return func(yield func(R, error) bool) {
		full := make(chan *rowBatch[R], depth)
		free := make(chan *rowBatch[R], depth+2)
		for range depth + 2 {
			free <- &rowBatch[R]{}
		}
		done := make(chan struct{})
		defer close(done)
		go func() {
			defer close(full)
			t := NewTransformer()
			for {
				var b *rowBatch[R]
				select {
				case b = <-free:
				case <-done:
					return
				}
				b.n, b.err = 0, nil
				for b.n < aheadBatch {
					rec, err := r.Read()
					if err == nil {
						if b.n == len(b.rows) {
							b.rows = append(b.rows, make(R, NumColumns+2))
						}
						err = t.Transform(&rec, b.rows[b.n])
					}
					if err != nil {
						b.err = err
						break
					}
					b.n++
				}
				select {
				case full <- b:
				case <-done:
					return
				}
				if b.err != nil {
					return
				}
			}
		}()
		for b := range full {
			for _, row := range b.rows[:b.n] {
				if !yield(row, nil) {
					return
				}
			}
			if b.err != nil {
				if !errors.Is(b.err, io.EOF) {
					yield(nil, b.err)
				}
				return
			}
			free <- b
		}
	}
}
