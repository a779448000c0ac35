package main

import (
	"maps"
	"strings"
	"testing"

	"github.com/cityofaustin/atd-executive-dashboard/internal/s3test"
)

// TestFindsTheBucketRegion: the bucket is in us-west-2 and the S3 server
// refuses requests signed for another region with 301 and
// X-Amz-Bucket-Region, as S3 does. With AWS_REGION unset the job asks for
// the region, reads active_permits.csv and publishes.
func TestFindsTheBucketRegion(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.s3 = s3test.Start(t, s3test.WithRegion("us-west-2"))
	f.s3.CreateBucket(t, bucket)
	f.s3.PutObject(t, bucket, "active_permits.csv", []byte(csvBody))
	maps.Copy(f.env, f.s3.Env(bucket))
	delete(f.env, "AWS_REGION")

	logs, err := f.run(t)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, logs)
	}
	if rows := f.soc.Upserts(dataset); len(rows) != 1 {
		t.Fatalf("dataset holds %d rows, want 1", len(rows))
	}
	if !strings.Contains(logs, "region=us-west-2") {
		t.Errorf("the region found is not logged:\n%s", logs)
	}
}
