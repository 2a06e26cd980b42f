package fuzz_test

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"

	"github.com/mailconv/mailconv/pop3"
)

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
		d := pop3.NewDotReader(bufio.NewReaderSize(iotest.OneByteReader(bytes.NewReader(in)), 16))
		got, err := io.ReadAll(d)
		if ok {
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("%q: got %q, %v; want %q", in, got, err, want)
			}
			return
		}
		if !errors.Is(err, pop3.ErrConnection) {
			t.Fatalf("%q without terminator: err %v", in, err)
		}
		if !bytes.HasPrefix(want, got) && !bytes.HasPrefix(got, want) {
			t.Fatalf("%q: partial %q is not a prefix of %q", in, got, want)
		}
	})
}

// FuzzPOP3Address: ParseAddress never panics and refuses passwords,
// folders and line breaks.
func FuzzPOP3Address(f *testing.F) {
	for _, s := range []string{"pop3s://me@host", "pop3://me@h:110", "pop3://me:pw@h", "pop3://u@h/x", "//u%0d%0a@h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := pop3.ParseAddress(s, false)
		if err != nil {
			return
		}
		if a.User == "" || a.Host == "" || bytes.ContainsAny([]byte(a.User), "\r\n") {
			t.Fatalf("accepted %q as %+v", s, a)
		}
	})
}
