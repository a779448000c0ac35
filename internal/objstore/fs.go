package objstore

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"iter"
	"path"
	"slices"
	"strings"
	"time"
)

// FS is a read-only [Store] over an [fs.FS], typically a go:embed tree of
// sample CSV files: the object under key is the file at key.
//
// FS is safe for concurrent use if fsys is.
type FS struct {
	fsys    fs.FS
	modTime time.Time
}

// NewFS returns a read-only store over fsys. When modTime is not zero it is
// reported as every object's LastModified (embedded files have no
// modification time); otherwise the files' own times are used.
func NewFS(fsys fs.FS, modTime time.Time) *FS {
	return &FS{fsys: fsys, modTime: modTime}
}

func (f *FS) err(op, key string, err error) error {
	return &Error{Backend: "fs", Op: op, Key: key, Err: err}
}

// Put always fails with an *Error wrapping ErrReadOnly. It does not read body.
func (f *FS) Put(ctx context.Context, key string, body io.Reader) error {
	return f.err("put", key, ErrReadOnly)
}

// Get opens the file at key. A missing file (or a folder) gives an *Error
// wrapping ErrNotFound.
func (f *FS) Get(ctx context.Context, key string) (io.ReadCloser, Info, error) {
	if !validKey(key) {
		return nil, Info{}, f.err("get", key, ErrInvalidKey)
	}
	if err := ctx.Err(); err != nil {
		return nil, Info{}, f.err("get", key, err)
	}
	file, err := f.fsys.Open(key)
	if err != nil {
		return nil, Info{}, f.err("get", key, notExist(err))
	}
	st, err := file.Stat()
	if err != nil {
		file.Close()
		return nil, Info{}, f.err("get", key, err)
	}
	if !st.Mode().IsRegular() {
		file.Close()
		return nil, Info{}, f.err("get", key, ErrNotFound)
	}
	return file, f.info(key, st), nil
}

func (f *FS) info(key string, st fs.FileInfo) Info {
	mt := f.modTime
	if mt.IsZero() {
		mt = st.ModTime()
	}
	return Info{Key: key, Size: st.Size(), LastModified: mt}
}

// List yields the files whose keys start with prefix, in lexical key order.
func (f *FS) List(ctx context.Context, prefix string) iter.Seq2[Info, error] {
	return func(yield func(Info, error) bool) {
		infos, err := listFS(ctx, f.fsys, prefix, f.info)
		if err != nil {
			yield(Info{}, f.err("list", prefix, err))
			return
		}
		for _, in := range infos {
			if !yield(in, nil) {
				return
			}
		}
	}
}

// listFS returns the regular files of fsys whose slash keys start with
// prefix, sorted by key. It walks only the folder the prefix points into and
// skips Dir's temporary files. info builds an Info (nil: size and mtime).
func listFS(ctx context.Context, fsys fs.FS, prefix string, info func(string, fs.FileInfo) Info) ([]Info, error) {
	if info == nil {
		info = func(key string, st fs.FileInfo) Info {
			return Info{Key: key, Size: st.Size(), LastModified: st.ModTime()}
		}
	}
	start := "."
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		start = prefix[:i]
		if !fs.ValidPath(start) {
			// No valid key lies under an absolute or ".." folder.
			return nil, nil
		}
	}
	var out []Info
	err := fs.WalkDir(fsys, start, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == start && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() {
			// Prune folders that cannot hold a matching key.
			if p != "." && !strings.HasPrefix(p+"/", prefix) && !strings.HasPrefix(prefix, p+"/") {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || strings.HasPrefix(path.Base(p), tmpPrefix) || !strings.HasPrefix(p, prefix) {
			return nil
		}
		st, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil // removed while walking
		}
		if err != nil {
			return err
		}
		out = append(out, info(p, st))
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b Info) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}
