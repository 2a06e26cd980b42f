package migrate

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"testing"
)

// TestLimitSpoolMemory: a message of SpoolMemory bytes is held in memory;
// one byte more goes to a temporary file. Both read back whole, with the
// digest of their octets.
func TestLimitSpoolMemory(t *testing.T) {
	const limit = 100 << 10
	sp := &spool{dir: t.TempDir(), limit: limit, d: newDigester()}
	defer sp.close()
	for _, n := range []int{limit, limit + 1, limit} {
		msg := bytes.Repeat([]byte("0123456789abcdef\n"), n/17+1)[:n]
		if err := sp.fill(context.Background(), io.MultiReader(bytes.NewReader(msg))); err != nil {
			t.Fatal(err)
		}
		inFile := sp.size > int64(len(sp.mem))
		if inFile != (n > limit) || len(sp.mem) > limit {
			t.Errorf("message of %d bytes, SpoolMemory %d: in file %v, %d bytes in memory", n, limit, inFile, len(sp.mem))
		}
		back, err := io.ReadAll(sp.reader())
		if err != nil || !bytes.Equal(back, msg) {
			t.Errorf("message of %d bytes: read back %d bytes, %v", n, len(back), err)
		}
		sum := sha256.Sum256(msg)
		if d := sp.d.sum(); !bytes.Equal(d[:], sum[:16]) {
			t.Errorf("message of %d bytes: digest %x", n, d)
		}
	}
	if DefaultSpoolMemory != 8<<20 {
		t.Errorf("DefaultSpoolMemory %d: update the limits table in docs/hardening.md", DefaultSpoolMemory)
	}
}
