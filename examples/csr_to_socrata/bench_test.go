package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cityofaustin/atd-executive-dashboard/internal/bench/reportgen"
	"github.com/cityofaustin/atd-executive-dashboard/internal/jobkit"
)

// BenchmarkJob runs the whole job in-process on a generated report against
// a sink that discards upserts (the sink's CPU is in the figures too; see
// BENCHMARKS.md for the out-of-process measurement).
func BenchmarkJob(b *testing.B) {
	const n = 50_000
	var report bytes.Buffer
	if err := reportgen.Write(&report, n); err != nil {
		b.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/report", func(w http.ResponseWriter, _ *http.Request) { w.Write(report.Bytes()) })
	mux.HandleFunc("/resource/", func(w http.ResponseWriter, r *http.Request) {
		// The job checks that the answer accounts for every row sent.
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, `{"Rows Created":%d,"Rows Updated":0,"Rows Deleted":0,"Errors":0}`, bytes.Count(body, []byte(`{"`)))
	})
	srv := httptest.NewServer(mux)
	b.Cleanup(srv.Close)
	env := jobkit.MapEnv(map[string]string{"CSR_ENDPOINT": srv.URL + "/report", "CSR_DATASET": "abcd-1234",
		"SO_WEB": srv.URL, "SO_KEY": "k", "SO_SECRET": "s"})
	b.SetBytes(int64(report.Len()))
	b.ReportAllocs()
	rows := 0
	for b.Loop() {
		if err := run(b.Context(), []string{"--progress", "1000000"}, env, io.Discard); err != nil {
			b.Fatal(err)
		}
		rows += n
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}
