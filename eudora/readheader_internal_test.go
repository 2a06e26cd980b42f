package eudora

import (
	"bufio"
	"bytes"
	"strings"
	"testing"

	"github.com/mailconv/mailconv"
)

func TestReadHeader(t *testing.T) {
	cases := []struct{ in, head string }{
		{"A: 1\r\nB: 2\r\n\r\nbody\r\n", "A: 1\r\nB: 2\r\n\r\n"},
		{"A: 1\nB: 2\n\nbody\n", "A: 1\nB: 2\n\n"},
		{"A: 1\rB: 2\r\rbody\r", "A: 1\rB: 2\r\r"},
		{"A: 1\r\n\nbody", "A: 1\r\n\n"},
		{"\r\nbody", "\r\n"},
		{"\rbody", "\r"},
		{"A: 1\r\n", "A: 1\r\n"},
		{"A: 1\r\n\r", "A: 1\r\n\r"},
		{"A: 1\r\rX", "A: 1\r\r"},
	}
	for _, c := range cases {
		for _, size := range []int{16, 4096} {
			br := bufio.NewReaderSize(strings.NewReader(c.in), size)
			var buf bytes.Buffer
			if !readHeader(br, &buf, 1<<20) || buf.String() != c.head {
				t.Errorf("%q (buffer %d): head %q", c.in, size, buf.String())
			}
			rest, _ := br.Peek(len(c.in))
			if buf.String()+string(rest) != c.in {
				t.Errorf("%q: lost bytes", c.in)
			}
		}
	}
	br := bufio.NewReader(strings.NewReader(strings.Repeat("X: y\r\n", 100) + "\r\n"))
	var buf bytes.Buffer
	if readHeader(br, &buf, 50) || buf.Len() != 50 {
		t.Errorf("limit: %d", buf.Len())
	}
}

// Both mailbox readers report their findings through the declared optional
// interface (Convert puts them in the report).
var (
	_ mailconv.Detailer = (*mboxReader)(nil)
	_ mailconv.Detailer = (*emptyReader)(nil)
)
