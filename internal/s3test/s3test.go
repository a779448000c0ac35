package s3test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	smithy "github.com/aws/smithy-go"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/cityofaustin/atd-executive-dashboard/internal/objstore"
)

// Dummy credentials the fake server accepts (gofakes3 does not verify
// signatures; the SDK still needs some to sign with).
const (
	AccessKeyID     = "s3test-access-key"
	SecretAccessKey = "s3test-secret-key"
	Region          = "us-east-1"
)

// Request is one request the fake server received.
type Request struct {
	// Method is the HTTP method.
	Method string
	// Path is the URL path: /bucket/key with path-style addressing.
	Path string
	// Query is the parsed query string (uploadId, partNumber, list-type...).
	Query url.Values
	// Refused is set when a WithRegion server refused the request because
	// it was signed for another region.
	Refused bool
}

// Bucket returns the bucket named by the request path.
func (r Request) Bucket() string {
	b, _, _ := strings.Cut(strings.TrimPrefix(r.Path, "/"), "/")
	return b
}

// Key returns the object key named by the request path.
func (r Request) Key() string {
	_, k, _ := strings.Cut(strings.TrimPrefix(r.Path, "/"), "/")
	return k
}

// Op classifies the request as an S3 operation name: "PutObject",
// "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload",
// "AbortMultipartUpload", "GetObject", "HeadObject", "ListObjectsV2",
// "CreateBucket", "HeadBucket" or "" for anything else.
func (r Request) Op() string {
	_, uploads := r.Query["uploads"]
	hasID := r.Query.Has("uploadId")
	key := r.Key()
	switch {
	case r.Method == http.MethodPost && uploads:
		return "CreateMultipartUpload"
	case r.Method == http.MethodPut && hasID && r.Query.Has("partNumber"):
		return "UploadPart"
	case r.Method == http.MethodPost && hasID:
		return "CompleteMultipartUpload"
	case r.Method == http.MethodDelete && hasID:
		return "AbortMultipartUpload"
	case r.Method == http.MethodPut && key != "":
		return "PutObject"
	case r.Method == http.MethodPut && key == "":
		return "CreateBucket"
	case r.Method == http.MethodGet && key != "":
		return "GetObject"
	case r.Method == http.MethodHead && key != "":
		return "HeadObject"
	case r.Method == http.MethodGet && r.Query.Get("list-type") == "2":
		return "ListObjectsV2"
	case r.Method == http.MethodHead && key == "" && r.Bucket() != "":
		return "HeadBucket"
	}
	return ""
}

// Option configures [Start].
type Option func(*Server)

// WithRegion makes the server behave as an AWS bucket endpoint in region:
// a request signed for another region (the region of its SigV4 credential
// scope) is refused with 301 PermanentRedirect and the header
// X-Amz-Bucket-Region naming region, as S3 refuses it; a HeadBucket answer
// carries that header too. Client and Env then use region.
func WithRegion(region string) Option {
	return func(s *Server) { s.region = region; s.enforce = true }
}

// signedRegion returns the region of the request's SigV4 credential scope
// (Authorization header or X-Amz-Credential query parameter), "" when it is
// not signed.
func signedRegion(r *http.Request) string {
	cred := r.URL.Query().Get("X-Amz-Credential")
	if auth := r.Header.Get("Authorization"); auth != "" {
		_, after, ok := strings.Cut(auth, "Credential=")
		if !ok {
			return ""
		}
		cred, _, _ = strings.Cut(after, ",")
	}
	parts := strings.Split(cred, "/")
	if len(parts) < 5 {
		return ""
	}
	return parts[2]
}

// Server is a gofakes3 S3 server (in-memory s3mem backend) on a loopback
// httptest.Server. It records every request it receives (see Requests).
// Its methods are safe for concurrent use.
type Server struct {
	// URL is the endpoint, "http://127.0.0.1:port", to use as BaseEndpoint
	// or AWS_ENDPOINT_URL_S3 (path-style addressing).
	URL string

	srv     *httptest.Server
	backend *s3mem.Backend
	region  string // Region unless WithRegion
	enforce bool   // WithRegion: refuse requests signed for another region
	mu      sync.Mutex
	reqs    []Request
}

// Start starts a fake S3 server on 127.0.0.1 and registers its shutdown with
// tb.Cleanup.
func Start(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s := &Server{backend: s3mem.New(), region: Region}
	for _, o := range opts {
		o(s)
	}
	faker := gofakes3.New(s.backend, gofakes3.WithLogger(gofakes3.DiscardLog()))
	h := faker.Server()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query()}
		if signed := signedRegion(r); s.enforce && signed != "" && signed != s.region {
			req.Refused = true
		}
		s.mu.Lock()
		s.reqs = append(s.reqs, req)
		s.mu.Unlock()
		if s.enforce && (req.Refused || r.Method == http.MethodHead && req.Key() == "") {
			w.Header().Set("X-Amz-Bucket-Region", s.region)
		}
		if req.Refused {
			io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusMovedPermanently)
			if r.Method != http.MethodHead {
				io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
					`<Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.</Message>`+
					`<Bucket>`+req.Bucket()+`</Bucket><Endpoint>s3.`+s.region+`.amazonaws.com</Endpoint></Error>`)
			}
			return
		}
		h.ServeHTTP(w, r)
	}))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("s3test: listen on loopback: %v", err)
	}
	srv.Listener = l
	srv.Start()
	tb.Cleanup(srv.Close)
	s.srv = srv
	s.URL = srv.URL
	return s
}

// Client returns a real aws-sdk-go-v2 S3 client for the server: static dummy
// credentials, region us-east-1 (or that of WithRegion), BaseEndpoint = URL, and
// [objstore.S3CompatOptions] (path-style addressing; checksums only when
// required, because gofakes3 stores an aws-chunked CRC32-trailer body
// verbatim instead of decoding it). Retries are limited to one attempt so
// that fault tests fail fast.
func (s *Server) Client() *s3.Client {
	return s3.New(s3.Options{
		Region:           s.region,
		BaseEndpoint:     aws.String(s.URL),
		Credentials:      credentials.NewStaticCredentialsProvider(AccessKeyID, SecretAccessKey, ""),
		HTTPClient:       s.srv.Client(),
		RetryMaxAttempts: 1,
	}, objstore.S3CompatOptions)
}

// Env returns the environment a job needs to reach this server and bucket:
// AWS_ENDPOINT_URL_S3, AWS_REGION (us-east-1 or that of WithRegion), BUCKET_NAME and both credential pairs
// (EXEC_DASH_ACCESS_ID/EXEC_DASH_PASS and AWS_ACCESS_KEY/
// AWS_SECRET_ACCESS_KEY) set to the dummy credentials. Apply it with
// t.Setenv, or pass it to a job's environment lookup.
func (s *Server) Env(bucket string) map[string]string {
	return map[string]string{
		"AWS_ENDPOINT_URL_S3":   s.URL,
		"AWS_REGION":            s.region,
		"BUCKET_NAME":           bucket,
		"EXEC_DASH_ACCESS_ID":   AccessKeyID,
		"EXEC_DASH_PASS":        SecretAccessKey,
		"AWS_ACCESS_KEY":        AccessKeyID,
		"AWS_SECRET_ACCESS_KEY": SecretAccessKey,
	}
}

// Requests returns a copy of the requests received so far, in arrival order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reqs)
}

// Writes returns the requests after the first since that are not reads
// (GET or HEAD): what a dry run must never send, once since is the count
// of requests the test's own setup made.
func (s *Server) Writes(since int) []Request {
	var w []Request
	for _, r := range s.Requests()[since:] {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w = append(w, r)
		}
	}
	return w
}

// Count returns how many requests for op (see Request.Op) on bucket/key the
// server received; an empty key matches any key.
func (s *Server) Count(op, bucket, key string) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Op() == op && r.Bucket() == bucket && (key == "" || r.Key() == key) {
			n++
		}
	}
	return n
}

// CreateBucket creates bucket, failing tb on error.
func (s *Server) CreateBucket(tb testing.TB, name string) {
	tb.Helper()
	if err := s.backend.CreateBucket(name); err != nil {
		tb.Fatalf("s3test: create bucket %q: %v", name, err)
	}
}

// PutObject stores body under bucket/key through the SDK client, failing tb
// on error.
func (s *Server) PutObject(tb testing.TB, bucket, key string, body []byte) {
	tb.Helper()
	_, err := s.Client().PutObject(context.Background(), &s3.PutObjectInput{
		Bucket:      aws.String(bucket),
		Key:         aws.String(key),
		Body:        bytes.NewReader(body),
		ContentType: aws.String("text/csv"),
	})
	if err != nil {
		tb.Fatalf("s3test: put s3://%s/%s: %v", bucket, key, err)
	}
}

// GetObject returns the content of bucket/key, failing tb on error
// (including a missing object).
func (s *Server) GetObject(tb testing.TB, bucket, key string) []byte {
	tb.Helper()
	out, err := s.Client().GetObject(context.Background(), &s3.GetObjectInput{
		Bucket: aws.String(bucket),
		Key:    aws.String(key),
	})
	if err != nil {
		tb.Fatalf("s3test: get s3://%s/%s: %v", bucket, key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		tb.Fatalf("s3test: read s3://%s/%s: %v", bucket, key, err)
	}
	return b
}

// Keys returns the keys in bucket starting with prefix, in lexical order,
// failing tb on error.
func (s *Server) Keys(tb testing.TB, bucket, prefix string) []string {
	tb.Helper()
	var keys []string
	p := s3.NewListObjectsV2Paginator(s.Client(), &s3.ListObjectsV2Input{
		Bucket: aws.String(bucket),
		Prefix: aws.String(prefix),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			tb.Fatalf("s3test: list s3://%s/%s: %v", bucket, prefix, err)
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	return keys
}

// Uploads returns the keys of multipart uploads in bucket that were started
// but neither completed nor aborted.
func (s *Server) Uploads(tb testing.TB, bucket string) []string {
	tb.Helper()
	out, err := s.Client().ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{
		Bucket: aws.String(bucket),
	})
	var api smithy.APIError
	if errors.As(err, &api) && api.ErrorCode() == "NoSuchUpload" {
		// gofakes3 answers NoSuchUpload for a bucket that never had a
		// multipart upload.
		return nil
	}
	if err != nil {
		tb.Fatalf("s3test: list multipart uploads s3://%s: %v", bucket, err)
	}
	var keys []string
	for _, u := range out.Uploads {
		keys = append(keys, aws.ToString(u.Key))
	}
	return keys
}
