package mime

import (
	"bytes"
	"errors"
	"io"
	"strings"
)

// lineReader splits a stream into lines ended by CRLF, LF or a lone CR, and
// cuts lines longer than max bytes into pieces. It never holds more than
// about max+4 KiB.
type lineReader struct {
	r          io.Reader
	buf        []byte
	start, end int
	off        int64 // stream offset of buf[start]
	max        int
	eof        bool
	err        error
}

// initialLineBuffer is the buffer a lineReader starts with; it grows, up to
// max+4 KiB, only for long lines.
const initialLineBuffer = 8 << 10

func newLineReader(r io.Reader, max int) *lineReader {
	return &lineReader{r: r, buf: make([]byte, min(max+4096, initialLineBuffer)), max: max}
}

// indexEOL returns the index of the first CR or LF in b, or -1.
func indexEOL(b []byte) int {
	i := bytes.IndexByte(b, '\n')
	var j int
	if i >= 0 {
		j = bytes.IndexByte(b[:i], '\r')
	} else {
		j = bytes.IndexByte(b, '\r')
	}
	if j >= 0 {
		return j
	}
	return i
}

// next returns the next line: raw holds the content and the line end (eol
// bytes), off its stream offset. cut means the content went over max and the
// line goes on in the next call. At the end it returns io.EOF.
func (lr *lineReader) next() (raw []byte, eol int, cut bool, off int64, err error) {
	for {
		data := lr.buf[lr.start:lr.end]
		i := indexEOL(data)
		if i >= 0 && i <= lr.max {
			if data[i] == '\n' {
				eol = 1
			} else if i+1 < len(data) {
				eol = 1
				if data[i+1] == '\n' {
					eol = 2
				}
			} else if lr.eof {
				eol = 1
			}
			if eol > 0 {
				return lr.take(i + eol), eol, false, lr.off - int64(i+eol), nil
			}
		} else if len(data) > lr.max {
			n := utf8Cut(data, lr.max)
			return lr.take(n), 0, true, lr.off - int64(n), nil
		}
		if lr.eof {
			if len(data) == 0 {
				if lr.err != nil {
					return nil, 0, false, lr.off, lr.err
				}
				return nil, 0, false, lr.off, io.EOF
			}
			return lr.take(len(data)), 0, false, lr.off - int64(len(data)), nil
		}
		lr.fill()
	}
}

// utf8Cut moves a cut at n back to the start of a UTF-8 sequence that
// straddles it (by at most three bytes), so that no valid sequence is split.
func utf8Cut(b []byte, n int) int {
	for k := 0; k < 3 && n-k > 1; k++ {
		if b[n-k]&0xc0 != 0x80 {
			return n - k
		}
	}
	return n
}

func (lr *lineReader) take(n int) []byte {
	b := lr.buf[lr.start : lr.start+n]
	lr.start += n
	lr.off += int64(n)
	return b
}

func (lr *lineReader) fill() {
	if lr.start > 0 {
		n := copy(lr.buf, lr.buf[lr.start:lr.end])
		lr.start, lr.end = 0, n
	}
	if lr.end == len(lr.buf) && len(lr.buf) < lr.max+4096 {
		// a line longer than the buffer: grow it (bounded by max)
		nb := make([]byte, min(2*len(lr.buf), lr.max+4096))
		copy(nb, lr.buf[:lr.end])
		lr.buf = nb
	}
	for tries := 0; tries < 100; tries++ {
		n, err := lr.r.Read(lr.buf[lr.end:])
		lr.end += n
		if err != nil {
			lr.eof = true
			if !errors.Is(err, io.EOF) {
				lr.err = err
			}
			return
		}
		if n > 0 {
			return
		}
	}
	lr.eof = true
	lr.err = io.ErrNoProgress
}

// runKind is the kind of text a pseudo-tag wraps.
type runKind uint8

// The run kinds.
const (
	runNone    runKind = iota // untagged text
	runHTML                   // <x-html>: text/html
	runFlowed                 // <x-flowed>: text/plain; format=flowed
	runRich                   // <x-rich>: text/enriched
	runCharset                // Mac <x-charset CS>: text/plain in charset CS
)

var runTags = [...]string{runHTML: "x-html", runFlowed: "x-flowed", runRich: "x-rich", runCharset: "x-charset"}

// String returns the tag name ("x-html") or "untagged".
func (k runKind) String() string {
	if k > runNone && int(k) < len(runTags) {
		return runTags[k]
	}
	return "untagged"
}

// tokenKind classifies a Token.
type tokenKind uint8

// The token kinds.
const (
	tokText   tokenKind = iota // a text line (or the piece of one)
	tokOpen                    // an opening pseudo-tag: <x-html>, <x-flowed>, <x-flowed CS>, <x-rich>, <x-charset CS>
	tokClose                   // a closing pseudo-tag
	tokMarker                  // a marker line naming a file; Ref is set
	tokBase                    // the <BASE HREF=…> line after <x-html>, or a Mac x-stuff-for-pete line on its own
)

// bodyToken is one piece of a stored body: a line, a pseudo-tag, a marker line.
// The Raw bytes of all tokens, concatenated, are exactly the body.
type bodyToken struct {
	Kind tokenKind
	// Run: for tokOpen and tokClose the run the tag opens or closes; for
	// the others the innermost run open around the token (runNone outside
	// any tag).
	Run runKind
	// Depth is the number of runs open after the token.
	Depth int
	// Offset is the byte offset of Raw[0] in the body.
	Offset int64
	// Raw holds the token's bytes as stored, its line end included. It is
	// valid until the next call to Next.
	Raw []byte
	// EOL is the length of the line end at the end of Raw (0, 1 or 2).
	EOL int
	// Cut: the line was longer than MaxLineBytes and goes on in the next
	// token.
	Cut bool
	// Marker is FileMarker for tokMarker, and SpoofedMarker or PluginMarker
	// for text lines ParseMarker classified so.
	Marker MarkerKind
	// Ref is the file reference of a tokMarker.
	Ref Ref
	// Charset is the charset a tokOpen or tokBase names (<x-flowed CS>,
	// <x-charset CS>, Mac x-stuff-for-pete charset).
	Charset string
	// Base is the base URL of a tokOpen or tokBase (<BASE HREF=…>, Mac
	// x-stuff-for-pete base).
	Base string
	// OverNesting marks a tokText that is a pseudo-tag left as text because
	// MaxNesting runs were open.
	OverNesting bool
}

// tokenizer splits a stored Eudora message body into Tokens. It holds one
// line (at most Limits.MaxLineBytes) at a time.
type tokenizer struct {
	lr         *lineReader
	p          Platform
	maxNesting int
	stack      []runKind
	pending    []bodyToken
	head       int // next pending token
	prevCut    bool
	afterHTML  bool // the previous token opened an x-html run
}

// newTokenizer returns a tokenizer reading body (the part of a stored
// message after its header) written on platform p. Only MaxLineBytes and
// MaxNesting of lim are used; zero fields take their defaults.
func newTokenizer(body io.Reader, p Platform, lim Limits) *tokenizer {
	lim = lim.withDefaults()
	return &tokenizer{lr: newLineReader(body, lim.MaxLineBytes), p: p, maxNesting: lim.MaxNesting}
}

// Depth returns the number of runs open (after the last token returned).
func (t *tokenizer) Depth() int { return len(t.stack) }

// Next returns the next token, or io.EOF at the end of the body.
func (t *tokenizer) Next() (bodyToken, error) {
	for t.head >= len(t.pending) {
		raw, eol, cut, off, err := t.lr.next()
		if err != nil {
			return bodyToken{}, err
		}
		t.split(raw, eol, cut, off)
		t.prevCut = cut
	}
	tok := t.pending[t.head]
	t.head++
	return tok, nil
}

func (t *tokenizer) top() runKind {
	if len(t.stack) == 0 {
		return runNone
	}
	return t.stack[len(t.stack)-1]
}

func (t *tokenizer) emit(tok bodyToken) {
	tok.Depth = len(t.stack)
	if tok.Kind != tokOpen && tok.Kind != tokClose {
		tok.Run = t.top()
	}
	t.pending = append(t.pending, tok)
}

// split turns one line (or line piece) into tokens.
func (t *tokenizer) split(raw []byte, eol int, cut bool, off int64) {
	t.pending = t.pending[:0]
	t.head = 0
	content := raw[:len(raw)-eol]
	lineStart := !t.prevCut
	pos := 0 // bytes of content consumed by tags
	afterHTML := t.afterHTML
	t.afterHTML = false

	if lineStart {
		for pos < len(content) && content[pos] == '<' {
			tag, n := parseTag(content[pos:])
			if n == 0 {
				break
			}
			if tag.close {
				if !t.inStack(tag.run) {
					break
				}
				for t.top() != tag.run {
					t.stack = t.stack[:len(t.stack)-1]
				}
				t.stack = t.stack[:len(t.stack)-1]
				t.emit(bodyToken{Kind: tokClose, Run: tag.run, Offset: off + int64(pos), Raw: raw[pos : pos+n]})
				pos += n
				afterHTML = false
				continue
			}
			if len(t.stack) >= t.maxNesting {
				t.emit(bodyToken{Kind: tokText, Offset: off + int64(pos), Raw: raw[pos:], EOL: eol, Cut: cut, OverNesting: true})
				return
			}
			tok := bodyToken{Kind: tokOpen, Run: tag.run, Offset: off + int64(pos)}
			if tag.run == runFlowed || tag.run == runCharset {
				tok.Charset = tag.arg
			}
			end := pos + n
			if tag.run == runHTML {
				if pn, base, cs := parsePete(content[end:]); pn > 0 {
					end += pn
					tok.Base, tok.Charset = base, cs
				}
			}
			tok.Raw = raw[pos:end]
			t.stack = append(t.stack, tag.run)
			t.emit(tok)
			pos = end
			afterHTML = tag.run == runHTML
		}
		if pos > 0 && pos == len(content) {
			// Only tags on this line: the line end belongs to the last one.
			if eol > 0 || cut {
				last := &t.pending[len(t.pending)-1]
				last.Raw = raw[last.Offset-off:]
				last.EOL = eol
				last.Cut = cut
			}
			t.afterHTML = afterHTML && !cut && t.top() == runHTML
			return
		}
	}
	rest := content[pos:]
	restRaw := raw[pos:]
	// A closing tag glued to the end of the line.
	if !cut && t.top() != runNone && len(rest) > 0 {
		ct := "</" + runTags[t.top()] + ">"
		if len(rest) > len(ct) && hasSuffixFold(rest, ct) {
			k := len(rest) - len(ct)
			t.emit(bodyToken{Kind: tokText, Offset: off + int64(pos), Raw: restRaw[:k]})
			r := t.top()
			t.stack = t.stack[:len(t.stack)-1]
			t.emit(bodyToken{Kind: tokClose, Run: r, Offset: off + int64(pos+k), Raw: restRaw[k:], EOL: eol})
			return
		}
	}
	tok := bodyToken{Kind: tokText, Offset: off + int64(pos), Raw: restRaw, EOL: eol, Cut: cut}
	if lineStart && pos == 0 && !cut {
		if afterHTML && t.top() == runHTML {
			if base, ok := parseBaseLine(rest); ok {
				tok.Kind = tokBase
				tok.Base = base
				t.emit(tok)
				return
			}
			if pn, base, cs := parsePete(rest); pn > 0 && pn == len(rest) {
				tok.Kind = tokBase
				tok.Base, tok.Charset = base, cs
				t.emit(tok)
				return
			}
		}
		if len(rest) > 0 && markerStart(rest[0]) && mayBeMarker(rest) {
			ref, mk := ParseMarker(string(rest), t.p)
			tok.Marker = mk
			if mk == FileMarker {
				tok.Kind = tokMarker
				tok.Ref = ref
			}
		}
	}
	t.emit(tok)
}

func (t *tokenizer) inStack(k runKind) bool {
	for _, s := range t.stack {
		if s == k {
			return true
		}
	}
	return false
}

func hasSuffixFold(b []byte, suffix string) bool {
	if len(b) < len(suffix) {
		return false
	}
	return hasPrefixFold(string(b[len(b)-len(suffix):]), suffix)
}

type pseudoTag struct {
	run   runKind
	close bool
	arg   string
}

// parseTag recognises a pseudo-tag at the start of b and returns it with its
// length, or n == 0.
func parseTag(b []byte) (tag pseudoTag, n int) {
	if len(b) < 8 || b[0] != '<' {
		return tag, 0
	}
	j := bytes.IndexByte(b, '>')
	if j < 0 || j > 64 {
		return tag, 0
	}
	inner := string(b[1:j])
	if strings.HasPrefix(inner, "/") {
		tag.close = true
		inner = inner[1:]
	}
	name, arg, _ := strings.Cut(inner, " ")
	name = strings.ToLower(name)
	for k, rn := range runTags {
		if rn != "" && rn == name {
			tag.run = runKind(k)
		}
	}
	if tag.run == runNone {
		return tag, 0
	}
	arg = strings.TrimSpace(arg)
	if tag.close && arg != "" {
		return tag, 0
	}
	if tag.run == runCharset && !tag.close && arg == "" {
		return tag, 0
	}
	if !validCharsetToken(arg) {
		return tag, 0
	}
	tag.arg = arg
	return tag, j + 1
}

// validCharsetToken accepts what can name a charset (and "iso-8859-1/macintosh").
func validCharsetToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_.:/+()", c) >= 0) {
			return false
		}
	}
	return true
}

// parseBaseLine recognises the Windows "<BASE HREF=value>" line.
func parseBaseLine(b []byte) (string, bool) {
	const p = "<BASE HREF="
	if !bytes.HasPrefix(b, []byte(p)) || !bytes.HasSuffix(b, []byte(">")) {
		return "", false
	}
	v := strings.TrimSpace(string(b[len(p) : len(b)-1]))
	if len(v) >= 2 && (v[0] == '"' && v[len(v)-1] == '"' || v[0] == '\'' && v[len(v)-1] == '\'') {
		v = v[1 : len(v)-1]
	}
	return v, true
}

// parsePete recognises a Mac <!x-stuff-for-pete …> tag at the start of b and
// returns its length and its base and charset attributes.
func parsePete(b []byte) (n int, base, charset string) {
	const p = "<!x-stuff-for-pete"
	if len(b) < len(p) || !hasPrefixFold(string(b[:len(p)]), p) {
		return 0, "", ""
	}
	i := len(p)
	for i < len(b) {
		for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
			i++
		}
		if i >= len(b) {
			return 0, "", ""
		}
		if b[i] == '>' {
			return i + 1, base, charset
		}
		ks := i
		for i < len(b) && b[i] != '=' && b[i] != '>' && b[i] != ' ' {
			i++
		}
		key := strings.ToLower(string(b[ks:i]))
		var val string
		if i < len(b) && b[i] == '=' {
			i++
			if i < len(b) && (b[i] == '"' || b[i] == '\'') {
				q := b[i]
				i++
				vs := i
				for i < len(b) && b[i] != q {
					i++
				}
				if i >= len(b) {
					return 0, "", ""
				}
				val = string(b[vs:i])
				i++
			} else {
				vs := i
				for i < len(b) && b[i] != ' ' && b[i] != '>' {
					i++
				}
				val = string(b[vs:i])
			}
		}
		switch key {
		case "base":
			base = val
		case "charset":
			charset = val
		}
	}
	return 0, "", ""
}
