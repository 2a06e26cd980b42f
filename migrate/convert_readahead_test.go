package migrate

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mailconv/mailconv"
)

// fakeReader is a MailboxReader over in-memory messages that reuses its
// Message (as real readers do) and can fail.
type fakeReader struct {
	msgs    [][]byte
	i       int
	r       *bytes.Reader
	m       mailconv.Message
	readErr int // message index whose Read fails halfway (-1: none)
	nextErr int // message index at which Next fails (-1: none)
}

var errFake = errors.New("fake failure")

func (f *fakeReader) Next() (*mailconv.Message, error) {
	if f.i == f.nextErr {
		return nil, errFake
	}
	if f.i >= len(f.msgs) {
		return nil, io.EOF
	}
	f.m.Reset()
	f.m.ID = fmt.Sprint(f.i)
	f.m.Keywords = append(f.m.Keywords, fmt.Sprintf("k%d", f.i))
	f.r = bytes.NewReader(f.msgs[f.i])
	f.i++
	return &f.m, nil
}

func (f *fakeReader) Read(p []byte) (int, error) {
	if f.i-1 == f.readErr && f.r.Len() <= len(f.msgs[f.i-1])/2 {
		return 0, errFake
	}
	return f.r.Read(p)
}

func (f *fakeReader) Close() error { return nil }

// TestReadAhead: the read-ahead reader yields the same messages, metadata
// and octets as the reader itself, whether the consumer reads each message
// whole, in odd sizes, partly or not at all; errors of Read and Next come
// through in place; close leaves no goroutine behind.
func TestReadAhead(t *testing.T) {
	before := runtime.NumGoroutine()
	rng := rand.New(rand.NewSource(2))
	var msgs [][]byte
	for _, size := range []int{0, 1, 100, readAheadChunk - 1, readAheadChunk, readAheadChunk + 1, 3*readAheadChunk + 5, 10, 7 * readAheadChunk} {
		m := make([]byte, size)
		rng.Read(m)
		msgs = append(msgs, m)
	}
	for mode := 0; mode < 4; mode++ {
		ra := newReadAhead(&fakeReader{msgs: msgs, readErr: -1, nextErr: -1})
		for i := 0; ; i++ {
			m, err := ra.Next()
			if err == io.EOF {
				require.Equal(t, len(msgs), i, "mode %d: EOF after %d messages", mode, i)
				break
			}
			require.NoError(t, err)
			require.Equal(t, fmt.Sprint(i), m.ID, "mode %d message %d: %+v", mode, i, m)
			require.Equal(t, []string{fmt.Sprintf("k%d", i)}, m.Keywords, "mode %d message %d: %+v", mode, i, m)
			var got []byte
			switch mode {
			case 0: // whole
				got, err = io.ReadAll(ra)
			case 1: // odd sizes
				buf := make([]byte, 1+rng.Intn(100000))
				for {
					n, rerr := ra.Read(buf[:1+rng.Intn(len(buf))])
					got = append(got, buf[:n]...)
					if rerr == io.EOF {
						break
					}
					if rerr != nil {
						err = rerr
						break
					}
				}
			case 2: // a part only
				got = make([]byte, len(msgs[i])/3)
				_, err = io.ReadFull(ra, got)
			case 3: // nothing
				got = nil
			}
			require.NoError(t, err, "mode %d message %d: %v", mode, i, err)
			want := msgs[i]
			if mode == 2 {
				want = want[:len(want)/3]
			}
			if mode != 3 {
				// bytes.Equal rather than require.Equal: a failure prints lengths, not a dump of random bytes.
				require.True(t, bytes.Equal(got, want), "mode %d message %d: %d bytes, want %d", mode, i, len(got), len(want))
			}
		}
		ra.close()
	}
	// a Read error in message 4 and a Next error at message 2
	ra := newReadAhead(&fakeReader{msgs: msgs, readErr: 4, nextErr: -1})
	for i := 0; i < 4; i++ {
		ra.Next()
	}
	_, err := ra.Next()
	require.NoError(t, err)
	_, err = io.ReadAll(ra)
	require.ErrorIs(t, err, errFake, "read error: %v", err)
	_, err = ra.Next()
	require.ErrorIs(t, err, errFake, "Next after a read error: %v", err)
	ra.close()
	ra = newReadAhead(&fakeReader{msgs: msgs, readErr: -1, nextErr: 2})
	ra.Next()
	ra.Next()
	_, err = ra.Next()
	require.ErrorIs(t, err, errFake, "next error: %v", err)
	ra.close()
	// closed in the middle of a large message
	ra = newReadAhead(&fakeReader{msgs: msgs, readErr: -1, nextErr: -1})
	for i := 0; i < 7; i++ {
		ra.Next()
	}
	ra.Read(make([]byte, 10))
	ra.close()
	ra.close()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	n := runtime.NumGoroutine()
	require.LessOrEqual(t, n, before, "%d goroutines after close, %d before", n, before)
}
