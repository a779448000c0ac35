package amanda_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cityofaustin/atd-executive-dashboard/amanda"
	"github.com/cityofaustin/atd-executive-dashboard/internal/faultnet"
)

// JunkTNSAnswer is what a loopback server that is not an Oracle listener
// answers to go-ora's TNS connect packet: a header claiming an 8-byte
// packet of type 2 (ACCEPT) with nothing after it. go-ora v2.8.24 panics on
// it with a nil pointer dereference in network.(*Session).Connect.
var junkTNSAnswer = []byte{0, 8, 0, 0, 2, 0, 0, 0}

// TestJunkOnThePortIsAnError: bytes on the Oracle port that go-ora cannot
// parse make it panic; the client returns an *Error wrapping ErrDriver, in
// one line, instead of a stack trace.
func TestJunkOnThePortIsAnError(t *testing.T) {
	t.Parallel()
	_, p, _ := net.SplitHostPort(faultnet.Answer(t, junkTNSAnswer))
	port, _ := strconv.Atoi(p)
	for _, timeout := range []time.Duration{0, 5 * time.Second} {
		c, err := amanda.Open(amanda.Config{Host: "127.0.0.1", Port: port, ServiceName: "AMANDARR",
			User: "u", Password: "pa55word", ConnectTimeout: timeout}, amanda.Options{})
		if err != nil {
			t.Fatal(err)
		}
		checks := map[string]func() error{
			"ping": func() error { return c.Ping(t.Context()) },
			"export": func() error {
				_, err := c.Export(t.Context(), amanda.ActivePermitsQuery, io.Discard)
				return err
			},
			"typed": func() error { _, err := c.ActivePermits(t.Context()); return err },
		}
		for name, call := range checks {
			err := call()
			var ae *amanda.Error
			if !errors.As(err, &ae) || !errors.Is(err, amanda.ErrDriver) {
				t.Fatalf("%s (connect timeout %v): err = %v, want an *amanda.Error wrapping ErrDriver", name, timeout, err)
			}
			if msg := err.Error(); strings.Contains(msg, "\n") || strings.Contains(msg, "pa55word") || !strings.Contains(msg, "connect:") {
				t.Errorf("%s: message %q is not one line naming the connect step, or holds the password", name, msg)
			}
		}
		c.Close()
	}
}

// TestDriverPanicDuringFetch: a panic of the driver while rows are fetched
// or scanned (database/sql runs that code on the caller's goroutine) is an
// *Error wrapping ErrDriver too.
func TestDriverPanicDuringFetch(t *testing.T) {
	t.Parallel()
	for _, at := range []string{"query", "next"} {
		t.Run(at, func(t *testing.T) {
			t.Parallel()
			c := amanda.New(sql.OpenDB(panicConnector{at: at}), amanda.Options{})
			defer c.Close()
			_, err := c.Export(t.Context(), amanda.ActivePermitsQuery, io.Discard)
			if !errors.Is(err, amanda.ErrDriver) || !strings.Contains(err.Error(), "boom in "+at) {
				t.Fatalf("Export: err = %v, want ErrDriver naming the panic", err)
			}
			if _, err := c.ActivePermits(t.Context()); !errors.Is(err, amanda.ErrDriver) {
				t.Fatalf("ActivePermits: err = %v, want ErrDriver", err)
			}
		})
	}
}

// panicConnector is a driver whose query ("query") or first fetch ("next")
// panics, as go-ora does on a broken packet.
type panicConnector struct{ at string }

func (p panicConnector) Connect(context.Context) (driver.Conn, error) { return panicConn(p), nil }
func (p panicConnector) Driver() driver.Driver                        { return nil }

type panicConn struct{ at string }

func (panicConn) Prepare(string) (driver.Stmt, error) { return nil, errors.New("not supported") }
func (panicConn) Close() error                        { return nil }
func (panicConn) Begin() (driver.Tx, error)           { return nil, errors.New("not supported") }
func (p panicConn) QueryContext(context.Context, string, []driver.NamedValue) (driver.Rows, error) {
	if p.at == "query" {
		panic("boom in query")
	}
	return panicRows{}, nil
}

type panicRows struct{}

func (panicRows) Columns() []string {
	return []string{"FOLDERTYPE", "ACTIVEPERMITS"}
}
func (panicRows) Close() error              { return nil }
func (panicRows) Next([]driver.Value) error { panic("boom in next") }
