package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// Set at link time by dist/build.sh:
//
//	go build -ldflags "-X main.version=1.2.0 -X main.commit=0123abcd -X main.buildDate=2026-12-05T10:00:00Z"
//
// They are never changed at run time. Left empty, the module version and
// the version-control settings Go records in the binary are used.
var (
	version   string
	commit    string
	buildDate string
)

func init() {
	commands["version"] = command{
		summary: "print the version, commit, Go version and platform of this binary",
		run:     runVersion,
	}
}

// versionInfo is what mailconv version prints.
type versionInfo struct {
	Version  string `json:"version"`
	Commit   string `json:"commit,omitempty"`
	Date     string `json:"date,omitempty"`
	Modified bool   `json:"modified,omitempty"`
	Go       string `json:"go"`
	OS       string `json:"os"`
	Arch     string `json:"arch"`
}

// buildVersion combines the link-time stamps (which win) with the build
// information Go embeds (bi may be nil): the main module's version ("go
// install ...@v1.2.0") and the vcs.* settings of a build from a checkout.
func buildVersion(stampVersion, stampCommit, stampDate string, bi *debug.BuildInfo, goos, goarch string) versionInfo {
	v := versionInfo{Version: stampVersion, Commit: stampCommit, Date: stampDate, OS: goos, Arch: goarch, Go: runtime.Version()}
	if bi != nil {
		v.Go = bi.GoVersion
		if v.Version == "" && bi.Main.Version != "" {
			v.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if v.Commit == "" {
					v.Commit = s.Value
				}
			case "vcs.time":
				if v.Date == "" {
					v.Date = s.Value
				}
			case "vcs.modified":
				v.Modified = stampCommit == "" && s.Value == "true"
			}
		}
	}
	if v.Version == "" {
		v.Version = "(devel)"
	}
	return v
}

func runVersion(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("version", "[--json]", stderr)
	asJSON := fs.Bool("json", false, "print as JSON")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return exitUsage
	}
	bi, _ := debug.ReadBuildInfo()
	v := buildVersion(version, commit, buildDate, bi, runtime.GOOS, runtime.GOARCH)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(v); err != nil {
			fmt.Fprintln(stderr, "mailconv:", err)
			return exitFailure
		}
		return exitOK
	}
	fmt.Fprintf(stdout, "mailconv %s\n", v.Version)
	if v.Commit != "" {
		mod := ""
		if v.Modified {
			mod = " (modified)"
		}
		fmt.Fprintf(stdout, "commit:   %s%s\n", v.Commit, mod)
	}
	if v.Date != "" {
		fmt.Fprintf(stdout, "built:    %s\n", v.Date)
	}
	fmt.Fprintf(stdout, "go:       %s\n", v.Go)
	fmt.Fprintf(stdout, "platform: %s/%s\n", v.OS, v.Arch)
	return exitOK
}
