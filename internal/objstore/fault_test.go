package objstore_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cityofaustin/atd-executive-dashboard/internal/objstore"
	"github.com/cityofaustin/atd-executive-dashboard/internal/s3test"
)

// TestS3RefusedRequestAborts puts a fault-injecting proxy in front of the
// fake S3 server: one S3 request of a multipart upload is answered with a
// 500 (the SDK does not retry: one attempt). The upload must be aborted — no
// object, no pending upload — the producer must be stopped, and the error
// must be an *objstore.Error naming the key.
func TestS3RefusedRequestAborts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		fail string // S3 operation to refuse (s3test.Request.Op)
		nth  int32  // which request of that operation fails (1-based)
		// stops: the failure comes early enough that the producer must be
		// stopped long before its end (a refused Complete comes after it).
		stops bool
		size  int // 13 parts make a producer that is not stopped show
	}{
		{"second_part_refused", "UploadPart", 2, true, 64 * mib},
		{"first_part_refused", "UploadPart", 1, true, 64 * mib},
		{"complete_refused", "CompleteMultipartUpload", 1, false, 11 * mib},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var seen atomic.Int32
			faulty, srv := faultyS3(t, func(w http.ResponseWriter, r *http.Request, req s3test.Request) bool {
				if req.Op() != tt.fail || seen.Add(1) != tt.nth {
					return false
				}
				io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Type", "application/xml")
				w.WriteHeader(http.StatusInternalServerError)
				io.WriteString(w, `<Error><Code>InternalError</Code><Message>injected</Message></Error>`)
				return true
			})
			client := s3.New(s3.Options{
				Region:           s3test.Region,
				BaseEndpoint:     aws.String(faulty),
				Credentials:      credentials.NewStaticCredentialsProvider(s3test.AccessKeyID, s3test.SecretAccessKey, ""),
				RetryMaxAttempts: 1,
			}, objstore.S3CompatOptions)
			st, err := objstore.NewS3(client, bucket, objstore.S3Options{PartSize: 5 * mib, Concurrency: 1})
			if err != nil {
				t.Fatal(err)
			}

			const key = "review_time.csv"
			size := tt.size
			var sum [32]byte
			written := 0
			err = objstore.WriteFunc(t.Context(), st, key, func(w io.Writer) error {
				return csvProducer(size, 7, &sum)(countWriter{w, &written})
			})
			var oe *objstore.Error
			if !errors.As(err, &oe) || oe.Backend != "s3" || oe.Op != "put" || oe.Key != key {
				t.Fatalf("WriteFunc error = %v, want an *objstore.Error for s3 put %s", err, key)
			}
			if !strings.Contains(err.Error(), "InternalError") {
				t.Errorf("error %q does not carry the S3 error code", err)
			}
			if keys := keysOf(mustList(t, st, "")); len(keys) != 0 {
				t.Errorf("objects after a refused upload = %q, want none", keys)
			}
			if up := srv.Uploads(t, bucket); len(up) != 0 {
				t.Errorf("incomplete multipart uploads left: %q", up)
			}
			if got := srv.Count("AbortMultipartUpload", bucket, key); got != 1 {
				t.Errorf("AbortMultipartUpload requests = %d, want 1", got)
			}
			if tt.stops && written > size/2 {
				t.Errorf("producer wrote %d of %d bytes after the refusal; it should have been stopped", written, size)
			}
		})
	}
}

// countWriter counts the bytes written through it into *n.
type countWriter struct {
	w io.Writer
	n *int
}

func (c countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	*c.n += n
	return n, err
}

// faultyS3 starts an s3test server with the test bucket behind a proxy
// that offers every request to intercept first; what intercept does not
// handle (returns false for) reaches the server. It returns the proxy's
// URL and the server behind it.
func faultyS3(t *testing.T, intercept func(w http.ResponseWriter, r *http.Request, req s3test.Request) bool) (string, *s3test.Server) {
	t.Helper()
	srv := s3test.Start(t)
	srv.CreateBucket(t, bucket)
	target, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	faulty := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !intercept(w, r, s3test.Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query()}) {
			proxy.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(faulty.Close)
	return faulty.URL, srv
}
