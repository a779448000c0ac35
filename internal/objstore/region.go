package objstore

import (
	"context"
	"errors"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// BucketRegionHeader is the response header in which S3 names a bucket's
// region: on every HeadBucket answer, and on the 301 (PermanentRedirect)
// with which it refuses a request signed for another region.
const BucketRegionHeader = "X-Amz-Bucket-Region"

// BucketRegion asks the endpoint of client for the region of bucket with
// one HeadBucket request, signed for whatever region client has (any will
// do: S3 names the bucket's region in its answer, be it 200, 301 or 403).
// found is false when the answer names no region (some S3-compatible
// servers do not); err is set only when no answer came at all (the endpoint
// is unreachable or silent), as an *Error with Op "region".
func BucketRegion(ctx context.Context, client *s3.Client, bucket string) (region string, found bool, err error) {
	out, err := client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)})
	if err == nil {
		if r := aws.ToString(out.BucketRegion); r != "" {
			return r, true, nil
		}
		return "", false, nil
	}
	var resp *smithyhttp.ResponseError
	if !errors.As(err, &resp) || resp.Response == nil || resp.Response.Response == nil {
		return "", false, &Error{Backend: "s3", Op: "region", Bucket: bucket, Err: err}
	}
	if r := resp.Response.Header.Get(BucketRegionHeader); r != "" {
		return r, true, nil
	}
	if resp.HTTPStatusCode() == 0 || resp.HTTPStatusCode() >= http.StatusInternalServerError {
		return "", false, &Error{Backend: "s3", Op: "region", Bucket: bucket, Err: err}
	}
	return "", false, nil
}
