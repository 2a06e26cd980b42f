package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExtrasCommand(t *testing.T) {
	store := writeTree(t, map[string]string{"Sigs/Standard.txt": "-- \r\nMe\r\n"})
	out := t.TempDir()
	code, stdout, stderr := runCmd(t, "extras", store, out)
	if code != exitOK || !strings.Contains(stdout, `signature "Standard" -> Signatures/Standard.txt`) {
		t.Fatalf("%d %q %q", code, stdout, stderr)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "Signatures", "Standard.txt")); string(b) != "-- \r\nMe\r\n" {
		t.Fatalf("%q", b)
	}
}
