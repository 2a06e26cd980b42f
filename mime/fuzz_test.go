package mime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
	"testing"
	"testing/fstest"
	"testing/iotest"
	"unicode/utf8"

	_ "github.com/emersion/go-message/charset"
)

// mimeSeeds are stored Eudora messages in the shapes docs/formats/eudora.md §2 describes.
var mimeSeeds = []string{
	"From: a@example.com\r\nSubject: Caf\xe9\r\nContent-Type: multipart/alternative; boundary=\"b\"\r\n\r\n<x-html>\r\n<BASE HREF=\"http://x/\">\r\n<html><img src=\"cid:part1.08010409.03060503@arlut.utexas.edu\"><img src=\"logo.gif\"></html>\r\n</x-html>\r\n\r\nEmbedded Content: e.gif: 00000001,277bfd3a,00000000,00000000\r\n\r\nAttachment Converted: \"C:\\Eudora\\attach\\a.pdf\"\r\n#Attachment Converted: \"C:\\x\\b.pdf\"\r\n",
	"From: a@example.com\rContent-Type: multipart/mixed; boundary=\"b\"\r\r<x-flowed UTF-8>Gr\xc3\xbc\xc3\x9fe \rmore</x-flowed>\r<x-html><!x-stuff-for-pete base=\"\" src=\"\" id=\"0\" charset=\"iso-8859-1/macintosh\">\r<p>Caf\x8e</p>\r</x-html>\rRelated: :Macintosh HD:p.jpg:0022466E:277BFD3A:00000000:00000000\rAttachment converted: Macintosh HD:a.pdf (PDF /CARO) (00000042)\r",
	"To: bob@example.com\r\nFrom: alice@example.com\r\nCc: \r\nX-Attachments: C:\\Docs\\a.pdf; C:\\Docs\\missing.doc;\r\nX-EmbeddedContent: <cid:x@y=C:\\E\\e.gif>\r\nMessage-Id: abc@x\r\n\r\n<html><img src=\"cid:x@y\"></html>\r\n",
	"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"XYZ\"\r\n\r\n--XYZ\r\nContent-Type: text/plain\r\n\r\nhello\r\n--XYZ--\r\n",
	"From: a\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPrice 10\x80 \xe2\x80\x9cok\xe2\x80\x9d\r\n<x-rich>\r\n<bold>x</bold>\r\n</x-rich>\r\n<x-charset iso-8859-2>\xb1\r\n</x-charset>\r\n\x00\x00",
}

func FuzzMimeTokenizer(f *testing.F) {
	for _, s := range mimeSeeds {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, mac bool) {
		p := Windows
		if mac {
			p = Mac
		}
		lim := Limits{MaxLineBytes: 64, MaxNesting: 3}
		tz := newTokenizer(bytes.NewReader(body), p, lim)
		var all bytes.Buffer
		for n := 0; ; n++ {
			tok, err := tz.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if n > 4*len(body)+4 {
				t.Fatal("too many tokens")
			}
			if tok.Offset != int64(all.Len()) {
				t.Fatalf("token at %d, want %d", tok.Offset, all.Len())
			}
			if len(tok.Raw) == 0 {
				t.Fatalf("empty token %+v", tok)
			}
			if tok.Depth > 3 {
				t.Fatalf("depth %d, limit 3", tok.Depth)
			}
			if tok.EOL < 0 || tok.EOL > 2 || tok.EOL > len(tok.Raw) {
				t.Fatalf("bad EOL %+v", tok)
			}
			if tok.Kind == tokText && len(tok.Raw)-tok.EOL > 64 {
				t.Fatalf("line piece of %d bytes over MaxLineBytes", len(tok.Raw)-tok.EOL)
			}
			if tok.Kind == tokMarker && tok.Ref.Name == "" {
				t.Fatalf("marker without a name: %q", tok.Raw)
			}
			all.Write(tok.Raw)
		}
		if !bytes.Equal(all.Bytes(), body) {
			t.Fatalf("tokens do not add up to the body")
		}
	})
}

func FuzzMimeParseMarker(f *testing.F) {
	for _, s := range []string{
		`Attachment Converted: "c:\users\x\attach\a.txt"`,
		`Attachment converted: D:\x\b c.doc`,
		`Embedded Content: k.jpg: 00000001,277bfd3a,00000000,00000000`,
		`Attachment Converted: k.jpg: 1,2,3,4`,
		`Attachment converted: Macintosh HD:a/b (TEXT/ttxt) (00000042)`,
		`Attachment converted: HD:old (Type: 'TEXT' Creator: 'ttxt')`,
		`Related: :Macintosh HD:my%20x.jpg:0022466E:277BFD3A:00000000:00000000`,
		"Pi\xe8ce jointe convertie : \"C:\\a.pdf\"",
		`#Attachment Converted: "c:\x"`,
		`Attachment Converted&#058; x`,
		`Run Plugin:"C:\x 1 2"`,
	} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, line string, mac bool) {
		p := Windows
		if mac {
			p = Mac
		}
		ref, kind := ParseMarker(line, p)
		if kind != FileMarker {
			if ref != (Ref{}) {
				t.Fatalf("non-marker with a ref: %+v", ref)
			}
			return
		}
		if ref.Line != line || ref.Name == "" || ref.Path == "" {
			t.Fatalf("incomplete ref %+v", ref)
		}
		if strings.Contains(ref.Name, "/") || !utf8.ValidString(ref.Name) {
			t.Fatalf("bad name %q", ref.Name)
		}
		if ref.Kind == RefAttachment && ref.Hashes != [4]uint32{} {
			t.Fatalf("attachment with hashes %+v", ref)
		}
		if ref.Kind == RefAttachment && ref.MacType == "" && strings.ContainsAny(ref.Name, `\`) && !mac {
			t.Fatalf("windows name with a separator %q", ref.Name)
		}
	})
}

// fuzzResolver serves a few files; "evil" is outside the root.
type fuzzResolver struct{ fs fstest.MapFS }

func (r fuzzResolver) Open(ref Ref) (io.ReadCloser, int64, error) {
	if ref.Name == "evil" {
		return nil, 0, fmt.Errorf("refused: %w", errOutside)
	}
	dir := map[RefKind]string{RefAttachment: "attach", RefEmbedded: "embedded", RefRelated: "parts"}[ref.Kind]
	if !fs.ValidPath(ref.Name) {
		return nil, 0, fs.ErrNotExist
	}
	f, err := r.fs.Open(path.Join(dir, ref.Name))
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		f.Close()
		return nil, 0, fs.ErrNotExist // a real resolver opens regular files only
	}
	return f, st.Size(), nil
}

var errOutside = errors.New("outside")

func FuzzMimeRebuild(f *testing.F) {
	for _, s := range mimeSeeds {
		f.Add([]byte(s), false, false)
		f.Add([]byte(s), true, false)
		f.Add([]byte(s), false, true)
	}
	files := fstest.MapFS{
		"attach/a.pdf":   {Data: []byte("%PDF\x00\x01")},
		"attach/a.txt":   {Data: []byte("a\rb\nc\r\n")},
		"embedded/e.gif": {Data: []byte("GIF89a")},
		"parts/p.jpg":    {Data: []byte("\xff\xd8")},
	}
	var fileBytes int
	for _, f := range files {
		fileBytes += len(f.Data)
	}
	f.Fuzz(func(t *testing.T, msg []byte, mac, composition bool) {
		p := Windows
		if mac {
			p = Mac
		}
		lim := Limits{MaxLineBytes: 256, MaxParts: 16, MaxAttachments: 8, MaxNesting: 3, MaxHeaderBytes: 4096}
		res, err := Rebuild(context.Background(), bytes.NewReader(msg), RebuildOptions{
			Platform: p, Resolver: fuzzResolver{files}, Composition: composition, Limits: lim})
		if err != nil {
			t.Fatal(err)
		}
		defer res.Close()
		out, err := io.ReadAll(res)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Rebuilt {
			if !bytes.Equal(out, msg) {
				t.Fatal("passed through but changed")
			}
			return
		}
		// Bounded: QP triples at worst, each part adds its headers, each
		// file at most 4/3 of twice the largest file (CRLF doubling).
		if max := 4*len(msg) + 2048*(len(res.Refs)+lim.MaxParts+2) + 4*fileBytes*len(res.Refs); len(out) > max {
			t.Fatalf("output %d bytes for %d input", len(out), len(msg))
		}
		checkParses(t, out)
	})
}

// checkParses reads the output with go-message, walking every part, and
// checks each leaf's encoding: 7bit parts are ASCII with short lines.
func checkParses(t *testing.T, out []byte) {
	t.Helper()
	_, parts := parseOutput(t, out, true)
	for _, p := range parts {
		checkEncoded(t, p.CTE, p.EncodedIn)
	}
}

// checkEncoded checks a leaf's body as encoded in the message: a 7bit one
// holds ASCII lines of at most 998 bytes, a quoted-printable or base64 one
// lines of at most 76; no other encoding is written.
func checkEncoded(t *testing.T, cte string, data []byte) {
	switch cte {
	case "7bit":
		for _, line := range bytes.Split(data, []byte("\r\n")) {
			if len(line) > 998 {
				t.Fatalf("7bit line of %d bytes", len(line))
			}
			for _, c := range line {
				if c >= 0x80 || c == 0 || c == '\r' || c == '\n' {
					t.Fatalf("7bit part holds byte %#x", c)
				}
			}
		}
	case "quoted-printable", "base64":
		for _, line := range bytes.Split(data, []byte("\r\n")) {
			if len(line) > 76 {
				t.Fatalf("%s line of %d bytes", cte, len(line))
			}
		}
	default:
		t.Fatalf("CTE %q", cte)
	}
}

// FuzzSniffContentType: any content gives a type and never a panic; text
// types carry a charset, others none; the same bytes give the same answer
// however the reader splits them.
func FuzzSniffContentType(f *testing.F) {
	for _, s := range []string{"%PDF-1.4\n", "\x89PNG\r\n\x1a\n", "PK\x03\x04\x14\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x08\x00\x00\x00\x08\x00\x00\x00mimetypeapplication/x", "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + strings.Repeat("\x00", 600),
		"-----BEGIN PGP SIGNATURE-----\n", "caf\xe9\n", "Gr\xc3\xbc\xc3", "BM\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x28\x00\x00\x00", "\xff\xfb\x90\x64"} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, mac bool) {
		fallback := "windows-1252"
		if mac {
			fallback = "macintosh"
		}
		s, err := SniffContentType(bytes.NewReader(data), fallback)
		if err != nil {
			t.Fatal(err)
		}
		if s.Type == "" || strings.ContainsAny(s.Type, " ;\r\n") {
			t.Fatalf("type %q", s.Type)
		}
		if (s.Charset != "") != strings.HasPrefix(s.Type, "text/") && s.Type != "text/rtf" {
			t.Fatalf("%s with charset %q", s.Type, s.Charset)
		}
		again, err := SniffContentType(iotest.OneByteReader(bytes.NewReader(data)), fallback)
		if err != nil || again != s {
			t.Fatalf("byte-at-a-time reader: %+v %v, whole: %+v", again, err, s)
		}
	})
}
