package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFiltersCommand(t *testing.T) {
	store := writeTree(t, map[string]string{
		"Filters.pce": "3\r\nrule Work\r\ntransfer Work.fol\\Clients.mbx\r\nincoming\r\nheader From:\r\nverb intersects\r\nvalue team\r\n" +
			"rule Ring\r\nsound ding.wav\r\nincoming\r\nheader Subject:\r\nverb contains\r\nvalue x\r\n",
		"NNdbase.txt": "alias team a@example.com, b@example.com\r\n",
	})
	out := filepath.Join(t.TempDir(), "eudora.sieve")
	code, _, stderr := runCmd(t, "filters", "--separator", ".", store, out)
	require.Equal(t, exitLossy, code, "exit %d: %s", code, stderr)
	data, _ := os.ReadFile(out)
	s := string(data)
	for _, want := range []string{`address :all :is "From" ["a@example.com", "b@example.com"]`, `fileinto "Work.Clients";`, `# Eudora action "sound ding.wav"`} {
		assert.Contains(t, s, want, "script lacks %q:\n%s", want, s)
	}
	require.Contains(t, stderr, "filters.fallback-names", "report: %s", stderr)
	require.Contains(t, stderr, "filters.unsupported-action", "report: %s", stderr)
}

// Issue 13 item 5: by default the script needs no extension a stock
// Pigeonhole lacks (the Subject change is a comment and a loss);
// --sieve-extensions editheader allows it; an unknown name is a usage
// error.
func TestFiltersSieveExtensions(t *testing.T) {
	store := writeTree(t, map[string]string{
		"Filters.pce": "3\r\nrule Tag\r\nincoming\r\nheader From:\r\nverb contains\r\nvalue boss\r\nsubject [boss] &\r\naddflag x\r\n",
	})
	out := filepath.Join(t.TempDir(), "eudora.sieve")
	code, _, stderr := runCmd(t, "filters", store, out)
	data, _ := os.ReadFile(out)
	require.Equal(t, exitLossy, code, "default: exit %d\n%s\n%s", code, data, stderr)
	require.NotContains(t, string(data), "addheader", "default: exit %d\n%s\n%s", code, data, stderr)
	require.Contains(t, stderr, "filters.extension-not-allowed", "default: exit %d\n%s\n%s", code, data, stderr)
	code, _, stderr = runCmd(t, "filters", "--force", "--sieve-extensions", "editheader", store, out)
	data, _ = os.ReadFile(out)
	require.Contains(t, string(data), `addheader :last "Subject"`, "editheader: exit %d\n%s\n%s", code, data, stderr)
	require.Contains(t, string(data), `"editheader"`, "editheader: exit %d\n%s\n%s", code, data, stderr)
	require.NotContains(t, stderr, "filters.extension-not-allowed", "editheader: exit %d\n%s\n%s", code, data, stderr)
	code, _, stderr = runCmd(t, "filters", "--force", "--sieve-extensions", "editheaders", store, out)
	require.Equal(t, exitUsage, code, "unknown extension: exit %d: %s", code, stderr)
	require.Contains(t, stderr, "unknown Sieve extension", "unknown extension: exit %d: %s", code, stderr)
}
