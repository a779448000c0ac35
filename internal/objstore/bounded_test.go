package objstore_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cityofaustin/atd-executive-dashboard/internal/faultnet"
	"github.com/cityofaustin/atd-executive-dashboard/internal/objstore"
	"github.com/cityofaustin/atd-executive-dashboard/internal/s3test"
)

// clientFor returns an SDK client for endpoint with the objstore HTTP
// client bounded by timeout and the SDK's default retries.
func clientFor(endpoint, region string, timeout time.Duration) *s3.Client {
	return clientWith(endpoint, region, objstore.HTTPOptions{RequestTimeout: timeout})
}

// clientWith is clientFor with the objstore HTTP client built from opts.
func clientWith(endpoint, region string, opts objstore.HTTPOptions) *s3.Client {
	return s3.New(s3.Options{
		Region:       region,
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(s3test.AccessKeyID, s3test.SecretAccessKey, ""),
		HTTPClient:   objstore.NewHTTPClient(opts),
	}, objstore.S3CompatOptions)
}

func TestBucketRegion(t *testing.T) {
	t.Parallel()
	regional := s3test.Start(t, s3test.WithRegion("ap-southeast-2"))
	regional.CreateBucket(t, bucket)
	plain := s3test.Start(t)
	plain.CreateBucket(t, bucket)
	tests := []struct {
		name      string
		endpoint  string
		signedFor string
		want      string
		found     bool
	}{
		{"wrong region answered with 301", regional.URL, "us-east-1", "ap-southeast-2", true},
		{"right region answered with 200", regional.URL, "ap-southeast-2", "ap-southeast-2", true},
		{"a server that names no region", plain.URL, "us-east-1", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, found, err := objstore.BucketRegion(t.Context(), clientFor(tt.endpoint, tt.signedFor, 5*time.Second), bucket)
			if err != nil || got != tt.want || found != tt.found {
				t.Fatalf("BucketRegion = %q, %v, %v; want %q, %v", got, found, err, tt.want, tt.found)
			}
		})
	}
}

// TestSilentEndpointIsBounded: an endpoint that accepts the connection and
// never answers fails every operation within the request timeout (times the
// SDK's 3 attempts), with an error that says it timed out; it does not wait
// for the caller's context.
func TestSilentEndpointIsBounded(t *testing.T) {
	t.Parallel()
	endpoint := "http://" + faultnet.Silent(t)
	const timeout = 300 * time.Millisecond
	st, err := objstore.NewS3(clientFor(endpoint, "us-east-1", timeout), bucket, objstore.S3Options{})
	if err != nil {
		t.Fatal(err)
	}
	ops := map[string]func(ctx context.Context) error{
		"get": func(ctx context.Context) error { _, _, err := st.Get(ctx, "a.csv"); return err },
		"put": func(ctx context.Context) error { return st.Put(ctx, "a.csv", strings.NewReader("a\n")) },
		"list": func(ctx context.Context) error {
			for _, err := range st.List(ctx, "") {
				return err
			}
			return nil
		},
		"region": func(ctx context.Context) error {
			_, _, err := objstore.BucketRegion(ctx, clientFor(endpoint, "us-east-1", timeout), bucket)
			return err
		},
	}
	for name, op := range ops {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			start := time.Now()
			err := op(ctx)
			elapsed := time.Since(start)
			var oe *objstore.Error
			if !errors.As(err, &oe) || ctx.Err() != nil {
				t.Fatalf("after %v: err = %v (ctx %v), want an *objstore.Error before the context ends", elapsed, err, ctx.Err())
			}
			if msg := err.Error(); !strings.Contains(msg, "timeout") && !strings.Contains(msg, "no answer from") {
				t.Errorf("error %q does not say it timed out", msg)
			}
			t.Logf("%s failed after %v: %v", name, elapsed.Round(time.Millisecond), err)
		})
	}
}

// TestSlowDownloadIsNotCut: a body that keeps moving is read to its end
// although it takes many times the request timeout.
func TestSlowDownloadIsNotCut(t *testing.T) {
	t.Parallel()
	const chunks, gap = 12, 100 * time.Millisecond
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(chunks*10))
		w.Header().Set("Last-Modified", time.Now().UTC().Format(http.TimeFormat))
		for range chunks {
			io.WriteString(w, "0123456789")
			w.(http.Flusher).Flush()
			time.Sleep(gap)
		}
	}))
	t.Cleanup(srv.Close)
	st, err := objstore.NewS3(clientFor(srv.URL, "us-east-1", 400*time.Millisecond), bucket, objstore.S3Options{})
	if err != nil {
		t.Fatal(err)
	}
	rc, _, err := st.Get(t.Context(), "slow.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil || len(b) != chunks*10 {
		t.Fatalf("read %d bytes, %v; want %d", len(b), err, chunks*10)
	}
}

// TestDownloadCutShort: a GetObject body that ends before its declared
// Content-Length is an *objstore.Error naming the key and the bytes that
// arrived.
func TestDownloadCutShort(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		w.Header().Set("Last-Modified", time.Now().UTC().Format(http.TimeFormat))
		io.WriteString(w, strings.Repeat("x", 300)) // and the handler returns: the server closes
	}))
	t.Cleanup(srv.Close)
	st, err := objstore.NewS3(clientFor(srv.URL, "us-east-1", 5*time.Second), bucket, objstore.S3Options{})
	if err != nil {
		t.Fatal(err)
	}
	rc, info, err := st.Get(t.Context(), "issued_permits.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	var oe *objstore.Error
	if !errors.As(err, &oe) || oe.Key != "issued_permits.csv" || oe.Op != "get" {
		t.Fatalf("read %d bytes, err = %v; want an *objstore.Error for get issued_permits.csv", len(b), err)
	}
	if !strings.Contains(err.Error(), "cut short: 300 of 1000 bytes arrived") {
		t.Errorf("error %q does not say how many bytes arrived", err)
	}
	if info.Size != 1000 || len(b) != 300 {
		t.Errorf("size %d, read %d", info.Size, len(b))
	}
	if _, err2 := rc.Read(make([]byte, 1)); err2 == nil || err2.Error() != err.Error() {
		t.Errorf("a later Read = %v, want the same error", err2)
	}
}

// TestAbortIsBounded: after a refused part, the AbortMultipartUpload that
// cleans up is bounded by DefaultFailTimeout (a few seconds) when S3 does
// not answer it, so a failing job exits promptly.
func TestAbortIsBounded(t *testing.T) {
	t.Parallel()
	var parts atomic.Int32
	hang := make(chan struct{})
	faulty, _ := faultyS3(t, func(w http.ResponseWriter, r *http.Request, req s3test.Request) bool {
		switch {
		case req.Op() == "UploadPart" && parts.Add(1) == 2:
			io.Copy(io.Discard, r.Body)
			w.WriteHeader(http.StatusForbidden) // not retried
			io.WriteString(w, `<Error><Code>AccessDenied</Code><Message>injected</Message></Error>`)
		case req.Op() == "AbortMultipartUpload":
			select { // never answers
			case <-hang:
			case <-r.Context().Done():
			}
		default:
			return false
		}
		return true
	})
	t.Cleanup(func() { close(hang) }) // runs first: the hung abort returns
	st, err := objstore.NewS3(clientFor(faulty, "us-east-1", time.Minute), bucket, objstore.S3Options{PartSize: 5 * mib, Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = st.Put(t.Context(), "review_time.csv", bytes.NewReader(make([]byte, 12*mib)))
	elapsed := time.Since(start)
	if err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Fatalf("Put: err = %v, want the refused part", err)
	}
	if limit := objstore.DefaultFailTimeout + 5*time.Second; elapsed > limit || objstore.DefaultFailTimeout > 10*time.Second {
		t.Fatalf("Put returned after %v (DefaultFailTimeout %v), want within %v", elapsed, objstore.DefaultFailTimeout, limit)
	}
}
