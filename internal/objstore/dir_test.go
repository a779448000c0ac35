package objstore_test

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/cityofaustin/atd-executive-dashboard/internal/objstore"
)

func TestDirKeyEscape(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		key  string
	}{
		{"parent", "../escaped.csv"},
		{"nested_parent", "a/../../escaped.csv"},
		{"inner_dotdot", "a/../escaped.csv"},
		{"absolute", "/tmp/escaped.csv"},
		{"dot", "."},
		{"empty", ""},
		{"trailing_slash", "folder/"},
		{"double_slash", "a//escaped.csv"},
		{"backslash_parent", `..\escaped.csv`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			parent := t.TempDir()
			root := filepath.Join(parent, "root")
			d := objstore.NewDir(root)

			err := d.Put(ctx, tt.key, strings.NewReader("secret,data\n"))
			if !errors.Is(err, objstore.ErrInvalidKey) {
				t.Errorf("Put(%q) error = %v, want ErrInvalidKey", tt.key, err)
			}
			var oe *objstore.Error
			if !errors.As(err, &oe) || oe.Op != "put" || oe.Backend != "dir" {
				t.Errorf("Put(%q) error = %#v, want *Error{dir put}", tt.key, err)
			}
			if _, _, err := d.Get(ctx, tt.key); !errors.Is(err, objstore.ErrInvalidKey) {
				t.Errorf("Get(%q) error = %v, want ErrInvalidKey", tt.key, err)
			}
			if _, err := os.Stat(filepath.Join(parent, "escaped.csv")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a file was written outside root: %v", err)
			}
			if _, err := os.Stat("/tmp/escaped.csv"); err == nil && tt.name == "absolute" {
				t.Errorf("a file was written at the absolute path")
			}
		})
	}
}

func TestDirSymlinkEscape(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("symlinks need privileges on windows")
	}
	ctx := t.Context()
	parent := t.TempDir()
	root := filepath.Join(parent, "root")
	outside := filepath.Join(parent, "outside")
	for _, p := range []string{root, outside} {
		if err := os.Mkdir(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(outside, filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	d := objstore.NewDir(root)
	if err := d.Put(ctx, "link/x.csv", strings.NewReader("x\n")); err == nil {
		t.Errorf("Put through a symlink leading outside root succeeded")
	}
	if ents, _ := os.ReadDir(outside); len(ents) != 0 {
		t.Errorf("files written outside root: %v", ents)
	}
}

func TestDirFiles(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	root := filepath.Join(t.TempDir(), "sample-output") // created on first Put
	d := objstore.NewDir(root)

	if got := mustList(t, d, ""); len(got) != 0 {
		t.Errorf("List on a missing root = %v, want nothing", got)
	}
	if _, _, err := d.Get(ctx, "x.csv"); !errors.Is(err, objstore.ErrNotFound) {
		t.Errorf("Get on a missing root error = %v, want ErrNotFound", err)
	}

	mustPut(t, d, "expenses/2026-01-01_transportation.csv", "a,b\n1,2\n")
	b, err := os.ReadFile(filepath.Join(root, "expenses", "2026-01-01_transportation.csv"))
	if err != nil || string(b) != "a,b\n1,2\n" {
		t.Fatalf("file under its key = %q, %v", b, err)
	}

	mtime := time.Date(2026, 10, 31, 8, 30, 0, 0, time.UTC)
	if err := os.Chtimes(filepath.Join(root, "expenses", "2026-01-01_transportation.csv"), mtime, mtime); err != nil {
		t.Fatal(err)
	}
	_, info := mustGet(t, d, "expenses/2026-01-01_transportation.csv")
	if !info.LastModified.Equal(mtime) {
		t.Errorf("LastModified = %v, want file mtime %v", info.LastModified, mtime)
	}
	if l := mustList(t, d, "expenses/"); len(l) != 1 || !l[0].LastModified.Equal(mtime) {
		t.Errorf("List LastModified = %+v, want %v", l, mtime)
	}

	// A folder is not an object.
	if _, _, err := d.Get(ctx, "expenses"); !errors.Is(err, objstore.ErrNotFound) {
		t.Errorf("Get(folder) error = %v, want ErrNotFound", err)
	}
	if d.Root() != root {
		t.Errorf("Root() = %q, want %q", d.Root(), root)
	}
}

func TestNewS3Options(t *testing.T) {
	t.Parallel()
	srv, _ := setupS3(t, objstore.S3Options{})
	tests := []struct {
		name    string
		nilCli  bool
		bucket  string
		opts    objstore.S3Options
		wantErr bool
	}{
		{"defaults", false, bucket, objstore.S3Options{}, false},
		{"nil_client", true, bucket, objstore.S3Options{}, true},
		{"empty_bucket", false, "", objstore.S3Options{}, true},
		{"part_too_small", false, bucket, objstore.S3Options{PartSize: 1 << 20}, true},
		{"negative_concurrency", false, bucket, objstore.S3Options{Concurrency: -1}, true},
		{"minimum_part", false, bucket, objstore.S3Options{PartSize: objstore.MinPartSize}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := srv.Client()
			if tt.nilCli {
				c = nil
			}
			st, err := objstore.NewS3(c, tt.bucket, tt.opts)
			if (err != nil) != tt.wantErr {
				t.Fatalf("NewS3 error = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && st.Bucket() != tt.bucket {
				t.Errorf("Bucket() = %q", st.Bucket())
			}
		})
	}
}
