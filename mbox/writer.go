package mbox

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/mailconv/mailconv"
)

// EOL selects the line ending of the lines a Writer adds (From_ lines,
// separator lines, state headers).
type EOL uint8

// The line-ending choices.
const (
	// EOLAuto follows each message's own first line ending (the default),
	// so that a CRLF message stays all CRLF.
	EOLAuto EOL = iota
	// EOLLF always writes LF.
	EOLLF
	// EOLCRLF always writes CRLF (for Windows consumers).
	EOLCRLF
)

// WriterOptions configure a Writer. The zero value writes mboxrd with
// Status/X-Status/X-Keywords headers.
type WriterOptions struct {
	// NoStatus leaves out the Status, X-Status and X-Keywords headers.
	NoStatus bool
	// MozillaStatus adds X-Mozilla-Status, X-Mozilla-Status2 and
	// X-Mozilla-Keys, so that Thunderbird shows the state without a
	// summary file.
	MozillaStatus bool
	// EOL chooses the line ending of added lines.
	EOL EOL
	// MaxHeaderBytes bounds the header block held in memory to replace
	// stale state headers. Beyond it the state headers are put first and
	// the rest passes through. Zero means DefaultMaxHeaderBytes.
	MaxHeaderBytes int
	// Events receives losses (state that could not be written).
	Events func(mailconv.Event)
}

// Writer writes messages to one mbox file in mboxrd form: every line that
// matches ^>*From gets one more '>', so that a reader restores the exact
// octets. Messages keep their own line endings.
//
// One line end is written between a message's octets and the next From_
// line (a blank line when the message ends with a line end, as usual); a
// Reader of this package gives that line end to the separator, so it returns
// every message byte for byte, including messages without a final line end.
type Writer struct {
	w    *bufio.Writer
	opts WriterOptions

	br      *bufio.Reader
	hdr     []byte
	out     []byte
	pending []byte // line end owed before the next From_ line
	wrote   bool   // a message was written since the last separator
	endsEOL bool   // the last message ends with a line end
	q       quoter
	ones    [64]byte
}

// NewWriter returns a Writer that writes to w. Call Close (or Flush) at the
// end: the final separator line is written then.
func NewWriter(w io.Writer, opts WriterOptions) *Writer {
	if opts.MaxHeaderBytes <= 0 {
		opts.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	wr := &Writer{w: bufio.NewWriterSize(w, bufSize), opts: opts}
	wr.q.w = wr.w
	for i := range wr.ones {
		wr.ones[i] = '>'
	}
	wr.q.gts = wr.ones[:]
	return wr
}

// ErrEmptyMessage is returned (wrapped in a *mailconv.SkipError) for a
// message with no octets: mbox cannot represent it.
var ErrEmptyMessage = errors.New("empty message")

// WriteMessage writes one message: a From_ line built from m (envelope
// sender, internal date in UTC), the message octets read from body, quoted,
// with stale state headers removed and fresh ones (from m's flags and
// keywords) added at the end of the header.
func (wr *Writer) WriteMessage(ctx context.Context, m *mailconv.Message, body io.Reader) error {
	if wr.br == nil {
		wr.br = bufio.NewReaderSize(body, 64<<10)
	} else {
		wr.br.Reset(body)
	}
	// Read the header block.
	wr.hdr = wr.hdr[:0]
	complete, overflow := false, false
	for {
		line, err := wr.br.ReadSlice('\n')
		wr.hdr = append(wr.hdr, line...)
		if err == bufio.ErrBufferFull {
			if len(wr.hdr) > wr.opts.MaxHeaderBytes {
				overflow = true
				break
			}
			continue
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if len(wr.hdr) > wr.opts.MaxHeaderBytes {
			overflow = true
			break
		}
		if isBlankLine(line) {
			complete = true
			break
		}
	}
	if len(wr.hdr) == 0 {
		if _, err := wr.br.Peek(1); err == io.EOF {
			return &mailconv.SkipError{Code: "mbox.empty-message", Reason: "message has no octets; mbox cannot hold an empty message"}
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}

	eol := wr.lineEnd(wr.hdr)
	// Filter the header: drop state headers, remember Return-Path and
	// Date for the From_ line.
	wr.out = wr.out[:0]
	var returnPath, date string
	h := wr.hdr
	if overflow {
		h = nil
	}
	var tail []byte // the blank line, or nothing
	for len(h) > 0 {
		end := fieldEnd(h, '\n')
		field := h[:end]
		h = h[end:]
		if isBlankLine(field) {
			tail = field
			break
		}
		colon := bytes.IndexByte(field, ':')
		if colon > 0 {
			name := bytes.TrimRight(field[:colon], " \t")
			if metaKind(name) != metaNone {
				continue
			}
			switch {
			case returnPath == "" && bytes.EqualFold(name, []byte("return-path")):
				returnPath = string(bytes.TrimSpace(unfold(field[colon+1:])))
			case date == "" && bytes.EqualFold(name, []byte("date")):
				date = string(bytes.TrimSpace(unfold(field[colon+1:])))
			}
		}
		wr.out = append(wr.out, field...)
	}
	status := appendStatusHeaders(nil, m, eol, !wr.opts.NoStatus, wr.opts.MozillaStatus)
	if overflow {
		wr.out = append(wr.out[:0], wr.hdr...)
	}
	switch {
	case complete && !overflow:
		wr.out = append(wr.out, status...)
		wr.out = append(wr.out, tail...)
	case !overflow && len(wr.out) > 0 && wr.out[len(wr.out)-1] == '\n':
		// The whole message is a header without a blank line: append.
		wr.out = append(wr.out, status...)
	case len(status) == 0:
	case len(wr.out) > 0 && (wr.out[0] == ' ' || wr.out[0] == '\t'):
		// State headers cannot go first (the message's first line would
		// continue them) nor last (no line end, or the header is too long
		// to hold): the state is lost for this message, and said so.
		if wr.opts.Events != nil {
			wr.opts.Events(mailconv.Event{Kind: mailconv.EventLoss, Code: "mbox.state-not-written", Message: m.ID,
				Location: &m.Source, Detail: "message starts with white space and has no header end: its state headers cannot be placed"})
		}
	default:
		// The header's end is not known (too long) or has no line end to
		// append after: state headers go first.
		wr.out = append(status, wr.out...)
	}

	// The From_ line.
	if wr.wrote {
		wr.w.Write(wr.pending)
	}
	wr.w.WriteString("From ")
	wr.w.WriteString(envelopeSender(m.Sender, returnPath))
	wr.w.WriteByte(' ')
	wr.w.WriteString(formatFromDate(envelopeDate(m, date)))
	wr.w.Write(eol)
	wr.wrote = true
	wr.pending = append(wr.pending[:0], eol...)

	// Header and body, quoted.
	wr.q.reset()
	wr.q.write(wr.out)
	buf := wr.br
	for {
		chunk, err := buf.Peek(buf.Buffered())
		if len(chunk) == 0 {
			_, err = buf.Peek(1)
			if err == io.EOF {
				break
			}
			if err != nil && err != bufio.ErrBufferFull {
				return err
			}
			continue
		}
		wr.q.write(chunk)
		buf.Discard(len(chunk))
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	wr.q.flush()
	wr.endsEOL = wr.q.endsEOL()
	// Hand the message to the OS before reporting it written, so that a
	// journal entry never runs ahead of the data.
	return wr.w.Flush()
}

// lineEnd picks the line ending of added lines for a message whose header
// starts with h.
func (wr *Writer) lineEnd(h []byte) []byte {
	switch wr.opts.EOL {
	case EOLLF:
		return []byte("\n")
	case EOLCRLF:
		return []byte("\r\n")
	}
	if i := bytes.IndexByte(h, '\n'); i > 0 && h[i-1] == '\r' {
		return []byte("\r\n")
	}
	return []byte("\n")
}

// envelopeSender returns the From_ line sender: the message's envelope
// sender, else the Return-Path address, else MAILER-DAEMON; never empty,
// never containing white space.
func envelopeSender(sender, returnPath string) string {
	s := sender
	if s == "" {
		s = strings.Trim(strings.TrimSpace(returnPath), "<>")
	}
	if s == "" {
		return "MAILER-DAEMON"
	}
	return strings.Map(func(r rune) rune {
		if r <= ' ' || r == 0x7f {
			return '-'
		}
		return r
	}, s)
}

// envelopeDate returns the From_ line date: the internal date, else the Date
// header, else the Unix epoch.
func envelopeDate(m *mailconv.Message, date string) time.Time {
	if !m.Date.IsZero() {
		return m.Date
	}
	if t := mailconv.DateValue(date); !t.IsZero() {
		return t
	}
	return time.Unix(0, 0)
}

// Flush flushes buffered data. The Writer puts the separator line before
// each From_ line, and Flush ends the file with the separator line of the
// last message (one more line end after its own), as the mboxrd convention
// wants: Dovecot, mutt and this package's Reader take the last line end of
// a file for the separator's, so without it the last message would lose
// its final line end. A last message without a line end of its own gets
// none, so that those readers return it as it was. More messages may follow
// a Flush.
func (wr *Writer) Flush() error {
	if wr.wrote && wr.endsEOL && len(wr.pending) > 0 {
		wr.w.Write(wr.pending)
		wr.wrote = false // the next message owes no separator
		wr.endsEOL = false
	}
	return wr.w.Flush()
}

// Close flushes the writer. It does not close the underlying io.Writer.
func (wr *Writer) Close() error { return wr.Flush() }

// quoter copies message octets, adding one '>' to every line that matches
// ^>*From (mboxrd). It needs O(1) memory whatever the line lengths.
type quoter struct {
	w         *bufio.Writer
	gts       []byte // a run of '>' to copy from
	lineStart bool
	gt        int     // '>' seen at the start of the current line
	match     int     // bytes of "From " matched after them
	tail      [3]byte // the last bytes written
	n         int64   // bytes of the message seen
}

// endsEOL reports whether the octets written end with a line end.
func (q *quoter) endsEOL() bool { return q.n > 0 && q.tail[2] == '\n' }

func (q *quoter) reset() {
	q.lineStart, q.gt, q.match, q.tail, q.n = true, 0, 0, [3]byte{}, 0
}

func (q *quoter) writeGT(n int) {
	for n > 0 {
		k := min(n, len(q.gts))
		q.w.Write(q.gts[:k])
		n -= k
	}
}

// flushPrefix writes a pending prefix that turned out not to need quoting.
func (q *quoter) flushPrefix() {
	q.writeGT(q.gt)
	q.w.WriteString("From "[:q.match])
	q.gt, q.match = 0, 0
	q.lineStart = false
}

func (q *quoter) write(p []byte) {
	if len(p) == 0 {
		return
	}
	q.n += int64(len(p))
	if len(p) >= 3 {
		copy(q.tail[:], p[len(p)-3:])
	} else {
		for _, c := range p {
			q.tail = [3]byte{q.tail[1], q.tail[2], c}
		}
	}
	for i := 0; i < len(p); {
		if q.lineStart {
			c := p[i]
			switch {
			case q.match == 0 && c == '>':
				q.gt++
				i++
				continue
			case c == "From "[q.match]:
				q.match++
				i++
				if q.match == 5 {
					q.w.WriteByte('>')
					q.flushPrefix()
				}
				continue
			default:
				q.flushPrefix()
			}
		}
		// Copy up to the next line that may need quoting (one starting
		// with '>' or 'F') in one go; a line end at the very end of p
		// leaves the next line's first byte to the next call.
		rest := p[i:]
		j := indexSpecial(rest, '\n')
		if j < 0 {
			q.w.Write(rest)
			q.lineStart = rest[len(rest)-1] == '\n'
			return
		}
		q.w.Write(rest[:j+1])
		i += j + 1
		q.lineStart = true
	}
}

// flush ends a message: a pending prefix is written as it is.
func (q *quoter) flush() {
	if q.gt > 0 || q.match > 0 {
		q.flushPrefix()
	}
}
