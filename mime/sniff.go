package mime

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Sniffed is what SniffContentType found out about a file's content.
type Sniffed struct {
	// Type is the media type without parameters ("application/pdf",
	// "text/plain"); application/octet-stream when no rule matched.
	Type string
	// Charset is set for text types: us-ascii, utf-8, or the fallback
	// charset given to SniffContentType.
	Charset string
	// Rule names the rule that decided ("pdf", "png", "ooxml", "ole2",
	// "pgp-armor", "text", "net/http", …); "" when none matched.
	Rule string
}

// sniffHead is how much of a file the magic-number rules look at.
const sniffHead = 16 << 10

// oleMaxOffset bounds how far into a file SniffContentType reads to find
// the directory of an OLE2 compound file.
const oleMaxOffset = 64 << 20

// SniffContentType decides the media type of a file from its content
// (rules in docs/formats/content-sniffing.md), in this order: magic numbers
// of PDF, PNG, JPEG, GIF, TIFF, WAV, BMP, ZIP (Office Open XML and
// OpenDocument told apart by their entries), OLE2 compound files (legacy
// Word, Excel and PowerPoint told apart by their directory), RTF and MP3;
// then, for content that is text, an ASCII-armored OpenPGP block
// (application/pgp-signature, application/pgp-keys,
// application/pgp-encrypted), HTML or XML as net/http recognises them, else
// text/plain; content that is not text gets the binary types net/http
// knows (gzip, Ogg, MP4, fonts, …) or application/octet-stream.
//
// Text is valid UTF-8, or (when fallback names the producer's single-byte
// charset, "windows-1252" or "macintosh") any bytes, with no control bytes
// but TAB, LF, FF, CR and ESC. Its Charset is us-ascii (iso-2022-jp when it
// holds escapes), utf-8, or fallback.
//
// It reads r to its end only when the content may be text (every byte is
// checked) and, for an OLE2 file, up to its directory (at most 64 MiB in);
// it holds at most 16 KiB plus one 4 KiB sector. A read error is returned.
func SniffContentType(r io.Reader, fallback string) (Sniffed, error) {
	head := make([]byte, sniffHead)
	n, err := io.ReadFull(r, head)
	head = head[:n]
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return octetStream(), fmt.Errorf("mime: sniffing: %w", err)
	}
	eof := n < sniffHead
	if s, ok := sniffMagic(head); ok {
		if s.Rule == "ole2" {
			return sniffOLE(head, r)
		}
		return s, nil
	}
	text := newTextScan(fallback)
	text.write(head)
	if !eof && text.ok() {
		buf := make([]byte, 32<<10)
		for text.ok() {
			m, err := r.Read(buf)
			text.write(buf[:m])
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return octetStream(), fmt.Errorf("mime: sniffing: %w", err)
			}
		}
	}
	text.end()
	if !text.ok() || len(head) == 0 {
		// net/http knows a few more binary types (gzip, Ogg, WebM, MP4,
		// fonts, …); its "BM" rule for BMP is too weak to trust.
		if t, _, _ := strings.Cut(http.DetectContentType(head), ";"); !strings.HasPrefix(t, "text/") && t != "image/bmp" && t != octetStreamType {
			return Sniffed{Type: t, Rule: "net/http"}, nil
		}
		return octetStream(), nil
	}
	if s, ok := sniffArmor(head); ok {
		return s, nil
	}
	if t, _, _ := strings.Cut(http.DetectContentType(head), ";"); t == "text/html" || t == "text/xml" {
		return Sniffed{Type: t, Charset: text.charset(), Rule: "net/http"}, nil
	}
	return Sniffed{Type: "text/plain", Charset: text.charset(), Rule: "text"}, nil
}

func octetStream() Sniffed { return Sniffed{Type: "application/octet-stream"} }

// magic is one fixed-prefix rule.
type magic struct {
	prefix string
	typ    string
	rule   string
}

var magics = []magic{
	{"%PDF-", "application/pdf", "pdf"},
	{"\x89PNG\r\n\x1a\n", "image/png", "png"},
	{"\xff\xd8\xff", "image/jpeg", "jpeg"},
	{"GIF87a", "image/gif", "gif"},
	{"GIF89a", "image/gif", "gif"},
	{"II*\x00", "image/tiff", "tiff"},
	{"MM\x00*", "image/tiff", "tiff"},
	{"{\\rtf", "text/rtf", "rtf"},
	{"ID3", "audio/mpeg", "mp3"},
	{"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage", "ole2"},
}

func sniffMagic(b []byte) (Sniffed, bool) {
	for _, m := range magics {
		if bytes.HasPrefix(b, []byte(m.prefix)) {
			return Sniffed{Type: m.typ, Rule: m.rule}, true
		}
	}
	switch {
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WAVE":
		return Sniffed{Type: "audio/wav", Rule: "wav"}, true
	case isBMP(b):
		return Sniffed{Type: "image/bmp", Rule: "bmp"}, true
	case bytes.HasPrefix(b, []byte("PK\x03\x04")):
		return sniffZip(b), true
	case isMP3Frame(b):
		return Sniffed{Type: "audio/mpeg", Rule: "mp3"}, true
	}
	return Sniffed{}, false
}

// isBMP wants more than "BM" (which starts many English words): the
// reserved fields zero and a known DIB header size.
func isBMP(b []byte) bool {
	if len(b) < 18 || b[0] != 'B' || b[1] != 'M' || binary.LittleEndian.Uint32(b[6:]) != 0 {
		return false
	}
	switch binary.LittleEndian.Uint32(b[14:]) {
	case 12, 16, 40, 52, 56, 64, 108, 124:
		return true
	}
	return false
}

// isMP3Frame checks for an MPEG audio layer III frame header without an ID3
// tag: 11 sync bits, a valid version, layer III, a bitrate index that is
// neither free nor bad, and a valid sampling rate.
func isMP3Frame(b []byte) bool {
	if len(b) < 4 || b[0] != 0xff || b[1]&0xe0 != 0xe0 {
		return false
	}
	version := (b[1] >> 3) & 3
	layer := (b[1] >> 1) & 3
	bitrate := b[2] >> 4
	rate := (b[2] >> 2) & 3
	return version != 1 && layer == 1 && bitrate != 0 && bitrate != 15 && rate != 3
}

// sniffZip looks at the local file headers in the head of a ZIP archive:
// an OpenDocument (or EPUB) file starts with a stored "mimetype" entry
// holding its type; an Office Open XML file has "[Content_Types].xml" and
// its parts under word/, xl/ or ppt/.
func sniffZip(b []byte) Sniffed {
	ooxml := false
	for off := 0; ; {
		i := bytes.Index(b[off:], []byte("PK\x03\x04"))
		if i < 0 || off+i+30 > len(b) {
			break
		}
		h := b[off+i:]
		off += i + 4
		method := binary.LittleEndian.Uint16(h[8:])
		size := int(binary.LittleEndian.Uint32(h[18:]))
		nameLen := int(binary.LittleEndian.Uint16(h[26:]))
		extraLen := int(binary.LittleEndian.Uint16(h[28:]))
		if 30+nameLen > len(h) {
			break
		}
		name := string(h[30 : 30+nameLen])
		switch {
		case name == "mimetype" && method == 0:
			data := h[min(30+nameLen+extraLen, len(h)):]
			if size == 0 { // sizes in a data descriptor after the data
				if j := bytes.Index(data, []byte("PK")); j >= 0 {
					size = j
				}
			}
			if size > 0 && size < 100 && size <= len(data) && validMediaType(string(data[:size])) {
				return Sniffed{Type: string(data[:size]), Rule: "zip-mimetype"}
			}
		case name == "[Content_Types].xml":
			ooxml = true
		case ooxml && strings.HasPrefix(name, "word/"):
			return Sniffed{Type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", Rule: "ooxml"}
		case ooxml && strings.HasPrefix(name, "xl/"):
			return Sniffed{Type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Rule: "ooxml"}
		case ooxml && strings.HasPrefix(name, "ppt/"):
			return Sniffed{Type: "application/vnd.openxmlformats-officedocument.presentationml.presentation", Rule: "ooxml"}
		}
	}
	return Sniffed{Type: "application/zip", Rule: "zip"}
}

// validMediaType accepts type/subtype made of the characters media types
// use, so that a stray entry cannot inject header text.
func validMediaType(t string) bool {
	slash := false
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '.', c == '-', c == '+':
		case c == '/' && !slash && i > 0 && i < len(t)-1:
			slash = true
		default:
			return false
		}
	}
	return slash
}

// oleStreams maps the name of a stream in an OLE2 compound file's
// directory to the application that wrote it.
var oleStreams = map[string]string{
	"WordDocument":        "application/msword",
	"Workbook":            "application/vnd.ms-excel",
	"Book":                "application/vnd.ms-excel",
	"PowerPoint Document": "application/vnd.ms-powerpoint",
}

// sniffOLE reads the first directory sector of an OLE2 compound file (its
// header gives the sector size and where the directory starts) and looks
// for the stream that names the application.
func sniffOLE(head []byte, r io.Reader) (Sniffed, error) {
	generic := Sniffed{Type: "application/x-ole-storage", Rule: "ole2"}
	if len(head) < 512 {
		return generic, nil
	}
	shift := binary.LittleEndian.Uint16(head[0x1e:])
	if shift != 9 && shift != 12 {
		return generic, nil
	}
	secSize := int64(1) << shift
	dirSect := int64(binary.LittleEndian.Uint32(head[0x30:]))
	off := (dirSect + 1) * secSize
	if dirSect >= 0xfffffffa || off+secSize > oleMaxOffset {
		return generic, nil
	}
	var sec []byte
	if off+secSize <= int64(len(head)) {
		sec = head[off : off+secSize]
	} else {
		if _, err := io.CopyN(io.Discard, r, off-int64(len(head))); err != nil {
			if errors.Is(err, io.EOF) {
				return generic, nil
			}
			return generic, fmt.Errorf("mime: sniffing: %w", err)
		}
		sec = make([]byte, secSize)
		if _, err := io.ReadFull(r, sec); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return generic, nil
			}
			return generic, fmt.Errorf("mime: sniffing: %w", err)
		}
	}
	for e := 0; e+128 <= len(sec); e += 128 {
		ent := sec[e : e+128]
		nameLen := int(binary.LittleEndian.Uint16(ent[0x40:]))
		if nameLen < 2 || nameLen > 64 || nameLen%2 != 0 {
			continue
		}
		name := make([]rune, 0, nameLen/2-1)
		for i := 0; i+1 < nameLen-2; i += 2 {
			name = append(name, rune(binary.LittleEndian.Uint16(ent[i:])))
		}
		if t, ok := oleStreams[string(name)]; ok {
			return Sniffed{Type: t, Rule: "ole2"}, nil
		}
	}
	return generic, nil
}

// armorTypes maps the OpenPGP armor header lines (RFC 4880 §6.2) to the
// media types of RFC 3156.
var armorTypes = []struct{ line, typ string }{
	{"-----BEGIN PGP SIGNATURE-----", "application/pgp-signature"},
	{"-----BEGIN PGP PUBLIC KEY BLOCK-----", "application/pgp-keys"},
	{"-----BEGIN PGP PRIVATE KEY BLOCK-----", "application/pgp-keys"},
	{"-----BEGIN PGP MESSAGE-----", "application/pgp-encrypted"},
}

// sniffArmor recognises a file that is an ASCII-armored OpenPGP block
// (blank lines before it allowed). A clear-signed message ("BEGIN PGP
// SIGNED MESSAGE") is text and is left to the text rule.
func sniffArmor(b []byte) (Sniffed, bool) {
	b = bytes.TrimLeft(b, " \t\r\n")
	for _, a := range armorTypes {
		if bytes.HasPrefix(b, []byte(a.line)) {
			rest := b[len(a.line):]
			if len(rest) == 0 || rest[0] == '\r' || rest[0] == '\n' {
				return Sniffed{Type: a.typ, Rule: "pgp-armor"}, true
			}
		}
	}
	return Sniffed{}, false
}

// textScan checks, a chunk at a time, whether a file is text: valid UTF-8,
// or (with a fallback charset) single-byte text. Either way no control
// bytes other than TAB, LF, FF, CR and ESC (ISO-2022 escapes) are allowed;
// in windows-1252 the five bytes it leaves undefined are not text either.
type textScan struct {
	fallback  string
	carry     []byte // an incomplete UTF-8 sequence at the end of a chunk
	control   bool
	esc       bool
	nonASCII  bool
	badUTF8   bool
	undefined bool
}

func newTextScan(fallback string) *textScan { return &textScan{fallback: fallback} }

func (s *textScan) write(b []byte) {
	for _, c := range b {
		if c >= 0x20 && c < 0x7f {
			continue
		}
		switch {
		case c == 0x1b:
			s.esc = true
		case c < 0x20 && c != '\t' && c != '\n' && c != '\f' && c != '\r', c == 0x7f:
			s.control = true
		case c >= 0x80:
			s.nonASCII = true
			if s.fallback == "windows-1252" && (c == 0x81 || c == 0x8d || c == 0x8f || c == 0x90 || c == 0x9d) {
				s.undefined = true
			}
		}
	}
	if s.badUTF8 || !s.nonASCII {
		return
	}
	if len(s.carry) > 0 {
		// Complete the sequence the last chunk ended in.
		seq := append(s.carry, b[:min(len(b), utf8.UTFMax-len(s.carry))]...)
		if !utf8.FullRune(seq) {
			s.carry = seq
			return
		}
		r, size := utf8.DecodeRune(seq)
		if r == utf8.RuneError && size <= 1 || size <= len(s.carry) {
			s.badUTF8 = true
			return
		}
		b = b[size-len(s.carry):]
		s.carry = s.carry[:0]
	}
	// Keep an incomplete sequence at the end for the next chunk.
	cut := len(b)
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax+1; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				cut = i
			}
			break
		}
	}
	if !utf8.Valid(b[:cut]) {
		s.badUTF8 = true
		return
	}
	s.carry = append(s.carry[:0], b[cut:]...)
}

// end marks the end of the content: a sequence left incomplete is invalid.
func (s *textScan) end() {
	if len(s.carry) > 0 {
		s.badUTF8 = true
		s.carry = nil
	}
}

func (s *textScan) ok() bool {
	if s.control {
		return false
	}
	if !s.badUTF8 {
		return true
	}
	return s.fallback != "" && !s.undefined
}

func (s *textScan) charset() string {
	switch {
	case !s.nonASCII && s.esc:
		return "iso-2022-jp"
	case !s.nonASCII:
		return "us-ascii"
	case !s.badUTF8:
		return "utf-8"
	}
	return s.fallback
}

// sniff decides a detached file's type from its content (rc, just opened)
// when its name and Mac type do not give a useful one, and looks for the
// armored signature of a flattened multipart/signed whatever its name.
func (b *builder) sniff(f *fileItem, rc io.Reader) {
	signed := b.topType == "multipart/signed"
	if typeByName(displayName(&f.ref), f.ref.MacType) != "" && !signed {
		return
	}
	fallback := "windows-1252"
	if b.p == Mac {
		fallback = "macintosh"
	}
	s, err := SniffContentType(rc, fallback)
	if err != nil {
		return // the read fails again when the part is written, as an error
	}
	if typeByName(displayName(&f.ref), f.ref.MacType) != "" && s.Type != "application/pgp-signature" {
		return
	}
	f.ctype, f.charset = s.Type, s.Charset
}
