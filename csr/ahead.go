package csr

import (
	"errors"
	"io"

	"github.com/cityofaustin/atd-executive-dashboard/socrata"
)

// aheadBatch is the number of rows handed between goroutines at once.
const aheadBatch = 256

// DefaultReadAhead is the read-ahead depth [RowsAhead] uses for a depth
// ≤ 0: 8 batches of 256 rows.
const DefaultReadAhead = 8

type rowBatch struct {
	vals []socrata.Value // aheadBatch rows of NumFields values
	n    int
	err  error
}

// RowsAhead is [Rows] with the reading, decoding, parsing and transforming
// of the report moved to a second goroutine that stays at most depth
// batches of 256 rows ahead of the consumer, so that on a multi-core
// machine the consumer (socrata.Client.Upsert: encoding and sending) runs
// in parallel with the report side. Memory is bounded by depth (batches
// are reused), whatever the report's size.
//
// Like Rows it yields reused slices: the consumer must be done with a row
// before asking for the next, and must not keep it. Iteration stops after
// the first error. If the consumer stops early, the reading goroutine
// exits at its next batch; close the Reader to interrupt a read blocked on
// the network. Read t (NotNumbers) only after iteration ran to its end,
// when the goroutine is done with it.
func RowsAhead(r *Reader, t *Transformer, depth int) socrata.Table {
	if depth <= 0 {
		depth = DefaultReadAhead
	}
	return socrata.Table{Schema: schema, Rows: func(yield func([]socrata.Value, error) bool) {
		full := make(chan *rowBatch, depth)
		free := make(chan *rowBatch, depth+2)
		for range depth + 2 {
			free <- &rowBatch{vals: make([]socrata.Value, aheadBatch*NumFields)}
		}
		done := make(chan struct{})
		defer close(done)
		go func() {
			defer close(full)
			for {
				var b *rowBatch
				select {
				case b = <-free:
				case <-done:
					return
				}
				b.n, b.err = 0, nil
				for b.n < aheadBatch {
					rec, err := r.Read()
					if err == nil {
						err = t.Transform(&rec, b.vals[b.n*NumFields:(b.n+1)*NumFields])
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
			for i := range b.n {
				if !yield(b.vals[i*NumFields:(i+1)*NumFields:(i+1)*NumFields], nil) {
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
	}}
}
