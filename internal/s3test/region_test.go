package s3test_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/cityofaustin/atd-executive-dashboard/internal/s3test"
)

// TestWithRegion: a request signed for another region is refused with 301
// and X-Amz-Bucket-Region, as S3 does; one signed for the bucket's region
// is served, and HeadBucket names the region.
func TestWithRegion(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t, s3test.WithRegion("eu-west-2"))
	srv.CreateBucket(t, "b")
	srv.PutObject(t, "b", "k.csv", []byte("a\n")) // Client signs for eu-west-2
	if got := srv.Env("b")["AWS_REGION"]; got != "eu-west-2" {
		t.Errorf("Env AWS_REGION = %q", got)
	}
	out, err := srv.Client().HeadBucket(t.Context(), &s3.HeadBucketInput{Bucket: aws.String("b")})
	if err != nil || aws.ToString(out.BucketRegion) != "eu-west-2" {
		t.Fatalf("HeadBucket = %+v, %v; want BucketRegion eu-west-2", out, err)
	}

	wrong := s3.New(srv.Client().Options(), func(o *s3.Options) { o.Region = "us-east-1" })
	for name, call := range map[string]func() error{
		"GetObject": func() error {
			_, err := wrong.GetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String("b"), Key: aws.String("k.csv")})
			return err
		},
		"HeadBucket": func() error {
			_, err := wrong.HeadBucket(t.Context(), &s3.HeadBucketInput{Bucket: aws.String("b")})
			return err
		},
	} {
		err := call()
		var re *smithyhttp.ResponseError
		if !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusMovedPermanently ||
			re.Response.Header.Get("X-Amz-Bucket-Region") != "eu-west-2" {
			t.Errorf("%s signed for us-east-1: err = %v, want a 301 naming eu-west-2", name, err)
		}
		if name == "GetObject" && !strings.Contains(err.Error(), "PermanentRedirect") {
			t.Errorf("%s: %v lacks the S3 error code", name, err)
		}
	}
	refused := 0
	for _, r := range srv.Requests() {
		if r.Refused {
			refused++
		}
	}
	if refused != 2 {
		t.Errorf("%d requests refused, want 2", refused)
	}
}
