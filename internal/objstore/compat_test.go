package objstore_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/cityofaustin/atd-executive-dashboard/internal/objstore"
)

// TestS3CompatOptions shows why S3CompatOptions exists. Over HTTPS the SDK's
// default checksum mode sends upload bodies aws-chunked with a CRC32 trailer;
// gofakes3 (like other S3-compatible servers) stores that framing as object
// data. With S3CompatOptions the objects round-trip intact. (Over plain HTTP
// the SDK sends the checksum as a header instead, so the default happens to
// work there.)
func TestS3CompatOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		opts      []func(*s3.Options)
		wantExact bool
	}{
		{"compat", []func(*s3.Options){objstore.S3CompatOptions}, true},
		{"sdk_default", []func(*s3.Options){func(o *s3.Options) { o.UsePathStyle = true }}, false},
	}
	for _, tt := range tests {
		for _, size := range []int{10, 6 << 20} {
			t.Run(fmt.Sprintf("%s_%d", tt.name, size), func(t *testing.T) {
				t.Parallel()
				be := s3mem.New()
				if err := be.CreateBucket(bucket); err != nil {
					t.Fatal(err)
				}
				srv := httptest.NewTLSServer(gofakes3.New(be, gofakes3.WithLogger(gofakes3.DiscardLog())).Server())
				t.Cleanup(srv.Close)
				client := s3.New(s3.Options{
					Region:       "us-east-1",
					BaseEndpoint: aws.String(srv.URL),
					HTTPClient:   srv.Client(),
					Credentials:  credentials.NewStaticCredentialsProvider("id", "secret", ""),
				}, tt.opts...)
				st, err := objstore.NewS3(client, bucket, objstore.S3Options{PartSize: 5 << 20})
				if err != nil {
					t.Fatal(err)
				}
				want := bytes.Repeat([]byte("a,b\n"), size/4)
				if err := st.Put(t.Context(), "k.csv", bytes.NewReader(want)); err != nil {
					t.Fatalf("Put: %v", err)
				}
				rc, _, err := st.Get(t.Context(), "k.csv")
				if err != nil {
					t.Fatalf("Get: %v", err)
				}
				defer rc.Close()
				got, err := io.ReadAll(rc)
				if err != nil {
					t.Fatal(err)
				}
				if exact := bytes.Equal(got, want); exact != tt.wantExact {
					t.Errorf("size %d: round trip exact = %v, want %v (got %d bytes, %q...)",
						size, exact, tt.wantExact, len(got), got[:min(len(got), 40)])
				}
			})
		}
	}
}
