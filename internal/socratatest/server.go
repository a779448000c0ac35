package socratatest

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Test credentials returned by [Server.Env] and accepted by the server.
// They are recognisable so tests can assert that none of them leaks into
// logs or error messages.
const (
	AppToken  = "test-app-token-5ocr4t4"
	KeyID     = "test-key-id-k3y1d"
	KeySecret = "test-key-secret-s3cr3t"
)

// Request is one request received by the server.
type Request struct {
	Method  string
	Path    string
	Query   url.Values
	Header  http.Header
	Dataset string           // the 4x4 of a /resource/ request, else ""
	Body    []byte           // raw request body
	Rows    []map[string]any // Body decoded as a JSON array of rows (numbers as json.Number), or nil
	Status  int              // the status the server answered
}

// Write is one upsert or replace the server applied.
type Write struct {
	Method string // POST (upsert) or PUT (replace)
	Rows   []map[string]any
}

type fault struct {
	status     int
	retryAfter string
	body       string
}

type dataset struct {
	key    string // row key field for upsert merges; "" appends
	rows   []map[string]any
	index  map[string]int // key value -> position in rows; nil = rebuild
	count  *int64
	writes []Write
}

// Server is a fake Socrata server on 127.0.0.1. Create it with [Start].
type Server struct {
	// URL is the server's base URL, e.g. http://127.0.0.1:41234.
	URL string

	srv *httptest.Server

	mu        sync.Mutex
	requests  []Request
	datasets  map[string]*dataset
	failNext  []fault
	dropNext  int
	reject    map[int]fault // applied upsert ordinal (1-based) -> fault
	applied   int           // upserts applied so far (all datasets)
	delay     time.Duration
	anonWrite bool
	catalog   catalogState
	reqSeq    int64

	inFlight, maxInFlight atomic.Int64
}

// Start starts a Server and registers its shutdown with tb.Cleanup.
func Start(tb testing.TB) *Server {
	tb.Helper()
	s := &Server{datasets: map[string]*dataset{}, reject: map[int]fault{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	tb.Cleanup(s.srv.Close)
	return s
}

// Env returns the environment a job needs to talk to this server:
// SO_WEB (the server URL), SO_TOKEN, SO_KEY and SO_SECRET.
func (s *Server) Env() map[string]string {
	return map[string]string{
		"SO_WEB":    s.URL,
		"SO_TOKEN":  AppToken,
		"SO_KEY":    KeyID,
		"SO_SECRET": KeySecret,
	}
}

// Client returns an HTTP client suitable for talking to the server.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// AllowAnonymousWrites makes the server accept writes without (or with wrong)
// Basic credentials.
func (s *Server) AllowAnonymousWrites() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.anonWrite = true
}

// SetKey makes upserts to dataset merge rows on the given field (the
// dataset's row identifier) instead of appending them. A row with
// ":deleted": true removes the stored row with the same key.
func (s *Server) SetKey(datasetID, field string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.ds(datasetID)
	d.key, d.index = field, nil
}

// SetRows sets the stored rows of a dataset.
func (s *Server) SetRows(datasetID string, rows []map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.ds(datasetID)
	d.rows, d.index = slices.Clone(rows), nil
}

func keyString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return string(x)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// SetCount makes count(*) queries on dataset answer n regardless of the
// rows held. A negative n removes the override.
func (s *Server) SetCount(datasetID string, n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.ds(datasetID)
	if n < 0 {
		d.count = nil
		return
	}
	d.count = &n
}

// FailNext makes the next n requests fail with status, an optional
// Retry-After header value and an optional body (sent as application/json
// when it starts with '{' or '[', else as text/html).
func (s *Server) FailNext(n, status int, retryAfter, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failNext = append(s.failNext, fault{status: status, retryAfter: retryAfter, body: body})
	}
}

// DropNext makes the next n requests end with a closed connection and no
// response.
func (s *Server) DropNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropNext += n
}

// RejectChunk makes the server answer status and body to every upsert
// attempt made while exactly k-1 upserts have been applied (counting all
// datasets): chunk k, and all its retries, are refused; earlier chunks land.
func (s *Server) RejectChunk(k, status int, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reject[k] = fault{status: status, body: body}
}

// SetDelay makes the server wait d before answering each request.
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// MaxInFlight reports the largest number of requests handled at once.
func (s *Server) MaxInFlight() int64 { return s.maxInFlight.Load() }

// Requests returns a copy of every request received, in arrival order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Upserts returns the rows of every upsert applied to dataset, in order.
func (s *Server) Upserts(datasetID string) []map[string]any {
	return s.writes(datasetID, http.MethodPost)
}

// Replaces returns every replace applied to dataset, each as its rows.
func (s *Server) Replaces(datasetID string) [][]map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out [][]map[string]any
	if d, ok := s.datasets[datasetID]; ok {
		for _, w := range d.writes {
			if w.Method == http.MethodPut {
				out = append(out, w.Rows)
			}
		}
	}
	return out
}

func (s *Server) writes(datasetID, method string) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	if d, ok := s.datasets[datasetID]; ok {
		for _, w := range d.writes {
			if w.Method == method {
				out = append(out, w.Rows...)
			}
		}
	}
	return out
}

// Rows returns the rows dataset holds now.
func (s *Server) Rows(datasetID string) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d, ok := s.datasets[datasetID]; ok {
		return slices.Clone(d.rows)
	}
	return nil
}

func (s *Server) ds(id string) *dataset {
	d, ok := s.datasets[id]
	if !ok {
		d = &dataset{}
		s.datasets[id] = d
	}
	return d
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	n := s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	for {
		m := s.maxInFlight.Load()
		if n <= m || s.maxInFlight.CompareAndSwap(m, n) {
			break
		}
	}

	body, _ := io.ReadAll(r.Body)
	rec := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: body}
	if id, ok := resourceID(r.URL.Path); ok {
		rec.Dataset = id
	}
	if len(body) > 0 {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		var rows []map[string]any
		if dec.Decode(&rows) == nil {
			rec.Rows = rows
		}
	}

	s.mu.Lock()
	s.reqSeq++
	reqID := fmt.Sprintf("fake-%06d", s.reqSeq)
	delay := s.delay
	drop := s.dropNext > 0
	if drop {
		s.dropNext--
	}
	var fail *fault
	if !drop && len(s.failNext) > 0 {
		f := s.failNext[0]
		s.failNext = s.failNext[1:]
		fail = &f
	}
	idx := len(s.requests)
	s.requests = append(s.requests, rec)
	s.mu.Unlock()

	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
		}
	}
	if drop {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}

	w.Header().Set("X-Socrata-RequestId", reqID)
	status := http.StatusOK
	defer func() {
		s.mu.Lock()
		s.requests[idx].Status = status
		s.mu.Unlock()
	}()
	if fail != nil {
		status = fail.status
		writeFault(w, *fail)
		return
	}

	switch {
	case r.URL.Path == "/api/catalog/v1":
		status = s.serveCatalog(w, r)
	case rec.Dataset != "":
		status = s.serveResource(w, r, rec)
	default:
		status = http.StatusNotFound
		writeJSON(w, status, map[string]any{"code": "not_found", "error": true, "message": "no such endpoint: " + r.URL.Path})
	}
}

func writeFault(w http.ResponseWriter, f fault) {
	if f.retryAfter != "" {
		w.Header().Set("Retry-After", f.retryAfter)
	}
	body := f.body
	if body == "" {
		body = fmt.Sprintf(`{"error":true,"message":"injected fault","status":%d}`, f.status)
	}
	if t := strings.TrimSpace(body); strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[") {
		w.Header().Set("Content-Type", "application/json")
	} else {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
	}
	w.WriteHeader(f.status)
	io.WriteString(w, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// resourceID extracts the 4x4 from /resource/{id}.json.
func resourceID(p string) (string, bool) {
	rest, ok := strings.CutPrefix(p, "/resource/")
	if !ok {
		return "", false
	}
	id, ok := strings.CutSuffix(rest, ".json")
	if !ok || id == "" || strings.Contains(id, "/") {
		return "", false
	}
	return id, true
}

func (s *Server) authorized(r *http.Request) bool {
	u, p, ok := r.BasicAuth()
	return ok && u == KeyID && p == KeySecret
}

func (s *Server) serveResource(w http.ResponseWriter, r *http.Request, rec Request) int {
	switch r.Method {
	case http.MethodGet:
		return s.serveQuery(w, r, rec.Dataset)
	case http.MethodPost, http.MethodPut:
	default:
		writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"code": "method_not_allowed", "error": true, "message": "method not allowed"})
		return http.StatusMethodNotAllowed
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.anonWrite && !s.authorized(r) {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"code": "authentication_required", "error": true, "message": "You must be logged in to write to this dataset"})
		return http.StatusUnauthorized
	}
	if rec.Rows == nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"code": "json.invalid", "error": true, "message": "request body is not a JSON array of rows"})
		return http.StatusBadRequest
	}
	if r.Method == http.MethodPost {
		if f, ok := s.reject[s.applied+1]; ok {
			writeFault(w, f)
			return f.status
		}
		s.applied++
	}

	d := s.ds(rec.Dataset)
	d.writes = append(d.writes, Write{Method: r.Method, Rows: rec.Rows})
	var created, updated, deleted int
	if r.Method == http.MethodPut {
		d.rows = make([]map[string]any, 0, len(rec.Rows))
		for _, row := range rec.Rows {
			d.rows = append(d.rows, maps.Clone(row))
		}
		d.index = nil
		created = len(rec.Rows)
	} else {
		for _, row := range rec.Rows {
			del, _ := row[":deleted"].(bool)
			pos, k := -1, ""
			if d.key != "" {
				if d.index == nil {
					d.index = make(map[string]int, len(d.rows))
					for i, o := range d.rows {
						d.index[keyString(o[d.key])] = i
					}
				}
				k = keyString(row[d.key])
				if i, ok := d.index[k]; ok {
					pos = i
				}
			}
			switch {
			case del && pos >= 0:
				d.rows = slices.Delete(d.rows, pos, pos+1)
				d.index = nil
				deleted++
			case del:
			case pos >= 0:
				for k, v := range row {
					d.rows[pos][k] = v
				}
				updated++
			default:
				d.rows = append(d.rows, maps.Clone(row))
				if d.index != nil {
					d.index[k] = len(d.rows) - 1
				}
				created++
			}
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"Errors": 0, "Rows Created": created, "Rows Updated": updated, "Rows Deleted": deleted})
	return http.StatusOK
}

func (s *Server) serveQuery(w http.ResponseWriter, r *http.Request, id string) int {
	q := r.URL.Query()
	s.mu.Lock()
	d, ok := s.datasets[id]
	var rows []map[string]any
	var count *int64
	if ok {
		rows = slices.Clone(d.rows)
		count = d.count
	}
	s.mu.Unlock()
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]any{"code": "dataset.missing", "error": true, "message": "Not found"})
		return http.StatusNotFound
	}
	if sel := strings.ToLower(q.Get("$select")); strings.Contains(sel, "count(*)") {
		alias := "count"
		if _, a, ok := strings.Cut(sel, " as "); ok {
			alias = strings.TrimSpace(a)
		}
		n := int64(len(rows))
		if count != nil {
			n = *count
		}
		writeJSON(w, http.StatusOK, []map[string]string{{alias: strconv.FormatInt(n, 10)}})
		return http.StatusOK
	}
	for i := range rows {
		if _, has := rows[i][":id"]; !has {
			c := make(map[string]any, len(rows[i])+1)
			for k, v := range rows[i] {
				c[k] = v
			}
			c[":id"] = fmt.Sprintf("row-%08d", i+1)
			rows[i] = c
		}
	}
	if o := strings.TrimSpace(q.Get("$order")); o != "" && o != ":id" {
		field := strings.Fields(o)[0]
		desc := strings.HasSuffix(strings.ToUpper(o), " DESC")
		slices.SortStableFunc(rows, func(a, b map[string]any) int {
			c := cmp.Compare(fmt.Sprint(a[field]), fmt.Sprint(b[field]))
			if desc {
				c = -c
			}
			return c
		})
	}
	off, _ := strconv.Atoi(q.Get("$offset"))
	lim := 1000
	if l, err := strconv.Atoi(q.Get("$limit")); err == nil {
		lim = l
	}
	off = min(max(off, 0), len(rows))
	end := min(off+max(lim, 0), len(rows))
	writeJSON(w, http.StatusOK, rows[off:end])
	return http.StatusOK
}
