package eudoratest

import "testing"

// docs/formats/eudora.md §2.8: the Content-ID of the real fixture hashes to 0x277BFD3A on
// both platforms, and the empty string to 1.
func TestHash(t *testing.T) {
	if h := Hash("part1.08010409.03060503@arlut.utexas.edu"); h != 0x277BFD3A {
		t.Errorf("hash %#x", h)
	}
	if h := Hash(""); h != 1 {
		t.Errorf("empty %#x", h)
	}
}
