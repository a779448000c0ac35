package faultnet_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cityofaustin/atd-executive-dashboard/internal/faultnet"
)

// TestSilent: a connection is accepted, a request is taken, and nothing
// comes back: a read waits until its deadline.
func TestSilent(t *testing.T) {
	t.Parallel()
	c := send(t, faultnet.Silent(t), "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if n, err := readFor(c, 200*time.Millisecond); n != 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Read = %d, %v; want nothing until the deadline", n, err)
	}
}

// send dials addr and writes msg; the connection closes with the test.
func send(t *testing.T, addr, msg string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := io.WriteString(c, msg); err != nil {
		t.Fatal(err)
	}
	return c
}

// readFor reads one byte from c, waiting at most d.
func readFor(c net.Conn, d time.Duration) (int, error) {
	c.SetReadDeadline(time.Now().Add(d))
	return c.Read(make([]byte, 1))
}

// TestAnswer: the payload comes back after the client's first packet, and
// nothing more; the connection stays open while the client holds it.
func TestAnswer(t *testing.T) {
	t.Parallel()
	payload := []byte{0, 8, 0, 0, 2, 0, 0, 0}
	c := send(t, faultnet.Answer(t, payload), "hello")
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	got := make([]byte, len(payload))
	if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("read %v, %v; want %v", got, err, payload)
	}
	if n, err := readFor(c, 200*time.Millisecond); n != 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("after the payload: Read = %d, %v; want nothing more, connection open", n, err)
	}
}

// TestListenersEndWithTheTest: once a subtest ends, its listeners refuse
// connections and its open connections are closed.
func TestListenersEndWithTheTest(t *testing.T) {
	t.Parallel()
	var addrs []string
	var conns []net.Conn
	t.Run("inner", func(t *testing.T) {
		for _, addr := range []string{faultnet.Silent(t), faultnet.Answer(t, []byte("x"))} {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			addrs, conns = append(addrs, addr), append(conns, c)
		}
	})
	for i, c := range conns {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.ReadAll(c); err != nil {
			t.Errorf("conn %d: %v, want EOF after the test ended", i, err)
		}
		c.Close()
		if c, err := net.Dial("tcp", addrs[i]); err == nil {
			c.Close()
			t.Errorf("%s still accepts after the test ended", addrs[i])
		}
	}
}

func TestRepeat(t *testing.T) {
	t.Parallel()
	for _, n := range []int64{0, 1, 5, 100000} {
		r := faultnet.Repeat('9', n)
		got, err := io.ReadAll(io.LimitReader(r, n+10))
		if err != nil || !bytes.Equal(got, bytes.Repeat([]byte("9"), int(n))) || r.Count() != n {
			t.Errorf("Repeat('9', %d): %d bytes, Count %d, %v", n, len(got), r.Count(), err)
		}
	}
	// A gigabyte costs nothing until read; Count says how far a reader got.
	r := faultnet.Repeat('x', 1<<30)
	if _, err := io.ReadFull(r, make([]byte, 1000)); err != nil || r.Count() != 1000 {
		t.Errorf("after 1000 bytes: Count %d, %v", r.Count(), err)
	}
}

func ExampleRepeat() {
	field := faultnet.Repeat('9', 5)
	b, _ := io.ReadAll(field)
	fmt.Println(string(b), field.Count())
	// Output: 99999 5
}

// TestOtherHost: requests are counted and answered; a credential header
// among the named ones is reported, a header not named is not.
func TestOtherHost(t *testing.T) {
	t.Parallel()
	rec := &recordingTB{TB: t}
	h := faultnet.OtherHost(rec, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "[]") }, "Authorization", "Cookie")
	get := func(header, value string) string {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, h.URL+"/x", nil)
		if header != "" {
			req.Header.Set(header, value)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if got := get("", ""); got != "[]" || h.Calls() != 1 || len(rec.errors) != 0 {
		t.Fatalf("plain request: answer %q, %d calls, errors %q", got, h.Calls(), rec.errors)
	}
	get("X-Other", "fine")
	get("Cookie", "session=SECRET")
	if h.Calls() != 3 || len(rec.errors) != 1 || !strings.Contains(rec.errors[0], "Cookie header reached the other host") || strings.Contains(rec.errors[0], "SECRET") {
		t.Fatalf("%d calls, errors %q: want 3 calls, one error naming Cookie without its value", h.Calls(), rec.errors)
	}
}

// recordingTB keeps what Errorf is given instead of failing the test.
type recordingTB struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
