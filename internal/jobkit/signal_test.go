package jobkit

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSignalNamed: a job stopped by SIGTERM says so in its final message.
func TestSignalNamed(t *testing.T) {
	ctx, stop := SignalContext(context.Background())
	defer stop()
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("context not cancelled by SIGTERM")
	}
	var stderr bytes.Buffer
	code := ExitContext(ctx, "job", fmt.Errorf("publishing: %w", ctx.Err()), &stderr)
	if got := stderr.String(); code != 1 || got != "job: publishing: context canceled (received SIGTERM)\n" {
		t.Errorf("exit %d, message %q", code, got)
	}
	// A message that names the signal already is not repeated.
	stderr.Reset()
	ExitContext(ctx, "job", fmt.Errorf("upsert: context canceled (received SIGTERM)"), &stderr)
	if strings.Count(stderr.String(), "SIGTERM") != 1 {
		t.Errorf("message %q", stderr.String())
	}
}
