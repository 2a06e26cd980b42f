package eudora

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"

	"github.com/mailconv/mailconv/mime"
)

// decodeLegacy decodes b from the platform's legacy code page
// (Windows-1252 or MacRoman) to UTF-8.
func decodeLegacy(b []byte, p mime.Platform) string {
	ascii := true
	for _, c := range b {
		if c >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return string(b)
	}
	cm := charmap.Windows1252
	if p == mime.Mac {
		cm = charmap.Macintosh
	}
	var sb strings.Builder
	sb.Grow(len(b) + len(b)/2)
	for _, c := range b {
		sb.WriteRune(cm.DecodeByte(c))
	}
	return sb.String()
}

// decodeCString decodes a NUL-terminated string held in a fixed field.
func decodeCString(b []byte, p mime.Platform) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return decodeLegacy(b, p)
}

// decodePascal decodes a Pascal string (length byte first) held in a fixed
// field; the length is capped to the field. utf8 tells that the bytes are
// UTF-8 rather than MacRoman (Mac summary flag bit 31).
func decodePascal(b []byte, p mime.Platform, isUTF8 bool) string {
	if len(b) == 0 {
		return ""
	}
	n := int(b[0])
	if n > len(b)-1 {
		n = len(b) - 1
	}
	s := b[1 : 1+n]
	if isUTF8 && utf8.Valid(s) {
		return string(s)
	}
	return decodeLegacy(s, p)
}

// decodeFileName turns a file name as found on disk into a display string:
// valid UTF-8 (what a copy made by a modern system holds) is kept and put
// in NFC (macOS stores decomposed names), anything else is decoded from the
// platform's legacy code page (a raw copy of a Windows-1252 or MacRoman
// name).
func decodeFileName(name string, p mime.Platform) string {
	if utf8.ValidString(name) {
		return norm.NFC.String(name)
	}
	return decodeLegacy([]byte(name), p)
}

// fold returns the key used for case-insensitive name comparison.
func fold(s string) string {
	return strings.ToLower(norm.NFC.String(s))
}
