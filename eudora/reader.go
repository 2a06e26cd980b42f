package eudora

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/internal/safeopen"
	"github.com/mailconv/mailconv/mime"
)

// ConcurrentOpen implements mailconv.ConcurrentOpener: once Mailboxes
// returned, the store's folder tree is only read; each mailbox reader has
// its own file, plan and buffers, and the attachment folders' indexes are
// built once, under a sync.Once, by whichever reader needs one first.
func (s *Store) ConcurrentOpen() bool { return true }

// Open starts reading the messages of mb (a value returned by Mailboxes).
// With a usable TOC, messages come in TOC (display) order, and only those
// the TOC lists (plus, with Config.Recover = RecoverEmit, the uncovered
// bytes afterwards); without one, the mailbox is scanned with Eudora's own
// separator test, and the reader's Details say why. A NoSelect folder
// yields no messages.
func (s *Store) Open(ctx context.Context, mb *mailconv.Mailbox) (mailconv.MailboxReader, error) {
	n := s.byMB[mb]
	if n == nil {
		for _, c := range s.nodes {
			if c.mb.Path.Equal(mb.Path) {
				n = c
				break
			}
		}
	}
	if n == nil {
		return nil, fmt.Errorf("eudora: mailbox %s is not part of this store", mb.Path)
	}
	if n.mb.NoSelect {
		return &emptyReader{det: MailboxDetails{Platform: s.platform, File: s.abs(n.dir), TOC: "none"}}, nil
	}
	f, _, err := safeopen.File(s.root, n.file)
	if err != nil {
		return nil, fmt.Errorf("eudora: opening %s: %w", s.abs(n.file), err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	p := s.plan(n, f, fi.Size())
	if p.det.TOC == "scanned" {
		s.emit(mailconv.Event{Kind: mailconv.EventWarning, Code: "eudora.scanned", Mailbox: n.mb.Path, Location: s.loc(n.file, -1),
			Detail: "mailbox read by scanning for separators: " + p.det.Reason})
	} else if p.det.TOC == "used+tail" {
		s.emit(mailconv.Event{Kind: mailconv.EventWarning, Code: "eudora.tail-scanned", Mailbox: n.mb.Path, Location: s.loc(n.file, -1),
			Detail: p.det.Reason})
	}
	if p.det.UncoveredRanges > 0 && s.cfg.Recover == RecoverOff {
		s.emit(mailconv.Event{Kind: mailconv.EventInfo, Code: "eudora.deleted-bytes", Mailbox: n.mb.Path, Location: s.loc(n.file, -1),
			Detail: fmt.Sprintf("%d bytes in %d ranges are covered by no TOC record (deleted or transferred mail not yet compacted); not emitted — use recover=list or recover=emit", p.det.UncoveredBytes, p.det.UncoveredRanges)})
	}
	r := &mboxReader{s: s, n: n, f: f, size: fi.Size(), p: p, ctx: ctx,
		br: bufio.NewReaderSize(nil, 64<<10), scanBuf: make([]byte, scanChunk+maxSepLine)}
	r.msg.Size = -1
	return r, nil
}

// emptyReader is the reader of a folder.
type emptyReader struct{ det MailboxDetails }

func (e *emptyReader) Next() (*mailconv.Message, error) { return nil, io.EOF }
func (e *emptyReader) Read([]byte) (int, error)         { return 0, io.EOF }
func (e *emptyReader) Close() error                     { return nil }

// Details returns the folder's details.
func (e *emptyReader) Details() any { return e.det }

const scanChunk = 256 << 10

// mboxReader streams the messages of one mailbox.
type mboxReader struct {
	s    *Store
	n    *node
	f    *os.File
	size int64
	p    *mplan
	ctx  context.Context

	ei   int   // next fixed entry
	ri   int   // current region
	rpos int64 // position in the current region (-1: not started)
	rset bool

	br      *bufio.Reader
	scanBuf []byte
	head    bytes.Buffer
	msg     mailconv.Message
	body    io.Reader
	closer  func() error
	nul     nulDropper
	cr      crToCRLF

	zoneWarned  bool
	closed      bool
	nulReported int64
}

// Details returns what was decided about the mailbox (TOC used or not and
// why, adjusted records, uncovered bytes); Convert puts it in the report.
func (r *mboxReader) Details() any {
	d := r.p.det
	d.NULsDropped = r.nul.dropped
	d.Notes = append([]string(nil), d.Notes...)
	return d
}

// Close releases the mailbox file.
func (r *mboxReader) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	r.finishBody()
	return r.f.Close()
}

func (r *mboxReader) finishBody() {
	if r.closer != nil {
		r.closer()
		r.closer = nil
	}
	if r.body != nil && r.nul.dropped > r.nulReported {
		loc := r.msg.Source
		r.s.emit(mailconv.Event{Kind: mailconv.EventWarning, Code: "eudora.nul-dropped", Mailbox: r.n.mb.Path, Message: r.msg.ID, Location: &loc,
			Detail: fmt.Sprintf("%d NUL bytes dropped (crash damage or an in-place repair)", r.nul.dropped-r.nulReported)})
		r.nulReported = r.nul.dropped
	}
	r.body = nil
}

// Read reads the current message's octets.
func (r *mboxReader) Read(b []byte) (int, error) {
	if r.body == nil {
		return 0, io.EOF
	}
	return r.body.Read(b)
}

// Next advances to the next message.
func (r *mboxReader) Next() (*mailconv.Message, error) {
	if r.closed {
		return nil, errors.New("eudora: Next on a closed mailbox reader")
	}
	r.finishBody()
	for {
		if err := r.ctx.Err(); err != nil {
			return nil, err
		}
		e, ok, err := r.nextEntry()
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, io.EOF
		}
		m, err := r.openEntry(e)
		if err != nil {
			var skip *skipErr
			if errors.As(err, &skip) {
				r.s.emit(mailconv.Event{Kind: mailconv.EventSkip, Code: skip.code, Mailbox: r.n.mb.Path, Location: r.s.loc(r.n.file, e.start), Detail: skip.detail})
				continue
			}
			return nil, err
		}
		r.p.det.Messages++
		return m, nil
	}
}

type skipErr struct{ code, detail string }

func (e *skipErr) Error() string { return e.detail }

// nextEntry returns the next fixed entry, or the next message split off the
// current region.
func (r *mboxReader) nextEntry() (entry, bool, error) {
	if r.ei < len(r.p.entries) {
		r.ei++
		return r.p.entries[r.ei-1], true, nil
	}
	for r.ri < len(r.p.regions) {
		reg := r.p.regions[r.ri]
		if !r.rset {
			r.rpos, r.rset = reg.start, true
		}
		if r.rpos >= reg.end {
			r.ri++
			r.rset = false
			continue
		}
		sep, found, err := r.findSep(r.rpos, reg.end, true)
		if err != nil {
			return entry{}, false, err
		}
		if !found {
			sep = reg.end
		}
		if sep > r.rpos {
			// Bytes before the first separator of the region.
			start := r.rpos
			r.rpos = sep
			if isBlankRange(r.f, start, sep) {
				continue
			}
			return entry{start: start, end: sep, origin: reg.origin, fragment: true}, true, nil
		}
		// A message starts here; it ends at the next separator.
		next, found, err := r.findSep(r.rpos+1, reg.end, false)
		if err != nil {
			return entry{}, false, err
		}
		if !found {
			next = reg.end
		}
		e := entry{start: r.rpos, end: next, origin: reg.origin}
		r.rpos = next
		return e, true, nil
	}
	return entry{}, false, nil
}

// findSep returns the first position in [from,to) where a line passing the
// strict separator test starts. from counts as a line start when
// fromIsLineStart is set (the start of a region).
func (r *mboxReader) findSep(from, to int64, fromIsLineStart bool) (int64, bool, error) {
	atStart := fromIsLineStart
	if !atStart && from > 0 {
		var b [1]byte
		if _, err := r.f.ReadAt(b[:], from-1); err == nil {
			atStart = b[0] == '\n' || b[0] == '\r'
		}
	}
	pat := []byte("From ")
	for pos := from; pos < to; {
		if err := r.ctx.Err(); err != nil {
			return 0, false, err
		}
		want := min(int64(len(r.scanBuf)), to-pos)
		m, err := r.f.ReadAt(r.scanBuf[:want], pos)
		if m == 0 {
			if err == nil || err == io.EOF {
				return 0, false, nil
			}
			return 0, false, &mailconv.ParseError{File: r.s.abs(r.n.file), Offset: pos, Err: err}
		}
		b := r.scanBuf[:m]
		lim := m
		if pos+int64(m) < to && m > scanChunk {
			lim = scanChunk
		}
		for i := 0; i < lim; {
			k := bytes.Index(b[i:], pat)
			if k < 0 || i+k >= lim {
				break
			}
			k += i
			ls := (k == 0 && atStart) || (k > 0 && (b[k-1] == '\n' || b[k-1] == '\r'))
			if ls {
				line := b[k:min(len(b), k+maxSepLine)]
				if j := indexLineEnd(line); j >= 0 {
					line = line[:j]
				}
				if IsSeparator(line, r.s.platform) {
					return pos + int64(k), true, nil
				}
			}
			i = k + 1
		}
		atStart = b[lim-1] == '\n' || b[lim-1] == '\r'
		pos += int64(lim)
	}
	return 0, false, nil
}

// openEntry positions the reader on entry e and returns its metadata.
func (r *mboxReader) openEntry(e entry) (*mailconv.Message, error) {
	s := r.s
	pl := s.platform
	m := &r.msg
	m.Reset()
	m.Source = mailconv.Location{File: s.abs(r.n.file), Offset: e.start}
	sec := io.NewSectionReader(r.f, e.start, e.end-e.start)
	r.br.Reset(sec)

	// The separator line.
	var sep Separator
	hasSep := false
	sepLen := int64(0)
	if peek, _ := r.br.Peek(maxSepLine); len(peek) > 0 {
		line := peek
		j := indexLineEnd(line)
		if j >= 0 {
			line = line[:j]
		}
		if sp, ok := ParseSeparator(line, pl); ok || bytes.HasPrefix(line, []byte("From ")) {
			sep, hasSep = sp, true
			n := len(line)
			if j >= 0 {
				n++
				if line := peek[j:]; line[0] == '\r' && len(line) > 1 && line[1] == '\n' {
					n++
				}
				r.br.Discard(n)
			} else {
				// A separator line longer than the peek: skip to its end.
				n = skipLine(r.br)
			}
			sepLen = int64(n)
		}
	}
	if !hasSep && e.origin != fromTOC {
		e.fragment = true
	}
	m.Sender = sep.Sender

	// The header block, kept to be replayed.
	r.head.Reset()
	complete := readHeader(r.br, &r.head, s.lim.MaxHeaderBytes)
	hdr := parseHeader(r.head.Bytes())
	if r.head.Len() == 0 && isEOF(r.br) {
		return nil, &skipErr{"eudora.empty-message", fmt.Sprintf("%d bytes with nothing after the separator line", e.end-e.start)}
	}

	// Identity, state, date.
	var composition bool
	rec := e.rec
	m.ID = e.id()
	if e.origin == fromScan || e.origin == fromTail {
		r.p.det.Scanned++
		if sr := r.p.salvage[[2]int64{e.start, e.end - e.start}]; sr != nil {
			rec = sr
			r.p.det.Salvaged++
		}
	}
	switch {
	case rec != nil:
		var err error
		composition, err = MapRecord(pl, rec, m)
		if err != nil {
			s.emit(mailconv.Event{Kind: mailconv.EventWarning, Code: "eudora.unknown-state", Mailbox: r.n.mb.Path, Message: m.ID,
				Location: &m.Source, Detail: err.Error() + "; read as unread"})
		}
	case e.origin == fromUncovered:
		m.AddKeyword(KeywordDeleted)
		r.p.det.Recovered++
	default:
		composition = r.defaultState(e, m)
	}
	if e.fragment {
		r.p.det.Fragments += b2i(e.origin != fromTOC)
		if e.origin != fromTOC {
			s.emit(mailconv.Event{Kind: mailconv.EventWarning, Code: "eudora.fragment", Mailbox: r.n.mb.Path, Message: m.ID, Location: &m.Source,
				Detail: fmt.Sprintf("%d bytes without a separator line; emitted as a message", e.end-e.start)})
		}
	}
	r.setDate(m, rec, hdr, sep, hasSep)
	if !complete {
		s.emit(mailconv.Event{Kind: mailconv.EventWarning, Code: "eudora.long-header", Mailbox: r.n.mb.Path, Message: m.ID, Location: &m.Source,
			Detail: fmt.Sprintf("header longer than %d bytes (MaxHeaderBytes): only its start was examined", s.lim.MaxHeaderBytes)})
	}

	// The octets.
	opts := rebuildRequest{Platform: pl, Composition: composition || r.n.system == "out", Date: m.Date, Store: s}
	if rec != nil {
		opts.HTML, opts.Flowed = rec.html(pl), rec.flowed(pl)
		opts.Priority = rec.priority(pl)
	}
	if !s.cfg.Raw {
		// The rebuild reads the stored message in place.
		msgStart := e.start + sepLen
		res, err := mimeRebuild(r.ctx, io.NewSectionReader(r.f, msgStart, e.end-msgStart), opts)
		if err != nil {
			return nil, fmt.Errorf("eudora: rebuilding message at %s: %w", m.Source, err)
		}
		for _, pb := range res.Problems {
			s.emit(mailconv.Event{Kind: pb.Kind, Code: pb.Code, Mailbox: r.n.mb.Path, Message: m.ID, Location: &m.Source, Detail: pb.Detail})
		}
		r.body, r.closer = res.R, res.Close
		m.Rebuilt = res.Rebuilt
		if res.Rebuilt {
			r.p.det.Rebuilt++
		} else if pl == mime.Mac {
			// Passed through untouched: still CR line ends.
			r.cr.reset(res.R)
			r.body = &r.cr
			r.noteCR()
		}
		if priorityMissing(hdr, opts.Priority) {
			r.body = io.MultiReader(strings.NewReader(fmt.Sprintf("X-Priority: %d\r\n", opts.Priority)), r.body)
			m.Rebuilt = true
		}
		return m, nil
	}
	r.nul.r = io.MultiReader(bytes.NewReader(r.head.Bytes()), r.br)
	var src io.Reader = &r.nul
	if pl == mime.Mac {
		r.cr.reset(src)
		src = &r.cr
		r.noteCR()
	}
	r.body = src
	if priorityMissing(hdr, opts.Priority) {
		s.emit(mailconv.Event{Kind: mailconv.EventLoss, Code: "eudora.priority", Mailbox: r.n.mb.Path, Message: m.ID, Location: &m.Source,
			Detail: fmt.Sprintf("the TOC gives priority %d, which raw output (rebuild=false) cannot carry", opts.Priority)})
	}
	return m, nil
}

// skipLine discards one line, its line end included (CRLF, LF or CR), and
// returns the number of bytes discarded.
func skipLine(br *bufio.Reader) int {
	n := 0
	for {
		c, err := br.ReadByte()
		if err != nil {
			return n
		}
		n++
		switch c {
		case '\n':
			return n
		case '\r':
			if b, err := br.Peek(1); err == nil && b[0] == '\n' {
				br.ReadByte()
				n++
			}
			return n
		}
	}
}

// noteCR records, once per mailbox, that Mac CR line ends were turned into
// CRLF outside the rebuild.
func (r *mboxReader) noteCR() {
	if r.p.det.CRConverted {
		return
	}
	r.p.det.CRConverted = true
	r.s.emit(mailconv.Event{Kind: mailconv.EventInfo, Code: "eudora.line-ends", Mailbox: r.n.mb.Path, Location: r.s.loc(r.n.file, -1),
		Detail: "Mac CR line ends converted to CRLF"})
}

// id is the stable message ID of an entry: the TOC record's offset and
// length, or where a scan found it.
func (e entry) id() string {
	switch {
	case e.origin == fromTOC && e.rec != nil:
		return fmt.Sprintf("toc:%d:%d", e.rec.Offset, e.rec.Length)
	case e.origin == fromUncovered:
		return fmt.Sprintf("deleted:%d", e.start)
	}
	return fmt.Sprintf("scan:%d", e.start)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func priorityMissing(h header, p int) bool {
	return p != 0 && p != 3 && !h.has("x-priority") && !h.has("importance") && !h.has("priority")
}

func isEOF(br *bufio.Reader) bool {
	_, err := br.Peek(1)
	return err != nil
}

// defaultState applies the states Eudora gives messages it finds by
// scanning (summary.cpp Build): In unread, Out unsendable, other mailboxes
// read; a message found while an unusable TOC existed (or after its end) is
// RECOVERED, except in Out.
func (r *mboxReader) defaultState(e entry, m *mailconv.Message) bool {
	switch {
	case r.n.system == "out":
		m.Flags |= mailconv.FlagSeen | mailconv.FlagDraft
		return true
	case r.p.salvage != nil || e.origin == fromTail:
		m.Flags |= mailconv.FlagSeen
		m.AddKeyword(KeywordRecovered)
	case r.n.system == "in":
	default:
		m.Flags |= mailconv.FlagSeen
	}
	return false
}

// setDate picks the message's received date (see the package comment).
func (r *mboxReader) setDate(m *mailconv.Message, rec *Record, h header, sep Separator, hasSep bool) {
	s := r.s
	zone := s.cfg.Zone
	if v, ok := h.get("date"); ok {
		if t, ok := ParseDate(v, zoneOrUTC(zone)); ok {
			m.Date, m.DateSource = t, mailconv.DateHeader
			return
		}
	}
	_, hasDate := h.get("date")
	if rec != nil && rec.Seconds > 1 {
		switch {
		case s.platform == mime.Mac:
			m.Date, m.DateSource = MacTime(rec.Seconds), mailconv.DateIndex
			return
		case !hasDate:
			// Eudora took the separator's local time through mktime: a
			// true instant.
			m.Date, m.DateSource = time.Unix(int64(rec.Seconds), 0).UTC(), mailconv.DateIndex
			return
		case zone != nil:
			m.Date, m.DateSource = WinTOCTime(rec.Seconds, zone), mailconv.DateIndex
			return
		}
	}
	if hasSep {
		if t, ok := sep.Time(zoneOrUTC(zone)); ok {
			m.Date, m.DateSource = t.UTC(), mailconv.DateEnvelope
			if zone == nil && !r.zoneWarned {
				r.zoneWarned = true
				s.emit(mailconv.Event{Kind: mailconv.EventWarning, Code: "eudora.zone-assumed", Mailbox: r.n.mb.Path, Message: m.ID, Location: &m.Source,
					Detail: "a date came from a separator line's local time, read as UTC; set tz= to the zone of the PC that wrote the store"})
			}
			return
		}
	}
}

func zoneOrUTC(z *time.Location) *time.Location {
	if z == nil {
		return time.UTC
	}
	return z
}

// readHeader copies the header block (up to and including the blank line
// that ends it) from br into buf, at most max bytes. Lines end with CRLF,
// LF or a lone CR. It reports whether the end of the header was reached
// within max (or the message ended).
func readHeader(br *bufio.Reader, buf *bytes.Buffer, max int) bool {
	atLineStart := true // no byte of the current line seen yet
	pendCR := false     // the last byte was a CR, maybe the start of CRLF
	crBlank := false    // the line that CR ended was empty
	for buf.Len() < max {
		if br.Buffered() == 0 {
			if _, err := br.Peek(1); err != nil {
				return true
			}
		}
		chunk, _ := br.Peek(min(br.Buffered(), max-buf.Len()))
		for i := 0; i < len(chunk); i++ {
			c := chunk[i]
			if pendCR {
				pendCR = false
				if c == '\n' {
					if crBlank {
						buf.Write(chunk[:i+1])
						br.Discard(i + 1)
						return true
					}
					atLineStart = true
					continue
				}
				if crBlank { // a lone CR ended an empty line
					buf.Write(chunk[:i])
					br.Discard(i)
					return true
				}
				atLineStart = true
			}
			switch c {
			case '\r':
				pendCR, crBlank = true, atLineStart
			case '\n':
				if atLineStart {
					buf.Write(chunk[:i+1])
					br.Discard(i + 1)
					return true
				}
				atLineStart = true
			default:
				atLineStart = false
			}
		}
		buf.Write(chunk)
		br.Discard(len(chunk))
	}
	return false
}

// header holds the few fields of a header block the reader looks at
// (names lower-cased, values unfolded). Other fields are not copied.
type header []struct{ name, value string }

// wantedFields are the fields parseHeader keeps.
var wantedFields = []string{"date", "x-priority", "importance", "priority"}

func parseHeader(b []byte) header {
	var h header
	keep := false
	for len(b) > 0 {
		i := indexLineEnd(b)
		l := b
		if i >= 0 {
			l = b[:i]
			if b[i] == '\r' && i+1 < len(b) && b[i+1] == '\n' {
				i++
			}
			b = b[i+1:]
		} else {
			b = nil
		}
		if len(l) == 0 {
			break
		}
		if l[0] == ' ' || l[0] == '\t' {
			if keep {
				h[len(h)-1].value += " " + strings.TrimSpace(string(l))
			}
			continue
		}
		keep = false
		c := bytes.IndexByte(l, ':')
		if c <= 0 {
			continue
		}
		name := l[:c]
		for _, w := range wantedFields {
			if len(w) == len(name) && strings.EqualFold(w, string(name)) {
				h = append(h, struct{ name, value string }{w, strings.TrimSpace(string(l[c+1:]))})
				keep = true
				break
			}
		}
	}
	return h
}

func (h header) get(name string) (string, bool) {
	for _, f := range h {
		if f.name == name {
			return f.value, true
		}
	}
	return "", false
}

func (h header) has(name string) bool { _, ok := h.get(name); return ok }

// nulDropper removes NUL bytes (crash damage, in-place repairs) and counts
// them.
type nulDropper struct {
	r       io.Reader
	dropped int64
}

func (d *nulDropper) Read(p []byte) (int, error) {
	for {
		n, err := d.r.Read(p)
		if n > 0 && bytes.IndexByte(p[:n], 0) >= 0 {
			w := 0
			for _, c := range p[:n] {
				if c != 0 {
					p[w] = c
					w++
				} else {
					d.dropped++
				}
			}
			n = w
		}
		if n > 0 || err != nil {
			return n, err
		}
	}
}

// crToCRLF turns lone CRs into CRLF (Mac line ends); CRLF and LF pass.
type crToCRLF struct {
	r       io.Reader
	pendCR  bool // the last byte delivered was a CR
	pending []byte
	buf     []byte
}

func (c *crToCRLF) reset(r io.Reader) {
	c.r, c.pendCR, c.pending = r, false, c.pending[:0]
	if c.buf == nil {
		c.buf = make([]byte, 32<<10)
	}
}

func (c *crToCRLF) Read(p []byte) (int, error) {
	if len(c.pending) > 0 {
		n := copy(p, c.pending)
		c.pending = c.pending[n:]
		return n, nil
	}
	m := min(len(p)/2, len(c.buf))
	if m == 0 {
		m = 1
	}
	n, err := c.r.Read(c.buf[:m])
	out := p
	w := 0
	var extra []byte
	for _, b := range c.buf[:n] {
		if c.pendCR && b != '\n' {
			// The CR before this byte was lone: it already went out as CR;
			// add the LF now.
			w, extra = put(out, w, '\n', extra)
		}
		w, extra = put(out, w, b, extra)
		c.pendCR = b == '\r'
	}
	if err == io.EOF && c.pendCR {
		w, extra = put(out, w, '\n', extra)
		c.pendCR = false
	}
	c.pending = append(c.pending[:0], extra...)
	if w == 0 && err == nil && len(c.pending) == 0 {
		return c.Read(p)
	}
	if len(c.pending) > 0 && err == io.EOF {
		err = nil
		c.r = eofReader{}
	}
	return w, err
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

func put(out []byte, w int, b byte, extra []byte) (int, []byte) {
	if w < len(out) {
		out[w] = b
		return w + 1, extra
	}
	return w, append(extra, b)
}
