package imap

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

// What happens to a message before APPEND: CRLF line ends, no NUL bytes;
// the size and digest are what Holds compares (this was ExampleNormalize
// while Normalize was exported).
func TestNormalizeReports(t *testing.T) {
	var out bytes.Buffer
	n, err := Normalize(&out, strings.NewReader("Subject: hi\n\nline\rold mac\x00\n"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "Subject: hi\r\n\r\nline\r\nold mac\r\n"; out.String() != want {
		t.Fatalf("got %q, want %q", out.String(), want)
	}
	if got := fmt.Sprint(n.Size, n.BareLF, n.BareCR, n.NUL, n.HeaderLen); got != "30 3 1 1 15" {
		t.Fatalf("size, bare LF, bare CR, NUL, header length: %s", got)
	}
}

// repairHeader rewrites only the words with 8-bit bytes, as encoded-words
// in the charset detectHeaderCharset finds (this was ExampleRepairHeader).
func TestRepairHeaderWords(t *testing.T) {
	hdr := []byte("From: \"J\xc3\xb6rg\" <j@example.de>\r\nSubject: Gr\xc3\xbc\xc3\x9fe aus K\xc3\xb6ln\r\nTo: x@example.org\r\n\r\n")
	cs := detectHeaderCharset(hdr)
	fixed, n := repairHeader(hdr, cs)
	if cs != "utf-8" || n != 2 {
		t.Fatalf("charset %s, %d fields changed", cs, n)
	}
	want := "From: =?utf-8?Q?J=C3=B6rg?= <j@example.de>\nSubject: =?utf-8?Q?Gr=C3=BC=C3=9Fe?= aus =?utf-8?Q?K=C3=B6ln?=\nTo: x@example.org\n\n"
	if got := strings.ReplaceAll(string(fixed), "\r\n", "\n"); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

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
		n, err := Normalize(&out, iotest.OneByteReader(bytes.NewReader(in)))
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
		cs := detectHeaderCharset(hdr)
		fixed, _ := repairHeader(hdr, cs)
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

// FuzzParseResponse checks the upload connection's response parser: any
// input gives a response or an error matching ErrConnection, never a
// panic; a parsed tagged response has a valid tag and status, and its
// response code (when any) is an upper-case atom; APPENDUID arguments
// expand to at most the number asked for, in ascending order.
func FuzzParseResponse(f *testing.F) {
	for _, s := range []string{"+ ", "+", "* OK [CAPABILITY IMAP4rev1 LITERAL+] hi", "U1 OK [APPENDUID 1 5:9] done",
		"U2 NO [LIMIT] slow", "* BYE [UNAVAILABLE] Suggested Backoff Time: 1 ms", "U3 BAD", "* 3 EXISTS", "U1 OK [", "x y z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		r, err := parseResponse(line)
		if err != nil {
			if !errors.Is(err, ErrConnection) || r != nil {
				t.Fatalf("%q: %v, %+v", line, err, r)
			}
			return
		}
		switch r.kind {
		case 't':
			if !validTag(r.tag) || (r.typ != "OK" && r.typ != "NO" && r.typ != "BAD") {
				t.Fatalf("%q: tagged %+v", line, r)
			}
		case '*':
			if r.typ == "" && r.data == "" {
				t.Fatalf("%q: untagged without status or data", line)
			}
		case '+':
		default:
			t.Fatalf("%q: kind %q", line, r.kind)
		}
		if r.code != "" && (r.code != strings.ToUpper(r.code) || !isAtom(r.code)) {
			t.Fatalf("%q: code %q", line, r.code)
		}
		for want := 1; want <= 3; want++ {
			if _, uids, ok := parseAppendUID(r.args, want); ok {
				if len(uids) != want || !slices.IsSorted(uids) {
					t.Fatalf("%q: APPENDUID %v for %d", r.args, uids, want)
				}
			}
		}
	})
}
