package amanda_test

import (
	"bytes"
	"database/sql"
	"flag"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/cityofaustin/atd-executive-dashboard/amanda"
	"github.com/cityofaustin/atd-executive-dashboard/amanda/amandatest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// syncBuffer is a bytes.Buffer safe for a logger and a reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// fixture is one test's world: a client over a replaying connector that knows
// every named query's recorded result, and the client's log output.
type fixture struct {
	client *amanda.Client
	conn   *amandatest.Connector
	db     *sql.DB
	logs   *syncBuffer
}

// setup returns a client over the recorded result sets; opts.Logger is
// replaced by one writing to f.logs.
func setup(t *testing.T, opts amanda.Options) *fixture {
	t.Helper()
	conn, err := amandatest.NewRecorded()
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(conn)
	t.Cleanup(func() { db.Close() })
	logs := &syncBuffer{}
	opts.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return &fixture{client: amanda.New(db, opts), conn: conn, db: db, logs: logs}
}

// mustQuery returns the named query or fails the test.
func mustQuery(tb testing.TB, name string) amanda.Query {
	tb.Helper()
	q, err := amanda.Lookup(name)
	if err != nil {
		tb.Fatal(err)
	}
	return q
}

// golden compares got with testdata/<name>, rewriting it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it)\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}
