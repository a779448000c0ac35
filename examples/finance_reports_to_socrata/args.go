package main

import (
	"slices"
	"strconv"
	"strings"
)

// joinBoolValues rewrites "--name VALUE" (or "-name VALUE") into
// "--name=VALUE" for the named boolean flags when VALUE is a boolean
// literal (strconv.ParseBool: true, True, TRUE, false, False, 1, 0, t, f).
// Go's flag package reads a separated value of a boolean flag as a
// positional argument, but runbooks write "--replace True"; this keeps that
// form working as it reads. Any other following word is left alone (the job
// takes no positional argument, so it is refused as a usage error, never
// read as true), and so is everything after "--".
func joinBoolValues(args []string, names ...string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(out, args[i:]...)
		}
		name := strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
		if name != a && slices.Contains(names, name) && i+1 < len(args) {
			if _, err := strconv.ParseBool(args[i+1]); err == nil {
				out = append(out, a+"="+args[i+1])
				i++
				continue
			}
		}
		out = append(out, a)
	}
	return out
}
