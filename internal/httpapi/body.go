package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
)

// Body is a request body that can be produced again for every attempt. The
// zero Body sends no body.
type Body struct {
	open func() (io.Reader, error)
	n    int64 // length, or -1 when unknown (sent chunked)
}

// Bytes returns a Body that sends b, with a Content-Length, on every attempt.
func Bytes(b []byte) Body {
	return Body{open: func() (io.Reader, error) { return bytes.NewReader(b), nil }, n: int64(len(b))}
}

// JSON returns a Body holding v encoded as JSON, sent with a Content-Length.
func JSON(v any) (Body, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return Body{}, err
	}
	return Bytes(b), nil
}

// Sized returns a Body of n bytes opened afresh by open for every attempt;
// a reader that is an [io.Closer] is closed when its attempt is done.
func Sized(n int64, open func() (io.Reader, error)) Body { return Body{open: open, n: n} }

// Stream returns a Body of unknown length, produced by open for every
// attempt (for example from an [io.Pipe]) and sent chunked. Nothing is
// produced until the transport reads.
func Stream(open func() (io.Reader, error)) Body { return Body{open: open, n: -1} }

// lazyReader calls open on its first Read, so building a request does not
// start producing its body.
type lazyReader struct {
	open func() (io.Reader, error)
	r    io.Reader
	err  error
}

func (l *lazyReader) Read(p []byte) (int, error) {
	if l.r == nil && l.err == nil {
		l.r, l.err = l.open()
		if l.r == nil && l.err == nil {
			l.err = io.EOF
		}
	}
	if l.err != nil {
		return 0, l.err
	}
	return l.r.Read(p)
}

// Close closes the underlying reader if it was opened and is a Closer (an
// io.PipeReader: closing it stops the producer).
func (l *lazyReader) Close() error {
	if c, ok := l.r.(io.Closer); ok {
		return c.Close()
	}
	return nil
}
