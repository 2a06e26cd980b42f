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

// TestFilesPendingSkipsUnreadable: an entry the reader passes over is
// read, the next Pending goes on after the entry returned.
func TestFilesPendingSkipsUnreadable(t *testing.T) {
	c := &Files[testEntry]{Entries: []testEntry{"bad", "good", "next"}}
	var tried []testEntry
	for e := range c.Pending() {
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
	require.NoError(t, c.Skip())
	id, err = c.PeekID()
	require.NoError(t, err)
	assert.Equal(t, "id-b", id)

	var f, att *os.File
	for e := range c.Pending() {
		assert.Equal(t, testEntry("b"), e)
		f, att = open("b", "message b"), open("b.att", "attachment")
		c.Hold(f)
		c.Hold(att)
		c.SetBody(io.MultiReader(f, att))
		break
	}
	require.NotNil(t, f)
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
	assert.ErrorIs(t, c.Skip(), io.EOF)
	for e := range c.Pending() {
		t.Fatalf("entry %q after the last", e)
	}

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
	for e := range c.Pending() {
		t.Fatalf("entry %q in an empty mailbox", e)
	}
	n, err := c.Read(make([]byte, 1))
	assert.Equal(t, 0, n)
	assert.ErrorIs(t, err, io.EOF)
	assert.NoError(t, c.Close())
}
