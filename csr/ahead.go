package csr

import (
	"errors"
	"io"
	"iter"
)

// aheadBatch is the number of records handed between goroutines at once.
const aheadBatch = 512

// DefaultReadAhead is the read-ahead depth [StreamRowsAhead] uses for a
// depth ≤ 0: 16 batches of 512 records (about 6 MiB of report text).
const DefaultReadAhead = 16

type recordBatch struct {
	recs []Record
	err  error
}

// StreamRowsAhead is [StreamRows] with the decoding and parsing of the
// report moved to a second goroutine that stays at most depth batches of
// 512 records ahead of the transform, so a two-core machine decodes UTF-16
// and splits fields while the consumer transforms, encodes and sends.
// Memory is bounded by depth, whatever the report's size.
//
// Like StreamRows it yields one reused map: the consumer must be done with
// a row before asking for the next. Iteration stops after the first error.
// If the consumer stops early, the reading goroutine exits at its next
// batch; close the Reader to interrupt a read blocked on the network.
func StreamRowsAhead[R ~map[string]any](r *Reader, depth int) iter.Seq2[R, error] {
	if depth <= 0 {
		depth = DefaultReadAhead
	}
	return func(yield func(R, error) bool) {
		full := make(chan *recordBatch, depth)
		free := make(chan *recordBatch, depth+2)
		for range depth + 2 {
			free <- &recordBatch{recs: make([]Record, 0, aheadBatch)}
		}
		done := make(chan struct{})
		defer close(done)
		go func() {
			defer close(full)
			for {
				var b *recordBatch
				select {
				case b = <-free:
				case <-done:
					return
				}
				b.recs, b.err = b.recs[:0], nil
				for len(b.recs) < aheadBatch {
					rec, err := r.Read()
					if err != nil {
						b.err = err
						break
					}
					b.recs = append(b.recs, rec)
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
		t := NewTransformer()
		row := make(R, NumColumns+2)
		for b := range full {
			for i := range b.recs {
				if err := t.Transform(&b.recs[i], row); err != nil {
					yield(nil, err)
					return
				}
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
			clear(b.recs[:cap(b.recs)]) // drop the line strings
			free <- b
		}
	}
}
