// Command benchserve supports the end-to-end measurement of csr_to_socrata
// (see BENCHMARKS.md). It runs as its own process, so its memory and CPU
// are not counted in the job's figures.
//
//	benchserve -gen 1000000 -o /tmp/csr_1m.tsv   # write a synthetic report and exit
//	benchserve -addr 127.0.0.1:8099 -report /tmp/csr_1m.tsv
//
// The server answers GET /report with the report file (sendfile, no
// per-request copy) and acts as a Socrata sink: POST or PUT
// /resource/<id>.json reads the JSON array, counts its rows with a byte
// scanner, discards it and answers a SODA upsert result ("Rows Created").
// GET /stats returns the rows and requests received so far.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"sync/atomic"

	"github.com/cityofaustin/atd-executive-dashboard/examples/csr_to_socrata/internal/reportgen"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8099", "listen address")
	report := flag.String("report", "", "report file served at /report")
	gen := flag.Int("gen", -1, "write a synthetic report of N rows to -o and exit")
	out := flag.String("o", "", "output file for -gen")
	flag.Parse()
	if *gen >= 0 {
		if err := generate(*out, *gen); err != nil {
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
	log.Printf("benchserve on http://%s (report %s)", *addr, *report)
	log.Fatal(http.ListenAndServe(*addr, mux))
}

func generate(path string, n int) error {
	if path == "" {
		return fmt.Errorf("-gen needs -o")
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := reportgen.Write(f, n); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// countRows counts the objects of a top-level JSON array without decoding
// them: '{' at depth 1, outside strings.
func countRows(r io.Reader) (int64, error) {
	buf := make([]byte, 256<<10)
	var n int64
	depth := 0
	inString, escaped := false, false
	for {
		m, err := r.Read(buf)
		for _, b := range buf[:m] {
			if inString {
				switch {
				case escaped:
					escaped = false
				case b == '\\':
					escaped = true
				case b == '"':
					inString = false
				}
				continue
			}
			switch b {
			case '"':
				inString = true
			case '{':
				if depth == 1 {
					n++
				}
				depth++
			case '[':
				depth++
			case ']', '}':
				depth--
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return n, err
		}
	}
	if depth != 0 || inString {
		return n, fmt.Errorf("unbalanced JSON (depth %d)", depth)
	}
	return n, nil
}
