// Package mstrtest provides a fake MicroStrategy REST server for tests and
// sample runs: it plays the login → instance → prompts → answers → data
// conversation the way the Library server does (token header plus session
// cookie, project header, nested prompt rounds, v2 data pages with
// page-local element lists), and [Transport] serves it in-process as an
// [http.RoundTripper], so a binary can replay an embedded conversation
// without a network.
//
//	fake := &mstrtest.Fake{Username: "u", Password: "p", ProjectID: "P",
//		Reports: map[string]*mstrtest.Report{"R1": {Name: "Iris", Pages: mstrtest.PagesByOffset(pages)}}}
//	srv := httptest.NewServer(fake)          // on loopback, or
//	hc := &http.Client{Transport: mstrtest.Transport{Handler: fake}} // in process
package mstrtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/cityofaustin/atd-executive-dashboard/mstr"
)

// DefaultPrefix is the path under which the fake mounts the API (the
// Library web application's context path).
const DefaultPrefix = "/MicroStrategyLibrary"

// Answer is one prompt answer as the fake received it.
type Answer struct {
	Type     string
	Value    string         // VALUE answers
	Elements []mstr.Element // ELEMENTS answers
}

// Answers maps prompt keys to the answers received for an instance.
type Answers map[string]Answer

// PageFunc returns the v2 data response for an executed instance, given the
// prompt answers, the requested offset and limit. An error becomes a 400
// ERR006 answer.
type PageFunc func(a Answers, offset, limit int) ([]byte, error)

// Report is one report the fake knows.
type Report struct {
	Name string
	// Rounds are the prompts that open in each answer round: the prompts of
	// round k+1 appear (and the instance stays at status 2) once every
	// required prompt of round k is answered. No rounds: not prompted.
	Rounds [][]mstr.Prompt
	// Pages produces the data once all prompts are answered.
	Pages PageFunc
}

// Fake is a MicroStrategy REST server. The zero value of Prefix means
// [DefaultPrefix]. Configure the exported fields before serving. It is safe
// for concurrent use.
type Fake struct {
	Prefix    string
	Username  string
	Password  string
	ProjectID string
	Reports   map[string]*Report
	// BindInstances makes instances belong to the session that created
	// them: after a new login they answer 404 ERR004, as a real server
	// may.
	BindInstances bool
	// Intercept, when set, sees every request first; returning true means
	// it wrote the response (fault injection).
	Intercept func(w http.ResponseWriter, r *http.Request) bool

	mu        sync.Mutex
	seq       int
	sessions  map[string]string // token → session cookie value
	instances map[string]*instance
	calls     []string
	logins    int
	logouts   int
}

type instance struct {
	token   string // session that created it
	report  string
	round   int // number of rounds opened so far
	answers Answers
}

// Calls returns the requests served so far as "METHOD /path" (without the
// prefix or query), in order.
func (f *Fake) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

// Logins counts successful logins.
func (f *Fake) Logins() int { f.mu.Lock(); defer f.mu.Unlock(); return f.logins }

// Logouts counts logouts.
func (f *Fake) Logouts() int { f.mu.Lock(); defer f.mu.Unlock(); return f.logouts }

// ExpireSessions invalidates every open session: the next call answers
// 401 ERR009.
func (f *Fake) ExpireSessions() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sessions = nil
}

// InstanceAnswers returns the answers received by every instance of report
// reportID, in creation order (an instance that was never answered gives an
// empty Answers).
func (f *Fake) InstanceAnswers(reportID string) []Answers {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ids []int
	for id, in := range f.instances {
		if in.report == reportID {
			n, _ := strconv.Atoi(strings.TrimPrefix(id, "I"))
			ids = append(ids, n)
		}
	}
	slices.Sort(ids)
	var out []Answers
	for _, n := range ids {
		out = append(out, f.instances[fmt.Sprintf("I%031d", n)].answers)
	}
	return out
}

// ServeHTTP implements [http.Handler].
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	prefix := f.Prefix
	if prefix == "" {
		prefix = DefaultPrefix
	}
	path, ok := strings.CutPrefix(r.URL.Path, prefix+"/api/")
	if !ok {
		writeErr(w, http.StatusNotFound, "ERR004", "no such endpoint")
		return
	}
	f.mu.Lock()
	f.calls = append(f.calls, r.Method+" /api/"+path)
	f.mu.Unlock()
	if f.Intercept != nil && f.Intercept(w, r) {
		return
	}
	parts := strings.Split(path, "/")
	switch {
	case r.Method == http.MethodPost && path == "auth/login":
		f.login(w, r)
		return
	case r.Method == http.MethodPost && path == "auth/logout":
		if f.auth(w, r, false) {
			f.mu.Lock()
			delete(f.sessions, r.Header.Get(mstr.HeaderAuthToken))
			f.logouts++
			f.mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
		}
		return
	}
	if !f.auth(w, r, true) {
		return
	}
	switch {
	// POST v2/reports/{id}/instances
	case r.Method == http.MethodPost && len(parts) == 4 && parts[0] == "v2" && parts[1] == "reports" && parts[3] == "instances":
		f.create(w, r, parts[2])
	// GET v2/reports/{id}/instances/{iid}
	case r.Method == http.MethodGet && len(parts) == 5 && parts[0] == "v2" && parts[1] == "reports" && parts[3] == "instances":
		f.data(w, r, parts[2], parts[4])
	// GET reports/{id}/instances/{iid}/prompts
	case r.Method == http.MethodGet && len(parts) == 5 && parts[0] == "reports" && parts[2] == "instances" && parts[4] == "prompts":
		f.prompts(w, r, parts[1], parts[3])
	// PUT reports/{id}/instances/{iid}/prompts/answers
	case r.Method == http.MethodPut && len(parts) == 6 && parts[0] == "reports" && parts[2] == "instances" && parts[4] == "prompts" && parts[5] == "answers":
		f.answer(w, r, parts[1], parts[3])
	default:
		writeErr(w, http.StatusNotFound, "ERR004", "no such endpoint")
	}
}

// WriteError writes a MicroStrategy error body with the given status.
func WriteError(w http.ResponseWriter, status int, code, msg string) { writeErr(w, status, code, msg) }

func writeErr(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"code": code, "message": msg, "ticketId": "0123456789abcdef0123456789abcdef"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	switch b := v.(type) {
	case []byte:
		_, _ = w.Write(b)
	default:
		_ = json.NewEncoder(w).Encode(v)
	}
}

func (f *Fake) login(w http.ResponseWriter, r *http.Request) {
	var body struct {
		LoginMode int    `json:"loginMode"`
		Username  string `json:"username"`
		Password  string `json:"password"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeErr(w, http.StatusBadRequest, "ERR006", "invalid JSON")
		return
	}
	if body.LoginMode != 1 || body.Username != f.Username || body.Password != f.Password {
		writeErr(w, http.StatusUnauthorized, "ERR003", "Login failed")
		return
	}
	f.mu.Lock()
	f.seq++
	tok := fmt.Sprintf("fake-mstr-token-%d", f.seq)
	cookie := fmt.Sprintf("fake-mstr-session-%d", f.seq)
	if f.sessions == nil {
		f.sessions = map[string]string{}
	}
	f.sessions[tok] = cookie
	f.logins++
	f.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: "JSESSIONID", Value: cookie, Path: "/", HttpOnly: true})
	w.Header().Set(mstr.HeaderAuthToken, tok)
	w.WriteHeader(http.StatusNoContent)
}

// auth checks token, session cookie and (for project calls) the project
// header.
func (f *Fake) auth(w http.ResponseWriter, r *http.Request, project bool) bool {
	tok := r.Header.Get(mstr.HeaderAuthToken)
	ck, _ := r.Cookie("JSESSIONID")
	f.mu.Lock()
	want, ok := f.sessions[tok]
	f.mu.Unlock()
	if tok == "" || !ok || ck == nil || ck.Value != want {
		writeErr(w, http.StatusUnauthorized, "ERR009", "The user's session has expired, please reauthenticate")
		return false
	}
	if project && r.Header.Get(mstr.HeaderProjectID) != f.ProjectID {
		writeErr(w, http.StatusBadRequest, "ERR006", "missing or unknown X-MSTR-ProjectID")
		return false
	}
	return true
}

func (f *Fake) create(w http.ResponseWriter, r *http.Request, reportID string) {
	rep, ok := f.Reports[reportID]
	if !ok {
		writeErr(w, http.StatusNotFound, "ERR004", "report not found")
		return
	}
	_, _ = io.Copy(io.Discard, r.Body)
	f.mu.Lock()
	f.seq++
	id := fmt.Sprintf("I%031d", f.seq)
	in := &instance{token: r.Header.Get(mstr.HeaderAuthToken), report: reportID, answers: Answers{}}
	if len(rep.Rounds) > 0 {
		in.round = 1
	}
	if f.instances == nil {
		f.instances = map[string]*instance{}
	}
	f.instances[id] = in
	f.mu.Unlock()
	if in.round > 0 {
		writeJSON(w, http.StatusOK, map[string]any{"id": reportID, "name": rep.Name, "instanceId": id, "status": 2})
		return
	}
	f.writePage(w, r, rep, in, id)
}

func (f *Fake) instance(w http.ResponseWriter, r *http.Request, reportID, iid string) (*Report, *instance, bool) {
	f.mu.Lock()
	in, ok := f.instances[iid]
	f.mu.Unlock()
	rep := f.Reports[reportID]
	if !ok || rep == nil || in.report != reportID || (f.BindInstances && in.token != r.Header.Get(mstr.HeaderAuthToken)) {
		writeErr(w, http.StatusNotFound, "ERR004", "report instance not found")
		return nil, nil, false
	}
	return rep, in, true
}

// pending reports whether the instance still waits for answers (caller
// holds f.mu).
func pending(rep *Report, in *instance) bool {
	if in.round == 0 {
		return false
	}
	for _, p := range rep.Rounds[in.round-1] {
		if _, ok := in.answers[p.Key]; !ok && p.Required {
			return true
		}
	}
	return in.round < len(rep.Rounds)
}

func (f *Fake) prompts(w http.ResponseWriter, r *http.Request, reportID, iid string) {
	rep, in, ok := f.instance(w, r, reportID, iid)
	if !ok {
		return
	}
	f.mu.Lock()
	var out []mstr.Prompt
	for k := 0; k < in.round; k++ {
		for _, p := range rep.Rounds[k] {
			_, p.Closed = in.answers[p.Key]
			out = append(out, p)
		}
	}
	f.mu.Unlock()
	if out == nil {
		out = []mstr.Prompt{}
	}
	writeJSON(w, http.StatusOK, out)
}

func (f *Fake) answer(w http.ResponseWriter, r *http.Request, reportID, iid string) {
	rep, in, ok := f.instance(w, r, reportID, iid)
	if !ok {
		return
	}
	var body struct {
		Prompts []struct {
			Key        string          `json:"key"`
			ID         string          `json:"id"`
			Type       string          `json:"type"`
			Answers    json.RawMessage `json:"answers"`
			UseDefault bool            `json:"useDefault"`
		} `json:"prompts"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeErr(w, http.StatusBadRequest, "ERR006", "invalid JSON")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	open := map[string]mstr.Prompt{}
	for k := 0; k < in.round; k++ {
		for _, p := range rep.Rounds[k] {
			open[p.Key] = p
		}
	}
	for _, a := range body.Prompts {
		p, ok := open[a.Key]
		if !ok {
			writeErr(w, http.StatusBadRequest, "ERR006", "unknown prompt key")
			return
		}
		if a.Type != string(p.Type) {
			writeErr(w, http.StatusBadRequest, "ERR006", "prompt answer type does not match the prompt")
			return
		}
		got := Answer{Type: a.Type}
		switch {
		case a.UseDefault:
		case p.Type == mstr.PromptElements:
			if err := json.Unmarshal(a.Answers, &got.Elements); err != nil || len(got.Elements) == 0 {
				writeErr(w, http.StatusBadRequest, "ERR006", "ELEMENTS answer must be a list of elements")
				return
			}
		default:
			if err := json.Unmarshal(a.Answers, &got.Value); err != nil {
				writeErr(w, http.StatusBadRequest, "ERR006", "VALUE answer must be a string")
				return
			}
		}
		in.answers[a.Key] = got
	}
	// Open the next round when the current one is complete.
	if in.round > 0 && in.round < len(rep.Rounds) {
		complete := true
		for _, p := range rep.Rounds[in.round-1] {
			if _, ok := in.answers[p.Key]; !ok && p.Required {
				complete = false
			}
		}
		if complete {
			in.round++
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

func (f *Fake) data(w http.ResponseWriter, r *http.Request, reportID, iid string) {
	rep, in, ok := f.instance(w, r, reportID, iid)
	if !ok {
		return
	}
	f.writePage(w, r, rep, in, iid)
}

func (f *Fake) writePage(w http.ResponseWriter, r *http.Request, rep *Report, in *instance, iid string) {
	f.mu.Lock()
	wait := pending(rep, in)
	answers := Answers{}
	for k, v := range in.answers {
		answers[k] = v
	}
	f.mu.Unlock()
	if wait {
		writeJSON(w, http.StatusOK, map[string]any{"id": in.report, "name": rep.Name, "instanceId": iid, "status": 2})
		return
	}
	offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	if limit <= 0 {
		limit = 1000
	}
	if rep.Pages == nil {
		writeErr(w, http.StatusInternalServerError, "ERR001", "report has no data")
		return
	}
	body, err := rep.Pages(answers, offset, limit)
	if err != nil {
		writeErr(w, http.StatusBadRequest, "ERR006", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, body)
}

// PagesByOffset serves recorded v2 responses keyed by the offset they
// answer; the limit is ignored (the recording fixed it).
func PagesByOffset(pages map[int][]byte) PageFunc {
	return func(_ Answers, offset, _ int) ([]byte, error) {
		b, ok := pages[offset]
		if !ok {
			return nil, fmt.Errorf("no recorded page at offset %d", offset)
		}
		return b, nil
	}
}

// Transport serves requests in-process with Handler, without a network:
// an [http.RoundTripper] that replays a conversation from a [Fake] (or any
// handler). Request bodies are read fully; responses are buffered.
type Transport struct {
	Handler http.Handler
}

// RoundTrip implements [http.RoundTripper].
func (t Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	in := req.Clone(req.Context())
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		in.Body = io.NopCloser(strings.NewReader(string(b)))
	}
	in.RequestURI = req.URL.RequestURI()
	rec := httptest.NewRecorder()
	t.Handler.ServeHTTP(rec, in)
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}
