package foldfs

import (
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
)

func TestLookup(t *testing.T) {
	fsys := fstest.MapFS{
		"Eudora/NNdbase.txt": {Data: []byte("a")},
		"Eudora/nndbase.TXT": {Data: []byte("b")},
		"Eudora/Sigs/x.txt":  {Data: []byte("c")},
	}
	p, ok := Lookup(fsys, "Eudora", "nndbase.TXT")
	assert.True(t, ok)
	assert.Equal(t, "Eudora/nndbase.TXT", p, "an exact match wins")
	p, ok = Lookup(fsys, "Eudora", "SIGS")
	assert.True(t, ok)
	assert.Equal(t, "Eudora/Sigs", p)
	_, ok = Lookup(fsys, "Eudora", "Filters.pce")
	assert.False(t, ok)
	_, ok = Lookup(fsys, "missing", "x")
	assert.False(t, ok)
}
