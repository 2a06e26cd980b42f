package mime

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf16"
)

func testImage() image.Image {
	m := image.NewPaletted(image.Rect(0, 0, 4, 4), color.Palette{color.Black, color.White})
	m.SetColorIndex(1, 1, 1)
	return m
}

func encoded(t *testing.T, enc func(*bytes.Buffer) error) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := enc(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// zipOf builds a real ZIP archive with the given entries in order;
// "mimetype" is stored, as OpenDocument requires.
func zipOf(t *testing.T, names ...string) []byte {
	return encoded(t, func(b *bytes.Buffer) error {
		w := zip.NewWriter(b)
		for _, n := range names {
			m := zip.Deflate
			body := "<x/>"
			if n == "mimetype" {
				m, body = zip.Store, "application/vnd.oasis.opendocument.text"
			}
			f, err := w.CreateHeader(&zip.FileHeader{Name: n, Method: m})
			if err != nil {
				return err
			}
			if _, err := f.Write([]byte(body)); err != nil {
				return err
			}
		}
		return w.Close()
	})
}

// oleFile builds an OLE2 compound file of 512-byte sectors whose directory
// starts at sector dirSect and holds a root entry and one stream named
// stream (the layout of [MS-CFB] §2.2 and §2.6; the FAT is not needed to
// find the directory, so it is left empty).
func oleFile(dirSect int, stream string) []byte {
	b := make([]byte, 512*(dirSect+2))
	copy(b, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
	binary.LittleEndian.PutUint16(b[0x18:], 0x3e)
	binary.LittleEndian.PutUint16(b[0x1a:], 3)
	binary.LittleEndian.PutUint16(b[0x1c:], 0xfffe)
	binary.LittleEndian.PutUint16(b[0x1e:], 9)
	binary.LittleEndian.PutUint16(b[0x20:], 6)
	binary.LittleEndian.PutUint32(b[0x30:], uint32(dirSect))
	dir := b[512*(dirSect+1):]
	for i, name := range []string{"Root Entry", stream} {
		e := dir[i*128:]
		u := utf16.Encode([]rune(name))
		for j, c := range u {
			binary.LittleEndian.PutUint16(e[2*j:], c)
		}
		binary.LittleEndian.PutUint16(e[0x40:], uint16(2*len(u)+2))
		e[0x42] = byte(5 - 3*i) // root storage, then stream
	}
	return b
}

func bmpFile() []byte {
	b := make([]byte, 54+16*4)
	copy(b, "BM")
	binary.LittleEndian.PutUint32(b[2:], uint32(len(b)))
	binary.LittleEndian.PutUint32(b[10:], 54)
	binary.LittleEndian.PutUint32(b[14:], 40)
	binary.LittleEndian.PutUint32(b[18:], 4)
	binary.LittleEndian.PutUint32(b[22:], 4)
	binary.LittleEndian.PutUint16(b[26:], 1)
	binary.LittleEndian.PutUint16(b[28:], 32)
	return b
}

func wavFile() []byte {
	var b bytes.Buffer
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(36+4))
	b.WriteString("WAVEfmt ")
	binary.Write(&b, binary.LittleEndian, []any{uint32(16), uint16(1), uint16(1), uint32(8000), uint32(8000), uint16(1), uint16(8)})
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, uint32(4))
	b.Write([]byte{128, 130, 126, 128})
	return b.Bytes()
}

// TestSniffContentType covers every rule of SniffContentType with real
// bytes: images from the standard library's encoders, ZIP files from
// archive/zip, the other formats built field by field. Where the `file`
// command is installed, libmagic (an independent reader) must agree on the
// binary samples' types.
func TestSniffContentType(t *testing.T) {
	big := strings.Repeat("plain line of text\n", 2000) // beyond the 16 KiB head
	cases := []struct {
		name, fallback string
		data           []byte
		typ, charset   string
		magic          string // libmagic's type, when it is to be cross-checked
	}{
		{"pdf", "", []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"), "application/pdf", "", "application/pdf"},
		{"png", "", encoded(t, func(b *bytes.Buffer) error { return png.Encode(b, testImage()) }), "image/png", "", "image/png"},
		{"jpeg", "", encoded(t, func(b *bytes.Buffer) error { return jpeg.Encode(b, testImage(), nil) }), "image/jpeg", "", "image/jpeg"},
		{"gif", "", encoded(t, func(b *bytes.Buffer) error { return gif.Encode(b, testImage(), nil) }), "image/gif", "", "image/gif"},
		{"tiff-le", "", []byte("II*\x00\x08\x00\x00\x00\x00\x00"), "image/tiff", "", "image/tiff"},
		{"tiff-be", "", []byte("MM\x00*\x00\x00\x00\x08\x00\x00"), "image/tiff", "", "image/tiff"},
		{"bmp", "", bmpFile(), "image/bmp", "", ""},
		{"bmp-word", "windows-1252", []byte("BMW owners meet on Sunday.\n"), "text/plain", "us-ascii", ""},
		{"zip", "", zipOf(t, "a.txt", "b.txt"), "application/zip", "", "application/zip"},
		{"docx", "", zipOf(t, "[Content_Types].xml", "_rels/.rels", "word/document.xml"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "", ""},
		{"xlsx", "", zipOf(t, "[Content_Types].xml", "_rels/.rels", "xl/workbook.xml"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "", ""},
		{"pptx", "", zipOf(t, "[Content_Types].xml", "_rels/.rels", "ppt/presentation.xml"), "application/vnd.openxmlformats-officedocument.presentationml.presentation", "", ""},
		{"odt", "", zipOf(t, "mimetype", "content.xml"), "application/vnd.oasis.opendocument.text", "", "application/vnd.oasis.opendocument.text"},
		{"doc", "", oleFile(0, "WordDocument"), "application/msword", "", ""},
		{"xls", "", oleFile(0, "Workbook"), "application/vnd.ms-excel", "", ""},
		{"ppt", "", oleFile(0, "PowerPoint Document"), "application/vnd.ms-powerpoint", "", ""},
		{"doc-far-directory", "", oleFile(40, "WordDocument"), "application/msword", "", ""},
		{"ole-other", "", oleFile(0, "Contents"), "application/x-ole-storage", "", ""},
		{"rtf", "", []byte("{\\rtf1\\ansi\\deff0 {\\fonttbl {\\f0 Times;}}\\f0 Hello\\par}\n"), "text/rtf", "", "text/rtf"},
		{"mp3-id3", "", []byte("ID3\x03\x00\x00\x00\x00\x00\x00\xff\xfb\x90\x64"), "audio/mpeg", "", "audio/mpeg"},
		{"mp3-frame", "", append([]byte("\xff\xfb\x90\x64"), make([]byte, 413)...), "audio/mpeg", "", "audio/mpeg"},
		{"wav", "", wavFile(), "audio/wav", "", "audio/x-wav"},
		{"pgp-signature", "", []byte("\n-----BEGIN PGP SIGNATURE-----\nVersion: GnuPG v1\n\niD8DBQE+abc=\n=xyz1\n-----END PGP SIGNATURE-----\n"), "application/pgp-signature", "", ""},
		{"pgp-public-key", "", []byte("-----BEGIN PGP PUBLIC KEY BLOCK-----\r\n\r\nmQENBF=\r\n-----END PGP PUBLIC KEY BLOCK-----\r\n"), "application/pgp-keys", "", ""},
		{"pgp-private-key", "", []byte("-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBF=\n-----END PGP PRIVATE KEY BLOCK-----\n"), "application/pgp-keys", "", ""},
		{"pgp-message", "", []byte("-----BEGIN PGP MESSAGE-----\n\nhQEMA=\n-----END PGP MESSAGE-----\n"), "application/pgp-encrypted", "", ""},
		{"pgp-clearsigned", "", []byte("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA1\n\nhello\n"), "text/plain", "us-ascii", ""},
		{"net/http-gzip", "", []byte("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00"), "application/x-gzip", "", ""},
		{"net/http-html", "windows-1252", []byte("<html><body>caf\xe9</body></html>\n"), "text/html", "windows-1252", ""},
		{"text-ascii", "windows-1252", []byte("Hello,\r\n\tworld\f\r\n"), "text/plain", "us-ascii", ""},
		{"text-iso-2022-jp", "windows-1252", []byte("\x1b$B$3$s\x1b(B\n"), "text/plain", "iso-2022-jp", ""},
		{"text-utf8", "windows-1252", []byte("Grüße, naïve café\n"), "text/plain", "utf-8", ""},
		{"text-utf8-across-head", "windows-1252", []byte(big[:sniffHead-1] + "é" + big), "text/plain", "utf-8", ""},
		{"text-1252", "windows-1252", []byte("caf\xe9 \x93quoted\x94\n"), "text/plain", "windows-1252", ""},
		{"text-macroman", "macintosh", []byte("caf\x8e \xd2quoted\xd3\n"), "text/plain", "macintosh", ""},
		{"bad-utf8-after-head", "", []byte(big + "caf\xc3("), "application/octet-stream", "", ""},
		{"1252-after-head", "windows-1252", []byte(big + "caf\xe9"), "text/plain", "windows-1252", ""},
		{"utf8-cut-at-end", "", []byte(big + "caf\xc3"), "application/octet-stream", "", ""},
		{"not-1252-undefined", "windows-1252", []byte("caf\xe9 \x81\n"), "application/octet-stream", "", ""},
		{"not-utf8-no-fallback", "", []byte("caf\xe9\n"), "application/octet-stream", "", ""},
		{"control-bytes", "windows-1252", []byte("abc\x01\x02def\n"), "application/octet-stream", "", ""},
		{"nul-late", "windows-1252", []byte(big + "\x00"), "application/octet-stream", "", ""},
		{"empty", "windows-1252", nil, "application/octet-stream", "", ""},
	}
	fileCmd, _ := exec.LookPath("file")
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := SniffContentType(bytes.NewReader(c.data), c.fallback)
			if err != nil {
				t.Fatal(err)
			}
			if s.Type != c.typ || s.Charset != c.charset {
				t.Errorf("got %s charset %q (rule %s), want %s charset %q", s.Type, s.Charset, s.Rule, c.typ, c.charset)
			}
			// The same answer whatever sizes the reader returns.
			for _, r := range []io.Reader{iotest.OneByteReader(bytes.NewReader(c.data)), iotest.HalfReader(bytes.NewReader(c.data))} {
				if again, err := SniffContentType(r, c.fallback); err != nil || again != s {
					t.Errorf("short reads: %+v %v, want %+v", again, err, s)
				}
			}
			if c.magic == "" || fileCmd == "" {
				return
			}
			p := filepath.Join(dir, strings.ReplaceAll(c.name, "/", "_"))
			if err := os.WriteFile(p, c.data, 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(fileCmd, "-b", "--mime-type", p).Output()
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimSpace(string(out)); got != c.magic {
				t.Errorf("libmagic says %s, want %s", got, c.magic)
			}
		})
	}
}

// TestSniffReadError: a failing reader gives an error, not a guess.
func TestSniffReadError(t *testing.T) {
	_, err := SniffContentType(&failAfter{data: []byte(strings.Repeat("x", 20<<10))}, "windows-1252")
	if err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("err = %v", err)
	}
}

type failAfter struct{ data []byte }

func (f *failAfter) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, errBoom
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}
