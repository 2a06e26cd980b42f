package mime

import (
	"bytes"
	"encoding/base64"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"
)

// hfield is one header field as stored.
type hfield struct {
	name      string   // field name as written, trimmed
	lower     string   // lower-case name
	lines     [][]byte // the field's lines, without line ends; lines[0] starts with the name
	malformed bool     // a line that is not a field; name is empty
	offset    int64    // offset of the field in the message
}

// value returns the unfolded value after the colon (raw bytes, leading
// whitespace kept).
func (f *hfield) value() string {
	var b strings.Builder
	first := f.lines[0]
	if i := bytes.IndexByte(first, ':'); i >= 0 && !f.malformed {
		b.Write(first[i+1:])
	} else {
		b.Write(first)
	}
	for _, l := range f.lines[1:] {
		b.Write(l)
	}
	return b.String()
}

// has8bit reports whether any byte of the field is >= 0x80.
func (f *hfield) has8bit() bool {
	for _, l := range f.lines {
		for _, c := range l {
			if c >= 0x80 {
				return true
			}
		}
	}
	return false
}

type header struct {
	fields []*hfield
	size   int
}

// get returns the unfolded, trimmed value of the first field called name
// (lower case), and whether there is one.
func (h *header) get(lower string) (string, bool) {
	for _, f := range h.fields {
		if f.lower == lower && !f.malformed {
			return strings.TrimSpace(f.value()), true
		}
	}
	return "", false
}

// fieldName returns the field name of a header line, or "" when the line is
// not "name:" with a valid name.
func fieldName(line []byte) string {
	i := bytes.IndexByte(line, ':')
	if i <= 0 {
		return ""
	}
	name := bytes.TrimRight(line[:i], " \t")
	if len(name) == 0 {
		return ""
	}
	for _, c := range name {
		if c < 33 || c > 126 {
			return ""
		}
	}
	return string(name)
}

// errHeaderTooLong is returned by readHeader when the header is longer than
// its limit.
type headerTooLong struct{}

func (headerTooLong) Error() string { return "header longer than MaxHeaderBytes" }

// readHeader reads the header of a stored message from lr, up to and
// including the empty line that ends it. When the first line is not a header
// field the message is taken to have no header: that line is left unread.
// It returns the offset of the body.
func readHeader(lr *lineReader, maxBytes int) (*header, int64, error) {
	h := &header{}
	var cur *hfield // field being read (for cut lines and continuations)
	pieceCont := false
	first := true
	for {
		raw, eol, cut, off, err := lr.next()
		if err == io.EOF {
			return h, lr.off, nil
		}
		if err != nil {
			return nil, 0, err
		}
		h.size += len(raw)
		if h.size > maxBytes {
			return nil, 0, headerTooLong{}
		}
		content := raw[:len(raw)-eol]
		line := append([]byte(nil), content...)
		switch {
		case pieceCont:
			// The rest of a line longer than the line limit.
			cur.lines[len(cur.lines)-1] = append(cur.lines[len(cur.lines)-1], line...)
		case len(content) == 0:
			return h, lr.off, nil
		case content[0] == ' ' || content[0] == '\t':
			if cur == nil {
				if first {
					lr.unread(len(raw))
					return h, off, nil
				}
				cur = &hfield{malformed: true, offset: off}
				h.fields = append(h.fields, cur)
			}
			cur.lines = append(cur.lines, line)
		default:
			name := fieldName(content)
			if name == "" && first {
				lr.unread(len(raw))
				return h, off, nil
			}
			cur = &hfield{name: name, lower: strings.ToLower(name), lines: [][]byte{line}, malformed: name == "", offset: off}
			h.fields = append(h.fields, cur)
		}
		first = false
		pieceCont = cut
	}
}

// unread puts back the last n bytes returned by next; only valid right after
// next.
func (lr *lineReader) unread(n int) {
	lr.start -= n
	lr.off -= int64(n)
}

// Field classes for RFC 2047 re-encoding.
var addressFields = map[string]bool{
	"from": true, "to": true, "cc": true, "bcc": true, "reply-to": true, "sender": true,
	"resent-from": true, "resent-to": true, "resent-cc": true, "resent-bcc": true,
	"resent-sender": true, "resent-reply-to": true, "disposition-notification-to": true,
	"return-receipt-to": true, "errors-to": true, "apparently-to": true, "mail-followup-to": true,
	"mail-reply-to": true,
}

// rawFields are structured fields where an encoded-word is not allowed: raw
// 8-bit bytes in them are left as they are.
var rawFields = map[string]bool{
	"message-id": true, "in-reply-to": true, "references": true, "date": true, "received": true,
	"return-path": true, "resent-date": true, "resent-message-id": true, "mime-version": true,
	"content-type": true, "content-transfer-encoding": true, "content-id": true,
	"content-disposition": true, "content-base": true, "content-location": true,
	"dkim-signature": true, "authentication-results": true, "list-id": true,
	"list-post": true, "list-unsubscribe": true, "list-help": true, "list-archive": true,
	"list-subscribe": true, "x-uid": true, "x-imflags": true,
}

// headerCharset is the charset of raw 8-bit header text (docs/formats/eudora.md §2.9):
// UTF-8 when the bytes are valid UTF-8, else the platform's charset.
func headerCharset(s string, p Platform) string {
	if utf8.ValidString(s) {
		return "utf-8"
	}
	if p == Mac {
		return "macintosh"
	}
	return "windows-1252"
}

// writeRawField writes f's lines with CRLF line ends, leaving out
// continuation lines that hold only white space (they carry nothing and
// some parsers take them for the end of the header).
func writeRawField(w *bytes.Buffer, f *hfield) {
	for i, l := range f.lines {
		if i > 0 && len(bytes.Trim(l, " \t")) == 0 {
			continue
		}
		w.Write(l)
		w.WriteString("\r\n")
	}
}

// encodedField re-encodes a field whose value holds raw 8-bit bytes as RFC
// 2047 encoded-words (unstructured fields: the whole value; address fields:
// display names and comments; other structured fields are left raw) and
// folds it. ok is false when the field is to be written raw.
func encodedField(name, lower, value string, p Platform) (out []byte, ok bool) {
	if rawFields[lower] || strings.HasPrefix(lower, "content-") {
		return nil, false
	}
	v := strings.TrimLeft(value, " \t")
	v = strings.TrimRight(v, " \t")
	cs := headerCharset(v, p)
	var enc string
	if addressFields[lower] {
		enc = encodeAddressValue(v, cs, 76-len(name)-2)
	} else {
		enc = encodeMixed(cs, v, preferQ(v), 76-len(name)-2)
	}
	return foldField(name, enc), true
}

// reEncodedWord matches an RFC 2047 encoded-word Eudora left alone (a
// charset it did not know).
var reEncodedWord = regexp.MustCompile(`=\?[!->@-~]+\?[bBqQ]\?[!->@-~]*\?=`)

// encodeMixed encodes the 8-bit stretches of s, leaving the encoded-words
// already in it as they are. Each stretch between two existing words is
// encoded whole, white space included, so that decoding (which drops the
// space between adjacent encoded-words) gives s back.
func encodeMixed(cs, s string, q bool, first int) string {
	locs := reEncodedWord.FindAllStringIndex(s, -1)
	if len(locs) == 0 {
		return strings.Join(encodeWordsFirst(cs, s, q, first), " ")
	}
	var parts []string
	prev := 0
	chunk := func(t string) {
		switch {
		case t == "":
		case has8(t):
			f := maxWord
			if len(parts) == 0 {
				f = first
			}
			parts = append(parts, strings.Join(encodeWordsFirst(cs, t, q, f), " "))
		default:
			parts = append(parts, strings.TrimSpace(t))
		}
	}
	for _, l := range locs {
		t := s[prev:l[0]]
		if has8(t) {
			chunk(t)
		} else if strings.TrimSpace(t) != "" {
			parts = append(parts, strings.TrimSpace(t))
		}
		parts = append(parts, s[l[0]:l[1]])
		prev = l[1]
	}
	chunk(s[prev:])
	return strings.Join(parts, " ")
}

// preferQ chooses Q encoding for mostly-ASCII text.
func preferQ(s string) bool {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			n++
		}
	}
	return n*4 < len(s)
}

// maxWord is the longest encoded-word RFC 2047 allows.
const maxWord = 75

// encodeWordsFirst encodes s as a sequence of RFC 2047 encoded-words in
// charset cs, each at most 75 characters, the first at most first (the
// room left on the line that holds the field name). UTF-8 text is split
// only between characters. Q encoding uses only the characters allowed in
// phrases, so the words are valid in any header context.
func encodeWordsFirst(cs, s string, q bool, first int) []string {
	if s == "" {
		return nil
	}
	var words []string
	isUTF8 := cs == "utf-8"
	prefix := "=?" + cs + "?b?"
	if q {
		prefix = "=?" + cs + "?q?"
	}
	for len(s) > 0 {
		room := maxWord - len(prefix) - 2
		if len(words) == 0 && first < maxWord {
			room = first - len(prefix) - 2
		}
		if room < 12 {
			room = 12 // a very long charset name: still make progress
		}
		// Take as many bytes as fit.
		n := 0
		size := 0
		for n < len(s) {
			k := 1
			if isUTF8 {
				_, k = utf8.DecodeRuneInString(s[n:])
			}
			var cost int
			if q {
				for j := n; j < n+k; j++ {
					cost += qLen(s[j])
				}
				if size+cost > room {
					break
				}
				size += cost
			} else {
				if base64.StdEncoding.EncodedLen(n+k) > room {
					break
				}
			}
			n += k
		}
		if n == 0 {
			n = 1 // cannot happen with room >= 12; guard against loops
		}
		chunk := s[:n]
		s = s[n:]
		var b strings.Builder
		b.WriteString(prefix)
		if q {
			for j := 0; j < len(chunk); j++ {
				writeQ(&b, chunk[j])
			}
		} else {
			b.WriteString(base64.StdEncoding.EncodeToString([]byte(chunk)))
		}
		b.WriteString("?=")
		words = append(words, b.String())
	}
	return words
}

func qSafe(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '!' || c == '*' || c == '+' || c == '-' || c == '/'
}

func qLen(c byte) int {
	if qSafe(c) || c == ' ' {
		return 1
	}
	return 3
}

func writeQ(b *strings.Builder, c byte) {
	const hex = "0123456789ABCDEF"
	switch {
	case c == ' ':
		b.WriteByte('_')
	case qSafe(c):
		b.WriteByte(c)
	default:
		b.WriteByte('=')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
}

// addrToken is a lexical token of an address field.
type addrToken struct {
	kind byte // 'w' white space, 'q' quoted string, 'c' comment, 'a' atom, '<' angle address, 's' special
	text string
}

func lexAddress(v string) []addrToken {
	var toks []addrToken
	i := 0
	for i < len(v) {
		c := v[i]
		start := i
		switch {
		case c == ' ' || c == '\t':
			for i < len(v) && (v[i] == ' ' || v[i] == '\t') {
				i++
			}
			toks = append(toks, addrToken{'w', v[start:i]})
		case c == '"':
			i++
			for i < len(v) && v[i] != '"' {
				if v[i] == '\\' {
					i++
				}
				i++
			}
			if i < len(v) {
				i++
			}
			if i > len(v) {
				i = len(v)
			}
			toks = append(toks, addrToken{'q', v[start:i]})
		case c == '(':
			depth := 0
			for i < len(v) {
				if v[i] == '\\' {
					i += 2
					continue
				}
				if v[i] == '(' {
					depth++
				} else if v[i] == ')' {
					depth--
					if depth == 0 {
						i++
						break
					}
				}
				i++
			}
			if i > len(v) {
				i = len(v)
			}
			toks = append(toks, addrToken{'c', v[start:i]})
		case c == '<':
			for i < len(v) && v[i] != '>' {
				i++
			}
			if i < len(v) {
				i++
			}
			toks = append(toks, addrToken{'<', v[start:i]})
		case strings.IndexByte(",;:@.[]>)", c) >= 0:
			i++
			toks = append(toks, addrToken{'s', v[start:i]})
		default:
			for i < len(v) && strings.IndexByte(" \t\"(<,;:@.[]>)", v[i]) < 0 {
				i++
			}
			toks = append(toks, addrToken{'a', v[start:i]})
		}
	}
	return toks
}

func has8(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return true
		}
	}
	return false
}

// unquote removes the quotes and backslash escapes of a quoted string.
func unquote(q string) string {
	q = strings.TrimPrefix(q, `"`)
	q = strings.TrimSuffix(q, `"`)
	if !strings.Contains(q, `\`) {
		return q
	}
	var b strings.Builder
	for i := 0; i < len(q); i++ {
		if q[i] == '\\' && i+1 < len(q) {
			i++
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// encodeAddressValue encodes the 8-bit display names and comments of an
// address list with B encoding; addresses themselves are left alone.
func encodeAddressValue(v, cs string, first int) string {
	toks := lexAddress(v)
	var out strings.Builder
	i := 0
	for i < len(toks) {
		t := toks[i]
		switch t.kind {
		case 'c':
			inner := t.text[1:]
			inner = strings.TrimSuffix(inner, ")")
			if has8(inner) {
				out.WriteString("(" + encodeMixed(cs, unquoteComment(inner), false, maxWord) + ")")
			} else {
				out.WriteString(t.text)
			}
			i++
			continue
		case 'a', 'q':
		default:
			out.WriteString(t.text)
			i++
			continue
		}
		// A phrase: atoms, quoted strings, dots and white space.
		j := i
		for j < len(toks) && (toks[j].kind == 'a' || toks[j].kind == 'q' || toks[j].kind == 'w' || toks[j].kind == 's' && toks[j].text == ".") {
			j++
		}
		// Trailing white space stays outside.
		k := j
		for k > i && toks[k-1].kind == 'w' {
			k--
		}
		next := byte(0)
		if j < len(toks) {
			next = toks[j].text[0]
		}
		display := next == '<' || next == ':' || next == '('
		var text strings.Builder
		eight := false
		for _, pt := range toks[i:k] {
			if pt.kind == 'q' {
				text.WriteString(unquote(pt.text))
			} else {
				text.WriteString(pt.text)
			}
			if has8(pt.text) {
				eight = true
			}
		}
		if display && eight {
			f := maxWord
			if out.Len() == 0 {
				f = first
			}
			out.WriteString(encodeMixed(cs, text.String(), false, f))
		} else {
			for _, pt := range toks[i:k] {
				out.WriteString(pt.text)
			}
		}
		for _, pt := range toks[k:j] {
			out.WriteString(pt.text)
		}
		i = j
	}
	return out.String()
}

func unquoteComment(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// foldField writes "Name: value" folded at white space outside quoted
// strings and angle brackets so that lines stay near 76 characters. Each fold
// puts CRLF before a white space character, so unfolding gives the value
// back exactly.
func foldField(name, value string) []byte {
	var b bytes.Buffer
	b.WriteString(name)
	b.WriteString(": ")
	col := b.Len()
	// Split into segments that start with white space (except the first).
	var segs []string
	start := 0
	inQuote, inAngle, depth := false, false, 0
	for i := 0; i < len(value); i++ {
		c := value[i]
		switch {
		case inQuote:
			if c == '\\' {
				i++
			} else if c == '"' {
				inQuote = false
			}
		case c == '"':
			inQuote = true
		case c == '<':
			inAngle = true
		case c == '>':
			inAngle = false
		case c == '(':
			depth++
		case c == ')':
			if depth > 0 {
				depth--
			}
		case (c == ' ' || c == '\t') && !inAngle && i > start && value[i-1] != ' ' && value[i-1] != '\t':
			segs = append(segs, value[start:i])
			start = i
		}
	}
	segs = append(segs, value[start:])
	for i, s := range segs {
		if i > 0 && col+len(s) > 76 {
			b.WriteString("\r\n")
			col = 0
		}
		b.WriteString(s)
		col += len(s)
	}
	b.WriteString("\r\n")
	return b.Bytes()
}
