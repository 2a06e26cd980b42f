package mh_test

import (
	"bytes"
	"testing"

	"github.com/mailconv/mailconv/mh"
)

// FuzzSequences: any .mh_sequences bytes give sequences, problems or a
// typed error, never a panic, and memory bounded by the file (ranges are
// never expanded).
func FuzzSequences(f *testing.F) {
	for _, s := range []string{
		"unseen: 1 3-5\n", "cur: 7\nflagged: 1-1000000\n", "a: 5-3\n", "b: 0 -1 4294967296\n",
		"long: 1\n 2 3\n\t9-10\n", ":\n", "x 1\n", "unseen: 2147483647\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		seqs, problems, err := mh.ParseSequences(bytes.NewReader(data), "f", 1<<16)
		if err != nil {
			return
		}
		_ = problems
		for _, s := range seqs {
			for i, r := range s {
				if r.Lo == 0 || r.Hi < r.Lo || r.Hi > mh.MaxMessageNumber {
					t.Fatalf("bad range %v", r)
				}
				if i > 0 && uint64(s[i-1].Hi)+1 >= uint64(r.Lo) {
					t.Fatalf("ranges not merged: %v", s)
				}
				if !s.Has(r.Lo) || !s.Has(r.Hi) {
					t.Fatalf("Has(%v) false", r)
				}
			}
		}
	})
}

// FuzzMarks: any mark file gives marks or a typed error, never a panic.
func FuzzMarks(f *testing.F) {
	f.Add([]byte("\x02\x00\x00\x00\x01\x00\x00\x00\x02\x00\x00\x00"))
	f.Add([]byte("\x00\x00\x00\x02\x00\x00\x00\x01\x00\x00\x00\x04\x00"))
	f.Add([]byte("\x03"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := mh.ParseMarks(bytes.NewReader(data), "m", 1<<16)
		if err == nil && len(m) > len(data)/8 {
			t.Fatalf("%d records from %d bytes", len(m), len(data))
		}
	})
}
