package fuzz_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/mbox"
)

// addFiles adds every file matching the patterns as a seed.
func addFiles(f *testing.F, patterns ...string) {
	for _, pat := range patterns {
		files, _ := filepath.Glob(pat)
		for _, file := range files {
			if b, err := os.ReadFile(file); err == nil && len(b) < 2<<20 {
				f.Add(b)
			}
		}
	}
}

// FuzzMboxReader reads arbitrary bytes as an mbox with each variant and
// separator policy: no panic, every message readable to its end, and the
// reader never returns more bytes than it was given (plus nothing).
func FuzzMboxReader(f *testing.F) {
	addFiles(f, "../testdata/fixtures/*/*/*mbox*", "../testdata/sample-mbox/*")
	f.Add([]byte("From a@b Mon Jan  1 00:00:00 2001\nSubject: x\nContent-Length: 3\n\nabc\nFrom -\nX: y\n\n"))
	f.Add([]byte("From \rSubject: mac\r\rFrom x\r"))
	f.Add([]byte("From 1826425@xxx Tue Mar 11 01:31:25 +0000 2025\r\nX-GM-THRID: 1\r\nX-Gmail-Labels: Inbox,=?UTF-8?Q?Ouvert?=,\r\n Starred,Unread\r\n\r\nb\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, v := range []mbox.Variant{mbox.VariantAuto, mbox.MboxO, mbox.MboxRD, mbox.MboxCL, mbox.MboxCL2} {
			for _, sep := range []mbox.SeparatorPolicy{mbox.SeparatorsAuto, mbox.SeparatorsLenient} {
				rd, err := mbox.NewReader(bytes.NewReader(data), mbox.ReaderOptions{Variant: v, Separators: sep, MaxHeaderBytes: 4096})
				if err != nil {
					continue
				}
				var total int
				for n := 0; ; n++ {
					m, err := rd.Next()
					if err == io.EOF {
						break
					}
					if err != nil {
						t.Fatalf("Next: %v", err)
					}
					b, err := io.ReadAll(rd)
					if err != nil {
						t.Fatalf("Read: %v", err)
					}
					if m.Size >= 0 && int64(len(b)) != m.Size {
						t.Fatalf("Size %d but %d bytes", m.Size, len(b))
					}
					total += len(b)
					if n > len(data) {
						t.Fatal("more messages than bytes")
					}
				}
				if total > len(data) {
					t.Fatalf("read %d bytes from %d", total, len(data))
				}
			}
		}
	})
}

// FuzzMboxRoundTrip writes arbitrary message octets and flags with the
// mboxrd Writer and reads them back: the same octets and flags must come
// out.
func FuzzMboxRoundTrip(f *testing.F) {
	f.Add([]byte("Subject: x\n\nFrom here\n>From there\n"), byte(1), []byte("Subject: y\r\n\r\nno end"))
	f.Add([]byte(">>From x\r\n\r\n"), byte(0x40), []byte("From \n"))
	f.Add([]byte("X-Gmail-Labels: Inbox,Opened,Starred\r\nSubject: g\r\n\r\nbody\r\n"), byte(0), []byte("X-Gmail-Labels: Unread\n\nx\n"))
	f.Fuzz(func(t *testing.T, a []byte, flags byte, b []byte) {
		msgs := [][]byte{a, b}
		metas := []mailconv.Message{{Flags: mailconv.Flags(flags) & mailconv.AllFlags}, {Flags: mailconv.FlagSeen}}
		for i := range metas {
			if metas[i].Flags&mailconv.FlagNew != 0 {
				metas[i].Flags &^= mailconv.FlagSeen
			}
		}
		var out bytes.Buffer
		w := mbox.NewWriter(&out, mbox.WriterOptions{})
		var written []int
		for i, m := range msgs {
			if !roundTrippable(m, i == 1 && len(written) > 0 && !endsWithEOL(msgs[written[len(written)-1]])) {
				continue
			}
			if err := w.WriteMessage(context.Background(), &metas[i], bytes.NewReader(m)); err != nil {
				t.Fatal(err)
			}
			written = append(written, i)
		}
		w.Close()
		rd, err := mbox.NewReader(bytes.NewReader(out.Bytes()), mbox.ReaderOptions{Variant: mbox.MboxRD})
		if err != nil {
			if len(written) == 0 {
				return
			}
			t.Fatalf("reading back: %v\n%q", err, out.Bytes())
		}
		for _, i := range written {
			m, err := rd.Next()
			if err != nil {
				t.Fatalf("message %d: %v\nfile %q", i, err, out.Bytes())
			}
			got, _ := io.ReadAll(rd)
			if !bytes.Equal(got, msgs[i]) {
				t.Fatalf("message %d:\n got %q\nwant %q\nfile %q", i, got, msgs[i], out.Bytes())
			}
			if m.Flags != metas[i].Flags && !(msgs[i][0] == ' ' || msgs[i][0] == '\t') {
				t.Fatalf("message %d flags %v, want %v", i, m.Flags, metas[i].Flags)
			}
		}
		if _, err := rd.Next(); err != io.EOF {
			t.Fatalf("extra message in %q", out.Bytes())
		}
	})
}

func endsWithEOL(b []byte) bool { return len(b) > 0 && b[len(b)-1] == '\n' }

// roundTrippable excludes what mbox cannot represent, as documented: empty
// messages, messages with CR-only line ends, headers beyond the limit, and
// a message not starting with a header line right after a message without
// a final line end (its From_ line then has no blank line before it).
func roundTrippable(m []byte, afterNoEOL bool) bool {
	if len(m) == 0 || len(m) > 1<<20 {
		return false
	}
	if bytes.Contains(bytes.ReplaceAll(m, []byte("\r\n"), nil), []byte("\r")) {
		return false
	}
	if bytes.HasPrefix(m, []byte("From ")) || bytes.HasPrefix(m, []byte(">")) {
		// a first line that looks like a separator or a quoted one
		return !afterNoEOL
	}
	if afterNoEOL {
		i := bytes.IndexByte(m, ':')
		nl := bytes.IndexByte(m, '\n')
		if i <= 0 || (nl >= 0 && nl < i) || bytes.ContainsAny(m[:i], " \t\r\x00\x7f") {
			return false
		}
		for _, c := range m[:i] {
			if c < 0x21 || c > 0x7e {
				return false
			}
		}
	}
	return true
}
