package migrate

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
		require.NoError(t, sp.fill(context.Background(), io.MultiReader(bytes.NewReader(msg))))
		inFile := sp.size > int64(len(sp.mem))
		assert.Equal(t, n > limit, inFile, "message of %d bytes, SpoolMemory %d: in file %v, %d bytes in memory", n, limit, inFile, len(sp.mem))
		assert.LessOrEqual(t, len(sp.mem), limit, "message of %d bytes, SpoolMemory %d: in file %v, %d bytes in memory", n, limit, inFile, len(sp.mem))
		back, err := io.ReadAll(sp.reader())
		assert.NoError(t, err, "message of %d bytes: read back %d bytes, %v", n, len(back), err)
		// bytes.Equal rather than assert.Equal: a failure prints lengths, not 100 KiB dumps.
		assert.True(t, bytes.Equal(back, msg), "message of %d bytes: read back %d bytes, %v", n, len(back), err)
		sum := sha256.Sum256(msg)
		d := sp.d.sum()
		assert.Equal(t, sum[:16], d[:], "message of %d bytes: digest %x", n, d)
	}
	assert.Equal(t, 8<<20, DefaultSpoolMemory, "DefaultSpoolMemory %d: update the limits table in docs/hardening.md", DefaultSpoolMemory)
}
