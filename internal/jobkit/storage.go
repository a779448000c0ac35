package jobkit

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cityofaustin/atd-executive-dashboard/internal/objstore"
)

// S3Keys names the pair of environment variables holding a job's S3 access
// key. When both are unset the AWS SDK's default credential chain applies.
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

// DefaultRegion is used when AWS_REGION is unset.
const DefaultRegion = "us-east-1"

// S3Client builds an S3 client from the environment: AWS_REGION (default
// us-east-1), the key pair or the SDK's default chain, and the SDK's
// standard endpoint overrides AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, which
// switch to path-style addressing for S3-compatible stores.
func S3Client(ctx context.Context, env Env, keys S3Keys) (*s3.Client, error) {
	region := env.Get("AWS_REGION")
	if region == "" {
		region = DefaultRegion
	}
	opts := []func(*config.LoadOptions) error{config.WithRegion(region)}
	id, secret := env.Get(keys.ID), env.Get(keys.Secret)
	switch {
	case id != "" && secret != "":
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(id, secret, "")))
	case id != "" || secret != "":
		missing := keys.Secret
		if id == "" {
			missing = keys.ID
		}
		return nil, &ConfigError{Missing: []string{missing}}
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("s3: load AWS configuration: %w", err)
	}
	endpoint := env.Get("AWS_ENDPOINT_URL_S3")
	if endpoint == "" {
		endpoint = env.Get("AWS_ENDPOINT_URL")
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
			objstore.S3CompatOptions(o)
		}
	}), nil
}

// Store returns the job's object store. Live: the S3 bucket named by
// BUCKET_NAME. Sample: reads from sample (the job's embedded files), writes
// under the --out folder. Under --dry-run either is wrapped by
// [DryRunStore], so nothing is written.
func (j *Job) Store(ctx context.Context, keys S3Keys, sample fs.FS) (objstore.Store, error) {
	if j.Mode == Sample {
		st := SampleStore(sample, objstore.NewDir(j.Flags.Out))
		if j.Flags.DryRun {
			return DryRunStore(st, j.Stdout), nil
		}
		return st, nil
	}
	client, err := S3Client(ctx, j.Env, keys)
	if err != nil {
		return nil, err
	}
	st, err := objstore.NewS3(client, j.Env.Get("BUCKET_NAME"), objstore.S3Options{Logger: j.Logger})
	if err != nil {
		return nil, err
	}
	if j.Flags.DryRun {
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
	w io.Writer
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
	if _, err := io.Copy(&p, body); err != nil {
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
