package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestExtrasCommand(t *testing.T) {
	store := writeTree(t, map[string]string{"Sigs/Standard.txt": "-- \r\nMe\r\n"})
	out := t.TempDir()
	code, stdout, stderr := runCmd(t, "extras", store, out)
	require.Equal(t, exitOK, code, "%d %q %q", code, stdout, stderr)
	require.Contains(t, stdout, `signature "Standard" -> Signatures/Standard.txt`, "%d %q %q", code, stdout, stderr)
	b, _ := os.ReadFile(filepath.Join(out, "Signatures", "Standard.txt"))
	require.Equal(t, "-- \r\nMe\r\n", string(b), "%q", b)
}
