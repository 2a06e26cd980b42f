package main

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Link-time stamps win over the build information; without them the
// module version and the vcs settings are used.
func TestBuildVersion(t *testing.T) {
	bi := &debug.BuildInfo{GoVersion: "go1.26.1", Main: debug.Module{Path: "github.com/mailconv/mailconv", Version: "v1.4.0"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "feedface"}, {Key: "vcs.time", Value: "2026-01-02T03:04:05Z"}, {Key: "vcs.modified", Value: "true"}}}
	assert.Equal(t, versionInfo{Version: "v1.4.0", Commit: "feedface", Date: "2026-01-02T03:04:05Z", Modified: true, Go: "go1.26.1", OS: "windows", Arch: "arm64"},
		buildVersion("", "", "", bi, "windows", "arm64"))
	assert.Equal(t, versionInfo{Version: "1.5.0", Commit: "0123abcd", Date: "2026-12-05T10:00:00Z", Go: "go1.26.1", OS: "darwin", Arch: "amd64"},
		buildVersion("1.5.0", "0123abcd", "2026-12-05T10:00:00Z", bi, "darwin", "amd64"))
	assert.Equal(t, versionInfo{Version: "(devel)", Go: runtime.Version(), OS: "linux", Arch: "amd64"},
		buildVersion("", "", "", nil, "linux", "amd64"))
}

// The built binary, stamped the way dist/build.sh stamps it, reports the
// stamps, its Go version and its platform.
func TestVersionCommandStamped(t *testing.T) {
	p := filepath.Join(t.TempDir(), "mailconv")
	out, err := exec.Command("go", "build", "-ldflags", "-X main.version=9.8.7 -X main.commit=c0ffee -X main.buildDate=2026-12-05T10:00:00Z", "-o", p, ".").CombinedOutput()
	require.NoError(t, err, string(out))
	out, err = exec.Command(p, "version").CombinedOutput()
	require.NoError(t, err, string(out))
	assert.Equal(t, "mailconv 9.8.7\ncommit:   c0ffee\nbuilt:    2026-12-05T10:00:00Z\ngo:       "+runtime.Version()+"\nplatform: "+runtime.GOOS+"/"+runtime.GOARCH+"\n", string(out))
	out, err = exec.Command(p, "version", "--json").Output()
	require.NoError(t, err)
	var v versionInfo
	require.NoError(t, json.Unmarshal(out, &v))
	assert.Equal(t, "9.8.7", v.Version)
	assert.Equal(t, runtime.GOOS, v.OS)
}
