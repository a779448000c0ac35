package jobkit

import (
	"fmt"
	"runtime/debug"
)

// BuildVersion returns the module version, the VCS revision and whether the
// tree had local changes, from the binary's build info ("(devel)" and ""
// when the build recorded none: go run, or a build outside a checkout).
func BuildVersion() (version, revision string, modified bool) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)", "", false
	}
	version = bi.Main.Version
	if version == "" {
		version = "(devel)"
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	return version, revision, modified
}

// Version is the version the logs carry: the module version, and the short
// VCS revision when the build recorded one ("+dirty" for local changes).
func Version() string {
	v, rev, modified := BuildVersion()
	if rev == "" {
		return v
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if modified {
		rev += "+dirty"
	}
	return v + " (" + rev + ")"
}

// VersionLine is what --version prints.
func VersionLine(name string) string {
	v, rev, modified := BuildVersion()
	if rev == "" {
		rev = "unknown (not recorded in this build)"
	}
	path := "github.com/cityofaustin/atd-executive-dashboard"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Path != "" {
		path = bi.Main.Path
	}
	line := fmt.Sprintf("%s %s\nmodule %s\nrevision %s", name, v, path, rev)
	if modified {
		line += " (modified)"
	}
	return line
}
