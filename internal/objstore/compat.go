package objstore

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// S3CompatOptions configures an S3 client for an S3-compatible server
// (MinIO, gofakes3, Ceph, ...) reached through a custom endpoint such as
// AWS_ENDPOINT_URL_S3. Apply it when building the client:
//
//	client := s3.NewFromConfig(cfg, objstore.S3CompatOptions)
//
// It sets:
//
//   - UsePathStyle = true: http://host/bucket/key instead of virtual-host
//     buckets (http://bucket.host/key), which a local endpoint cannot resolve.
//   - RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired:
//     since 2025 the SDK by default sends a CRC32 checksum with every upload,
//     for streamed bodies as an aws-chunked body with an x-amz-checksum-crc32
//     trailer (x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER). Many
//     S3-compatible servers (gofakes3 among them) do not decode that encoding
//     and would store the chunk framing as object data, or reject the request.
//     [S3] passes the client's setting on to the transfer manager, so uploads
//     made through [NewS3] honour it too.
//   - ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired:
//     the SDK does not ask for (x-amz-checksum-mode) or insist on response
//     checksums that such servers do not return.
//
// Do not apply it for AWS itself: there the defaults are better.
func S3CompatOptions(o *s3.Options) {
	o.UsePathStyle = true
	o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
	o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
}
