package objstore_test

import (
	"errors"
	"testing"
	"testing/fstest"
	"time"

	"github.com/cityofaustin/atd-executive-dashboard/internal/objstore"
)

func TestFSModTime(t *testing.T) {
	t.Parallel()
	fileTime := time.Date(2025, 5, 5, 0, 0, 0, 0, time.UTC)
	override := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	fsys := fstest.MapFS{"active_permits.csv": {Data: []byte("a\n"), ModTime: fileTime}}
	tests := []struct {
		name    string
		modTime time.Time
		want    time.Time
	}{
		{"file_time", time.Time{}, fileTime},
		{"override", override, override},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st := objstore.NewFS(fsys, tt.modTime)
			_, info := mustGet(t, st, "active_permits.csv")
			if !info.LastModified.Equal(tt.want) {
				t.Errorf("LastModified = %v, want %v", info.LastModified, tt.want)
			}
			if _, _, err := st.Get(t.Context(), "../active_permits.csv"); !errors.Is(err, objstore.ErrInvalidKey) {
				t.Errorf("Get(../) error = %v, want ErrInvalidKey", err)
			}
		})
	}
}
