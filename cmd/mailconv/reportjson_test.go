package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Issue 12 item 17: the report's empty lists are [] (never null), unknown
// offsets are left out instead of written as -1, inspect --json carries no
// empty report dated 0001-01-01, the progress bar counts in MiB like the
// summary, and "mailconv help CMD" writes to stdout.
func TestReportJSONShape(t *testing.T) {
	out := t.TempDir()
	rep := filepath.Join(out, "r.json")
	code, _, stderr := runBinary(t, nil, "convert", "--progress", "always", "../../testdata/sample-mbox", "maildir:"+filepath.Join(out, "m"), "--report", rep)
	require.Equal(t, exitOK, code, stderr)
	b, err := os.ReadFile(rep)
	require.NoError(t, err)
	var raw map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(b, &raw))
	for _, k := range []string{"skips", "losses", "renames", "warnings"} {
		assert.Equal(t, "[]", string(raw[k]), "%s of a clean conversion", k)
	}
	assert.NotContains(t, string(b), "null")

	// The progress bar and the summary use binary units (the sample is
	// about 2 KiB: SI units would print "kB").
	assert.Regexp(t, `/[0-9.]+ KiB\)`, stderr, "the bar's total, in KiB")
	assert.NotContains(t, stderr, " kB")

	// A warning without a byte offset (an address book Eudora does not use).
	src := writeTree(t, map[string]string{
		"NNdbase.txt": "alias ann ann@example.com\r\n",
		"NNdbase.nnt": "alias old old@example.com\r\n",
	})
	crep := filepath.Join(out, "c.json")
	code, _, stderr = runBinary(t, nil, "contacts", "--report", crep, src, filepath.Join(out, "book.ldif"))
	require.Contains(t, []int{exitOK, exitLossy}, code, stderr)
	b, err = os.ReadFile(crep)
	require.NoError(t, err)
	assert.Contains(t, string(b), "addressbook.nnt-ignored")
	assert.Contains(t, string(b), `"file": "NNdbase.nnt"`)
	assert.NotContains(t, string(b), `"offset": -1`)

	// inspect --json: the reader's events without a conversion report's
	// empty fields.
	code, stdout, stderr := runBinary(t, nil, "inspect", "--json", "../../testdata/eudora-sample")
	require.Equal(t, exitOK, code, stderr)
	assert.NotContains(t, stdout, "0001-01-01")
	assert.NotContains(t, stdout, "null")
	var inv struct {
		Events map[string]json.RawMessage `json:"events"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &inv))
	assert.NotContains(t, inv.Events, "started")
	assert.NotContains(t, inv.Events, "destination")
	assert.Equal(t, "[]", string(inv.Events["skips"]))

	// help for a command is asked-for output.
	for _, cmd := range []string{"convert", "verify", "inspect", "contacts", "filters", "extras"} {
		code, stdout, stderr = runBinary(t, nil, "help", cmd)
		assert.Equal(t, exitOK, code, cmd)
		assert.True(t, strings.HasPrefix(stdout, "Usage: mailconv "+cmd), "help %s on stdout: %q", cmd, stdout)
		assert.Empty(t, stderr, cmd)
	}
}
