package mstr

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
)

// PromptType is the kind of a prompt, as the server names it.
type PromptType string

// Prompt types. The finance reports use VALUE and ELEMENTS.
const (
	PromptValue      PromptType = "VALUE"
	PromptElements   PromptType = "ELEMENTS"
	PromptObjects    PromptType = "OBJECTS"
	PromptExpression PromptType = "EXPRESSION"
	PromptLevel      PromptType = "LEVEL"
)

// Prompt is one prompt of a report instance, as listed by GET
// /api/reports/{id}/instances/{instanceId}/prompts. Only Key is unique: the
// same prompt can be listed twice with the same ID and Name.
type Prompt struct {
	ID       string       `json:"id"`
	Key      string       `json:"key"`
	Name     string       `json:"name"`
	Title    string       `json:"title"`
	Type     PromptType   `json:"type"`
	Required bool         `json:"required"`
	Closed   bool         `json:"closed"`
	DataType string       `json:"dataType"`
	Source   PromptSource `json:"source"`
	// DefaultAnswer is the stored default answer, raw; nil or JSON null
	// when the prompt has none.
	DefaultAnswer json.RawMessage `json:"defaultAnswer,omitempty"`
}

// HasDefault reports whether the prompt carries a default answer.
func (p Prompt) HasDefault() bool {
	s := string(p.DefaultAnswer)
	return s != "" && s != "null" && s != "{}" && s != "[]" && s != `""`
}

// PromptSource is the object a prompt draws its answers from (for an
// element prompt, the attribute: Type 12).
type PromptSource struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Type int    `json:"type"`
}

// Element identifies an attribute element in an ELEMENTS answer. ID has the
// form "h<value>;<attribute id>".
type Element struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// PromptAnswer is the answer to one prompt. The prompt is identified by
// Key (preferred) or ID. Exactly one of Value (VALUE prompts), Elements
// (ELEMENTS prompts) or UseDefault is meaningful.
type PromptAnswer struct {
	Key        string
	ID         string
	Type       PromptType
	Value      string
	Elements   []Element
	UseDefault bool
}

// ValueAnswer answers VALUE prompt p with v (a number, a text, or a date
// such as "2024-01-31T05:00:00.000+0000").
func ValueAnswer(p Prompt, v string) PromptAnswer {
	return PromptAnswer{Key: p.Key, ID: p.ID, Type: PromptValue, Value: v}
}

// ElementsAnswer answers ELEMENTS prompt p with els.
func ElementsAnswer(p Prompt, els ...Element) PromptAnswer {
	return PromptAnswer{Key: p.Key, ID: p.ID, Type: PromptElements, Elements: els}
}

// MarshalJSON renders the answer in the shape PUT .../prompts/answers
// expects: {"key":…,"type":…,"answers":…} or {"key":…,"useDefault":true}.
func (a PromptAnswer) MarshalJSON() ([]byte, error) {
	m := map[string]any{}
	if a.Key != "" {
		m["key"] = a.Key
	} else {
		m["id"] = a.ID
	}
	if a.Type != "" {
		m["type"] = a.Type
	}
	switch {
	case a.UseDefault:
		m["useDefault"] = true
	case a.Type == PromptElements:
		els := a.Elements
		if els == nil {
			els = []Element{}
		}
		m["answers"] = els
	default:
		m["answers"] = a.Value
	}
	return json.Marshal(m)
}

// Status is a report instance's execution status.
type Status int

// Instance statuses.
const (
	StatusReady    Status = 1 // executed; data available
	StatusPrompted Status = 2 // waiting for prompt answers
)

// Instance is a report instance (one execution of a report).
type Instance struct {
	ReportID string
	ID       string
	Name     string
	Status   Status
}

// createInstance executes report reportID (POST
// /api/v2/reports/{id}/instances) and returns the instance with its first
// data page (or the prompted instance's head). A prompted report answers
// with [StatusPrompted]; [Client.Run] answers it.
func (c *Client) createInstance(ctx context.Context, reportID string) (Instance, []byte, error) {
	q := c.pageQuery(0, c.cfg.PageSize)
	data, err := c.do(ctx, call{method: http.MethodPost, path: "api/v2/reports/" + url.PathEscape(reportID) + "/instances",
		query: q, body: struct{}{}})
	if err != nil {
		return Instance{}, nil, &OpError{Op: "create instance", ReportID: reportID, Err: err}
	}
	var head struct {
		Name       string `json:"name"`
		InstanceID string `json:"instanceId"`
		Status     Status `json:"status"`
	}
	if err := json.Unmarshal(data, &head); err != nil || head.InstanceID == "" {
		if err == nil {
			err = fmt.Errorf("no instanceId in the answer")
		}
		return Instance{}, nil, &OpError{Op: "create instance", ReportID: reportID, Err: err}
	}
	inst := Instance{ReportID: reportID, ID: head.InstanceID, Name: head.Name, Status: head.Status}
	c.logger.DebugContext(ctx, "mstr instance created", "report", reportID, "instance", inst.ID, "status", int(inst.Status))
	return inst, data, nil
}

func (c *Client) pageQuery(offset, limit int) url.Values {
	q := url.Values{}
	q.Set("offset", fmt.Sprint(offset))
	q.Set("limit", fmt.Sprint(limit))
	q.Set("fields", trimFields)
	return q
}

func instancePath(inst Instance) string {
	return "api/reports/" + url.PathEscape(inst.ReportID) + "/instances/" + url.PathEscape(inst.ID)
}

// Prompts lists the prompts of a report instance, answered (Closed) and
// open, in the server's order.
func (c *Client) Prompts(ctx context.Context, inst Instance) ([]Prompt, error) {
	data, err := c.do(ctx, call{method: http.MethodGet, path: instancePath(inst) + "/prompts"})
	if err != nil {
		return nil, &OpError{Op: "list prompts", ReportID: inst.ReportID, Err: err}
	}
	var ps []Prompt
	if err := json.Unmarshal(data, &ps); err != nil {
		return nil, &OpError{Op: "list prompts", ReportID: inst.ReportID, Err: fmt.Errorf("decoding prompt list: %w", err)}
	}
	return ps, nil
}

// AnswerPrompts sends answers (PUT .../prompts/answers). The instance may
// still wait for more answers afterwards (nested prompts).
func (c *Client) AnswerPrompts(ctx context.Context, inst Instance, answers []PromptAnswer) error {
	body := struct {
		Prompts []PromptAnswer `json:"prompts"`
	}{answers}
	if _, err := c.do(ctx, call{method: http.MethodPut, path: instancePath(inst) + "/prompts/answers", body: body}); err != nil {
		return &OpError{Op: "answer prompts", ReportID: inst.ReportID, Err: err}
	}
	return nil
}

// Answerer decides the answers for one round of prompts. prompts is the
// instance's full prompt list (answered ones have Closed set); round counts
// from 1. Returning no answers while the instance still waits is an error.
type Answerer interface {
	Answer(ctx context.Context, round int, prompts []Prompt) ([]PromptAnswer, error)
}

// AnswerFunc adapts a function to [Answerer].
type AnswerFunc func(ctx context.Context, round int, prompts []Prompt) ([]PromptAnswer, error)

// Answer calls f.
func (f AnswerFunc) Answer(ctx context.Context, round int, prompts []Prompt) ([]PromptAnswer, error) {
	return f(ctx, round, prompts)
}

// Expect describes one prompt a caller expects and how to answer it. The
// prompt is found by Key when Key is set (in whichever round it appears:
// nested prompts show up after earlier answers), otherwise by Index, its
// 0-based position in the first round's list. Name and Type, when set, must
// match, or the run fails with a [*PromptError] naming the prompt.
type Expect struct {
	Key   string
	Index int
	Name  string
	Type  PromptType
	// Validate, when set, may reject the matched prompt (for example an
	// element prompt without source attribute); its error text becomes
	// the PromptError's reason.
	Validate func(p Prompt) error
	Answer   func(p Prompt) PromptAnswer
}

// Plan is an [Answerer] built from expectations; see [Expectations]. A Plan
// serves one run; it is not safe for concurrent use.
type Plan struct {
	expect   []Expect
	answered []bool
	keys     []string // key of the prompt each expectation answered
}

// Expectations returns a Plan that answers the expected prompts and
// rejects a prompt list that does not fit: an expected prompt of another
// type or name, a position beyond the list, or an open required prompt
// without default answer that no expectation covers. After the instance is
// ready, [Plan.Unanswered] reports expectations that never matched.
func Expectations(expect ...Expect) *Plan {
	return &Plan{expect: expect, answered: make([]bool, len(expect)), keys: make([]string, len(expect))}
}

// Answer implements [Answerer].
func (pl *Plan) Answer(_ context.Context, round int, prompts []Prompt) ([]PromptAnswer, error) {
	covered := make([]bool, len(prompts))
	var out []PromptAnswer
	for i, e := range pl.expect {
		at := -1
		if key := cmp.Or(pl.keys[i], e.Key); key != "" {
			// Keyed, or answered in an earlier round: follow the key (later
			// rounds may list nested prompts in between).
			for j, p := range prompts {
				if p.Key == key {
					at = j
					break
				}
			}
		} else if e.Index < len(prompts) && e.Index >= 0 {
			at = e.Index
		} else if !pl.answered[i] {
			return nil, &PromptError{Round: round, Index: e.Index, Name: e.Name,
				Reason: fmt.Sprintf("expected at this position, but the report has %d prompt(s)", len(prompts))}
		}
		if at < 0 {
			continue // keyed prompt not (yet) present: may be nested
		}
		covered[at] = true
		if pl.answered[i] {
			continue
		}
		p := prompts[at]
		if e.Type != "" && p.Type != e.Type {
			return nil, &PromptError{Round: round, Index: at, Key: p.Key, Name: p.Name,
				Reason: fmt.Sprintf("type is %s, expected %s", p.Type, e.Type)}
		}
		if e.Name != "" && p.Name != e.Name {
			return nil, &PromptError{Round: round, Index: at, Key: p.Key, Name: p.Name,
				Reason: fmt.Sprintf("expected prompt %q here", e.Name)}
		}
		if e.Validate != nil {
			if err := e.Validate(p); err != nil {
				return nil, &PromptError{Round: round, Index: at, Key: p.Key, Name: p.Name, Reason: err.Error()}
			}
		}
		a := e.Answer(p)
		if a.Key == "" && a.ID == "" {
			a.Key, a.ID = p.Key, p.ID
		}
		out = append(out, a)
		pl.answered[i] = true
		pl.keys[i] = p.Key
	}
	for j, p := range prompts {
		if covered[j] || p.Closed || !p.Required || p.HasDefault() {
			continue
		}
		return nil, &PromptError{Round: round, Index: j, Key: p.Key, Name: p.Name,
			Reason: "required prompt that the caller does not answer"}
	}
	return out, nil
}

// Unanswered returns a [*PromptError] for the first expectation that
// never matched a prompt, or nil.
func (pl *Plan) Unanswered() error {
	for i, e := range pl.expect {
		if !pl.answered[i] {
			return &PromptError{Index: -1, Key: e.Key, Name: e.Name, Reason: "expected prompt never appeared"}
		}
	}
	return nil
}
