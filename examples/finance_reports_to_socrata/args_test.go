package main

import (
	"slices"
	"testing"
)

func TestJoinBoolValues(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want []string }{
		{[]string{"--replace"}, []string{"--replace"}},
		{[]string{"--replace", "True"}, []string{"--replace=True"}},
		{[]string{"-replace", "false", "-v"}, []string{"-replace=false", "-v"}},
		{[]string{"--month", "8", "--replace", "FALSE", "--year", "2024"}, []string{"--month", "8", "--replace=FALSE", "--year", "2024"}},
		{[]string{"--replace", "--dry-run"}, []string{"--replace", "--dry-run"}},
		{[]string{"--replace", "yes"}, []string{"--replace", "yes"}},
		{[]string{"--replace=true", "false"}, []string{"--replace=true", "false"}},
		{[]string{"--dry-run", "true"}, []string{"--dry-run", "true"}}, // only the named flags
		{[]string{"--", "--replace", "true"}, []string{"--", "--replace", "true"}},
		{[]string{"replace", "true"}, []string{"replace", "true"}},
		{nil, []string{}},
	}
	for _, tt := range tests {
		if got := joinBoolValues(tt.in, "replace"); !slices.Equal(got, tt.want) {
			t.Errorf("joinBoolValues(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
