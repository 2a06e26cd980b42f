package fuzz_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"mime"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/mailconv/mailconv/imap"
)

// refNormalize is the test's own line-end normalization, on the whole
// input at once.
func refNormalize(b []byte) []byte {
	var out bytes.Buffer
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '\r':
			out.WriteString("\r\n")
			if i+1 < len(b) && b[i+1] == '\n' {
				i++
			}
		case '\n':
			out.WriteString("\r\n")
		case 0:
		default:
			out.WriteByte(b[i])
		}
	}
	return out.Bytes()
}

// FuzzNormalize checks the streaming normalizer against a whole-input
// reference, with one-byte reads so that every CR/LF split is exercised:
// same bytes, size, digest; no bare CR, bare LF or NUL left; the header
// length ends at the first empty line.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"", "\r", "\n", "\r\r\n", "a\rb\nc\r\n", "Subject: x\n\nbody", "H: v\r\n\r\nb\x00\x00", "no header\r",
		"From: a\xe9\r\n\r\n", "\n\nbody", "a\r\n\r"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var out bytes.Buffer
		n, err := imap.Normalize(&out, iotest.OneByteReader(bytes.NewReader(in)))
		if err != nil {
			t.Fatal(err)
		}
		want := refNormalize(in)
		if !bytes.Equal(out.Bytes(), want) {
			t.Fatalf("Normalize(%q) = %q, want %q", in, out.Bytes(), want)
		}
		sum := sha256.Sum256(want)
		if n.Size != int64(len(want)) || n.Digest != hex.EncodeToString(sum[:]) {
			t.Fatalf("size %d digest %s for %q", n.Size, n.Digest, want)
		}
		o := out.Bytes()
		if bytes.IndexByte(o, 0) >= 0 || bytes.Count(o, []byte("\r")) != bytes.Count(o, []byte("\n")) || bytes.Count(o, []byte("\r\n")) != bytes.Count(o, []byte("\n")) {
			t.Fatalf("bare CR, LF or NUL left in %q", o)
		}
		if i := bytes.Index(o, []byte("\r\n\r\n")); i >= 0 && !bytes.HasPrefix(o, []byte("\r\n")) {
			if n.HeaderLen != int64(i+4) {
				t.Fatalf("HeaderLen %d, blank line ends at %d in %q", n.HeaderLen, i+4, o)
			}
		}
		if n.HeaderLen > n.Size {
			t.Fatalf("HeaderLen %d > Size %d", n.HeaderLen, n.Size)
		}
	})
}

// FuzzRepairHeader checks the 8-bit header repair: no 8-bit byte is left,
// lines without 8-bit bytes are unchanged, the line structure stays CRLF,
// encoded-words stay within 75 characters, and for UTF-8 headers decoding
// the repaired unstructured text gives back the original.
func FuzzRepairHeader(f *testing.F) {
	for _, s := range []string{
		"Subject: Gr\xc3\xbc\xc3\x9fe aus K\xc3\xb6ln\r\n\r\n",
		"From: \"J\xf6rg M\xfcller\" <jm@x.de>\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\n",
		"Subject: a\r\n \xe9t\xe9\r\n",
		"Content-Disposition: attachment; filename=\"r\xc3\xa9sum\xc3\xa9.pdf\"\r\n",
		"X-\xff: v\r\n", "Subject: " + strings.Repeat("\xc3\xa9", 100) + "\r\n", "\xe9",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, hdr []byte) {
		hdr = refNormalize(hdr)
		cs := imap.DetectHeaderCharset(hdr)
		fixed, _ := imap.RepairHeader(hdr, cs)
		// Every line without 8-bit bytes is still there, in order.
		outLines := strings.Split(string(fixed), "\r\n")
		j := 0
		for _, l := range strings.Split(string(hdr), "\r\n") {
			if has8(l) {
				continue
			}
			for j < len(outLines) && outLines[j] != l {
				j++
			}
			if j == len(outLines) {
				t.Fatalf("7-bit line %q lost or changed: %q -> %q", l, hdr, fixed)
			}
			j++
		}
		for _, c := range fixed {
			if c >= 0x80 {
				t.Fatalf("8-bit byte left in %q", fixed)
			}
		}
		for _, w := range strings.Fields(string(fixed)) {
			if i := strings.Index(w, "=?"); i >= 0 {
				if e := strings.Index(w[i:], "?="); e > 75 {
					t.Fatalf("encoded-word longer than 75: %q", w)
				}
			}
		}
		oneLine := !bytes.Contains(bytes.TrimSuffix(hdr, []byte("\r\n")), []byte("\r\n"))
		if cs == "utf-8" && bytes.HasPrefix(hdr, []byte("Subject: ")) && !bytes.Contains(hdr[9:], []byte("=?")) && oneLine {
			line := strings.TrimSuffix(string(hdr[9:]), "\r\n")
			got := strings.TrimSuffix(string(fixed[9:]), "\r\n")
			dec, err := new(mime.WordDecoder).DecodeHeader(strings.ReplaceAll(got, "\r\n", ""))
			if err == nil && dec != line && !strings.Contains(line, "  ") && !strings.Contains(line, "\t") {
				t.Fatalf("decoding %q gives %q, want %q", got, dec, line)
			}
		}
	})
}

func has8(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return true
		}
	}
	return false
}

// FuzzIMAPAddress: ParseAddress never panics, never accepts a password,
// and what it accepts formats back to an address that parses the same.
func FuzzIMAPAddress(f *testing.F) {
	for _, s := range []string{"imaps://me@host", "imap://me%40x.org@h:143/A/B%20C", "imaps://me:pw@h", "//u@[::1]:993/x",
		"imaps://@h", "imaps://u@h:0", "imaps://u@h//x", "imap://u@h?x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := imap.ParseAddress(s, true)
		if err != nil {
			return
		}
		if strings.Contains(s, ":") && a.User == "" {
			t.Fatalf("accepted %q without user", s)
		}
		b, err := imap.ParseAddress(a.String(), false)
		if err != nil {
			t.Fatalf("%q -> %q does not parse: %v", s, a.String(), err)
		}
		if b.User != a.User || b.Host != a.Host || b.Port != a.Port || b.TLS != a.TLS || !b.Prefix.Equal(a.Prefix) {
			t.Fatalf("%q -> %+v -> %q -> %+v", s, a, a.String(), b)
		}
	})
}

var _ = io.EOF
