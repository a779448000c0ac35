package objstore_test

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/cityofaustin/atd-executive-dashboard/internal/faultnet"
	"github.com/cityofaustin/atd-executive-dashboard/internal/objstore"
	"github.com/cityofaustin/atd-executive-dashboard/internal/s3test"
)

// TestWaitsAreLogged: a job waiting on a silent S3 says so: a "still
// waiting for s3" line every WaitLog while an attempt waits, and a line for
// each attempt that failed (the SDK then retries), naming the request.
func TestWaitsAreLogged(t *testing.T) {
	t.Parallel()
	endpoint := "http://" + faultnet.Silent(t)
	var logs syncBuffer
	client := clientWith(endpoint, "us-east-1", objstore.HTTPOptions{RequestTimeout: 400 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(&logs, nil)), WaitLog: 150 * time.Millisecond})
	st, err := objstore.NewS3(client, bucket, objstore.S3Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.Get(t.Context(), "a.csv"); err == nil {
		t.Fatal("a silent endpoint answered")
	}
	out := logs.String()
	for _, want := range []string{"still waiting for s3", "method=GET", "/" + bucket + "/a.csv", "s3 request attempt failed", "timeout awaiting response headers"} {
		if !strings.Contains(out, want) {
			t.Errorf("logs lack %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, s3test.SecretAccessKey) || strings.Contains(out, "Signature") {
		t.Errorf("logs hold a credential:\n%s", out)
	}
}
