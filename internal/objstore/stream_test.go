package objstore_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/cityofaustin/atd-executive-dashboard/internal/objstore"
	"github.com/cityofaustin/atd-executive-dashboard/internal/s3test"
)

const mib = 1 << 20

// csvProducer writes n bytes of deterministic pseudo-random CSV-like data in
// odd-sized writes and returns the SHA-256 of what it wrote through sum.
func csvProducer(n int, seed uint64, sum *[32]byte) func(io.Writer) error {
	return func(w io.Writer) error {
		h := sha256.New()
		mw := io.MultiWriter(w, h)
		r := rand.New(rand.NewPCG(seed, seed))
		buf := make([]byte, 0, 64<<10)
		for written := 0; written < n; {
			buf = buf[:0]
			for len(buf) < cap(buf)-64 && written+len(buf) < n {
				buf = append(buf, []byte("permit,")...)
				buf = append(buf, byte('0'+r.IntN(10)), byte('a'+r.IntN(26)), ',', byte('0'+r.IntN(10)), '\n')
			}
			if rem := n - written; len(buf) > rem {
				buf = buf[:rem]
			}
			if _, err := mw.Write(buf); err != nil {
				return err
			}
			written += len(buf)
		}
		h.Sum(sum[:0])
		return nil
	}
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestWriteFuncMultipart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		size      int
		wantParts int // UploadPart requests; 0 means a single PutObject
	}{
		{"multipart_12MiB", 12 * mib, 3},
		{"multipart_exact_two_parts", 10 * mib, 2},
		{"single_put_below_threshold", 5*mib - 1, 0},
		{"small", 100, 0},
		{"empty", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			var logs syncBuffer
			srv, st := setupS3(t, objstore.S3Options{
				PartSize:    5 * mib,
				Concurrency: 2,
				Logger:      slog.New(slog.NewTextHandler(&logs, nil)),
			})
			key := "issued_permits.csv"
			var sum [32]byte
			if err := objstore.WriteFunc(ctx, st, key, csvProducer(tt.size, 42, &sum)); err != nil {
				t.Fatalf("WriteFunc: %v", err)
			}

			if got := srv.Count("UploadPart", bucket, key); got != tt.wantParts {
				t.Errorf("UploadPart requests = %d, want %d", got, tt.wantParts)
			}
			multi := 0
			if tt.wantParts > 0 {
				multi = 1
			}
			for op, want := range map[string]int{
				"CreateMultipartUpload":   multi,
				"CompleteMultipartUpload": multi,
				"PutObject":               1 - multi,
				"AbortMultipartUpload":    0,
			} {
				if got := srv.Count(op, bucket, key); got != want {
					t.Errorf("%s requests = %d, want %d", op, got, want)
				}
			}

			rc, info, err := st.Get(ctx, key)
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			defer rc.Close()
			h := sha256.New()
			n, err := io.Copy(h, rc)
			if err != nil {
				t.Fatalf("read back: %v", err)
			}
			if n != int64(tt.size) || info.Size != int64(tt.size) || !bytes.Equal(h.Sum(nil), sum[:]) {
				t.Errorf("read back %d bytes (Info.Size %d), sha equal %v; want %d identical bytes",
					n, info.Size, bytes.Equal(h.Sum(nil), sum[:]), tt.size)
			}
			if srv.Count("HeadObject", bucket, "") != 0 {
				t.Errorf("Get sent a HeadObject; want GetObject only")
			}
			if !strings.Contains(logs.String(), "key="+key) || !strings.Contains(logs.String(), "s3 object written") {
				t.Errorf("log lacks completion line for %s:\n%s", key, logs.String())
			}
		})
	}
}

var errProducer = errors.New("amanda: read row 1234: ORA-03113 end-of-file on communication channel")

func TestWriteFuncProducerError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		backend string
		before  int // bytes written before the producer fails
	}{
		{"s3_before_first_part", "s3", 1000},
		{"s3_after_parts_sent", "s3", 12 * mib},
		{"s3_nothing_written", "s3", 0},
		{"dir_small", "dir", 1000},
		{"dir_large", "dir", 6 * mib},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			var srv *s3test.Server
			var st objstore.Store
			root := t.TempDir()
			if tt.backend == "s3" {
				srv, st = setupS3(t, objstore.S3Options{PartSize: 5 * mib, Concurrency: 2})
			} else {
				st = objstore.NewDir(root)
			}
			const key = "out/applications_received.csv"
			const oldBody = "previous,version\n"
			mustPut(t, st, key, oldBody)

			var sum [32]byte
			err := objstore.WriteFunc(ctx, st, key, func(w io.Writer) error {
				if err := csvProducer(tt.before, 1, &sum)(w); err != nil {
					return err
				}
				return errProducer
			})
			if !errors.Is(err, errProducer) {
				t.Fatalf("WriteFunc error = %v, want the producer's error", err)
			}
			if got, _ := mustGet(t, st, key); got != oldBody {
				t.Errorf("object replaced by a failed write: got %d bytes", len(got))
			}
			if keys := keysOf(mustList(t, st, "")); len(keys) != 1 || keys[0] != key {
				t.Errorf("objects after failed write = %q, want only %q", keys, key)
			}
			if srv != nil {
				if up := srv.Uploads(t, bucket); len(up) != 0 {
					t.Errorf("incomplete multipart uploads left: %q", up)
				}
				if srv.Count("CompleteMultipartUpload", bucket, key) != 0 {
					t.Errorf("a multipart upload was completed")
				}
				if tt.before >= 12*mib && srv.Count("AbortMultipartUpload", bucket, key) != 1 {
					t.Errorf("AbortMultipartUpload requests = %d, want 1", srv.Count("AbortMultipartUpload", bucket, key))
				}
			} else {
				ents, _ := os.ReadDir(filepath.Join(root, "out"))
				if len(ents) != 1 {
					t.Errorf("files in out/ = %v, want only the old object (no temp files)", ents)
				}
			}
		})
	}
}

// TestWriteFuncPutFails checks that a failing Put stops a producer that
// would otherwise write forever, and that the error names s3, the op and the
// key but no credentials.
func TestWriteFuncPutFails(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		bucket string
	}{
		{"missing_bucket", "no-such-bucket"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := s3test.Start(t)
			st, err := objstore.NewS3(srv.Client(), tt.bucket, objstore.S3Options{PartSize: 5 * mib})
			if err != nil {
				t.Fatal(err)
			}
			const key = "expenses/2026-01-01_transportation.csv"
			written := 0
			err = objstore.WriteFunc(t.Context(), st, key, func(w io.Writer) error {
				line := []byte("endless,row\n")
				for {
					n, err := w.Write(line)
					written += n
					if err != nil {
						return err
					}
				}
			})
			var oe *objstore.Error
			if !errors.As(err, &oe) || oe.Backend != "s3" || oe.Op != "put" || oe.Key != key || oe.Bucket != tt.bucket {
				t.Fatalf("WriteFunc error = %#v, want *objstore.Error{s3 put %s}", err, key)
			}
			msg := err.Error()
			for _, want := range []string{"s3", "put", key, tt.bucket} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q lacks %q", msg, want)
				}
			}
			if strings.Contains(msg, s3test.SecretAccessKey) || strings.Contains(msg, s3test.AccessKeyID) {
				t.Errorf("error %q leaks credentials", msg)
			}
			if written > 6*mib {
				t.Errorf("producer wrote %d bytes after Put failed", written)
			}
		})
	}
}

func TestPutCancelledContext(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		backend  string
		cancelAt int // bytes written before cancelling; -1: cancelled before Put
	}{
		{"s3_before", "s3", -1},
		{"s3_mid_single", "s3", 1000},
		{"s3_mid_multipart", "s3", 11 * mib},
		{"dir_before", "dir", -1},
		{"dir_mid", "dir", 3 * mib},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var srv *s3test.Server
			var st objstore.Store
			if tt.backend == "s3" {
				srv, st = setupS3(t, objstore.S3Options{PartSize: 5 * mib, Concurrency: 2})
			} else {
				st = objstore.NewDir(t.TempDir())
			}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			if tt.cancelAt < 0 {
				cancel()
			}
			const key = "cancelled.csv"
			err := objstore.WriteFunc(ctx, st, key, func(w io.Writer) error {
				chunk := bytes.Repeat([]byte("a,b\n"), 16<<10)
				for written := 0; ; {
					if tt.cancelAt >= 0 && written >= tt.cancelAt {
						cancel()
					}
					n, err := w.Write(chunk)
					written += n
					if err != nil {
						return err
					}
					if written > 64*mib {
						return errors.New("producer was not stopped")
					}
				}
			})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("WriteFunc error = %v, want context.Canceled", err)
			}
			if keys := keysOf(mustList(t, st, "")); len(keys) != 0 {
				t.Errorf("objects after cancelled write = %q, want none", keys)
			}
			if srv != nil {
				if up := srv.Uploads(t, bucket); len(up) != 0 {
					t.Errorf("incomplete multipart uploads left: %q", up)
				}
			}
		})
	}
}
