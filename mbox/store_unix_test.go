//go:build unix

package mbox

import (
	"context"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailconv/mailconv"
)

// A named pipe in a tree is reported and not opened (opening it would
// block until something writes to it).
func TestPipeInTreeNotRead(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{"Inbox": mboxFile("in")})
	require.NoError(t, syscall.Mkfifo(filepath.Join(root, "Pipe"), 0o644))
	var evs []mailconv.Event
	st, err := Open(context.Background(), root, &mailconv.Options{Events: func(e mailconv.Event) {
		if e.Kind != mailconv.EventInfo {
			evs = append(evs, e)
		}
	}})
	require.NoError(t, err)
	assert.Equal(t, map[string][]string{"INBOX": {"in"}}, treeContents(t, st))
	require.Len(t, evs, 1)
	assert.Equal(t, "mbox.not-a-file", evs[0].Code)
}
