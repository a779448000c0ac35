package faultnet

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// AnswerDeadline bounds each connection [Answer] serves: after it the
// server closes the connection whatever the client does.
const AnswerDeadline = 10 * time.Second

// Silent listens on loopback, accepts every connection and never writes a
// byte; the connections stay open until the test ends. It returns the
// listener's address, host:port.
func Silent(t testing.TB) string {
	t.Helper()
	return serve(t, func(c net.Conn, done <-chan struct{}) { <-done })
}

// Answer listens on loopback and, on each connection, reads the client's
// first packet (up to 4 KiB), writes payload, then reads and discards
// until the client closes, the test ends or [AnswerDeadline] passes. It
// returns the listener's address, host:port.
func Answer(t testing.TB, payload []byte) string {
	t.Helper()
	return serve(t, func(c net.Conn, done <-chan struct{}) {
		c.SetDeadline(time.Now().Add(AnswerDeadline))
		if _, err := c.Read(make([]byte, 4096)); err != nil {
			return
		}
		c.Write(payload)
		io.Copy(io.Discard, c)
	})
}

// serve runs handle for each connection on a loopback listener; when the
// test ends it closes the listener and every connection and waits for the
// handlers to return.
func serve(t testing.TB, handle func(c net.Conn, done <-chan struct{})) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	t.Cleanup(func() {
		close(done)
		l.Close()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				stop := make(chan struct{})
				defer close(stop)
				go func() {
					select {
					case <-done:
						c.Close() // unblocks a handler's read
					case <-stop:
					}
				}()
				handle(c, done)
			})
		}
	})
	return l.Addr().String()
}

// Run is a reader of n copies of one byte, generated as it is read, that
// counts what was read: a field of a gigabyte costs no memory.
type Run struct {
	b    byte
	n    int64
	read atomic.Int64
}

// Repeat returns a [Run] of n copies of b.
func Repeat(b byte, n int64) *Run { return &Run{b: b, n: n} }

// Read fills p with the byte, up to what is left, and returns io.EOF
// after n bytes.
func (r *Run) Read(p []byte) (int, error) {
	read := r.read.Load()
	if read >= r.n {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), r.n-read)]
	for i := range p {
		p[i] = r.b
	}
	r.read.Add(int64(len(p)))
	return len(p), nil
}

// Count returns how many bytes have been read so far.
func (r *Run) Count() int64 { return r.read.Load() }
