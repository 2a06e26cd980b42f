package storeroot

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type testEntry string

func (e testEntry) EntryID() string { return "id-" + string(e) }

// TestFilesTakeSkipsUnreadable: an entry the reader passes over counts as
// read; the next Take goes on after the entry returned.
func TestFilesTakeSkipsUnreadable(t *testing.T) {
	c := &Files[testEntry]{Entries: []testEntry{"bad", "good", "next"}}
	var tried []testEntry
	for e, ok := c.Take(); ok; e, ok = c.Take() {
		tried = append(tried, e)
		if e == "bad" {
			continue
		}
		break
	}
	assert.Equal(t, []testEntry{"bad", "good"}, tried)
	id, err := c.PeekID()
	require.NoError(t, err)
	assert.Equal(t, "id-next", id)
}

// TestFilesWalk walks three entries the way a reader's Next and a resumed
// run's PeekID/Skip do, on real files: Release closes what Hold kept, Read
// reads what SetBody set and nothing after Release.
func TestFilesWalk(t *testing.T) {
	dir := t.TempDir()
	open := func(name, content string) *os.File {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
		f, err := os.Open(p)
		require.NoError(t, err)
		return f
	}
	c := &Files[testEntry]{Entries: []testEntry{"a", "b", "c"}}

	id, err := c.PeekID()
	require.NoError(t, err)
	assert.Equal(t, "id-a", id)
	e, ok := c.Peek()
	assert.True(t, ok)
	assert.Equal(t, testEntry("a"), e, "Peek does not move")
	require.NoError(t, c.Skip())
	id, err = c.PeekID()
	require.NoError(t, err)
	assert.Equal(t, "id-b", id)

	e, ok = c.Take()
	require.True(t, ok)
	assert.Equal(t, testEntry("b"), e)
	f, att := open("b", "message b"), open("b.att", "attachment")
	c.Hold(f)
	c.Hold(att)
	c.SetBody(io.MultiReader(f, att))
	got, err := io.ReadAll(c)
	require.NoError(t, err)
	assert.Equal(t, "message battachment", string(got))

	// Skip releases the current message before passing over "c".
	require.NoError(t, c.Skip())
	_, err = f.Read(make([]byte, 1))
	assert.ErrorIs(t, err, os.ErrClosed, "the message file is closed")
	_, err = att.Read(make([]byte, 1))
	assert.ErrorIs(t, err, os.ErrClosed, "the attachment file is closed")
	n, err := c.Read(make([]byte, 4))
	assert.Equal(t, 0, n)
	assert.ErrorIs(t, err, io.EOF)

	_, err = c.PeekID()
	assert.ErrorIs(t, err, io.EOF)
	_, ok = c.Peek()
	assert.False(t, ok)
	assert.ErrorIs(t, c.Skip(), io.EOF)
	_, ok = c.Take()
	assert.False(t, ok)

	h := open("h", "x")
	c.Hold(h)
	_, ok = c.Take()
	assert.False(t, ok)
	_, err = h.Read(make([]byte, 1))
	assert.ErrorIs(t, err, os.ErrClosed, "Take releases the current message")

	g := open("c", "x")
	c.Hold(g)
	c.SetBody(g)
	require.NoError(t, c.Close())
	_, err = g.Read(make([]byte, 1))
	assert.ErrorIs(t, err, os.ErrClosed, "Close releases the current message")
}

// TestFilesZero: the zero value is an empty mailbox.
func TestFilesZero(t *testing.T) {
	var c Files[testEntry]
	_, err := c.PeekID()
	assert.ErrorIs(t, err, io.EOF)
	assert.ErrorIs(t, c.Skip(), io.EOF)
	_, ok := c.Take()
	assert.False(t, ok)
	n, err := c.Read(make([]byte, 1))
	assert.Equal(t, 0, n)
	assert.ErrorIs(t, err, io.EOF)
	assert.NoError(t, c.Close())
}

// TestFilesCloseError: Close reports a file that fails to close (here one
// already closed behind its back); Release forgets it either way.
func TestFilesCloseError(t *testing.T) {
	p := filepath.Join(t.TempDir(), "m")
	require.NoError(t, os.WriteFile(p, []byte("x"), 0o644))
	f, err := os.Open(p)
	require.NoError(t, err)
	var c Files[testEntry]
	c.Hold(f)
	require.NoError(t, f.Close())
	assert.ErrorIs(t, c.Close(), os.ErrClosed)
	assert.NoError(t, c.Close(), "nothing is held any more")
}
