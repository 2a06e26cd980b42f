package imap

import (
	"bytes"
	"mime"
	"strings"
	"unicode/utf8"

	"github.com/mailconv/mailconv"
)

// repairHeader rewrites the 8-bit bytes of a message header (CRLF line
// ends, blank line included or not) as RFC 2047 encoded-words in charset
// cs, touching nothing else: lines without 8-bit bytes are kept byte for
// byte, and within a line only the words that hold 8-bit bytes change. In
// address and MIME fields a quoted string holding 8-bit bytes becomes
// encoded-words (inside its quotes for MIME parameters, as Thunderbird
// writes file names). It returns the new header and the number of fields
// changed.
//
// It is the minimal repair the writer applies when a server refuses a
// message for raw 8-bit header bytes; detectHeaderCharset picks cs.
func repairHeader(header []byte, cs string) ([]byte, int) {
	var out bytes.Buffer
	out.Grow(len(header) + len(header)/2)
	changed := 0
	field := ""
	lastChanged := ""
	for len(header) > 0 {
		i := bytes.Index(header, []byte("\r\n"))
		var line []byte
		if i < 0 {
			line, header = header, nil
		} else {
			line, header = header[:i], header[i+2:]
		}
		eol := i >= 0
		if len(line) > 0 && line[0] != ' ' && line[0] != '\t' {
			if c := bytes.IndexByte(line, ':'); c > 0 {
				field = strings.ToLower(string(bytes.TrimSpace(line[:c])))
			} else {
				field = ""
			}
		}
		if !has8bit(line) {
			out.Write(line)
		} else {
			start := 0
			if len(line) > 0 && line[0] != ' ' && line[0] != '\t' {
				if c := bytes.IndexByte(line, ':'); c > 0 && !has8bit(line[:c]) {
					start = c + 1
				}
			}
			out.Write(line[:start])
			out.WriteString(encodeText(string(line[start:]), cs, field, start))
			if lastChanged != field || field == "" {
				changed++
			}
			lastChanged = field
		}
		if eol {
			out.WriteString("\r\n")
		}
	}
	return out.Bytes(), changed
}

func has8bit(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}

// fieldKind tells how a field's text splits into words.
func fieldKind(field string) (structured, mimeParams bool) {
	switch field {
	case "from", "to", "cc", "bcc", "reply-to", "sender", "resent-from", "resent-to", "resent-cc",
		"resent-bcc", "resent-sender", "return-path", "disposition-notification-to", "mail-followup-to":
		return true, false
	}
	if strings.HasPrefix(field, "content-") && field != "content-description" {
		return true, true
	}
	return false, false
}

// token is a piece of a line: whitespace, a special character, a quoted
// string or a word.
type token struct {
	text   string
	space  bool
	quoted bool
}

func tokenize(s string, structured bool) []token {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			j := i
			for j < len(s) && (s[j] == ' ' || s[j] == '\t') {
				j++
			}
			toks = append(toks, token{text: s[i:j], space: true})
			i = j
		case structured && c == '"':
			j := i + 1
			for j < len(s) && s[j] != '"' {
				if s[j] == '\\' && j+1 < len(s) {
					j++
				}
				j++
			}
			if j < len(s) {
				j++
			}
			toks = append(toks, token{text: s[i:j], quoted: true})
			i = j
		case structured && strings.IndexByte("<>(),;:@=[]", c) >= 0:
			toks = append(toks, token{text: s[i : i+1]})
			i++
		default:
			j := i
			for j < len(s) && s[j] != ' ' && s[j] != '\t' && !(structured && strings.IndexByte("<>(),;:@=[]\"", s[j]) >= 0) {
				j++
			}
			toks = append(toks, token{text: s[i:j]})
			i = j
		}
	}
	return toks
}

// encodeText encodes the runs of 8-bit words of s.
func encodeText(s, cs, field string, col int) string {
	structured, mimeParams := fieldKind(field)
	toks := tokenize(s, structured)
	var b strings.Builder
	for i := 0; i < len(toks); {
		t := toks[i]
		if t.space || !has8bit([]byte(t.text)) {
			b.WriteString(t.text)
			i++
			continue
		}
		if t.quoted {
			inner := unquote(t.text)
			if mimeParams {
				b.WriteString(`"` + encodeWords(inner, cs) + `"`)
			} else {
				b.WriteString(encodeWords(inner, cs))
			}
			i++
			continue
		}
		// A run of 8-bit words with the spaces between them.
		j := i + 1
		end := i + 1
		for j < len(toks) {
			if toks[j].space {
				j++
				continue
			}
			if !toks[j].quoted && has8bit([]byte(toks[j].text)) {
				end = j + 1
				j++
				continue
			}
			break
		}
		var run strings.Builder
		for _, x := range toks[i:end] {
			run.WriteString(x.text)
		}
		b.WriteString(encodeWords(run.String(), cs))
		i = end
	}
	return b.String()
}

func unquote(q string) string {
	q = strings.TrimPrefix(q, `"`)
	q = strings.TrimSuffix(q, `"`)
	var b strings.Builder
	for i := 0; i < len(q); i++ {
		if q[i] == '\\' && i+1 < len(q) {
			i++
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// maxEncodedWord is the longest encoded-word RFC 2047 allows.
const maxEncodedWord = 75

// encodeWords returns s as Q-encoded words in charset cs, each at most 75
// characters, separated by CRLF SP (whitespace between encoded-words is
// not part of the text). Multi-byte UTF-8 characters are never split.
func encodeWords(s, cs string) string {
	prefix := "=?" + cs + "?Q?"
	room := maxEncodedWord - len(prefix) - 2
	var words []string
	var cur strings.Builder
	utf := strings.EqualFold(cs, "utf-8")
	for i := 0; i < len(s); {
		n := 1
		if utf {
			if _, size := utf8.DecodeRuneInString(s[i:]); size > 1 {
				n = size
			}
		}
		var enc strings.Builder
		for _, c := range []byte(s[i : i+n]) {
			switch {
			case c == ' ':
				enc.WriteByte('_')
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
				c == '!', c == '*', c == '+', c == '-', c == '/':
				enc.WriteByte(c)
			default:
				enc.WriteByte('=')
				enc.WriteByte("0123456789ABCDEF"[c>>4])
				enc.WriteByte("0123456789ABCDEF"[c&15])
			}
		}
		if cur.Len()+enc.Len() > room && cur.Len() > 0 {
			words = append(words, prefix+cur.String()+"?=")
			cur.Reset()
		}
		cur.WriteString(enc.String())
		i += n
	}
	if cur.Len() > 0 {
		words = append(words, prefix+cur.String()+"?=")
	}
	return strings.Join(words, "\r\n ")
}

// detectHeaderCharset names the charset to label a header's 8-bit bytes
// with: "utf-8" when they are valid UTF-8, else the charset parameter of
// the top-level Content-Type when it names an 8-bit charset other than
// UTF-8, else "windows-1252" (the superset of ISO-8859-1 that Windows mail
// clients such as Eudora wrote).
func detectHeaderCharset(header []byte) string {
	if utf8.Valid(header) {
		return "utf-8"
	}
	if ct := mailconv.HeaderValue(header, "Content-Type"); ct != "" {
		if _, params, err := mime.ParseMediaType(ct); err == nil {
			cs := strings.ToLower(params["charset"])
			if cs != "" && cs != "utf-8" && cs != "utf8" && cs != "us-ascii" && validCharsetName(cs) {
				return cs
			}
		}
	}
	return "windows-1252"
}

func validCharsetName(cs string) bool {
	if len(cs) > 40 {
		return false
	}
	for _, c := range cs {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}
