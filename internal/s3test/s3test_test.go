package s3test_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/cityofaustin/atd-executive-dashboard/internal/s3test"
)

func TestServer(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t)
	srv.CreateBucket(t, "b")
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Errorf("URL = %q, want loopback", srv.URL)
	}

	objects := map[string]string{
		"z.csv":       "z\n",
		"dir/a.csv":   "a\n",
		"dir/b.csv":   "b\n",
		"dir.csv":     "d\n",
		"other/c.csv": "c\n",
	}
	for k, v := range objects {
		srv.PutObject(t, "b", k, []byte(v))
	}

	tests := []struct {
		name   string
		prefix string
		want   []string
	}{
		{"all", "", []string{"dir.csv", "dir/a.csv", "dir/b.csv", "other/c.csv", "z.csv"}},
		{"folder", "dir/", []string{"dir/a.csv", "dir/b.csv"}},
		{"none", "nope/", nil},
	}
	for _, tt := range tests {
		t.Run("keys_"+tt.name, func(t *testing.T) {
			if got := srv.Keys(t, "b", tt.prefix); !slices.Equal(got, tt.want) {
				t.Errorf("Keys(%q) = %q, want %q", tt.prefix, got, tt.want)
			}
		})
	}
	for k, v := range objects {
		if got := srv.GetObject(t, "b", k); string(got) != v {
			t.Errorf("GetObject(%q) = %q, want %q", k, got, v)
		}
	}
	if got := srv.Count("PutObject", "b", ""); got != len(objects) {
		t.Errorf("Count(PutObject) = %d, want %d", got, len(objects))
	}
	if got := srv.Count("GetObject", "b", "dir.csv"); got != 1 {
		t.Errorf("Count(GetObject, dir.csv) = %d, want 1", got)
	}
}

func TestGetObjectLastModified(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t)
	srv.CreateBucket(t, "b")
	srv.PutObject(t, "b", "k.csv", []byte("x\n"))
	out, err := srv.Client().GetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String("b"), Key: aws.String("k.csv")})
	if err != nil {
		t.Fatal(err)
	}
	out.Body.Close()
	if out.LastModified == nil || out.LastModified.IsZero() || aws.ToInt64(out.ContentLength) != 2 {
		t.Errorf("GetObject LastModified = %v, ContentLength = %v; gofakes3 must serve both", out.LastModified, out.ContentLength)
	}
}

// TestUploads checks that an unfinished multipart upload is reported and a
// completed one is not, and that the request log classifies the operations.
func TestUploads(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv := s3test.Start(t)
	srv.CreateBucket(t, "b")
	c := srv.Client()
	if got := srv.Uploads(t, "b"); len(got) != 0 {
		t.Fatalf("Uploads on a fresh bucket = %q", got)
	}
	for _, key := range []string{"done.csv", "pending.csv"} {
		mpu, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("b"), Key: aws.String(key)})
		if err != nil {
			t.Fatal(err)
		}
		part, err := c.UploadPart(ctx, &s3.UploadPartInput{
			Bucket: aws.String("b"), Key: aws.String(key), UploadId: mpu.UploadId,
			PartNumber: aws.Int32(1), Body: bytes.NewReader([]byte("only,part\n")),
		})
		if err != nil {
			t.Fatal(err)
		}
		if key == "done.csv" {
			_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
				Bucket: aws.String("b"), Key: aws.String(key), UploadId: mpu.UploadId,
				MultipartUpload: &s3types.CompletedMultipartUpload{Parts: []s3types.CompletedPart{{ETag: part.ETag, PartNumber: aws.Int32(1)}}},
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	if got := srv.Uploads(t, "b"); !slices.Equal(got, []string{"pending.csv"}) {
		t.Errorf("Uploads = %q, want [pending.csv]", got)
	}
	if got := string(srv.GetObject(t, "b", "done.csv")); got != "only,part\n" {
		t.Errorf("completed object = %q", got)
	}
	for op, want := range map[string]int{"CreateMultipartUpload": 2, "UploadPart": 2, "CompleteMultipartUpload": 1, "AbortMultipartUpload": 0} {
		if got := srv.Count(op, "b", ""); got != want {
			t.Errorf("Count(%s) = %d, want %d", op, got, want)
		}
	}
}

func TestEnv(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t)
	env := srv.Env("exec-dash")
	want := map[string]string{
		"AWS_ENDPOINT_URL_S3":   srv.URL,
		"AWS_REGION":            "us-east-1",
		"BUCKET_NAME":           "exec-dash",
		"EXEC_DASH_ACCESS_ID":   s3test.AccessKeyID,
		"EXEC_DASH_PASS":        s3test.SecretAccessKey,
		"AWS_ACCESS_KEY":        s3test.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY": s3test.SecretAccessKey,
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("Env()[%s] = %q, want %q", k, env[k], v)
		}
	}
	if len(env) != len(want) {
		t.Errorf("Env() has %d variables, want %d: %v", len(env), len(want), env)
	}
}

// TestCleanup checks that the server is closed when the test ends.
func TestCleanup(t *testing.T) {
	t.Parallel()
	var url string
	list := func(url string) error {
		c := s3.New(s3.Options{
			Region: "us-east-1", BaseEndpoint: aws.String(url), UsePathStyle: true, RetryMaxAttempts: 1,
			Credentials: credentials.NewStaticCredentialsProvider(s3test.AccessKeyID, s3test.SecretAccessKey, ""),
		})
		_, err := c.ListBuckets(t.Context(), &s3.ListBucketsInput{})
		return err
	}
	t.Run("inner", func(t *testing.T) {
		srv := s3test.Start(t)
		url = srv.URL
		if err := list(url); err != nil {
			t.Fatalf("live server: %v", err)
		}
	})
	if err := list(url); err == nil {
		t.Errorf("server at %s still answers after its test ended", url)
	}
}

// TestWrites: reads (GET, HEAD) are not writes; the setup's own requests
// before since are passed over.
func TestWrites(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t)
	srv.CreateBucket(t, "b")
	srv.PutObject(t, "b", "setup.csv", []byte("s\n"))
	since := len(srv.Requests())
	if w := srv.Writes(0); len(w) != since || len(w) == 0 {
		t.Fatalf("Writes(0) = %v, want the setup's %d writes", w, since)
	}
	srv.GetObject(t, "b", "setup.csv")
	if _, err := srv.Client().HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String("b"), Key: aws.String("setup.csv")}); err != nil {
		t.Fatal(err)
	}
	if w := srv.Writes(since); len(w) != 0 {
		t.Fatalf("after a GET and a HEAD: Writes = %v, want none", w)
	}
	srv.PutObject(t, "b", "x.csv", []byte("x\n"))
	if w := srv.Writes(since); len(w) != 1 || w[0].Method != "PUT" || w[0].Key() != "x.csv" {
		t.Fatalf("after a PUT: Writes = %v, want that PUT", w)
	}
}
