package main

import (
	"bytes"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/cityofaustin/atd-executive-dashboard/amanda"
	"github.com/cityofaustin/atd-executive-dashboard/internal/faultnet"
	"github.com/cityofaustin/atd-executive-dashboard/internal/jobkit"
	"github.com/cityofaustin/atd-executive-dashboard/internal/jobtest"
)

// TestJunkOnTheOraclePort runs the job, through run and the real go-ora
// client, against a loopback server that answers the TNS connect packet
// with junk (go-ora panics on it): the job returns an error, exit code 1,
// reported in one line; nothing is stored.
func TestJunkOnTheOraclePort(t *testing.T) {
	t.Parallel()
	addr := faultnet.Answer(t, []byte{0, 8, 0, 0, 2, 0, 0, 0}) // an 8-byte ACCEPT packet with no body
	f := setup(t)
	f.env["HOST"] = "127.0.0.1"
	_, f.env["PORT"], _ = net.SplitHostPort(addr)
	var out jobtest.Buffer
	err := run(t.Context(), []string{"--query", amanda.ActivePermitsQuery}, jobkit.MapEnv(f.env), &out)
	if !errors.Is(err, amanda.ErrDriver) {
		t.Fatalf("run: err = %v, want amanda.ErrDriver\n%s", err, out.String())
	}
	var stderr bytes.Buffer
	if code := jobkit.Exit(name, err, &stderr); code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	if msg := stderr.String(); strings.Count(msg, "\n") != 1 || strings.Contains(msg, dbPass) || strings.Contains(msg, "goroutine") {
		t.Errorf("stderr is not one line without secrets:\n%s", msg)
	}
	if keys := f.s3.Keys(t, bucket, ""); len(keys) != 0 {
		t.Errorf("bucket holds %q", keys)
	}
}
