package socrata

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/cityofaustin/atd-executive-dashboard/internal/errbody"
	"github.com/cityofaustin/atd-executive-dashboard/internal/httpapi"
)

// UpsertOptions tunes one Upsert. The zero value uses the client's
// defaults.
type UpsertOptions struct {
	// ChunkSize overrides Config.ChunkSize for this call.
	ChunkSize int
	// TotalRows, when > 0, is the expected number of rows; it only lets
	// progress say "chunk k of n".
	TotalRows int64
	// Progress, when set, is called after each chunk lands, from the
	// goroutine that called Upsert.
	Progress func(Progress)
}

// ReplaceOptions tunes one Replace. The zero value refuses an empty
// replace and any replace that would shrink the dataset.
type ReplaceOptions struct {
	// Force allows a replace with zero rows, which empties the dataset, and
	// skips the shrink guard.
	Force bool
	// MaxShrink is the largest fraction (0 to 1) of the dataset's current
	// rows the replace may remove. Unless Force is set, Replace first
	// counts the rows it would send and the rows the dataset holds (a
	// dataset that does not exist counts as empty) and refuses, sending
	// nothing, a replace that would remove more. 0 refuses any shrink; 1
	// turns the guard off and skips the count query.
	MaxShrink float64
}

// Progress reports a publish in flight.
type Progress struct {
	Dataset string
	Chunk   int         // chunks landed so far (the chunk just landed)
	Chunks  int         // expected number of chunks, 0 when unknown
	Rows    int64       // rows sent and acknowledged so far
	Result  WriteResult // combined result so far
}

// Upsert inserts, updates or deletes rows of dataset (POST
// /resource/{dataset}.json). Rows are sent in chunks of ChunkSize rows, each
// encoded into one of two reused buffers (memory stays bounded by two
// chunks) and sent with retries on 429, 5xx and connection faults. The next
// chunk is encoded while the previous one is in flight, but at most one
// request is outstanding, so chunks land in order. rows is iterated once,
// from the calling goroutine; Progress is called from it too.
//
// Rows are matched on the dataset's row identifier (or ":id"); a row with
// ":deleted": true deletes. See
// https://dev.socrata.com/publishers/soda-producer/upsert.
//
// A WriteResult whose Errors > 0 is returned without error (and logged at
// Warn): Socrata wrote the other rows. When a chunk finally fails, or rows
// yields an error, Upsert stops and returns a *PublishError saying which
// chunks and rows had landed; the returned WriteResult is the same as its
// Result.
func (c *Client) Upsert(ctx context.Context, dataset string, rows Rows, opts UpsertOptions) (WriteResult, error) {
	const op = "upsert"
	if err := checkDataset(dataset); err != nil {
		return WriteResult{}, &PublishError{Op: op, Dataset: dataset, Err: err}
	}
	size := opts.ChunkSize
	if size <= 0 {
		size = c.chunkSize
	}
	chunks := 0
	if opts.TotalRows > 0 {
		chunks = int((opts.TotalRows + int64(size) - 1) / int64(size))
	}
	ref := resourceRef(dataset)

	var (
		res      WriteResult
		buf      = make([]byte, 0, 64<<10)
		spare    []byte     // the other chunk buffer, once its request is done
		n        int        // rows in the chunk being encoded
		index    int64      // rows read from the iterator
		inflight *chunkSend // the chunk being sent, at most one
	)
	// land waits for the chunk in flight and accounts for it, from this
	// goroutine, so results, logs and Progress stay in chunk order.
	land := func() error {
		if inflight == nil {
			return nil
		}
		<-inflight.done
		f := inflight
		inflight = nil
		if f.err != nil {
			return f.err
		}
		spare = f.buf
		res.add(f.res, res.Rows)
		c.logChunk(ctx, op, dataset, res.Chunks, chunks, res.Rows, f.res)
		if opts.Progress != nil {
			opts.Progress(Progress{Dataset: dataset, Chunk: res.Chunks, Chunks: chunks, Rows: res.Rows, Result: res})
		}
		return nil
	}
	// send starts sending the encoded chunk and switches to the other
	// buffer, so the next chunk is encoded while this one is in flight.
	send := func() {
		f := &chunkSend{done: make(chan struct{}), rows: n}
		data := append(buf, ']')
		go func() {
			defer close(f.done)
			f.res, f.buf, f.err = c.sendChunk(ctx, ref, data, f.rows)
		}()
		inflight = f
		if spare != nil {
			buf, spare = spare[:0], nil
		} else {
			buf = make([]byte, 0, cap(data))
		}
		n = 0
	}
	fail := func(err error) (WriteResult, error) {
		if lerr := land(); lerr != nil {
			// The chunk in flight failed too: it came first, and both
			// causes are kept (errors.Is and errors.As reach either).
			err = errors.Join(lerr, err)
		}
		return res, &PublishError{Op: op, Dataset: dataset, Chunk: res.Chunks + 1, ChunksLanded: res.Chunks,
			RowsLanded: res.Rows, Unknown: outcomeUnknown(err), Result: res, Err: err}
	}

	for row, err := range rows.JSON() {
		if err != nil {
			return fail(&RowsError{Row: index, Err: err})
		}
		if n == 0 {
			buf = append(buf, '[')
		} else {
			buf = append(buf, ',')
		}
		buf = append(buf, row...)
		n++
		index++
		if index == sizingRows && n < size {
			buf = presize(buf, n, size)
		}
		if n == size {
			if err := land(); err != nil {
				return fail(err)
			}
			send()
		}
	}
	if err := land(); err != nil {
		return fail(err)
	}
	if n > 0 {
		send()
		if err := land(); err != nil {
			return fail(err)
		}
	}
	if res.Chunks == 0 {
		c.logger.InfoContext(ctx, "socrata upsert: no rows to send", "dataset", dataset)
	}
	return res, nil
}

// chunkSend is one upsert chunk on its way: sendChunk's results, ready once
// done is closed.
type chunkSend struct {
	done chan struct{}
	rows int
	res  WriteResult
	buf  []byte // the chunk's buffer for reuse, nil while the transport may hold it
	err  error
}

// sendChunk POSTs one encoded chunk of rows rows (to ref) and checks the
// result against them. It returns data's buffer for reuse once no reader
// over it is left open.
func (c *Client) sendChunk(ctx context.Context, ref string, data []byte, rows int) (WriteResult, []byte, error) {
	body := &reuseGuard{}
	req, err := c.newRequest(ctx, http.MethodPost, ref, nil, true)
	if err != nil {
		return WriteResult{}, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	raw, resp, err := c.http.Fetch(req, httpapi.Sized(int64(len(data)), func() (io.Reader, error) { return body.open(data), nil }))
	var reuse []byte
	if !body.busy() {
		// No reader over data is left: the buffer may be overwritten.
		reuse = data[:0]
	}
	if err != nil {
		return WriteResult{}, reuse, err
	}
	cr, err := c.checkResult(resp, raw, int64(rows))
	if err != nil {
		return WriteResult{}, reuse, err
	}
	cr.Rows, cr.Chunks = int64(rows), 1
	return cr, reuse, nil
}

// sizingRows is how many rows Upsert encodes before sizing its chunk
// buffer for a whole chunk.
const sizingRows = 64

// presize grows buf, holding n encoded rows, to fit size rows of the same
// average length plus an eighth, in one allocation: growing by append from
// 64 KiB to a ~10 MiB chunk would allocate (and page-fault) about five
// times the final size.
func presize(buf []byte, n, size int) []byte {
	want := len(buf) / n * size
	want += want / 8
	if want <= cap(buf) {
		return buf
	}
	grown := make([]byte, len(buf), want)
	copy(grown, buf)
	return grown
}

func (c *Client) logChunk(ctx context.Context, op, dataset string, chunk, chunks int, rows int64, cr WriteResult) {
	args := []any{slog.String("dataset", dataset), slog.Int("chunk", chunk)}
	if chunks > 0 {
		args = append(args, slog.Int("chunks", chunks))
	}
	args = append(args, slog.Int64("rows", rows), slog.Int64("created", cr.Created),
		slog.Int64("updated", cr.Updated), slog.Int64("deleted", cr.Deleted), slog.Int64("errors", cr.Errors))
	c.logger.InfoContext(ctx, "socrata "+op+" chunk landed", args...)
	if cr.Errors > 0 {
		wargs := []any{slog.String("dataset", dataset), slog.Int("chunk", chunk), slog.Int64("errors", cr.Errors)}
		if len(cr.RowErrors) > 0 {
			wargs = append(wargs, slog.String("first_error", errbody.Truncate(cr.RowErrors[0].Message, 200)))
		}
		c.logger.WarnContext(ctx, "socrata refused rows", wargs...)
	}
}

// reuseGuard tracks the readers handed to the transport for one chunk, so
// the chunk buffer is only reused once every one of them was closed.
type reuseGuard struct{ n atomic.Int64 }

func (g *reuseGuard) open(b []byte) io.Reader {
	g.n.Add(1)
	return &guardedReader{Reader: bytes.NewReader(b), g: g}
}

func (g *reuseGuard) busy() bool { return g.n.Load() != 0 }

type guardedReader struct {
	*bytes.Reader // Len gives the request its Content-Length
	g             *reuseGuard
	closed        atomic.Bool
}

func (r *guardedReader) Close() error {
	if r.closed.CompareAndSwap(false, true) {
		r.g.n.Add(-1)
	}
	return nil
}

// Replace makes dataset's rows exactly rows (PUT /resource/{dataset}.json).
// A replace cannot be chunked, so it is one request whose body is streamed
// from rows while it is sent: the dataset is never held in memory.
//
// rows must be re-iterable (each range over it yields the same rows from
// the start): Replace ranges over it once to check that it is not empty,
// and once more for every attempt, since a retried request must resend the
// whole body.
//
// Replace refuses to lose data unless opts.Force is set: zero rows return a
// *PublishError wrapping [ErrEmptyReplace] (with Force the body is "[]" and
// the dataset is emptied), and a replace that would remove more than
// opts.MaxShrink of the dataset's current rows returns a *PublishError
// wrapping a [*ShrinkError] ([ErrShrink]); in both cases nothing is sent.
// The guard costs one extra pass over rows and one count query. See
// https://dev.socrata.com/publishers/soda-producer/replace.
func (c *Client) Replace(ctx context.Context, dataset string, rows Rows, opts ReplaceOptions) (WriteResult, error) {
	const op = "replace"
	if err := checkDataset(dataset); err != nil {
		return WriteResult{}, &PublishError{Op: op, Dataset: dataset, Err: err}
	}
	check, err := GuardReplace(ctx, c, dataset, rows, opts)
	if opts.Force {
		c.logger.WarnContext(ctx, "socrata replace: forced, data-loss guard skipped", "dataset", dataset)
	}
	if check.Counted {
		c.logger.InfoContext(ctx, "socrata replace: dataset size checked", "dataset", dataset,
			"current_rows", check.Current, "new_rows", check.Next, "max_shrink", opts.MaxShrink)
	}
	if err != nil {
		return WriteResult{}, &PublishError{Op: op, Dataset: dataset, Err: err}
	}

	rctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		mu       sync.Mutex
		attempts []*replaceBody
	)
	bodyFunc := func() (io.Reader, error) {
		b := &replaceBody{rows: rows, cancel: cancel}
		b.pr, b.pw = io.Pipe()
		mu.Lock()
		attempts = append(attempts, b)
		mu.Unlock()
		return b, nil
	}
	req, err := c.newRequest(rctx, http.MethodPut, resourceRef(dataset), nil, true)
	if err != nil {
		return WriteResult{}, &PublishError{Op: op, Dataset: dataset, Chunk: 1, Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	raw, resp, err := c.http.Fetch(req, httpapi.Stream(bodyFunc))

	// Stop and wait for every producer before looking at their state.
	mu.Lock()
	all := attempts
	mu.Unlock()
	var last *replaceBody
	for _, b := range all {
		b.stop()
		if b.started.Load() {
			last = b
		}
	}
	fail := func(err error) (WriteResult, error) {
		return WriteResult{}, &PublishError{Op: op, Dataset: dataset, Chunk: 1, Unknown: outcomeUnknown(err), Err: err}
	}
	if last != nil && last.err != nil {
		return fail(last.err)
	}
	if err != nil {
		return fail(err)
	}
	var sent int64
	if last != nil {
		sent = last.sent
	}
	res, err := c.checkResult(resp, raw, sent)
	if err != nil {
		return fail(err)
	}
	res.Rows = sent
	res.Chunks = 1
	c.logChunk(ctx, op, dataset, 1, 1, res.Rows, res)
	return res, nil
}

// errBodyClosed ends a producer whose request body was abandoned.
var errBodyClosed = errors.New("socrata: request body closed")

// replaceBody is one attempt's streamed request body. The producer
// goroutine starts on the first Read, so bodies that are opened and closed
// without being sent (retryablehttp probes the body once) cost nothing.
type replaceBody struct {
	rows    Rows
	cancel  context.CancelCauseFunc
	pr      *io.PipeReader
	pw      *io.PipeWriter
	once    sync.Once
	started atomic.Bool
	done    chan struct{}

	// Set by the producer before done is closed.
	sent int64 // rows encoded by a producer that finished
	err  error // a row error (iterator or encoding)
}

func (b *replaceBody) start() {
	b.once.Do(func() {
		b.done = make(chan struct{})
		b.started.Store(true)
		go b.produce()
	})
}

func (b *replaceBody) Read(p []byte) (int, error) {
	b.start()
	return b.pr.Read(p)
}

func (b *replaceBody) Close() error {
	b.once.Do(func() {}) // a body closed before its first Read never starts
	return b.pr.CloseWithError(errBodyClosed)
}

// stop abandons the body and waits for its producer to return.
func (b *replaceBody) stop() {
	b.once.Do(func() {})
	b.pr.CloseWithError(errBodyClosed)
	if b.started.Load() {
		<-b.done
	}
}

func (b *replaceBody) produce() {
	defer close(b.done)
	n, err := WriteJSON(b.pw, b.rows)
	var re *RowsError
	switch {
	case errors.As(err, &re):
		b.abort(err)
	case err != nil:
		b.pw.CloseWithError(err)
	default:
		b.sent = n
		b.pw.Close()
	}
}

// abort records a row error and cancels the request so it is not retried.
func (b *replaceBody) abort(err error) {
	b.err = err
	b.cancel(err)
	b.pw.CloseWithError(err)
}

// checkDataset rejects ids that would escape the /resource/ path.
func checkDataset(id string) error {
	if id == "" {
		return errors.New("dataset id is empty")
	}
	if strings.ContainsAny(id, "/?#%\\ ") {
		return fmt.Errorf("invalid dataset id %q", id)
	}
	return nil
}
