package jobkit

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cityofaustin/atd-executive-dashboard/internal/objstore"
)

// S3Keys names the pair of environment variables holding a job's S3 access
// key. When both are unset the credential chain of [S3Client] applies.
type S3Keys struct{ ID, Secret string }

var (
	// ExecDashKeys are the keys of the permits, AMANDA and Smartsheet jobs.
	ExecDashKeys = S3Keys{ID: "EXEC_DASH_ACCESS_ID", Secret: "EXEC_DASH_PASS"}
	// FinanceKeys are the keys of the finance jobs.
	FinanceKeys = S3Keys{ID: "AWS_ACCESS_KEY", Secret: "AWS_SECRET_ACCESS_KEY"}
)

// S3Settings returns the settings of the S3 destination: BUCKET_NAME
// required, the key pair optional.
func S3Settings(keys S3Keys) Settings {
	return Settings{Required: []string{"BUCKET_NAME"}, Optional: []string{keys.ID, keys.Secret}}
}

// DefaultRegion is the region used when AWS_REGION is unset and the
// endpoint names no region for the bucket (some S3-compatible servers).
const DefaultRegion = "us-east-1"

// S3ClientOptions tunes [S3Client]. The zero value is ready to use.
type S3ClientOptions struct {
	// RequestTimeout bounds each attempt of every S3 request (connecting,
	// waiting for headers, idle gaps in a body); 0 means
	// objstore.DefaultRequestTimeout (30 s). The job's --request-timeout
	// feeds it.
	RequestTimeout time.Duration
	// Logger receives the region found for the bucket, and the waits and
	// failed attempts of every S3 request. Nil discards.
	Logger *slog.Logger
}

// S3Client builds the S3 client of bucket from the job's environment env,
// and from nothing else: the process environment, ~/.aws of the user
// running the tests, AWS_PROFILE of the developer's shell are never read
// behind the job's back (the SDK's config.LoadDefaultConfig reads them all
// from os.Getenv, so it is not used).
//
//   - Region: AWS_REGION as given. When it is unset, the bucket's region is
//     asked of the endpoint (one HeadBucket: S3 names the region in its
//     answer, also in the 301 with which it refuses a request signed for
//     another region), behind AWS_ENDPOINT_URL_S3 too; when the endpoint
//     names none, [DefaultRegion].
//   - Endpoint: AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL, which switch to
//     path-style addressing ([objstore.S3CompatOptions]) for S3-compatible
//     stores; else AWS.
//   - Credentials, the first that applies: the job's key pair (keys);
//     AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN); the
//     access key of the shared-file profile AWS_PROFILE (default "default";
//     files AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE, default under
//     HOME/.aws; a profile named by AWS_PROFILE must exist and hold a key:
//     role, SSO and process profiles are not supported); web identity
//     (AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN, AWS_ROLE_SESSION_NAME);
//     the container endpoint (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or
//     _FULL_URI, AWS_CONTAINER_AUTHORIZATION_TOKEN); the EC2 instance role
//     (unless AWS_EC2_METADATA_DISABLED=true).
//   - Proxy: HTTPS_PROXY, HTTP_PROXY, NO_PROXY (or lower case) of env.
//
// Every request attempt is bounded by opts.RequestTimeout
// ([objstore.NewHTTPClient]).
func S3Client(ctx context.Context, env Env, keys S3Keys, bucket string, opts S3ClientOptions) (*s3.Client, error) {
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	httpClient := objstore.NewHTTPClient(objstore.HTTPOptions{RequestTimeout: opts.RequestTimeout, Proxy: proxyFunc(env), Logger: opts.Logger})
	region := env.Get("AWS_REGION")
	endpoint := cmp.Or(env.Get("AWS_ENDPOINT_URL_S3"), env.Get("AWS_ENDPOINT_URL"))
	creds, err := awsCredentials(ctx, env, keys, httpClient, cmp.Or(region, DefaultRegion))
	if err != nil {
		return nil, err
	}
	o := s3.Options{
		Region:      cmp.Or(region, DefaultRegion),
		Credentials: creds,
		HTTPClient:  httpClient,
	}
	var optFns []func(*s3.Options)
	if endpoint != "" {
		o.BaseEndpoint = aws.String(endpoint)
		optFns = append(optFns, objstore.S3CompatOptions)
	}
	if region == "" {
		found, ok, err := objstore.BucketRegion(ctx, s3.New(o, optFns...), bucket)
		if err != nil {
			return nil, fmt.Errorf("AWS_REGION is unset and the bucket's region could not be asked: %w", err)
		}
		if ok {
			o.Region = found
			logger.InfoContext(ctx, "s3 bucket region found", "bucket", bucket, "region", found)
		} else {
			logger.WarnContext(ctx, "AWS_REGION is unset and the endpoint names no region for the bucket; using "+DefaultRegion, "bucket", bucket)
		}
	}
	return s3.New(o, optFns...), nil
}

// Store returns the job's object store. Live: the S3 bucket named by
// BUCKET_NAME. Sample: reads from sample (the job's embedded files), writes
// under the --out folder. Under --dry-run either is wrapped by
// [DryRunStore], so nothing is written. The S3 client's request timeout is
// --request-timeout, its logger the job's.
func (j *Job) Store(ctx context.Context, keys S3Keys, sample fs.FS) (objstore.Store, error) {
	if j.Mode == Sample {
		st := SampleStore(sample, objstore.NewDir(j.Flags.Out))
		if j.Flags.DryRun {
			return DryRunStore(st, j.Stdout), nil
		}
		return st, nil
	}
	bucket := j.Env.Get("BUCKET_NAME")
	client, err := S3Client(ctx, j.Env, keys, bucket, S3ClientOptions{RequestTimeout: j.Flags.RequestTimeout, Logger: j.Logger})
	if err != nil {
		return nil, err
	}
	st, err := objstore.NewS3(client, bucket, objstore.S3Options{Logger: j.Logger})
	if err != nil {
		return nil, err
	}
	if j.Flags.DryRun {
		if j.keep != "" {
			return &dryRunStore{Store: st, w: j.Stdout, keep: objstore.NewDir(j.keep)}, nil
		}
		return DryRunStore(st, j.Stdout), nil
	}
	return st, nil
}

// SampleModTime is the LastModified time of embedded sample objects.
var sampleModTime = time.Date(2024, time.March, 10, 8, 5, 42, 0, time.UTC)

// SampleModTime returns the LastModified time reported for embedded sample
// objects (2024-03-10 08:05:42 UTC, the morning of a DST change in Austin).
func SampleModTime() time.Time { return sampleModTime }

type sampleStore struct {
	in  *objstore.FS
	out *objstore.Dir
}

// SampleStore reads objects from in (embedded sample files) and writes them
// under out.
func SampleStore(in fs.FS, out *objstore.Dir) objstore.Store {
	return &sampleStore{in: objstore.NewFS(in, sampleModTime), out: out}
}

func (s *sampleStore) Put(ctx context.Context, key string, body io.Reader) error {
	return s.out.Put(ctx, key, body)
}

func (s *sampleStore) Get(ctx context.Context, key string) (io.ReadCloser, objstore.Info, error) {
	return s.in.Get(ctx, key)
}

func (s *sampleStore) List(ctx context.Context, prefix string) iter.Seq2[objstore.Info, error] {
	return s.in.List(ctx, prefix)
}

type dryRunStore struct {
	objstore.Store
	w    io.Writer
	keep *objstore.Dir // a live dry run's --out folder, or nil
}

// DryRunStore reads through inner but, instead of writing, prints each
// object's key, size, line count and first lines to w.
func DryRunStore(inner objstore.Store, w io.Writer) objstore.Store {
	return &dryRunStore{Store: inner, w: w}
}

// dryRunPreviewLines is how many lines of an object a dry run prints.
const dryRunPreviewLines = 6

func (s *dryRunStore) Put(ctx context.Context, key string, body io.Reader) error {
	var p preview
	if s.keep != nil {
		if err := s.keep.Put(ctx, key, io.TeeReader(body, &p)); err != nil {
			return err
		}
	} else if _, err := io.Copy(&p, body); err != nil {
		return err
	}
	lines := p.newlines
	if p.size > 0 && p.last != '\n' {
		lines++ // a last line without a newline
	}
	head := p.head.String()
	if head != "" && !strings.HasSuffix(head, "\n") {
		head += "\n"
	}
	fmt.Fprintf(s.w, "--- dry run: would write %s (%d bytes, %d lines); first lines:\n%s", key, p.size, lines, head)
	if s.keep != nil {
		fmt.Fprintf(s.w, "--- dry run: a copy of %s is kept in %s\n", key, filepath.Join(s.keep.Root(), filepath.FromSlash(key)))
	}
	return ctx.Err()
}

// preview counts what is written to it and keeps the first
// dryRunPreviewLines lines (at most 4 KiB of them).
type preview struct {
	head           bytes.Buffer
	headLines      int
	size, newlines int64
	last           byte
}

func (p *preview) Write(b []byte) (int, error) {
	p.size += int64(len(b))
	p.newlines += int64(bytes.Count(b, []byte{'\n'}))
	if len(b) > 0 {
		p.last = b[len(b)-1]
	}
	for rest := b; p.headLines < dryRunPreviewLines && len(rest) > 0 && p.head.Len() < 4096; {
		line, after, found := bytes.Cut(rest, []byte{'\n'})
		p.head.Write(line[:min(len(line), 4096-p.head.Len())])
		if !found {
			break
		}
		p.head.WriteByte('\n')
		p.headLines++
		rest = after
	}
	return len(b), nil
}

// Opener adapts an objstore.Store to the plain-typed interfaces the
// composing packages declare (permits.ObjectReader, finance.Lister).
type Opener struct{ Store objstore.Store }

// Keys yields the keys under prefix, in lexical order.
func (o Opener) Keys(ctx context.Context, prefix string) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		for info, err := range o.Store.List(ctx, prefix) {
			if !yield(info.Key, err) || err != nil {
				return
			}
		}
	}
}

// Open returns the object's body and LastModified time.
func (o Opener) Open(ctx context.Context, key string) (io.ReadCloser, time.Time, error) {
	rc, info, err := o.Store.Get(ctx, key)
	if err != nil {
		return nil, time.Time{}, err
	}
	return rc, info.LastModified, nil
}
