package main

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cityofaustin/atd-executive-dashboard/internal/faultnet"
	"github.com/cityofaustin/atd-executive-dashboard/internal/jobkit"
	"github.com/cityofaustin/atd-executive-dashboard/internal/jobtest"
)

// TestSilentS3FailsInBoundedTime: an S3 endpoint that accepts connections
// and never answers fails the job with a timeout, exit 1, within
// --request-timeout (times the SDK's 3 attempts), not after the caller's
// context. It needs jobkit's --request-timeout flag (added on another
// branch) feeding jobkit.S3ClientOptions.RequestTimeout in Job.Store;
// until the flag exists the test is skipped, and if the flag exists but
// does not reach the S3 client the test fails (the default, 30 s per
// attempt, outlasts its 20 s context).
func TestSilentS3FailsInBoundedTime(t *testing.T) {
	t.Parallel()
	addr := faultnet.Silent(t)
	f := setup(t)
	f.env["AWS_ENDPOINT_URL_S3"] = "http://" + addr
	delete(f.env, "AWS_REGION") // the region lookup is the first request
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	var out jobtest.Buffer
	start := time.Now()
	err := run(ctx, []string{"--request-timeout", "300ms"}, jobkit.MapEnv(f.env), &out)
	var ue *jobkit.UsageError
	if errors.As(err, &ue) && strings.Contains(err.Error(), "request-timeout") {
		t.Skipf("no --request-timeout flag yet: %v", err)
	}
	if err == nil || ctx.Err() != nil || !strings.Contains(err.Error(), "timeout") || jobkit.ExitCode(err) != 1 {
		t.Fatalf("after %v: err = %v (ctx %v), want a timeout, exit 1, before the context ends\n%s", time.Since(start), err, ctx.Err(), out.String())
	}
	// Each failed attempt is logged (the SDK retries it): a job waiting on
	// S3 is not silent.
	if !strings.Contains(out.String(), "s3 request attempt failed") {
		t.Errorf("no log line for the failed attempts:\n%s", out.String())
	}
	if len(f.soc.Requests()) != 0 {
		t.Errorf("published after an S3 failure")
	}
}
