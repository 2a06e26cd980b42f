package mime

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/transform"
)

// textStats describes the bytes of a text run, gathered line by line while
// tokenizing, so that the charset and transfer encoding can be chosen before
// the run is read again for output.
type textStats struct {
	bytes     int64 // content bytes (line ends not counted)
	lines     int64
	nonASCII  int64 // bytes >= 0x80
	multi     int64 // valid multi-byte UTF-8 sequences
	invalid   int64 // bytes that are not part of valid UTF-8
	invalidHi int64 // invalid bytes outside 0x80–0x9F
	c1        int64 // bytes 0x80–0x9F
	nul       int64
	maxLine   int64
	curLine   int64
	esc       bool // an ESC byte (ISO-2022 text)
	dashEq    bool // a line starting "--=_", which could meet a generated boundary
	blankOnly bool // every line so far is empty
	started   bool
}

// add accounts for one line (or line piece) content. lineStart tells whether
// it begins a line; ends whether the line ends after it.
func (s *textStats) add(content []byte, lineStart, ends bool) {
	if !s.started {
		s.started = true
		s.blankOnly = true
	}
	if len(content) > 0 {
		s.blankOnly = false
	}
	if lineStart && bytes.HasPrefix(content, []byte("--=_")) {
		s.dashEq = true
	}
	s.bytes += int64(len(content))
	s.curLine += int64(len(content))
	if s.curLine > s.maxLine {
		s.maxLine = s.curLine
	}
	if ends {
		s.curLine = 0
		s.lines++
	}
	for i := 0; i < len(content); {
		c := content[i]
		if c < 0x80 {
			if c == 0 {
				s.nul++
			} else if c == 0x1b {
				s.esc = true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(content[i:])
		if r == utf8.RuneError && size <= 1 {
			s.nonASCII++
			s.invalid++
			if c > 0x9f {
				s.invalidHi++
			} else {
				s.c1++
			}
			i++
			continue
		}
		s.nonASCII += int64(size)
		s.multi++
		i += size
	}
}

// merge adds the stats of a run that follows.
func (s *textStats) merge(o *textStats) {
	if !o.started {
		return
	}
	if !s.started {
		*s = *o
		return
	}
	s.bytes += o.bytes
	s.lines += o.lines
	s.nonASCII += o.nonASCII
	s.multi += o.multi
	s.invalid += o.invalid
	s.invalidHi += o.invalidHi
	s.c1 += o.c1
	s.nul += o.nul
	if o.maxLine > s.maxLine {
		s.maxLine = o.maxLine
	}
	s.esc = s.esc || o.esc
	s.dashEq = s.dashEq || o.dashEq
	s.blankOnly = s.blankOnly && o.blankOnly
}

// canonCharset returns the lower-case preferred MIME name of a charset, or
// the lower-cased name when it is unknown (or "" when it is not a token).
func canonCharset(name string) string {
	n := strings.ToLower(strings.Trim(strings.TrimSpace(name), `"'`))
	switch n {
	case "":
		return ""
	case "iso-8859-1/macintosh", "x-mac-roman", "macroman", "mac", "x-mac", "macintosh":
		return "macintosh"
	case "utf8":
		return "utf-8"
	case "ascii":
		return "us-ascii"
	}
	if !validCharsetToken(n) || strings.Contains(n, "/") {
		return ""
	}
	if enc, err := ianaindex.MIME.Encoding(n); err == nil && enc != nil {
		if mn, err := ianaindex.MIME.Name(enc); err == nil && mn != "" {
			return strings.ToLower(mn)
		}
	}
	return n
}

// repairKind says how a text run must be transcoded on output.
type repairKind uint8

const (
	repairNone   repairKind = iota
	repairUTF8              // valid UTF-8 kept, stray bytes read in a single-byte charset
	repairLatin9            // ISO-8859-15 with Windows-1252 bytes in 0x80–0x9F, to UTF-8
)

type charsetPlan struct {
	label    string
	repair   repairKind
	fallback *charmap.Charmap // repairUTF8: charset of the stray bytes
}

func platformCharset(p Platform) (string, *charmap.Charmap) {
	if p == Mac {
		return "macintosh", charmap.Macintosh
	}
	return "windows-1252", charmap.Windows1252
}

// decideCharset picks the charset label of a text run (docs/formats/eudora.md §2.9):
// ASCII → us-ascii (or ISO-2022-JP for ESC sequences); valid UTF-8 → utf-8;
// UTF-8 declared (or, on Windows, valid UTF-8 mixed only with 0x80–0x9F
// bytes, the squeeze of §2.9) → repaired to UTF-8; a declared charset →
// that charset (Latin-1 and ASCII become the platform charset, ISO-8859-15
// with 1252 bytes is repaired); nothing declared → Windows-1252 or MacRoman.
func decideCharset(st *textStats, declared string, p Platform) charsetPlan {
	decl := canonCharset(declared)
	pname, pmap := platformCharset(p)
	if st.nonASCII == 0 {
		if strings.HasPrefix(decl, "iso-2022") {
			return charsetPlan{label: decl}
		}
		if st.esc {
			return charsetPlan{label: "iso-2022-jp"}
		}
		return charsetPlan{label: "us-ascii"}
	}
	if st.invalid == 0 {
		return charsetPlan{label: "utf-8"}
	}
	switch {
	case decl == "utf-8":
		return charsetPlan{label: "utf-8", repair: repairUTF8, fallback: pmap}
	case decl == "" && p == Windows && st.invalidHi == 0 && st.multi > 0 && st.multi >= st.invalid:
		return charsetPlan{label: "utf-8", repair: repairUTF8, fallback: pmap}
	case decl == "" || decl == "us-ascii" || decl == "iso-8859-1":
		return charsetPlan{label: pname}
	case decl == "iso-8859-15" && p == Windows && st.c1 > 0:
		return charsetPlan{label: "utf-8", repair: repairLatin9}
	}
	return charsetPlan{label: decl}
}

// sameCharset compares two charset names after canonicalisation.
func sameCharset(a, b string) bool { return canonCharset(a) == canonCharset(b) }

// utf8Repair keeps valid UTF-8 and turns every other byte into the UTF-8
// form of that byte in a single-byte charset.
type utf8Repair struct{ fb *charmap.Charmap }

func (utf8Repair) Reset() {}

func (r utf8Repair) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	for nSrc < len(src) {
		c := src[nSrc]
		if c < 0x80 {
			if nDst >= len(dst) {
				return nDst, nSrc, transform.ErrShortDst
			}
			dst[nDst] = c
			nDst++
			nSrc++
			continue
		}
		ru, size := utf8.DecodeRune(src[nSrc:])
		if ru == utf8.RuneError && size <= 1 {
			if !atEOF && !utf8.FullRune(src[nSrc:]) {
				return nDst, nSrc, transform.ErrShortSrc
			}
			d := r.fb.DecodeByte(c)
			if nDst+utf8.RuneLen(d) > len(dst) {
				return nDst, nSrc, transform.ErrShortDst
			}
			nDst += utf8.EncodeRune(dst[nDst:], d)
			nSrc++
			continue
		}
		if nDst+size > len(dst) {
			return nDst, nSrc, transform.ErrShortDst
		}
		copy(dst[nDst:], src[nSrc:nSrc+size])
		nDst += size
		nSrc += size
	}
	return nDst, nSrc, nil
}

// latin9Repair decodes ISO-8859-15 to UTF-8, reading 0x80–0x9F as
// Windows-1252 (Eudora's squeeze table put 1252 bytes there).
type latin9Repair struct{}

func (latin9Repair) Reset() {}

func (latin9Repair) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	for nSrc < len(src) {
		c := src[nSrc]
		var ru rune
		switch {
		case c < 0x80:
			ru = rune(c)
		case c <= 0x9f:
			ru = charmap.Windows1252.DecodeByte(c)
		default:
			ru = charmap.ISO8859_15.DecodeByte(c)
		}
		if nDst+utf8.RuneLen(ru) > len(dst) {
			return nDst, nSrc, transform.ErrShortDst
		}
		nDst += utf8.EncodeRune(dst[nDst:], ru)
		nSrc++
	}
	return nDst, nSrc, nil
}

// toCRLF turns CR, LF and CRLF line ends into CRLF and drops NUL bytes
// (unless keepNUL).
type toCRLF struct{ prevCR, keepNUL bool }

func (t *toCRLF) Reset() { t.prevCR = false }

func (t *toCRLF) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	for nSrc < len(src) {
		c := src[nSrc]
		if t.prevCR {
			t.prevCR = false
			if c == '\n' {
				nSrc++
				continue
			}
		}
		switch c {
		case '\r', '\n':
			if nDst+2 > len(dst) {
				return nDst, nSrc, transform.ErrShortDst
			}
			dst[nDst], dst[nDst+1] = '\r', '\n'
			nDst += 2
			t.prevCR = c == '\r'
		case 0:
			if t.keepNUL {
				if nDst >= len(dst) {
					return nDst, nSrc, transform.ErrShortDst
				}
				dst[nDst] = 0
				nDst++
			}
		default:
			if nDst >= len(dst) {
				return nDst, nSrc, transform.ErrShortDst
			}
			dst[nDst] = c
			nDst++
		}
		nSrc++
	}
	return nDst, nSrc, nil
}
