package main

import (
	"bytes"
	"maps"
	"strings"
	"testing"

	"github.com/cityofaustin/atd-executive-dashboard/amanda"
	"github.com/cityofaustin/atd-executive-dashboard/internal/s3test"
)

// TestFindsTheBucketRegion: the bucket is in eu-west-2 and the S3 server
// refuses requests signed for another region with 301 and
// X-Amz-Bucket-Region, as S3 does. With AWS_REGION unset (as the city's
// schedules leave it) the job asks for the region, then writes, multipart
// included.
func TestFindsTheBucketRegion(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.s3 = s3test.Start(t, s3test.WithRegion("eu-west-2"))
	f.s3.CreateBucket(t, bucket)
	maps.Copy(f.env, f.s3.Env(bucket))
	delete(f.env, "AWS_REGION")
	const n = 350_000 // more than one part
	q, _ := amanda.Lookup(amanda.ApplicationsReceivedQuery)
	f.conn.Handle(q.SQL, bigResult(n))

	logs, err := f.run(t, "--query", q.Name)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, logs)
	}
	if body := f.s3.GetObject(t, bucket, q.Name+".csv"); bytes.Count(body, []byte("\n")) != n+1 {
		t.Errorf("object has %d lines, want %d", bytes.Count(body, []byte("\n")), n+1)
	}
	if parts := f.s3.Count("UploadPart", bucket, q.Name+".csv"); parts < 2 {
		t.Errorf("%d parts, want a multipart upload", parts)
	}
	if !strings.Contains(logs, "region=eu-west-2") {
		t.Errorf("the region found is not logged:\n%s", logs)
	}
}
