package applemail

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"strconv"
	"strings"

	"github.com/mailconv/mailconv"
)

// Limits of the partial-message rebuild. A message beyond them is streamed
// as stored (without its attachments) and the loss reported.
const (
	// maxPartHeader bounds one MIME part's header.
	maxPartHeader = 256 << 10
	// maxParts bounds the parts of one message.
	maxParts = 10000
	// maxNesting bounds multipart nesting.
	maxNesting = 64
	// maxBoundaryLine is the longest line tested as a boundary (RFC 2046
	// boundaries have at most 70 characters).
	maxBoundaryLine = 1000
)

// errRebuild marks a partial message whose structure cannot be followed.
var errRebuild = errors.New("cannot follow the MIME structure")

// stub is a MIME leaf part whose body Apple Mail stored outside the emlx
// file: its header carries X-Apple-Content-Length and its body is empty
// (docs/formats/applemail.md, "Partial messages").
type stub struct {
	part      string // IMAP section number, "2.3"
	name      string // file name from Content-Disposition or Content-Type
	encoding  string // Content-Transfer-Encoding, lower case
	declared  int64  // X-Apple-Content-Length, -1 when unreadable
	fieldFrom int64  // the X-Apple-Content-Length field, to drop
	fieldTo   int64
	bodyAt    int64 // where the body goes
	bodyEnd   int64 // where the stored (empty) body ends
	needEOL   bool  // the boundary followed the header at once
	eol       string
}

// frame is an open multipart.
type frame struct {
	delim  []byte // "--" + boundary
	prefix string // section number of the multipart ("" for the root)
	n      int    // parts seen
}

// findStubs scans the message octets of a partial emlx (section of src
// from off, size bytes) and returns its stub parts in order. It holds one
// part header at a time.
func findStubs(src io.ReaderAt, off, size int64, file string) ([]stub, error) {
	br := bufio.NewReaderSize(io.NewSectionReader(src, off, size), 16<<10)
	pos := off
	var (
		stack     []frame
		stubs     []stub
		parts     int
		inHeader  = true
		part      = ""
		hdr       []byte
		field     string // name of the header field being read
		cur       *stub  // candidate stub being read
		apple     = [2]int64{-1, -1}
		blankOnly bool
		prevEOL   int64
		eol       = "\n"
		fullLine  = true
	)
	fail := func(at int64, format string, args ...any) ([]stub, error) {
		return nil, &mailconv.ParseError{File: file, Offset: at,
			Err: fmt.Errorf("applemail: partial message: %s: %w", fmt.Sprintf(format, args...), errRebuild)}
	}
	for {
		line, err := br.ReadSlice('\n')
		if len(line) == 0 && err != nil {
			break
		}
		start := pos
		pos += int64(len(line))
		wasFull := fullLine
		fullLine = err == nil || !errors.Is(err, bufio.ErrBufferFull)
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) && !errors.Is(err, io.EOF) {
			return nil, &mailconv.ParseError{File: file, Offset: pos, Err: fmt.Errorf("applemail: %w", err)}
		}
		content := bytes.TrimRight(line, "\r\n")
		lineEOL := int64(len(line) - len(content))
		if inHeader {
			if len(hdr)+len(line) > maxPartHeader {
				return fail(start, "a part header is longer than %d bytes", maxPartHeader)
			}
			if len(content) == 0 && wasFull {
				// End of the part header.
				inHeader = false
				if bytes.HasSuffix(line, []byte("\r\n")) {
					eol = "\r\n"
				}
				if field == "x-apple-content-length" {
					apple[1] = start
				}
				ct, params, _ := mime.ParseMediaType(mailconv.HeaderValue(hdr, "Content-Type"))
				if b := params["boundary"]; strings.HasPrefix(ct, "multipart/") && b != "" {
					if len(stack) >= maxNesting {
						return fail(start, "multipart nesting deeper than %d", maxNesting)
					}
					stack = append(stack, frame{delim: []byte("--" + b), prefix: part})
				} else {
					if part == "" {
						part = "1"
					}
					if apple[0] >= 0 {
						declared, perr := strconv.ParseInt(mailconv.HeaderValue(hdr, "X-Apple-Content-Length"), 10, 64)
						if perr != nil {
							declared = -1
						}
						_, dp, _ := mime.ParseMediaType(mailconv.HeaderValue(hdr, "Content-Disposition"))
						name := dp["filename"]
						if name == "" {
							name = params["name"]
						}
						cur = &stub{part: part, name: name, declared: declared, fieldFrom: apple[0], fieldTo: apple[1],
							bodyAt: pos, eol: eol,
							encoding: strings.ToLower(strings.TrimSpace(mailconv.HeaderValue(hdr, "Content-Transfer-Encoding")))}
						blankOnly = true
					}
				}
				prevEOL = lineEOL
				continue
			}
			if wasFull && (content[0] != ' ' && content[0] != '\t') {
				if field == "x-apple-content-length" {
					apple[1] = start
				}
				name, _, _ := bytes.Cut(content, []byte(":"))
				field = strings.ToLower(string(bytes.TrimSpace(name)))
				if field == "x-apple-content-length" {
					apple[0] = start
				}
			}
			hdr = append(hdr, line...)
			continue
		}
		// Body, preamble or epilogue: look for a boundary of an open
		// multipart.
		matched, closing := -1, false
		if wasFull && len(content) <= maxBoundaryLine && bytes.HasPrefix(content, []byte("--")) {
			t := bytes.TrimRight(content, " \t")
			for i := len(stack) - 1; i >= 0; i-- {
				if bytes.Equal(t, stack[i].delim) {
					matched = i
					break
				}
				if len(t) == len(stack[i].delim)+2 && bytes.HasPrefix(t, stack[i].delim) && bytes.HasSuffix(t, []byte("--")) {
					matched, closing = i, true
					break
				}
			}
		}
		if matched < 0 {
			if cur != nil && len(bytes.TrimSpace(line)) > 0 {
				blankOnly = false
			}
			prevEOL = lineEOL
			continue
		}
		if cur != nil {
			if blankOnly {
				cur.bodyEnd = max(start-prevEOL, cur.bodyAt)
				cur.needEOL = start-prevEOL < cur.bodyAt
				stubs = append(stubs, *cur)
			}
			cur = nil
		}
		stack = stack[:matched+1]
		if closing {
			stack = stack[:matched]
			prevEOL = lineEOL
			continue
		}
		f := &stack[matched]
		f.n++
		parts++
		if parts > maxParts {
			return fail(start, "more than %d parts", maxParts)
		}
		part = strconv.Itoa(f.n)
		if f.prefix != "" {
			part = f.prefix + "." + part
		}
		inHeader, hdr, field, apple = true, hdr[:0], "", [2]int64{-1, -1}
	}
	if cur != nil && blankOnly {
		cur.bodyEnd = max(pos-prevEOL, cur.bodyAt)
		stubs = append(stubs, *cur)
	}
	return stubs, nil
}

// encoder turns a stored attachment back into the encoded body of its
// part, pulling from src as it is read: base64 in 76-character lines
// (without a line break after the last), quoted-printable, or the bytes as
// they are (7bit, 8bit, binary).
type encoder struct {
	src   io.Reader
	w     io.WriteCloser
	buf   bytes.Buffer
	chunk []byte
	done  bool
}

func newEncoder(src io.Reader, encoding, eol string) *encoder {
	e := &encoder{src: src, chunk: make([]byte, 32<<10)}
	switch encoding {
	case "base64":
		e.w = base64.NewEncoder(base64.StdEncoding, &wrapper{w: &e.buf, eol: eol})
	case "quoted-printable":
		var out io.Writer = &e.buf
		if eol == "\n" {
			out = dropCR{&e.buf}
		}
		e.w = quotedprintable.NewWriter(out)
	default:
		e.w = nopCloser{&e.buf}
	}
	return e
}

func (e *encoder) Read(p []byte) (int, error) {
	for e.buf.Len() == 0 && !e.done {
		n, err := e.src.Read(e.chunk)
		if n > 0 {
			if _, werr := e.w.Write(e.chunk[:n]); werr != nil {
				return 0, werr
			}
		}
		if errors.Is(err, io.EOF) {
			if cerr := e.w.Close(); cerr != nil {
				return 0, cerr
			}
			e.done = true
		} else if err != nil {
			return 0, err
		}
	}
	if e.buf.Len() == 0 {
		return 0, io.EOF
	}
	return e.buf.Read(p)
}

// wrapper breaks base64 text into lines of 76 characters.
type wrapper struct {
	w   *bytes.Buffer
	eol string
	col int
}

func (w *wrapper) Write(p []byte) (int, error) {
	for _, c := range p {
		if w.col == 76 {
			w.w.WriteString(w.eol)
			w.col = 0
		}
		w.w.WriteByte(c)
		w.col++
	}
	return len(p), nil
}

// dropCR turns the CRLF line breaks of the quoted-printable writer into LF
// (it never writes a bare CR: a CR in the data is encoded as =0D).
type dropCR struct{ w *bytes.Buffer }

func (d dropCR) Write(p []byte) (int, error) {
	for _, c := range p {
		if c != '\r' {
			d.w.WriteByte(c)
		}
	}
	return len(p), nil
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }
