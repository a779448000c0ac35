package mstr_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/cityofaustin/atd-executive-dashboard/mstr"
)

func TestPlanFollowsKeysAcrossRounds(t *testing.T) {
	t.Parallel()
	a := mstr.Prompt{Key: "A@0@10", Name: "A", Type: mstr.PromptValue, Required: true}
	b := mstr.Prompt{Key: "B@0@10", Name: "B", Type: mstr.PromptValue, Required: true}
	n := mstr.Prompt{Key: "N@0@10", Name: "Nested", Type: mstr.PromptElements, Required: true}
	value := func(p mstr.Prompt) mstr.PromptAnswer { return mstr.ValueAnswer(p, "x") }
	plan := mstr.Expectations(mstr.Expect{Index: 0, Answer: value}, mstr.Expect{Index: 1, Answer: value})
	ans, err := plan.Answer(t.Context(), 1, []mstr.Prompt{a, b})
	if err != nil || len(ans) != 2 {
		t.Fatalf("round 1: %v, %v", ans, err)
	}
	// Round 2 lists the nested prompt between the answered ones.
	a.Closed, b.Closed = true, true
	_, err = plan.Answer(t.Context(), 2, []mstr.Prompt{a, n, b})
	var pe *mstr.PromptError
	if !errors.As(err, &pe) || pe.Key != n.Key || pe.Round != 2 {
		t.Fatalf("err = %v, want a PromptError naming the nested prompt", err)
	}
}

func TestPromptAnswerJSON(t *testing.T) {
	t.Parallel()
	p := mstr.Prompt{ID: "ID1", Key: "ID1@0@10"}
	tests := []struct {
		name string
		a    mstr.PromptAnswer
		want string
	}{
		{"value", mstr.ValueAnswer(p, "2400"), `{"answers":"2400","key":"ID1@0@10","type":"VALUE"}`},
		{"elements", mstr.ElementsAnswer(p, mstr.Element{ID: "h2024;ATTR", Name: "2024"}), `{"answers":[{"id":"h2024;ATTR","name":"2024"}],"key":"ID1@0@10","type":"ELEMENTS"}`},
		{"default", mstr.PromptAnswer{Key: p.Key, Type: mstr.PromptElements, UseDefault: true}, `{"key":"ID1@0@10","type":"ELEMENTS","useDefault":true}`},
		{"by id", mstr.PromptAnswer{ID: "ID1", Type: mstr.PromptValue, Value: "q"}, `{"answers":"q","id":"ID1","type":"VALUE"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := json.Marshal(tt.a)
			if err != nil || string(b) != tt.want {
				t.Errorf("JSON = %s, %v; want %s", b, err, tt.want)
			}
		})
	}
}

func TestAnswerFunc(t *testing.T) {
	t.Parallel()
	p := mstr.Prompt{Key: "A@0@10", Name: "A", Type: mstr.PromptValue}
	var a mstr.Answerer = mstr.AnswerFunc(func(_ context.Context, round int, prompts []mstr.Prompt) ([]mstr.PromptAnswer, error) {
		if round != 3 || len(prompts) != 1 {
			return nil, errors.New("unexpected call")
		}
		return []mstr.PromptAnswer{mstr.ValueAnswer(prompts[0], "2400")}, nil
	})
	ans, err := a.Answer(t.Context(), 3, []mstr.Prompt{p})
	if err != nil || len(ans) != 1 {
		t.Fatalf("Answer = %v, %v", ans, err)
	}
}
