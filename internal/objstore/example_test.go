package objstore_test

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"testing/fstest"
	"time"

	"github.com/cityofaustin/atd-executive-dashboard/internal/objstore"
)

// Stream CSV rows into a store without holding the file in memory, then list
// and read it back. The same code works with an *objstore.S3.
func ExampleWriteFunc() {
	root, err := os.MkdirTemp("", "objstore-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(root)
	ctx := context.Background()
	store := objstore.NewDir(root)

	rows := [][]string{{"permit_type", "count"}, {"BP", "12"}, {"EP", "7"}}
	err = objstore.WriteFunc(ctx, store, "permits/issued_permits.csv", func(w io.Writer) error {
		cw := csv.NewWriter(w)
		for _, r := range rows {
			if err := cw.Write(r); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	})
	if err != nil {
		log.Fatal(err)
	}

	for info, err := range store.List(ctx, "permits/") {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(info.Key, info.Size)
	}

	rc, _, err := store.Get(ctx, "permits/issued_permits.csv")
	if err != nil {
		log.Fatal(err)
	}
	defer rc.Close()
	recs, err := csv.NewReader(rc).ReadAll()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(recs)

	_, _, err = store.Get(ctx, "permits/missing.csv")
	fmt.Println(errors.Is(err, objstore.ErrNotFound))
	// Output:
	// permits/issued_permits.csv 29
	// [[permit_type count] [BP 12] [EP 7]]
	// true
}

// A producer error aborts the write: the previous object stays in place.
func ExampleWriteFunc_producerError() {
	root, err := os.MkdirTemp("", "objstore-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(root)
	ctx := context.Background()
	store := objstore.NewDir(root)

	_ = objstore.WriteFunc(ctx, store, "active_permits.csv", func(w io.Writer) error {
		_, err := io.WriteString(w, "count\n41\n")
		return err
	})
	errQuery := errors.New("amanda: query failed")
	err = objstore.WriteFunc(ctx, store, "active_permits.csv", func(w io.Writer) error {
		io.WriteString(w, "count\n")
		return errQuery
	})
	fmt.Println(errors.Is(err, errQuery))

	rc, _, _ := store.Get(ctx, "active_permits.csv")
	defer rc.Close()
	b, _ := io.ReadAll(rc)
	fmt.Printf("%q\n", b)
	// Output:
	// true
	// "count\n41\n"
}

// Serve embedded sample data (a go:embed embed.FS in a job) as a read-only
// store.
func ExampleNewFS() {
	samples := fstest.MapFS{
		"revenue/2026-01-01_transportation.csv": {Data: []byte("amount\n10\n")},
		"revenue/2026-02-01_transportation.csv": {Data: []byte("amount\n12\n")},
	}
	store := objstore.NewFS(samples, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	for info, err := range store.List(context.Background(), "revenue/") {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(info.Key, info.LastModified.Format(time.DateOnly))
	}
	err := store.Put(context.Background(), "revenue/new.csv", nil)
	fmt.Println(errors.Is(err, objstore.ErrReadOnly))
	// Output:
	// revenue/2026-01-01_transportation.csv 2026-11-01
	// revenue/2026-02-01_transportation.csv 2026-11-01
	// true
}
