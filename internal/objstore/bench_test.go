package objstore_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/cityofaustin/atd-executive-dashboard/internal/objstore"
)

func benchmarkWriteFunc(b *testing.B, st objstore.Store, size int) {
	chunk := bytes.Repeat([]byte("permit,12,ab\n"), 4096)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		err := objstore.WriteFunc(b.Context(), st, "bench.csv", func(w io.Writer) error {
			for n := 0; n < size; {
				m, err := w.Write(chunk[:min(len(chunk), size-n)])
				n += m
				if err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteFuncDir(b *testing.B) {
	benchmarkWriteFunc(b, objstore.NewDir(b.TempDir()), 4<<20)
}

func BenchmarkWriteFuncS3Multipart(b *testing.B) {
	_, st := setupS3Bench(b)
	benchmarkWriteFunc(b, st, 12<<20)
}
