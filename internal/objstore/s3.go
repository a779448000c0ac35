package objstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithy "github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Defaults for [S3Options].
const (
	// DefaultPartSize is the multipart part size when S3Options.PartSize is 0.
	DefaultPartSize = 8 << 20
	// MinPartSize is the smallest part size S3 accepts (except for the last part).
	MinPartSize = 5 << 20
	// DefaultConcurrency is the number of parts uploaded in parallel when
	// S3Options.Concurrency is 0.
	DefaultConcurrency = 4
	// DefaultContentType is the Content-Type of uploaded objects when
	// S3Options.ContentType is empty.
	DefaultContentType = "text/csv"
	// DefaultFailTimeout bounds the clean-up (AbortMultipartUpload) after a
	// failed or cancelled multipart upload, so that a job stopped by a
	// signal exits within a container's grace period even when S3 does not
	// answer. An upload left incomplete is removed by the bucket's
	// lifecycle rule (AbortIncompleteMultipartUpload), if it has one.
	DefaultFailTimeout = 5 * time.Second
)

// S3Options configures an [S3] store. The zero value of every field means
// its default.
type S3Options struct {
	// PartSize is the size of each multipart upload part in bytes (default
	// DefaultPartSize, at least MinPartSize). At most Concurrency+2 parts are
	// buffered in memory during an upload (the transfer manager's pool of
	// Concurrency+1, and the first part).
	PartSize int64
	// MultipartThreshold is the body size from which Put switches from a
	// single PutObject to a multipart upload (default: PartSize). Bodies
	// smaller than this are buffered in memory and sent in one request.
	MultipartThreshold int64
	// Concurrency is the number of parts uploaded in parallel (default
	// DefaultConcurrency).
	Concurrency int
	// ContentType is the Content-Type stored with every object (default
	// DefaultContentType, "text/csv").
	ContentType string
	// MaxKeys is the page size asked of ListObjectsV2 (default 0: the
	// server's default, 1000 on AWS). Tests set it small to exercise paging.
	MaxKeys int32
	// FailTimeout bounds the AbortMultipartUpload request sent after a failed
	// or cancelled upload; it runs on a fresh context so that a cancelled ctx
	// does not leave an incomplete upload behind (default DefaultFailTimeout).
	FailTimeout time.Duration
	// Logger receives upload progress at Info level (keys: bucket, key,
	// bytes, total_bytes, parts). Nil discards.
	Logger *slog.Logger
}

// S3 is a [Store] over one S3 bucket. Uploads go through the SDK's
// transfermanager: a body larger than the multipart threshold is streamed as
// a multipart upload, buffering at most Concurrency+2 parts.
//
// The request checksum behaviour of uploads follows the client's
// RequestChecksumCalculation option (see [S3CompatOptions]).
//
// S3 is safe for concurrent use.
type S3 struct {
	client *s3.Client
	tm     *transfermanager.Client
	bucket string
	opts   S3Options
	log    *slog.Logger
}

var (
	_ Store = (*S3)(nil)
	_ Store = (*Dir)(nil)
	_ Store = (*FS)(nil)
)

// NewS3 returns a store over bucket using client. It returns an error when
// client is nil, bucket is empty or opts are invalid (PartSize below
// MinPartSize, negative values).
func NewS3(client *s3.Client, bucket string, opts S3Options) (*S3, error) {
	if client == nil {
		return nil, errors.New("objstore: NewS3: nil s3 client")
	}
	if bucket == "" {
		return nil, errors.New("objstore: NewS3: empty bucket name")
	}
	if opts.PartSize == 0 {
		opts.PartSize = DefaultPartSize
	}
	if opts.PartSize < MinPartSize {
		return nil, fmt.Errorf("objstore: NewS3: PartSize %d is below the S3 minimum %d", opts.PartSize, MinPartSize)
	}
	if opts.MultipartThreshold == 0 {
		opts.MultipartThreshold = opts.PartSize
	}
	if opts.MultipartThreshold < 0 || opts.Concurrency < 0 || opts.MaxKeys < 0 || opts.FailTimeout < 0 {
		return nil, errors.New("objstore: NewS3: negative option")
	}
	if opts.Concurrency == 0 {
		opts.Concurrency = DefaultConcurrency
	}
	if opts.ContentType == "" {
		opts.ContentType = DefaultContentType
	}
	if opts.FailTimeout == 0 {
		opts.FailTimeout = DefaultFailTimeout
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	// transfermanager overrides the client's RequestChecksumCalculation with
	// its own (default WhenSupported, i.e. CRC32 on every upload); carry the
	// client's choice over so S3CompatOptions also governs uploads.
	checksum := client.Options().RequestChecksumCalculation
	tm := transfermanager.New(client, func(o *transfermanager.Options) {
		o.PartSizeBytes = opts.PartSize
		o.MultipartUploadThreshold = opts.MultipartThreshold
		o.Concurrency = opts.Concurrency
		o.FailTimeout = opts.FailTimeout
		o.RequestChecksumCalculation = checksum
	})
	return &S3{client: client, tm: tm, bucket: bucket, opts: opts, log: logger}, nil
}

// Bucket returns the bucket name.
func (s *S3) Bucket() string { return s.bucket }

func (s *S3) err(op, key string, err error) error {
	return &Error{Backend: "s3", Op: op, Bucket: s.bucket, Key: key, Err: err}
}

// Put uploads body to s3://bucket/key with the configured Content-Type.
// Bodies of at least MultipartThreshold bytes are uploaded in parts without
// reading the whole body into memory. A read error from body, an S3 error or
// a cancelled ctx aborts the upload (an incomplete multipart upload is
// aborted) and no object is stored. Errors are *Error.
func (s *S3) Put(ctx context.Context, key string, body io.Reader) error {
	if key == "" {
		return s.err("put", key, ErrInvalidKey)
	}
	p := &progress{log: s.log, bucket: s.bucket, key: key}
	out, err := s.tm.UploadObject(ctx, &transfermanager.UploadObjectInput{
		Bucket:      aws.String(s.bucket),
		Key:         aws.String(key),
		Body:        &ctxReader{ctx: ctx, r: body},
		ContentType: aws.String(s.opts.ContentType),
	}, func(o *transfermanager.Options) {
		o.ObjectProgressListeners.Register(p)
	})
	if err != nil {
		if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
			err = fmt.Errorf("%w (%w)", cerr, err)
		}
		return s.err("put", key, err)
	}
	s.log.InfoContext(ctx, "s3 object written", "bucket", s.bucket, "key", key,
		"bytes", aws.ToInt64(out.ContentLength), "parts", len(out.CompletedParts))
	return nil
}

// Get opens s3://bucket/key with one GetObject request; Info carries the
// object's ContentLength and LastModified. A missing object (NoSuchKey or
// 404) gives an *Error wrapping ErrNotFound. Reading a body that ends
// before its Content-Length, or breaks off, fails with an *Error naming the
// key and how many bytes arrived.
func (s *S3) Get(ctx context.Context, key string) (io.ReadCloser, Info, error) {
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{
		Bucket: aws.String(s.bucket),
		Key:    aws.String(key),
	})
	if err != nil {
		return nil, Info{}, s.err("get", key, mapNotFound(err))
	}
	size := int64(-1)
	if out.ContentLength != nil {
		size = *out.ContentLength
	}
	return &getBody{rc: out.Body, s: s, key: key, size: size}, Info{
		Key:          key,
		Size:         max(size, 0),
		LastModified: aws.ToTime(out.LastModified),
	}, nil
}

// getBody is the body of a GetObject answer. A body that ends before the
// declared Content-Length, or breaks off, is an *Error saying so, with the
// key and how many bytes arrived.
type getBody struct {
	rc   io.ReadCloser
	s    *S3
	key  string
	n    int64 // bytes read so far
	size int64 // the declared length, -1 when none
	err  error // the first failure, returned again by later reads
}

func (b *getBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	n, err := b.rc.Read(p)
	b.n += int64(n)
	switch {
	case err == nil:
	case err == io.EOF && (b.size < 0 || b.n == b.size):
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		b.err = b.s.err("get", b.key, fmt.Errorf("download cut short: %d of %d bytes arrived", b.n, b.size))
	case b.size >= 0:
		b.err = b.s.err("get", b.key, fmt.Errorf("download broke off after %d of %d bytes: %w", b.n, b.size, err))
	default:
		b.err = b.s.err("get", b.key, fmt.Errorf("download broke off after %d bytes: %w", b.n, err))
	}
	if b.err != nil {
		return n, b.err
	}
	return n, err
}

func (b *getBody) Close() error { return b.rc.Close() }

// List yields the objects under prefix in lexical key order, fetching pages
// from ListObjectsV2 on demand (S3 returns keys in UTF-8 binary order).
func (s *S3) List(ctx context.Context, prefix string) iter.Seq2[Info, error] {
	return func(yield func(Info, error) bool) {
		in := &s3.ListObjectsV2Input{Bucket: aws.String(s.bucket)}
		if prefix != "" {
			in.Prefix = aws.String(prefix)
		}
		if s.opts.MaxKeys > 0 {
			in.MaxKeys = aws.Int32(s.opts.MaxKeys)
		}
		pages := s3.NewListObjectsV2Paginator(s.client, in)
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx)
			if err != nil {
				yield(Info{}, s.err("list", prefix, mapNotFound(err)))
				return
			}
			for _, o := range page.Contents {
				if !yield(objectInfo(o), nil) {
					return
				}
			}
		}
	}
}

func objectInfo(o types.Object) Info {
	return Info{Key: aws.ToString(o.Key), Size: aws.ToInt64(o.Size), LastModified: aws.ToTime(o.LastModified)}
}

// mapNotFound wraps ErrNotFound around S3 "no such key" answers, keeping the
// SDK error in the chain for errors.As.
func mapNotFound(err error) error {
	var nsk *types.NoSuchKey
	var nf *types.NotFound
	var api smithy.APIError
	var resp *smithyhttp.ResponseError
	switch {
	case errors.As(err, &nsk), errors.As(err, &nf):
	case errors.As(err, &api) && api.ErrorCode() == "NoSuchKey":
	case errors.As(err, &resp) && resp.HTTPStatusCode() == http.StatusNotFound &&
		!(errors.As(err, &api) && api.ErrorCode() == "NoSuchBucket"):
	default:
		return err
	}
	return fmt.Errorf("%w: %w", ErrNotFound, err)
}

// ctxReader stops an upload promptly when ctx is cancelled even if the body
// itself ignores ctx.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// progress logs transfermanager progress events.
type progress struct {
	log         *slog.Logger
	bucket, key string
}

func (p *progress) OnObjectBytesTransferred(ctx context.Context, e *transfermanager.ObjectBytesTransferredEvent) {
	p.log.InfoContext(ctx, "s3 upload progress", "bucket", p.bucket, "key", p.key,
		"bytes", e.BytesTransferred, "total_bytes", e.TotalBytes)
}
