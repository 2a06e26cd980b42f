//go:build unix

package main

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Named pipes where a store has files or folders (a hostile or damaged
// copy) never hang a command: each returns, and what is real is read.
func TestPipesNeverBlock(t *testing.T) {
	src := filepath.Join(t.TempDir(), "eudora")
	require.NoError(t, os.CopyFS(src, os.DirFS("../../testdata/eudora-sample")))
	require.NoError(t, os.WriteFile(filepath.Join(src, "NNdbase.txt"), []byte("alias bob bob@example.org\r\n"), 0o644))
	for _, p := range []string{"Eudora.ini", "Junk.toc", filepath.Join("attach", "report.pdf"), "Nickname", "Sigs", "Stationery", "Filters.pce"} {
		full := filepath.Join(src, p)
		require.NoError(t, os.RemoveAll(full))
		require.NoError(t, syscall.Mkfifo(full, 0o644))
	}
	out := t.TempDir()
	for i, args := range [][]string{
		{"inspect", src},
		{"convert", src, "maildir:" + filepath.Join(out, "m")},
		{"contacts", src, filepath.Join(out, "c.ldif")},
		{"filters", src, filepath.Join(out, "f.sieve")},
		{"extras", src, filepath.Join(out, "x")},
	} {
		done := make(chan int, 1)
		var stderr string
		go func() {
			code, _, e := runCLI(args...)
			stderr = e
			done <- code
		}()
		select {
		case code := <-done:
			t.Logf("%v: exit %d", args[0], code)
			switch i {
			case 1:
				assert.Equal(t, exitLossy, code, stderr) // the PDF is a reported loss
			case 2:
				assert.Equal(t, exitOK, code, stderr)
			}
		case <-time.After(60 * time.Second):
			t.Fatalf("%v blocked on a named pipe", args)
		}
	}
	b, err := os.ReadFile(filepath.Join(out, "c.ldif"))
	require.NoError(t, err)
	assert.Contains(t, string(b), "mail: bob@example.org")
}
