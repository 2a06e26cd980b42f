package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// copyDir copies the regular files of the tree src into dst (the source is
// only read).
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	require.NoError(t, os.CopyFS(dst, os.DirFS(src)))
}

func writeText(t *testing.T, path, text string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
}

// On Windows the Eudora 7 folder under %APPDATA%, a folder named by the
// registry's command line, one named by DataFolder in Eudora.ini and the
// Thunderbird profiles of %APPDATA%\Thunderbird are found, each with the
// command that converts it; folders that hold no store are not listed.
// (The Windows rules are pure Go; this runs them against a fake APPDATA.)
func TestDiscoverWindows(t *testing.T) {
	appdata := t.TempDir()
	eud := filepath.Join(appdata, "Qualcomm", "Eudora")
	copyDir(t, "../../testdata/eudora-sample", eud)
	other := filepath.Join(t.TempDir(), "Old Eudora")
	copyDir(t, "../../testdata/eudora-sample", other)
	progFiles := t.TempDir()
	writeText(t, filepath.Join(progFiles, "Qualcomm", "Eudora", "DEudora.ini"), "[Settings]\r\nDataFolder="+other+"\r\n")
	regDir := t.TempDir()
	copyDir(t, "../../testdata/eudora-sample", regDir)
	empty := t.TempDir() // named by the registry but holds no store

	tb := filepath.Join(appdata, "Thunderbird")
	writeText(t, filepath.Join(tb, "profiles.ini"), "[General]\r\nStartWithLastProfile=1\r\n\r\n[Profile0]\r\nName=default\r\nIsRelative=1\r\nPath=Profiles/ab12.default\r\nDefault=1\r\n")
	copyDir(t, "../../testdata/sample-mbox", filepath.Join(tb, "Profiles", "ab12.default", "Mail", "Local Folders"))

	env := map[string]string{"APPDATA": appdata, "ProgramFiles": progFiles, "USERPROFILE": t.TempDir()}
	found := discoverStores(discoverEnv{goos: "windows", getenv: func(k string) string { return env[k] }, registry: []string{regDir, empty}})
	got := map[string]string{}
	for _, f := range found {
		got[f.Path] = f.Format + " | " + f.Origin + " | " + f.Command
	}
	local := filepath.Join(tb, "Profiles", "ab12.default", "Mail", "Local Folders")
	assert.Equal(t, map[string]string{
		regDir: "eudora | registry: HKCU\\Software\\Qualcomm\\Eudora\\CommandLine | mailconv convert eudora:" + regDir + " maildir:OUT",
		eud:    "eudora | %APPDATA%\\Qualcomm\\Eudora (Eudora 7) | mailconv convert eudora:" + eud + " maildir:OUT",
		other:  "eudora | DataFolder in " + filepath.Join(progFiles, "Qualcomm", "Eudora", "DEudora.ini") + ` | mailconv convert "eudora:` + other + `" maildir:OUT`,
		local:  `mbox | Thunderbird profile "default", Mail/Local Folders | mailconv convert "mbox:` + local + `" maildir:OUT`,
	}, got)

	// The same places mean nothing for a Linux run.
	assert.Empty(t, discoverStores(discoverEnv{goos: "linux", getenv: func(k string) string { return env[k] }}))
}

// On macOS: ~/Documents/Eudora Folder and ~/Library/Thunderbird (a profile
// given by absolute path).
func TestDiscoverMac(t *testing.T) {
	home := t.TempDir()
	folder := filepath.Join(home, "Documents", "Eudora Folder")
	require.NoError(t, os.MkdirAll(filepath.Join(folder, "Mail Folder"), 0o755))
	writeText(t, filepath.Join(folder, "Mail Folder", "In"), "From ???@??? Tue Dec 14 10:00:00 2004\rSubject: x\r\rbody\r")
	prof := filepath.Join(t.TempDir(), "elsewhere.default")
	writeText(t, filepath.Join(home, "Library", "Thunderbird", "profiles.ini"), "[Profile0]\nName=work\nIsRelative=0\nPath="+prof+"\n")
	copyDir(t, "../../testdata/sample-mbox", filepath.Join(prof, "ImapMail", "imap.example.org"))
	found := discoverStores(discoverEnv{goos: "darwin", getenv: func(k string) string { return map[string]string{"HOME": home}[k] }})
	require.Len(t, found, 2)
	assert.Equal(t, foundStore{Format: "eudora", Path: folder, Origin: "~/Documents/Eudora Folder", Command: "mailconv convert 'eudora:" + folder + "' maildir:OUT"}, found[0])
	assert.Equal(t, filepath.Join(prof, "ImapMail", "imap.example.org"), found[1].Path)
}

// The binary, run with no SRC and a fake HOME on Linux, lists the
// Thunderbird store of ~/.thunderbird and exits 0; with nothing to find it
// says so and exits 1. The source tree is left as it was.
func TestInspectWithoutSourceFindsStores(t *testing.T) {
	bin := binary(t)
	home := t.TempDir()
	writeText(t, filepath.Join(home, ".thunderbird", "profiles.ini"), "[Profile0]\nName=default-release\nIsRelative=1\nPath=x1y2.default-release\n")
	local := filepath.Join(home, ".thunderbird", "x1y2.default-release", "Mail", "Local Folders")
	copyDir(t, "../../testdata/sample-mbox", local)
	before := treeDigest(t, local)

	cmd := exec.Command(bin, "inspect", "--json")
	cmd.Env = append(os.Environ(), "HOME="+home)
	out, err := cmd.Output()
	require.NoError(t, err)
	var found []foundStore
	require.NoError(t, json.Unmarshal(out, &found))
	require.Len(t, found, 1)
	assert.Equal(t, "mbox", found[0].Format)
	assert.Equal(t, local, found[0].Path)
	assert.Equal(t, "mailconv convert 'mbox:"+local+"' maildir:OUT", found[0].Command)
	assert.Equal(t, before, treeDigest(t, local))

	cmd = exec.Command(bin, "inspect")
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	out, err = cmd.CombinedOutput()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, exitFailure, ee.ExitCode())
	assert.Contains(t, string(out), "no Eudora or Thunderbird store found")
}

func TestCommandLineFields(t *testing.T) {
	assert.Equal(t, []string{`C:\Program Files\Qualcomm\Eudora\Eudora.exe`, `C:\Users\me\AppData\Roaming\Qualcomm\Eudora\`, `C:\Users\me\AppData\Roaming\Qualcomm\Eudora\Eudora.ini`},
		commandLineFields(`"C:\Program Files\Qualcomm\Eudora\Eudora.exe" C:\Users\me\AppData\Roaming\Qualcomm\Eudora\ "C:\Users\me\AppData\Roaming\Qualcomm\Eudora\Eudora.ini"`))
	assert.Equal(t, []string{"a", "b c"}, commandLineFields(`  a  "b c`))
	assert.Empty(t, commandLineFields("   "))
}
