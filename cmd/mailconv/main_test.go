package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/mailconv/mailconv/migrate"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runCLI runs the command in-process. A conversion that succeeds is then
// verified (see verifyAfterConvert).
func runCLI(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	rep := ""
	if len(args) > 0 && args[0] == "convert" {
		args, rep = convertArgs(args)
		if rep != "" {
			defer os.RemoveAll(filepath.Dir(rep))
		}
	}
	code := run(context.Background(), args, &out, &errb)
	if len(args) > 0 && args[0] == "convert" && (code == exitOK || code == exitLossy) {
		verifyAfterConvert(args)
	}
	return code, out.String(), errb.String()
}

func TestConvertSampleExitOKAndReport(t *testing.T) {
	dst := filepath.Join(t.TempDir(), "out")
	rep := filepath.Join(t.TempDir(), "r.json")
	code, _, stderr := runCLI("convert", "../../testdata/sample-mbox", "mbox:"+dst, "--report", rep)
	require.Equal(t, exitOK, code, stderr)
	var r migrate.Report
	b, err := os.ReadFile(rep)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &r))
	assert.Equal(t, 6, r.Totals.MessagesRead)
	assert.Equal(t, 6, r.Totals.MessagesWritten)
	assert.Equal(t, "mbox", r.Source.Format)
	assert.Len(t, r.Mailboxes, 4)
	assert.FileExists(t, filepath.Join(dst, "Archive.sbd", "Réunions"))
}

func TestConvertExitLossyOnRename(t *testing.T) {
	src := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(src, ".hidden"), nil, 0o644)) // ignored (hidden)
	require.NoError(t, os.MkdirAll(filepath.Join(src, ".dot"), 0o755))
	// a folder whose name a file system tree cannot take as it is: a
	// leading dot is escaped
	require.NoError(t, os.MkdirAll(filepath.Join(src, "sub"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(src, "sub", "x"), []byte("From a@b Mon Jan  1 00:00:00 2001\nSubject: x\n\ny\n"), 0o644))
	f := filepath.Join(src, "Inbox")
	require.NoError(t, os.WriteFile(f, []byte("From a@b Mon Jan  1 00:00:00 2001\nSubject: x\n\ny\n"), 0o644))
	// a single-file destination cannot take two mailboxes: refused before
	// anything is written, a usage error (issue 12 item 1; it was a
	// failure half-way through)
	code, _, stderr := runCLI("convert", "--opt", "single=true", src, "mbox:"+filepath.Join(t.TempDir(), "one"))
	assert.Equal(t, exitUsage, code, stderr)
}

func TestUsageErrors(t *testing.T) {
	code, _, _ := runCLI()
	assert.Equal(t, exitUsage, code)
	code, _, _ = runCLI("frobnicate")
	assert.Equal(t, exitUsage, code)
	code, _, _ = runCLI("convert", "only-one-arg")
	assert.Equal(t, exitUsage, code)
	code, _, stderr := runCLI("convert", "../../testdata/sample-mbox", t.TempDir()+"/x")
	assert.Equal(t, exitUsage, code, "destination without a format prefix")
	assert.Contains(t, stderr, "format prefix")
	code, _, stderr = runCLI("convert", "--opt", "nope=1", "../../testdata/sample-mbox", "mbox:"+t.TempDir()+"/x")
	assert.Equal(t, exitUsage, code, stderr)
	// the folder above a store: unknown, with a hint at the store below
	above := t.TempDir()
	require.NoError(t, os.CopyFS(filepath.Join(above, "Eudora"), os.DirFS("../../testdata/eudora-sample")))
	code, _, stderr = runCLI("inspect", above)
	assert.Equal(t, exitUsage, code, stderr)
	assert.Contains(t, stderr, filepath.Join(above, "Eudora")+" looks like a eudora store")
	// a destination that is not empty
	dst := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dst, "keep"), []byte("x"), 0o644))
	code, _, stderr = runCLI("convert", "../../testdata/sample-mbox", "mbox:"+dst)
	assert.Equal(t, exitUsage, code, stderr)
	b, _ := os.ReadFile(filepath.Join(dst, "keep"))
	assert.Equal(t, "x", string(b), "nothing in a non-empty destination is touched")
}

func TestMissingSourceFails(t *testing.T) {
	code, _, _ := runCLI("convert", "mbox:/nonexistent/x", "mbox:"+t.TempDir()+"/o")
	assert.Equal(t, exitFailure, code)
}

func TestInspectJSON(t *testing.T) {
	code, out, stderr := runCLI("inspect", "--json", "../../testdata/sample-mbox")
	require.Equal(t, exitOK, code, stderr)
	var inv migrate.Inventory
	require.NoError(t, json.Unmarshal([]byte(out), &inv))
	assert.Equal(t, "mbox", inv.Format)
	assert.Equal(t, 6, inv.Totals.Messages)
	counts := map[string]int{}
	for _, mb := range inv.Mailboxes {
		counts[mb.Path.String()] = mb.Messages
	}
	assert.Equal(t, map[string]int{"INBOX": 3, "Archive": 1, "Archive/Réunions": 1, "Drafts": 1}, counts)
}
