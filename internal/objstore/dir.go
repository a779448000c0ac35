package objstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"iter"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// tmpPrefix starts the names of Dir's temporary files; List skips them.
const tmpPrefix = ".objstore-tmp-"

// Dir is a [Store] over a local folder: each object is the file at
// root/key (slashes in the key become folders), as sample mode and --out
// write "S3 objects as files under their keys".
//
// Put writes a temporary file next to the target and renames it into place,
// so readers never see a half-written object. Keys must be relative,
// slash-separated and stay inside root: an absolute key or one with ".."
// elements is refused with ErrInvalidKey (as is a file name starting with
// ".objstore-tmp-", reserved for temporary files), and file access goes through
// [os.Root], so symbolic links cannot lead outside root either.
//
// Dir is safe for concurrent use; concurrent Puts of one key leave one of the
// bodies in place.
type Dir struct {
	root string
}

// NewDir returns a store over the folder root. The folder is created on the
// first Put; reading from a missing folder finds nothing.
func NewDir(root string) *Dir {
	return &Dir{root: root}
}

// Root returns the folder the store writes to.
func (d *Dir) Root() string { return d.root }

func (d *Dir) err(op, key string, err error) error {
	return &Error{Backend: "dir", Op: op, Bucket: d.root, Key: key, Err: err}
}

// validKey reports whether key is a usable object key: a non-empty, relative,
// slash-separated path without "." or ".." elements.
func validKey(key string) bool {
	return key != "" && key != "." && fs.ValidPath(key) &&
		!strings.Contains(key, `\`) && filepath.IsLocal(filepath.FromSlash(key))
}

// Put writes body to root/key, creating parent folders. The data goes to a
// temporary file first and is renamed over the target only after body reached
// io.EOF, so a failed or cancelled Put leaves no new file (and keeps an
// existing one intact). Errors are *Error; an escaping key wraps
// ErrInvalidKey.
func (d *Dir) Put(ctx context.Context, key string, body io.Reader) (err error) {
	if !validKey(key) || strings.HasPrefix(path.Base(key), tmpPrefix) {
		return d.err("put", key, ErrInvalidKey)
	}
	if err := ctx.Err(); err != nil {
		return d.err("put", key, err)
	}
	if err := os.MkdirAll(d.root, 0o755); err != nil {
		return d.err("put", key, err)
	}
	r, err := os.OpenRoot(d.root)
	if err != nil {
		return d.err("put", key, err)
	}
	defer r.Close()
	dir := path.Dir(key)
	if dir != "." {
		if err := r.MkdirAll(dir, 0o755); err != nil {
			return d.err("put", key, err)
		}
	}
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	tmp := path.Join(dir, tmpPrefix+hex.EncodeToString(rnd[:]))
	f, err := r.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return d.err("put", key, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			r.Remove(tmp)
		}
	}()
	if _, err := io.Copy(f, &ctxReader{ctx: ctx, r: body}); err != nil {
		return d.err("put", key, err)
	}
	if err := f.Close(); err != nil {
		return d.err("put", key, err)
	}
	if err := ctx.Err(); err != nil {
		return d.err("put", key, err)
	}
	if err := r.Rename(tmp, key); err != nil {
		return d.err("put", key, err)
	}
	return nil
}

// Get opens root/key. A missing file (or a folder) gives an *Error wrapping
// ErrNotFound; Info.LastModified is the file's modification time.
func (d *Dir) Get(ctx context.Context, key string) (io.ReadCloser, Info, error) {
	if !validKey(key) {
		return nil, Info{}, d.err("get", key, ErrInvalidKey)
	}
	if err := ctx.Err(); err != nil {
		return nil, Info{}, d.err("get", key, err)
	}
	r, err := os.OpenRoot(d.root)
	if err != nil {
		return nil, Info{}, d.err("get", key, notExist(err))
	}
	defer r.Close()
	f, err := r.Open(key)
	if err != nil {
		return nil, Info{}, d.err("get", key, notExist(err))
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, Info{}, d.err("get", key, err)
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, Info{}, d.err("get", key, ErrNotFound)
	}
	return f, Info{Key: key, Size: st.Size(), LastModified: st.ModTime()}, nil
}

// List yields the files under root whose keys start with prefix, in lexical
// key order. A missing root yields nothing.
func (d *Dir) List(ctx context.Context, prefix string) iter.Seq2[Info, error] {
	return func(yield func(Info, error) bool) {
		r, err := os.OpenRoot(d.root)
		if errors.Is(err, fs.ErrNotExist) {
			return
		}
		if err != nil {
			yield(Info{}, d.err("list", prefix, err))
			return
		}
		defer r.Close()
		infos, err := listFS(ctx, r.FS(), prefix, nil)
		if err != nil {
			yield(Info{}, d.err("list", prefix, err))
			return
		}
		for _, in := range infos {
			if !yield(in, nil) {
				return
			}
		}
	}
}

// notExist adds ErrNotFound to the chain of a "file does not exist" error.
func notExist(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return errors.Join(ErrNotFound, err)
	}
	return err
}
