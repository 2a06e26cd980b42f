package pop3

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// A DotReader undoes the byte-stuffing of a RETR answer and stops at the
// terminating line (this was ExampleDotReader while the constructor was
// exported).
func TestDotReaderStopsAtTerminator(t *testing.T) {
	wire := "Subject: dots\r\n\r\n..leading dot\r\n.\r\n+OK next response\r\n"
	br := bufio.NewReader(strings.NewReader(wire))
	msg, err := io.ReadAll(newDotReader(br))
	if err != nil {
		t.Fatal(err)
	}
	if want := "Subject: dots\r\n\r\n.leading dot\r\n"; string(msg) != want {
		t.Fatalf("got %q, want %q", msg, want)
	}
	if rest, _ := io.ReadAll(br); string(rest) != "+OK next response\r\n" {
		t.Fatalf("the next response was consumed: %q left", rest)
	}
}

// refUnstuff is the test's own POP3 unstuffing on a whole input: lines are
// split after LF; the line "." (with CRLF or LF) ends; a leading dot is
// dropped. ok is false when no terminating line exists.
func refUnstuff(in []byte) (out []byte, ok bool) {
	for len(in) > 0 {
		i := bytes.IndexByte(in, '\n')
		if i < 0 {
			return out, false
		}
		line := in[:i+1]
		in = in[i+1:]
		if string(line) == ".\r\n" || string(line) == ".\n" {
			return out, true
		}
		if line[0] == '.' {
			line = line[1:]
		}
		out = append(out, line...)
	}
	return out, false
}

// FuzzDotReader compares the streaming DotReader, fed one byte at a time
// through a tiny buffer, with the whole-input reference.
func FuzzDotReader(f *testing.F) {
	for _, s := range []string{".\r\n", "a\r\n.\r\n", "..\r\n.\r\n", ".x\r\n..y\r\n.\r\nrest", "no end", "a\n.\n", ".\r", "\r\n.\r\n", "x.\r\n.\r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		want, ok := refUnstuff(in)
		d := newDotReader(bufio.NewReaderSize(iotest.OneByteReader(bytes.NewReader(in)), 16))
		got, err := io.ReadAll(d)
		if ok {
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("%q: got %q, %v; want %q", in, got, err, want)
			}
			return
		}
		if !errors.Is(err, ErrConnection) {
			t.Fatalf("%q without terminator: err %v", in, err)
		}
		if !bytes.HasPrefix(want, got) && !bytes.HasPrefix(got, want) {
			t.Fatalf("%q: partial %q is not a prefix of %q", in, got, want)
		}
	})
}
