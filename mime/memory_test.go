package mime

import (
	"context"
	"io"
	"runtime"
	"strings"
	"testing"
)

// patternReader yields n bytes of repeated text lines.
type patternReader struct {
	n    int64
	line string
	pos  int
}

func (p *patternReader) Read(b []byte) (int, error) {
	if p.n <= 0 {
		return 0, io.EOF
	}
	k := 0
	for k < len(b) && p.n > 0 {
		c := copy(b[k:], p.line[p.pos:])
		if int64(c) > p.n {
			c = int(p.n)
		}
		k += c
		p.n -= int64(c)
		p.pos = (p.pos + c) % len(p.line)
	}
	return k, nil
}

// bigResolver serves one generated file of the given size.
type bigResolver struct{ size int64 }

func (b bigResolver) Open(ref Ref) (io.ReadCloser, int64, error) {
	return io.NopCloser(&patternReader{n: b.size, line: "\x00\x01\x02binary\xff"}), b.size, nil
}

// heapWatcher samples the heap while the output is consumed.
type heapWatcher struct {
	n, peak uint64
}

func (h *heapWatcher) Write(p []byte) (int, error) {
	h.n += uint64(len(p))
	if h.n >= 4<<20 {
		h.n = 0
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		if ms.HeapInuse > h.peak {
			h.peak = ms.HeapInuse
		}
	}
	return len(p), nil
}

// Memory stays flat for a huge body (spooled to disk past MaxMemoryBytes)
// and a huge attachment (streamed through the base64 encoder).
func TestBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	const bodySize = 24 << 20
	const fileSize = 48 << 20
	hdr := "From: a@example.com\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n<x-flowed>\r\n"
	tail := "</x-flowed>\r\n\r\nAttachment Converted: \"C:\\E\\big.bin\"\r\n"
	msg := io.MultiReader(strings.NewReader(hdr), &patternReader{n: bodySize, line: "a line of flowed text in a huge body \r\n"}, strings.NewReader(tail))
	runtime.GC()
	res, err := Rebuild(context.Background(), msg, RebuildOptions{Resolver: bigResolver{fileSize}, TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Close()
	w := &heapWatcher{}
	n, err := io.Copy(w, res)
	if err != nil {
		t.Fatal(err)
	}
	if n < bodySize+fileSize*4/3 {
		t.Fatalf("output %d bytes", n)
	}
	if w.peak > 32<<20 {
		t.Errorf("heap in use reached %d MiB", w.peak>>20)
	}
	t.Logf("output %d MiB, peak heap in use %d MiB", n>>20, w.peak>>20)
}
