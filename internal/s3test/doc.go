// Package s3test is test support: an S3-compatible server
// (github.com/johannesboyne/gofakes3 with its in-memory s3mem backend) on a
// loopback httptest.Server, and a real aws-sdk-go-v2 S3 client pointed at it.
// It records every request so tests can check which S3 operations ran (for
// example that an upload was multipart).
//
//	func TestExport(t *testing.T) {
//		srv := s3test.Start(t) // closed by t.Cleanup
//		srv.CreateBucket(t, "exec-dash")
//		store, _ := objstore.NewS3(srv.Client(), "exec-dash", objstore.S3Options{})
//		... // run the code under test
//		got := srv.GetObject(t, "exec-dash", "active_permits.csv")
//		parts := srv.Count("UploadPart", "exec-dash", "active_permits.csv")
//	}
//
// End-to-end job tests pass [Server.Env] to the job instead of a client.
//
// # Authentication
//
// gofakes3 does not check signatures: any credentials work. [Server.Client]
// and [Server.Env] use the dummy [AccessKeyID]/[SecretAccessKey].
//
// # Compatibility settings
//
// [Server.Client] applies [objstore.S3CompatOptions]: path-style addressing,
// and request/response checksums only when required. gofakes3 does not decode
// the aws-chunked bodies with CRC32 trailers that the SDK sends by default
// over HTTPS; it would store the chunk framing as object data. A job reaching
// the server through AWS_ENDPOINT_URL_S3 must apply the same options
// (internal/jobkit does when the variable is set).
package s3test
