package objstore

import (
	"context"
	"errors"
	"io"
	"iter"
	"time"
)

// Info describes one stored object.
type Info struct {
	// Key is the object key: a slash-separated path relative to the store.
	Key string
	// Size is the object size in bytes.
	Size int64
	// LastModified is when the object was last written (S3 LastModified, or
	// the file modification time for Dir and FS).
	LastModified time.Time
}

// Store is object storage for CSV files. Implementations are safe for
// concurrent use.
type Store interface {
	// Put stores the bytes read from body under key, replacing any previous
	// object. It reads body until io.EOF; a read error from body aborts the
	// write and leaves no new object behind.
	Put(ctx context.Context, key string, body io.Reader) error

	// Get opens the object stored under key. The caller must Close the
	// returned body. When the object does not exist the error satisfies
	// errors.Is(err, ErrNotFound).
	Get(ctx context.Context, key string) (io.ReadCloser, Info, error)

	// List yields the objects whose keys start with prefix, in lexical key
	// order. Iteration stops after the first error, which is yielded with a
	// zero Info.
	List(ctx context.Context, prefix string) iter.Seq2[Info, error]
}

// Sentinel errors, wrapped inside *Error. Test with errors.Is.
var (
	// ErrNotFound reports that no object exists under the key.
	ErrNotFound = errors.New("object not found")
	// ErrReadOnly reports a write to a read-only store (FS).
	ErrReadOnly = errors.New("store is read-only")
	// ErrInvalidKey reports a key that is empty, absolute, or escapes the
	// store's root (".." elements).
	ErrInvalidKey = errors.New("invalid object key")
)

// Error records a failed store operation: the backend ("s3", "dir", "fs"),
// the operation, the bucket or root, the key and the cause. It never
// contains credentials.
type Error struct {
	// Backend names the storage system: "s3", "dir" or "fs".
	Backend string
	// Op is the operation: "put", "get" or "list".
	Op string
	// Bucket is the S3 bucket, or the root folder of a Dir.
	Bucket string
	// Key is the object key (the prefix for "list").
	Key string
	// Err is the cause.
	Err error
}

// Error returns "objstore: s3 put s3://bucket/key: cause" or similar.
func (e *Error) Error() string {
	loc := e.Key
	switch {
	case e.Backend == "s3":
		loc = "s3://" + e.Bucket + "/" + e.Key
	case e.Bucket != "":
		loc = e.Bucket + ": " + e.Key
	}
	return "objstore: " + e.Backend + " " + e.Op + " " + loc + ": " + errString(e.Err)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// WriteFunc streams the output of write into s under key without holding it
// in memory: write runs in its own goroutine and writes into an [io.Pipe]
// whose reader is the body of s.Put.
//
// If write returns an error, the pipe is closed with it, so Put sees a read
// error and aborts (no object is stored); WriteFunc then returns the
// producer's error (it wins over the Put error it caused). If Put fails
// first (for example S3 refuses a part, or ctx is cancelled), the pipe
// reader is closed with Put's error, so the producer's next Write fails and
// it stops; WriteFunc then returns Put's error. Both errors are surfaced:
// when both are set and differ, the result wraps both (errors.Is works for
// either).
func WriteFunc(ctx context.Context, s Store, key string, write func(w io.Writer) error) error {
	pr, pw := io.Pipe()
	prodErr := make(chan error, 1)
	go func() {
		err := write(pw)
		if err != nil {
			pw.CloseWithError(err)
		} else {
			pw.Close()
		}
		prodErr <- err
	}()

	putErr := s.Put(ctx, key, pr)
	if putErr != nil {
		// Unblock a producer still writing.
		pr.CloseWithError(putErr)
	} else {
		// Put read to EOF; make sure a producer that is still writing
		// (it cannot be: EOF means pw was closed) is unblocked anyway.
		pr.CloseWithError(io.ErrClosedPipe)
	}
	perr := <-prodErr

	switch {
	case perr != nil && putErr != nil:
		if errors.Is(putErr, perr) || errors.Is(perr, putErr) {
			return perr
		}
		return errors.Join(perr, putErr)
	case perr != nil:
		// Put succeeded although the producer failed: only possible if the
		// store did not read the body to the end. Report the producer.
		return perr
	default:
		return putErr
	}
}
