package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFiltersCommand(t *testing.T) {
	store := writeTree(t, map[string]string{
		"Filters.pce": "3\r\nrule Work\r\ntransfer Work.fol\\Clients.mbx\r\nincoming\r\nheader From:\r\nverb intersects\r\nvalue team\r\n" +
			"rule Ring\r\nsound ding.wav\r\nincoming\r\nheader Subject:\r\nverb contains\r\nvalue x\r\n",
		"NNdbase.txt": "alias team a@example.com, b@example.com\r\n",
	})
	out := filepath.Join(t.TempDir(), "eudora.sieve")
	code, _, stderr := runCmd(t, "filters", "--separator", ".", store, out)
	if code != exitLossy {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	data, _ := os.ReadFile(out)
	s := string(data)
	for _, want := range []string{`address :all :is "From" ["a@example.com", "b@example.com"]`, `fileinto "Work.Clients";`, `# Eudora action "sound ding.wav"`} {
		if !strings.Contains(s, want) {
			t.Errorf("script lacks %q:\n%s", want, s)
		}
	}
	if !strings.Contains(stderr, "filters.fallback-names") || !strings.Contains(stderr, "filters.unsupported-action") {
		t.Fatalf("report: %s", stderr)
	}
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
	if code != exitLossy || strings.Contains(string(data), "addheader") || !strings.Contains(stderr, "filters.extension-not-allowed") {
		t.Fatalf("default: exit %d\n%s\n%s", code, data, stderr)
	}
	code, _, stderr = runCmd(t, "filters", "--force", "--sieve-extensions", "editheader", store, out)
	data, _ = os.ReadFile(out)
	if !strings.Contains(string(data), `addheader :last "Subject"`) || !strings.Contains(string(data), `"editheader"`) || strings.Contains(stderr, "filters.extension-not-allowed") {
		t.Fatalf("editheader: exit %d\n%s\n%s", code, data, stderr)
	}
	code, _, stderr = runCmd(t, "filters", "--force", "--sieve-extensions", "editheaders", store, out)
	if code != exitUsage || !strings.Contains(stderr, "unknown Sieve extension") {
		t.Fatalf("unknown extension: exit %d: %s", code, stderr)
	}
}
