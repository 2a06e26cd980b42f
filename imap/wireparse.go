package imap

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	imapv2 "github.com/emersion/go-imap/v2"
)

// The response parser of the upload connection (upload.go): the few
// response forms an upload needs (docs/formats/imap-append.md).

// maxRespLine bounds one server response line, literals included: the
// upload connection never asks for data, so anything longer is not a
// response to an upload.
const maxRespLine = 64 << 10

// maxStash bounds the tagged answers kept while waiting for another one.
const maxStash = 4096

// wireResp is one server response.
type wireResp struct {
	kind byte   // '*' untagged, '+' continuation request, 't' tagged
	tag  string // tagged: the tag
	typ  string // OK, NO, BAD, BYE or PREAUTH (upper case); "" for untagged data
	code string // the response code's name, upper case ("" without one)
	args string // the response code's arguments
	text string // the human-readable text (continuation: its base64 or text)
	data string // untagged data other than a status: the line after "* "
}

// imapErr turns a NO or BAD answer into the error type the rest of the
// package (and go-imap's client) uses.
func (r *wireResp) imapErr() *imapv2.Error {
	return &imapv2.Error{Type: imapv2.StatusResponseType(r.typ), Code: imapv2.ResponseCode(r.code), Text: r.text}
}

// byeText is the BYE line as a user reads it (with its code).
func (r *wireResp) byeText() string {
	s := "BYE"
	if r.code != "" {
		s += " [" + r.code
		if r.args != "" {
			s += " " + r.args
		}
		s += "]"
	}
	if r.text != "" {
		s += " " + r.text
	}
	return s
}

// malformed is the error of a response the parser cannot read.
func malformed(line, why string) error {
	if len(line) > 200 {
		line = line[:200] + "..."
	}
	return fmt.Errorf("%w: malformed server response %q: %s", ErrConnection, line, why)
}

// parseResponse reads one response line (without its CRLF): a
// continuation request "+ text", an untagged "* ..." (status responses
// parsed, other data kept as text) or a tagged status response "tag OK|NO|BAD
// [code args] text" (RFC 9051 section 7.1).
func parseResponse(line string) (*wireResp, error) {
	if line == "" {
		return nil, malformed(line, "empty line")
	}
	if line[0] == '+' {
		if len(line) > 1 && line[1] != ' ' {
			return nil, malformed(line, "no space after +")
		}
		return &wireResp{kind: '+', text: strings.TrimPrefix(line[1:], " ")}, nil
	}
	tag, rest, ok := strings.Cut(line, " ")
	if !ok || rest == "" {
		return nil, malformed(line, "no response after the tag")
	}
	r := &wireResp{kind: 't', tag: tag}
	if tag == "*" {
		r.kind, r.tag = '*', ""
	} else if !validTag(tag) {
		return nil, malformed(line, "invalid tag")
	}
	word, text, _ := strings.Cut(rest, " ")
	switch w := strings.ToUpper(word); w {
	case "OK", "NO", "BAD", "BYE", "PREAUTH":
		if r.kind == 't' && (w == "BYE" || w == "PREAUTH") {
			return nil, malformed(line, "tagged "+w)
		}
		r.typ = w
	default:
		if r.kind == 't' {
			return nil, malformed(line, "tagged response is not OK, NO or BAD")
		}
		r.data = rest
		return r, nil
	}
	if strings.HasPrefix(text, "[") {
		end := strings.IndexByte(text, ']')
		if end < 0 {
			return nil, malformed(line, "response code without ]")
		}
		code := text[1:end]
		name, args, _ := strings.Cut(code, " ")
		if name == "" || !isAtom(name) {
			return nil, malformed(line, "invalid response code")
		}
		r.code, r.args = strings.ToUpper(name), args
		text = strings.TrimPrefix(text[end+1:], " ")
	}
	r.text = text
	return r, nil
}

// validTag tells whether s may be a tag: atom characters except "+".
func validTag(s string) bool {
	return s != "" && isAtom(s) && !strings.Contains(s, "+")
}

// isAtom tells whether s holds only ATOM-CHARs.
func isAtom(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`(){%*"\]`, c) >= 0 {
			return false
		}
	}
	return s != ""
}

// literalAtEnd returns the size of the literal a response line announces
// at its end ("{N}" or "{N+}" before the CRLF), if any.
func literalAtEnd(line []byte) (int64, bool) {
	s := strings.TrimRight(string(line), "\r\n")
	if !strings.HasSuffix(s, "}") {
		return 0, false
	}
	open := strings.LastIndexByte(s, '{')
	if open < 0 {
		return 0, false
	}
	num := strings.TrimSuffix(s[open+1:len(s)-1], "+")
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || num == "" || num[0] == '+' {
		return 0, false
	}
	return n, true
}

// parseAppendUID reads the arguments of an APPENDUID response code
// (RFC 4315, and RFC 3502 for MULTIAPPEND: "uidvalidity uid-set") and
// returns the UIDs in order, want of them; ok is false when the
// arguments are malformed or name another number of messages. The set is
// expanded no further than want, whatever the server wrote.
func parseAppendUID(args string, want int) (uidValidity uint32, uids []imapv2.UID, ok bool) {
	uv, set, found := strings.Cut(strings.TrimSpace(args), " ")
	if !found {
		return 0, nil, false
	}
	v, err := strconv.ParseUint(uv, 10, 32)
	if err != nil || v == 0 {
		return 0, nil, false
	}
	for _, part := range strings.Split(set, ",") {
		lo, hi, isRange := strings.Cut(part, ":")
		a, err := strconv.ParseUint(lo, 10, 32)
		if err != nil || a == 0 {
			return 0, nil, false
		}
		b := a
		if isRange {
			if b, err = strconv.ParseUint(hi, 10, 32); err != nil || b == 0 {
				return 0, nil, false
			}
		}
		if b < a {
			a, b = b, a // a set, not a sequence: 5:3 is 3:5
		}
		for u := a; u <= b; u++ {
			if len(uids) == want {
				return 0, nil, false
			}
			uids = append(uids, imapv2.UID(u))
		}
	}
	// The server gives UIDs in ascending order of the messages appended,
	// so the set's UIDs in ascending order name them in order.
	slices.Sort(uids)
	for i := 1; i < len(uids); i++ {
		if uids[i] == uids[i-1] {
			return 0, nil, false
		}
	}
	if len(uids) != want {
		return 0, nil, false
	}
	return uint32(v), uids, true
}
