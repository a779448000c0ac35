package objstore_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/cityofaustin/atd-executive-dashboard/internal/objstore"
	"github.com/cityofaustin/atd-executive-dashboard/internal/s3test"
)

const bucket = "exec-dash-test"

// setupS3 starts a fake S3 server with one bucket and returns it with a store
// over that bucket.
func setupS3(tb testing.TB, opts objstore.S3Options) (*s3test.Server, *objstore.S3) {
	tb.Helper()
	srv := s3test.Start(tb)
	srv.CreateBucket(tb, bucket)
	st, err := objstore.NewS3(srv.Client(), bucket, opts)
	if err != nil {
		tb.Fatalf("NewS3: %v", err)
	}
	return srv, st
}

func setupS3Bench(b *testing.B) (*s3test.Server, *objstore.S3) {
	return setupS3(b, objstore.S3Options{PartSize: 5 << 20})
}

// writable returns the writable backends under test, each fresh.
func writable(t *testing.T, opts objstore.S3Options) map[string]objstore.Store {
	t.Helper()
	_, s3st := setupS3(t, opts)
	return map[string]objstore.Store{
		"s3":  s3st,
		"dir": objstore.NewDir(t.TempDir()),
	}
}

func mustPut(tb testing.TB, s objstore.Store, key, body string) {
	tb.Helper()
	if err := s.Put(context.Background(), key, strings.NewReader(body)); err != nil {
		tb.Fatalf("Put(%q): %v", key, err)
	}
}

func mustGet(tb testing.TB, s objstore.Store, key string) (string, objstore.Info) {
	tb.Helper()
	rc, info, err := s.Get(context.Background(), key)
	if err != nil {
		tb.Fatalf("Get(%q): %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		tb.Fatalf("Get(%q): read: %v", key, err)
	}
	return string(b), info
}

func mustList(tb testing.TB, s objstore.Store, prefix string) []objstore.Info {
	tb.Helper()
	var out []objstore.Info
	for info, err := range s.List(context.Background(), prefix) {
		if err != nil {
			tb.Fatalf("List(%q): %v", prefix, err)
		}
		out = append(out, info)
	}
	return out
}

func keysOf(infos []objstore.Info) []string {
	keys := []string{}
	for _, in := range infos {
		keys = append(keys, in.Key)
	}
	return keys
}

// fixtureKeys are stored in every backend by TestStore; they include keys
// whose lexical order differs from a per-folder walk ("a.csv" < "a/b.csv"
// because '.' < '/').
var fixtureKeys = []string{
	"a/b.csv",
	"a.csv",
	"active_permits.csv",
	"expenses/2026-01-01_public_works.csv",
	"expenses/2026-01-01_transportation.csv",
	"expenses/2026-02-01_public_works.csv",
	"expenses/2026-02-01_transportation.csv",
	"expenses/2026-03-01_transportation.csv",
	"revenue/2026-01-01_transportation.csv",
}

func body(key string) string { return "key,size\n" + key + "," + fmt.Sprint(len(key)) + "\n" }

func TestStore(t *testing.T) {
	t.Parallel()
	stores := writable(t, objstore.S3Options{MaxKeys: 2})
	embedded := fstest.MapFS{}
	modTime := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	for _, k := range fixtureKeys {
		embedded[k] = &fstest.MapFile{Data: []byte(body(k))}
	}
	stores["fs"] = objstore.NewFS(embedded, modTime)

	for name, st := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			before := time.Now().Add(-2 * time.Second)
			if name != "fs" {
				for _, k := range fixtureKeys {
					mustPut(t, st, k, body(k))
				}
			}
			after := time.Now().Add(2 * time.Second)

			t.Run("get", func(t *testing.T) {
				for _, k := range fixtureKeys {
					got, info := mustGet(t, st, k)
					if got != body(k) {
						t.Errorf("Get(%q) body = %q, want %q", k, got, body(k))
					}
					if info.Key != k || info.Size != int64(len(body(k))) {
						t.Errorf("Get(%q) info = %+v, want key %q size %d", k, info, k, len(body(k)))
					}
					if name == "fs" {
						if !info.LastModified.Equal(modTime) {
							t.Errorf("Get(%q) LastModified = %v, want %v", k, info.LastModified, modTime)
						}
					} else if info.LastModified.Before(before) || info.LastModified.After(after) {
						t.Errorf("Get(%q) LastModified = %v, want between %v and %v", k, info.LastModified, before, after)
					}
				}
			})

			t.Run("missing", func(t *testing.T) {
				for _, k := range []string{"nope.csv", "expenses/nope.csv", "expenses", "a"} {
					rc, _, err := st.Get(ctx, k)
					if !errors.Is(err, objstore.ErrNotFound) {
						if rc != nil {
							rc.Close()
						}
						t.Fatalf("Get(%q) error = %v, want ErrNotFound", k, err)
					}
					var oe *objstore.Error
					if !errors.As(err, &oe) || oe.Op != "get" || oe.Key != k || oe.Backend != name {
						t.Errorf("Get(%q) error = %#v, want *Error{Backend %q, Op get, Key %q}", k, err, name, k)
					}
				}
			})

			tests := []struct {
				prefix string
				want   []string
			}{
				{"", sorted(fixtureKeys)},
				{"expenses/", sorted(fixtureKeys[3:8])},
				{"expenses/2026-02", sorted(fixtureKeys[5:7])},
				{"a", []string{"a.csv", "a/b.csv", "active_permits.csv"}},
				{"a/", []string{"a/b.csv"}},
				{"revenue/2026-01-01_transportation.csv", []string{"revenue/2026-01-01_transportation.csv"}},
				{"zzz", []string{}},
				{"nofolder/", []string{}},
				{"../", []string{}},
			}
			for _, tt := range tests {
				t.Run("list_"+tt.prefix, func(t *testing.T) {
					infos := mustList(t, st, tt.prefix)
					if got := keysOf(infos); !slices.Equal(got, tt.want) {
						t.Errorf("List(%q) = %q, want %q", tt.prefix, got, tt.want)
					}
					for _, in := range infos {
						if in.Size != int64(len(body(in.Key))) || in.LastModified.IsZero() {
							t.Errorf("List(%q) info %+v: wrong size or no LastModified", tt.prefix, in)
						}
					}
				})
			}

			t.Run("list_break", func(t *testing.T) {
				n := 0
				for _, err := range st.List(ctx, "expenses/") {
					if err != nil {
						t.Fatal(err)
					}
					n++
					if n == 3 {
						break
					}
				}
				if n != 3 {
					t.Errorf("iterated %d, want 3", n)
				}
			})

			if name == "fs" {
				t.Run("put_read_only", func(t *testing.T) {
					err := st.Put(ctx, "new.csv", strings.NewReader("x"))
					if !errors.Is(err, objstore.ErrReadOnly) {
						t.Errorf("Put error = %v, want ErrReadOnly", err)
					}
				})
				return
			}

			t.Run("overwrite", func(t *testing.T) {
				mustPut(t, st, "overwrite.csv", "old\n")
				mustPut(t, st, "overwrite.csv", "new\n")
				if got, _ := mustGet(t, st, "overwrite.csv"); got != "new\n" {
					t.Errorf("after overwrite got %q", got)
				}
			})

			t.Run("empty", func(t *testing.T) {
				mustPut(t, st, "empty/empty.csv", "")
				got, info := mustGet(t, st, "empty/empty.csv")
				if got != "" || info.Size != 0 {
					t.Errorf("empty object: got %q, info %+v", got, info)
				}
			})

			t.Run("invalid_key", func(t *testing.T) {
				err := st.Put(ctx, "", strings.NewReader("x"))
				if !errors.Is(err, objstore.ErrInvalidKey) {
					t.Errorf("Put(\"\") error = %v, want ErrInvalidKey", err)
				}
			})
		})
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func TestS3ListPaging(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		maxKeys   int32
		prefix    string
		wantKeys  int
		wantPages int
	}{
		{"two_per_page", 2, "expenses/", 5, 3},
		{"one_per_page", 1, "expenses/2026-0", 5, 5},
		{"exact_pages", 3, "", 9, 3},
		{"single_page", 0, "", 9, 1},
		{"empty", 2, "none/", 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, st := setupS3(t, objstore.S3Options{MaxKeys: tt.maxKeys})
			for _, k := range fixtureKeys {
				srv.PutObject(t, bucket, k, []byte(body(k)))
			}
			infos := mustList(t, st, tt.prefix)
			// gofakes3 may report one more (empty) truncated page than S3
			// would when the last page ends exactly at MaxKeys with more
			// keys outside the prefix.
			if got := srv.Count("ListObjectsV2", bucket, ""); got < tt.wantPages || got > tt.wantPages+1 {
				t.Errorf("ListObjectsV2 requests = %d, want %d pages (+1)", got, tt.wantPages)
			}
			keys := keysOf(infos)
			if len(keys) != tt.wantKeys || !slices.IsSorted(keys) {
				t.Errorf("List(%q) = %q, want %d sorted keys", tt.prefix, keys, tt.wantKeys)
			}
			if !slices.Equal(keys, srv.Keys(t, bucket, tt.prefix)) {
				t.Errorf("List(%q) = %q, server has %q", tt.prefix, keys, srv.Keys(t, bucket, tt.prefix))
			}
		})
	}
}
