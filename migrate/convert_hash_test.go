package migrate

import (
	"crypto/sha256"
	"math/rand"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestHashPipe checks the digests computed beside the message loop against
// SHA-256 of the same bytes, for messages around the buffer size, written
// in pieces of random sizes, several messages in a row; and that close
// leaves no goroutine behind.
func TestHashPipe(t *testing.T) {
	before := runtime.NumGoroutine()
	p := newHashPipe()
	rng := rand.New(rand.NewSource(1))
	sizes := []int{0, 1, 100, hashChunk - 1, hashChunk, hashChunk + 1, 2*hashChunk - 1, 3*hashChunk + 5, 7 * hashChunk, 10}
	for _, size := range sizes {
		msg := make([]byte, size)
		rng.Read(msg)
		if size > 40 {
			copy(msg, "Subject: x\r\nMessage-ID: <a@b>\r\n\r\n")
		}
		for b := msg; len(b) > 0; {
			k := min(len(b), 1+rng.Intn(3*hashChunk/2))
			p.Write(b[:k])
			b = b[k:]
		}
		d, n, mid := p.sum()
		full := sha256.Sum256(msg)
		require.Equal(t, full[:16], d[:], "size %d: digest %x n %d, want %x", size, d, n, full[:16])
		require.Equal(t, int64(size), n, "size %d: digest %x n %d, want %x", size, d, n, full[:16])
		want := map[bool]string{true: "<a@b>", false: ""}[size > 40]
		require.Equal(t, want, mid, "size %d: Message-ID %q, want %q", size, mid, want)
	}
	p.close()
	// close waits for the hashing goroutine's wg.Done, which runs just
	// before the goroutine ends: give it time to be gone (a loaded machine
	// under -race took longer than 100 yields). A leaked goroutine stays
	// and still fails the check after the wait.
	for deadline := time.Now().Add(10 * time.Second); runtime.NumGoroutine() > before && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	g := runtime.NumGoroutine()
	require.LessOrEqual(t, g, before, "%d goroutines after close, %d before", g, before)
}
