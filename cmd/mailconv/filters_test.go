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
