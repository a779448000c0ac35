package s3test_test

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cityofaustin/atd-executive-dashboard/internal/objstore"
	"github.com/cityofaustin/atd-executive-dashboard/internal/s3test"
)

// TestEnvWithSDKConfig checks that Env also serves the SDK's own
// configuration path: the environment from Env, config.LoadDefaultConfig
// (which reads AWS_ENDPOINT_URL_S3, AWS_REGION and
// AWS_ACCESS_KEY/AWS_SECRET_ACCESS_KEY from the process itself), a client
// built with objstore.S3CompatOptions, and a multipart upload through
// objstore. (The jobs do not take this path: jobkit.S3Client builds their
// client from the job's environment only.)
// It uses t.Setenv and so cannot run in parallel.
func TestEnvWithSDKConfig(t *testing.T) {
	srv := s3test.Start(t)
	srv.CreateBucket(t, "exec-dash")
	none := filepath.Join(t.TempDir(), "none")
	t.Setenv("AWS_CONFIG_FILE", none)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", none)
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_ENDPOINT_URL", "")
	env := srv.Env("exec-dash")
	for k, v := range env {
		t.Setenv(k, v)
	}

	ctx := t.Context()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	client := s3.NewFromConfig(cfg, objstore.S3CompatOptions)
	store, err := objstore.NewS3(client, env["BUCKET_NAME"], objstore.S3Options{PartSize: 5 << 20})
	if err != nil {
		t.Fatal(err)
	}
	want := bytes.Repeat([]byte("0123456789abcdef"), (6<<20)/16)
	if err := store.Put(ctx, "active_permits.csv", bytes.NewReader(want)); err != nil {
		t.Fatalf("Put through the environment's config: %v", err)
	}
	if got := srv.GetObject(t, "exec-dash", "active_permits.csv"); !bytes.Equal(got, want) {
		t.Errorf("object differs: %d bytes, want %d", len(got), len(want))
	}
	if n := srv.Count("UploadPart", "exec-dash", "active_permits.csv"); n != 2 {
		t.Errorf("UploadPart requests = %d, want 2", n)
	}
}
