// Command csrserve supports the end-to-end measurement of csr_to_socrata
// (see BENCHMARKS.md). It runs as its own process, so its memory and CPU
// are not counted in the job's figures.
//
//	csrserve -gen 1000000 -o /tmp/csr_1m.tsv   # write a synthetic report and exit
//	csrserve -addr 127.0.0.1:8099 -report /tmp/csr_1m.tsv
//	csrserve -flex -gen 100000 -o /tmp/flex_100k.xlsx   # a flex-notes workbook instead
//
// The server answers GET /report with the report file (sendfile, no
// per-request copy; the job sniffs what it got, so a workbook is served
// as is) and acts as a Socrata sink: POST or PUT
// /resource/<id>.json reads the JSON array, counts its rows (a memory scan
// for `{"`, so the sink costs next to nothing), discards it and answers a
// SODA upsert result ("Rows Created").
// GET /stats returns the rows and requests received so far.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"sync/atomic"

	"github.com/cityofaustin/atd-executive-dashboard/internal/bench/reportgen"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8099", "listen address")
	report := flag.String("report", "", "report file served at /report")
	gen := flag.Int("gen", -1, "write a synthetic report of N rows to -o and exit")
	out := flag.String("o", "", "output file for -gen")
	flex := flag.Bool("flex", false, "with -gen, write a flex-notes xlsx workbook instead of a 3-1-1 report")
	flag.Parse()
	if *gen >= 0 {
		write := reportgen.Write
		if *flex {
			write = reportgen.WriteFlexNotes
		}
		if err := generate(*out, *gen, write); err != nil {
			log.Fatal(err)
		}
		return
	}
	var rows, requests atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("GET /report", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/csv; charset=utf-16")
		http.ServeFile(w, r, *report)
	})
	mux.HandleFunc("/resource/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost && r.Method != http.MethodPut {
			http.Error(w, "method", http.StatusMethodNotAllowed)
			return
		}
		n, err := countRows(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		rows.Add(n)
		requests.Add(1)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]int64{"Rows Created": n, "Rows Updated": 0, "Rows Deleted": 0, "Errors": 0})
	})
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, "rows=%d requests=%d\n", rows.Load(), requests.Load())
	})
	log.Printf("csrserve on http://%s (report %s)", *addr, *report)
	log.Fatal(http.ListenAndServe(*addr, mux))
}

func generate(path string, n int, write func(io.Writer, int) error) error {
	if path == "" {
		return fmt.Errorf("-gen needs -o")
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f, n); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// countRows counts the objects of a JSON array of flat objects, such as
// an upsert body, at the cost of a memory scan: every object starts with
// `{"`, which cannot occur inside a JSON string (a quote there is escaped).
// An empty object or a nested one is miscounted; the job sends neither.
func countRows(r io.Reader) (int64, error) {
	buf := make([]byte, 256<<10)
	var n int64
	var first, last byte // last is also the byte before each new chunk
	for {
		m, err := r.Read(buf)
		if m > 0 {
			b := buf[:m]
			if first == 0 {
				first = b[0]
			}
			if last == '{' && b[0] == '"' {
				n++
			}
			n += int64(bytes.Count(b, []byte(`{"`)))
			last = b[m-1]
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return n, err
		}
	}
	if first != '[' || last != ']' {
		return n, fmt.Errorf("not a JSON array (starts %q, ends %q)", first, last)
	}
	return n, nil
}
