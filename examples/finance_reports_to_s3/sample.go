package main

import (
	"encoding/json"
	"fmt"

	"github.com/cityofaustin/atd-executive-dashboard/finance"
	"github.com/cityofaustin/atd-executive-dashboard/mstr"
	"github.com/cityofaustin/atd-executive-dashboard/mstr/mstrtest"
)

// Credentials of the embedded sample conversation (not secrets: the fake
// server runs in-process and only for sample mode).
const (
	sampleUser     = "sample-user"
	samplePassword = "sample-password"
	sampleProject  = "00000000000000000000000000000000"
)

// sampleFake builds the fake Library server replaying sample/mstr: each
// report's prompt list, then the data page recorded for the department
// answered (the same page whatever the month).
func sampleFake() (*mstrtest.Fake, error) {
	reports := map[string]*mstrtest.Report{}
	for _, r := range finance.Reports() {
		b, err := sample.ReadFile("sample/mstr/" + string(r.Kind) + "_prompts.json")
		if err != nil {
			return nil, err
		}
		var prompts []mstr.Prompt
		if err := json.Unmarshal(b, &prompts); err != nil {
			return nil, fmt.Errorf("sample: %s prompts: %w", r.Kind, err)
		}
		if len(prompts) == 0 {
			return nil, fmt.Errorf("sample: %s has no prompts", r.Kind)
		}
		deptKey := prompts[0].Key
		kind := r.Kind
		reports[r.ID] = &mstrtest.Report{
			Name:   string(kind),
			Rounds: [][]mstr.Prompt{prompts},
			Pages: func(a mstrtest.Answers, offset, _ int) ([]byte, error) {
				if offset != 0 {
					return nil, fmt.Errorf("the sample has a single page")
				}
				return sample.ReadFile(fmt.Sprintf("sample/mstr/%s_%s.json", kind, a[deptKey].Value))
			},
		}
	}
	return &mstrtest.Fake{Username: sampleUser, Password: samplePassword, ProjectID: sampleProject, Reports: reports}, nil
}
