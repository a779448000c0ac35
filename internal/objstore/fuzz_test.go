package objstore_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cityofaustin/atd-executive-dashboard/internal/objstore"
)

// FuzzDirKey checks that whatever key Dir.Put is given, it either refuses it
// or writes exactly one file inside root that Get and List find under that
// key; nothing is ever written beside root.
func FuzzDirKey(f *testing.F) {
	for _, k := range []string{"a.csv", "expenses/2026-01-01_x.csv", "../x", "a/../../x", "/abs", "", ".", "a//b", `a\b`, "a/./b", "ü/ß.csv"} {
		f.Add(k)
	}
	f.Fuzz(func(t *testing.T, key string) {
		parent := t.TempDir()
		root := filepath.Join(parent, "root")
		d := objstore.NewDir(root)
		err := d.Put(t.Context(), key, strings.NewReader("x"))
		ents, _ := os.ReadDir(parent)
		if len(ents) > 1 || (len(ents) == 1 && ents[0].Name() != "root") {
			t.Fatalf("Put(%q) wrote beside root: %v", key, ents)
		}
		if err != nil {
			if !errors.Is(err, objstore.ErrInvalidKey) {
				// Other errors (name too long, invalid bytes for the file
				// system) are acceptable, but must not leave files.
				if keys := keysOf(mustList(t, d, "")); len(keys) != 0 {
					t.Fatalf("failed Put(%q) left %q", key, keys)
				}
			}
			return
		}
		got, info := mustGet(t, d, key)
		if got != "x" || info.Key != key {
			t.Fatalf("Get(%q) = %q, %+v", key, got, info)
		}
		keys := keysOf(mustList(t, d, ""))
		if len(keys) != 1 || keys[0] != key {
			t.Fatalf("List after Put(%q) = %q", key, keys)
		}
	})
}
