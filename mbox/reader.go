package mbox

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/mailconv/mailconv"
)

// Variant is an mbox dialect: how body lines starting with "From " were
// protected by the program that wrote the file.
type Variant uint8

// The variants. See the package documentation.
const (
	// VariantAuto: decide from the file's evidence (the default).
	VariantAuto Variant = iota
	// MboxO: ">From " quoting of "From " lines only; not reversible.
	MboxO
	// MboxRD: every line matching ^>*From is quoted with one more '>';
	// reversible. The default when the evidence is silent.
	MboxRD
	// MboxCL: mboxo quoting plus a Content-Length header.
	MboxCL
	// MboxCL2: no quoting; Content-Length is the only framing.
	MboxCL2
)

var variantNames = [...]string{"auto", "mboxo", "mboxrd", "mboxcl", "mboxcl2"}

// String returns the variant's conventional name.
func (v Variant) String() string {
	if int(v) < len(variantNames) {
		return variantNames[v]
	}
	return "Variant(" + strconv.Itoa(int(v)) + ")"
}

// MarshalText implements encoding.TextMarshaler.
func (v Variant) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// ParseVariant returns the variant named s ("auto", "mboxo", "mboxrd",
// "mboxcl", "mboxcl2").
func ParseVariant(s string) (Variant, error) {
	for i, n := range variantNames {
		if strings.EqualFold(s, n) {
			return Variant(i), nil
		}
	}
	return 0, fmt.Errorf("unknown mbox variant %q (want auto, mboxo, mboxrd, mboxcl or mboxcl2)", s)
}

// SeparatorPolicy decides which "From " lines start a new message.
type SeparatorPolicy uint8

// The policies.
const (
	// SeparatorsAuto (the default): a dated From_ line after a blank line
	// (or at the start) always separates; a dated line without the blank
	// line, or a bare one ("From -"), separates only when the next line
	// looks like a header field. Splits without a blank line are reported.
	SeparatorsAuto SeparatorPolicy = iota
	// SeparatorsStrict: only dated From_ lines after a blank line.
	SeparatorsStrict
	// SeparatorsLenient: every dated or bare From_ line (Python, Dovecot).
	SeparatorsLenient
)

// ParseSeparatorPolicy returns the policy named s ("auto", "strict",
// "lenient").
func ParseSeparatorPolicy(s string) (SeparatorPolicy, error) {
	switch strings.ToLower(s) {
	case "auto", "":
		return SeparatorsAuto, nil
	case "strict":
		return SeparatorsStrict, nil
	case "lenient":
		return SeparatorsLenient, nil
	}
	return 0, fmt.Errorf("unknown separator policy %q (want auto, strict or lenient)", s)
}

// Limits and defaults of the reader.
const (
	// DefaultMaxHeaderBytes is the default ReaderOptions.MaxHeaderBytes.
	DefaultMaxHeaderBytes = 1 << 20
	// DefaultDetectWindow is the default ReaderOptions.DetectWindow.
	DefaultDetectWindow = 16 << 20
	// DefaultMaxFromLine is the default ReaderOptions.MaxFromLine.
	DefaultMaxFromLine = 1000
	// MaxFromLineLimit caps ReaderOptions.MaxFromLine (the line and the
	// one after it are looked at inside the read buffer).
	MaxFromLineLimit = 64 << 10
	// lookahead needed to see the line after a From_ line
	nextLineLookahead = 200
	bufSize           = 256 << 10
)

// ReaderOptions configure a Reader. The zero value is usable.
type ReaderOptions struct {
	// Name is the file name used in errors, events and message locations.
	Name string
	// Mailbox is the mailbox path used in events.
	Mailbox mailconv.Path
	// Variant forces a variant; VariantAuto detects it.
	Variant Variant
	// Separators is the separator policy.
	Separators SeparatorPolicy
	// Verbatim keeps the metadata headers (Status, X-Status, X-Keywords,
	// X-Mozilla-*, Content-Length, X-UID, X-IMAP*) in the message octets.
	// By default they become metadata only.
	Verbatim bool
	// Recover emits messages Thunderbird marked as expunged (deleted and
	// waiting for compaction), with FlagDeleted. By default they are
	// skipped and reported.
	Recover bool
	// Location is the zone of From_ line dates written without one (the
	// writing machine's local time, in practice). Nil means UTC.
	Location *time.Location
	// MaxHeaderBytes bounds the header block held in memory to find the
	// metadata headers. Beyond it the rest of the header passes through
	// uninterpreted and a warning is reported. Zero means
	// DefaultMaxHeaderBytes.
	MaxHeaderBytes int
	// MaxFromLine is the longest line considered as a From_ separator;
	// longer lines starting with "From " are body text. Zero means
	// DefaultMaxFromLine; values above MaxFromLineLimit are capped.
	MaxFromLine int
	// DetectWindow is how much of the file variant detection reads (only
	// when the input is an io.ReaderAt). Zero means DefaultDetectWindow.
	DetectWindow int64
	// Events receives warnings, skips and notes. Nil discards them.
	Events func(mailconv.Event)
}

// Stats is the evidence a Reader gathered about its file. It is complete
// once Next has returned io.EOF, and is reported per mailbox by Convert.
type Stats struct {
	Variant       Variant `json:"variant"`
	VariantReason string  `json:"variant_reason"`
	Messages      int     `json:"messages"`
	// BOM: the file started with a UTF-8 byte-order mark (skipped).
	BOM bool `json:"bom,omitempty"`
	// LineEnding of the From_ lines: "lf", "crlf", "cr" or "mixed".
	LineEnding string `json:"line_ending"`
	// Separator counts: dated From_ lines, bare ones ("From -"), and
	// splits made without a preceding blank line.
	DatedSeparators    int     `json:"dated_separators"`
	BareSeparators     int     `json:"bare_separators"`
	SplitsWithoutBlank int     `json:"splits_without_blank_line"`
	SplitOffsets       []int64 `json:"splits_without_blank_line_offsets,omitempty"`
	// FromLinesKept counts unquoted body lines starting with "From " that
	// were judged not to be separators.
	FromLinesKept int `json:"from_lines_kept"`
	// FromInContentLength counts unquoted "From " lines inside spans
	// framed by a trusted Content-Length (evidence of mboxcl2).
	FromInContentLength int `json:"from_lines_in_content_length,omitempty"`
	// ContentLength: headers honoured (they landed exactly on a separator
	// or the end), ignored (they did not), unchecked (input not seekable).
	ContentLengthHonoured  int `json:"content_length_honoured"`
	ContentLengthIgnored   int `json:"content_length_ignored"`
	ContentLengthUnchecked int `json:"content_length_unchecked,omitempty"`
	// Quoted1 counts ^>From lines, Quoted2 ^>>+From lines: the lines whose
	// meaning differs between mboxo and mboxrd (the ambiguity).
	Quoted1 int `json:"quoted_1"`
	Quoted2 int `json:"quoted_2_ambiguous"`
	// Unquoted counts lines changed by unquoting.
	Unquoted int `json:"unquoted"`
	// Postmarks counts messages whose octets start with a "From " or
	// ">From " line before the first header field (kept as they are).
	Postmarks int `json:"postmark_lines,omitempty"`
	// Expunged counts messages Thunderbird had marked expunged.
	Expunged int `json:"expunged,omitempty"`
	// PseudoMessage: a UW-IMAP/Dovecot folder-data message was skipped.
	PseudoMessage bool `json:"pseudo_message_skipped,omitempty"`
	// HeaderOverflows counts headers larger than MaxHeaderBytes.
	HeaderOverflows int `json:"header_overflows,omitempty"`
	// NoFinalNewline counts messages that did not end with a line break.
	NoFinalNewline int `json:"no_final_newline,omitempty"`
	// Fingerprints names the producers the file shows traces of.
	Fingerprints []string `json:"fingerprints,omitempty"`

	lf, crlf, cr int
}

const maxSplitOffsets = 20

// reader states
const (
	stSep  = iota // positioned on a separator line, message not started
	stBody        // inside a message body
	stEOF         // no more messages
)

// Reader reads the messages of one mbox file as a stream: Next returns the
// next message's metadata, then Read yields its octets, unquoted, without the
// From_ line, the separator line break and (unless Verbatim) the metadata
// headers.
type Reader struct {
	src  io.Reader
	ra   io.ReaderAt // optional, for Content-Length checks and detection
	opts ReaderOptions

	buf  []byte
	r, w int
	base int64 // file offset of buf[0]
	eof  bool
	err  error // sticky error from src
	eol  byte  // '\n' (LF and CRLF files) or '\r' (CR-only files)

	variant Variant
	state   int
	sepLine fromLine // the separator we are positioned on

	msg mailconv.Message
	st  state

	out    []byte // bytes to emit before continuing (header, held line end)
	outPos int
	hdr    []byte // raw header block of the current message

	lineStart bool
	lineBytes bool    // the current line has content
	held      [2]byte // line end held back until the next line is known
	nheld     int
	heldEmpty bool  // the held line end closes an empty line
	clRemain  int64 // bytes left in a Content-Length span, -1 if none
	first     bool  // the next message is the file's first

	scratch []byte
	clBuf   []byte   // Content-Length check buffer
	scan    lineScan // where the next line starting with 'F' or '>' is
	stats   Stats
	detect  bool // detection pass: no events
	fps     map[string]bool
}

// NewReader returns a Reader for the mbox file read from src.
//
// When src is also an io.ReaderAt positioned at its start (an *os.File
// just opened), the reader uses it to check Content-Length headers and to
// detect the variant from the first DetectWindow bytes before streaming.
// Otherwise Content-Length headers are not trusted and the variant is chosen
// from producer fingerprints only.
//
// NewReader reads the first line; it returns an error wrapping
// mailconv.ErrFormat when the input is not empty and does not start with a
// From_ line.
func NewReader(src io.Reader, opts ReaderOptions) (*Reader, error) {
	rd := newReader(src, opts)
	if ra, ok := src.(io.ReaderAt); ok {
		if s, ok := src.(io.Seeker); ok {
			if pos, err := s.Seek(0, io.SeekCurrent); err == nil && pos == 0 {
				rd.ra = ra
			}
		}
	}
	if err := rd.start(); err != nil {
		return nil, err
	}
	if rd.variant == VariantAuto {
		rd.chooseVariant()
	}
	return rd, nil
}

func newReader(src io.Reader, opts ReaderOptions) *Reader {
	if opts.MaxFromLine <= 0 {
		opts.MaxFromLine = DefaultMaxFromLine
	}
	opts.MaxFromLine = min(opts.MaxFromLine, MaxFromLineLimit)
	if opts.MaxHeaderBytes <= 0 {
		opts.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if opts.DetectWindow <= 0 {
		opts.DetectWindow = DefaultDetectWindow
	}
	return &Reader{
		src:      src,
		opts:     opts,
		buf:      make([]byte, bufSize),
		eol:      '\n',
		variant:  opts.Variant,
		clRemain: -1,
		first:    true,
		scan:     lineScan{hit: -1},
		fps:      make(map[string]bool),
	}
}

// start checks the beginning of the file.
func (rd *Reader) start() error {
	rd.ensure(len(rd.buf))
	if rd.err != nil {
		return rd.perr(0, rd.err)
	}
	if bytes.HasPrefix(rd.buf[rd.r:rd.w], []byte("\xef\xbb\xbf")) {
		rd.r += 3
		rd.stats.BOM = true
	}
	data := rd.buf[rd.r:rd.w]
	if len(data) == 0 {
		rd.state = stEOF
		return nil
	}
	if !bytes.HasPrefix(data, []byte("From ")) {
		return rd.perr(rd.pos(), fmt.Errorf("%w: an mbox file must start with a \"From \" line", mailconv.ErrFormat))
	}
	// CR-only files (classic Mac) have no LF in the first line.
	lf := bytes.IndexByte(data, '\n')
	cr := bytes.IndexByte(data, '\r')
	if cr >= 0 && (lf < 0 || cr < lf-1) {
		rd.eol = '\r'
	}
	line := rd.lineAt(rd.r)
	rd.sepLine = parseFromLine(line, rd.opts.Location)
	if rd.sepLine.Kind == fromInvalid {
		rd.warn("mbox.odd-first-separator", rd.pos(), "first line starts with \"From \" but has no date: "+clip(line))
	}
	rd.state = stSep
	return nil
}

// pos returns the file offset of the read position.
func (rd *Reader) pos() int64 { return rd.base + int64(rd.r) }

func (rd *Reader) perr(off int64, err error) error {
	return &mailconv.ParseError{File: rd.opts.Name, Offset: off, Err: err}
}

func (rd *Reader) event(kind mailconv.EventKind, code string, off int64, detail string) {
	if rd.detect || rd.opts.Events == nil {
		return
	}
	e := mailconv.Event{Kind: kind, Code: code, Mailbox: rd.opts.Mailbox, Detail: detail}
	if off >= 0 {
		e.Location = &mailconv.Location{File: rd.opts.Name, Offset: off}
	}
	if rd.msg.ID != "" && kind != mailconv.EventInfo {
		e.Message = rd.msg.ID
	}
	rd.opts.Events(e)
}

func (rd *Reader) warn(code string, off int64, detail string) {
	rd.event(mailconv.EventWarning, code, off, detail)
}

func clip(b []byte) string {
	if len(b) > 80 {
		b = b[:80]
	}
	return strconv.Quote(string(bytes.TrimRight(b, "\r\n")))
}

// ensure tries to have at least n unread bytes buffered (fewer at EOF).
func (rd *Reader) ensure(n int) {
	if n > len(rd.buf) {
		n = len(rd.buf)
	}
	for rd.w-rd.r < n && !rd.eof && rd.err == nil {
		if rd.r > 0 && (rd.r+n > len(rd.buf) || rd.w == len(rd.buf)) {
			copy(rd.buf, rd.buf[rd.r:rd.w])
			rd.base += int64(rd.r)
			rd.w -= rd.r
			rd.r = 0
		}
		m, err := rd.src.Read(rd.buf[rd.w:])
		rd.w += m
		if err == io.EOF {
			rd.eof = true
		} else if err != nil {
			rd.err = err
		} else if m == 0 {
			continue
		}
	}
}

// atEOF reports whether every byte has been consumed.
func (rd *Reader) atEOF() bool {
	if rd.r < rd.w {
		return false
	}
	rd.ensure(1)
	return rd.r == rd.w
}

// lineAt returns the line starting at buffer index i (without its end),
// limited to the buffered data.
func (rd *Reader) lineAt(i int) []byte {
	data := rd.buf[i:rd.w]
	if j := bytes.IndexByte(data, rd.eol); j >= 0 {
		data = data[:j]
	}
	return bytes.TrimRight(data, "\r")
}

// looksLikeHeader reports whether b starts with a header field name and a
// colon, or a >From postmark.
func looksLikeHeader(b []byte) bool {
	if bytes.HasPrefix(b, []byte(">From ")) {
		return true
	}
	for i, c := range b {
		if c == ':' {
			return i > 0
		}
		if c <= ' ' || c >= 0x7f {
			return false
		}
		if i > 76 {
			return false
		}
	}
	return false
}

// atSeparator reports whether the line at the read position starts a new
// message. prevBlank tells whether the previous line was empty (or we are at
// the start). It records the decision's evidence.
func (rd *Reader) atSeparator(prevBlank bool) bool {
	rd.ensure(5)
	if rd.w-rd.r < 5 || string(rd.buf[rd.r:rd.r+5]) != "From " {
		return false
	}
	rd.ensure(rd.opts.MaxFromLine + nextLineLookahead)
	data := rd.buf[rd.r:rd.w]
	end := bytes.IndexByte(data, rd.eol)
	if end < 0 {
		if !rd.eof || len(data) > rd.opts.MaxFromLine {
			rd.stats.FromLinesKept++
			return false
		}
		end = len(data)
	}
	if end > rd.opts.MaxFromLine {
		rd.stats.FromLinesKept++
		return false
	}
	fl := parseFromLine(data[:end], rd.opts.Location)
	next := []byte(nil)
	if end+1 < len(data) {
		next = data[end+1:]
	}
	nextHeader := looksLikeHeader(next)
	split := false
	switch rd.opts.Separators {
	case SeparatorsStrict:
		split = fl.Kind == fromDated && prevBlank
	case SeparatorsLenient:
		split = fl.Kind != fromInvalid
	default:
		switch fl.Kind {
		case fromDated:
			split = prevBlank || nextHeader
		case fromBare:
			split = nextHeader
		}
	}
	if !split {
		rd.stats.FromLinesKept++
		return false
	}
	off := rd.pos()
	if !prevBlank {
		rd.stats.SplitsWithoutBlank++
		if len(rd.stats.SplitOffsets) < maxSplitOffsets {
			rd.stats.SplitOffsets = append(rd.stats.SplitOffsets, off)
		}
		if fl.Kind == fromBare {
			rd.warn("mbox.lenient-split", off, "new message at a \"From \" line without date and without a blank line before it: "+clip(data[:end]))
		} else {
			rd.event(mailconv.EventInfo, "mbox.split-without-blank-line", off, "new message at a dated From_ line not preceded by a blank line")
		}
	}
	rd.sepLine = fl
	return true
}

// Next advances to the next message and returns its metadata. It returns
// io.EOF after the last message. The returned Message is reused by the next
// call.
func (rd *Reader) Next() (*mailconv.Message, error) {
	for {
		if err := rd.skipRest(); err != nil {
			return nil, err
		}
		if rd.state == stEOF {
			return nil, io.EOF
		}
		skip, err := rd.begin()
		if err != nil {
			return nil, err
		}
		if !skip {
			return &rd.msg, nil
		}
	}
}

// skipRest discards the unread part of the current message.
func (rd *Reader) skipRest() error {
	if rd.state != stBody {
		return nil
	}
	if rd.scratch == nil {
		rd.scratch = make([]byte, 32<<10)
	}
	for rd.state == stBody {
		_, err := rd.Read(rd.scratch)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// begin consumes the separator line and the header block of the next
// message. It returns skip=true for a message that is not emitted.
func (rd *Reader) begin() (skip bool, err error) {
	sepOff := rd.pos()
	// consume the From_ line
	rd.ensure(rd.opts.MaxFromLine + 2)
	data := rd.buf[rd.r:rd.w]
	end := bytes.IndexByte(data, rd.eol)
	if end < 0 {
		end = len(data) - 1
	}
	switch {
	case rd.eol == '\r':
		rd.stats.cr++
	case end > 0 && data[end-1] == '\r':
		rd.stats.crlf++
	default:
		rd.stats.lf++
	}
	rd.r += end + 1
	if rd.sepLine.Kind == fromBare {
		rd.stats.BareSeparators++
	} else {
		rd.stats.DatedSeparators++
	}
	switch s := rd.sepLine.Sender; s {
	case "???@???":
		rd.fps["eudora"] = true
	case "-":
		rd.fps["mozilla"] = true
	}

	rd.msg.Reset()
	rd.st.reset()
	rd.msg.ID = strconv.FormatInt(sepOff, 10)
	rd.msg.Source = mailconv.Location{File: rd.opts.Name, Offset: sepOff}
	if s := rd.sepLine.Sender; s != "-" && s != "???@???" && s != "MAILER-DAEMON" {
		rd.msg.Sender = s
	}
	if rd.sepLine.Kind == fromDated {
		rd.msg.Date = rd.sepLine.Date
		rd.msg.DateSource = mailconv.DateEnvelope
	}
	first := rd.first
	rd.first = false

	if err := rd.readHeader(); err != nil {
		return false, err
	}
	if len(rd.hdr) == 0 {
		rd.event(mailconv.EventSkip, "mbox.empty-message", sepOff, "separator line followed by no message")
		return true, nil
	}
	rd.st.apply(&rd.msg)
	if rd.st.trace {
		rd.fps["mailconv"] = true
	}
	for _, k := range rd.st.badKeywords {
		rd.event(mailconv.EventLoss, "mbox.bad-keyword", sepOff, "keyword is not a valid IMAP atom and was dropped: "+strconv.Quote(k))
	}
	if u := rd.st.unknownLetters; u != "" {
		rd.event(mailconv.EventLoss, "mbox.unknown-status-letter", sepOff, "Status/X-Status letters with no known meaning were dropped: "+strconv.Quote(u))
	}
	if rd.msg.Date.IsZero() {
		rd.dateFromHeader()
	}
	rd.stats.Messages++

	if first && rd.st.ximap && bytes.Contains(rd.hdr, []byte("FOLDER INTERNAL DATA")) {
		rd.stats.PseudoMessage = true
		rd.stats.Messages--
		rd.event(mailconv.EventInfo, "mbox.pseudo-message", sepOff, "UW-IMAP/Dovecot folder-data message skipped")
		return true, nil
	}
	if rd.st.expunged() {
		rd.stats.Expunged++
		if !rd.opts.Recover {
			rd.stats.Messages--
			rd.event(mailconv.EventSkip, "mbox.expunged", sepOff, "Thunderbird marked this message expunged (deleted, awaiting compaction); use the recover option to convert it")
			return true, nil
		}
	}
	return false, nil
}

// readHeader reads the header block into rd.hdr, filters it into rd.out and
// sets the body state.
func (rd *Reader) readHeader() error {
	rd.hdr = rd.hdr[:0]
	rd.out = rd.out[:0]
	rd.outPos = 0
	rd.nheld = 0
	rd.clRemain = -1
	overflow := false
	complete := false // saw the blank line ending the header
	for !complete {
		if rd.atEOF() {
			break
		}
		if rd.err != nil {
			return rd.perr(rd.pos(), rd.err)
		}
		if rd.atSeparator(false) {
			break
		}
		// take one line (possibly longer than the buffer)
		lineStart := len(rd.hdr)
		rd.unquoteAtLineStart()
		for {
			data := rd.buf[rd.r:rd.w]
			i := bytes.IndexByte(data, rd.eol)
			if i >= 0 {
				rd.hdr = append(rd.hdr, data[:i+1]...)
				rd.r += i + 1
				break
			}
			rd.hdr = append(rd.hdr, data...)
			rd.r = rd.w
			if len(rd.hdr) > rd.opts.MaxHeaderBytes {
				break
			}
			rd.ensure(1)
			if rd.r == rd.w {
				break // EOF inside the line
			}
		}
		if len(rd.hdr) > rd.opts.MaxHeaderBytes {
			overflow = true
			break
		}
		line := rd.hdr[lineStart:]
		if isBlankLine(line) {
			complete = true
		}
	}
	rd.filterHeader(overflow)
	if overflow {
		rd.stats.HeaderOverflows++
		rd.warn("mbox.header-too-long", rd.msg.Source.Offset, fmt.Sprintf("header larger than %d bytes: state headers past that point are not interpreted and pass through as they are", rd.opts.MaxHeaderBytes))
		// The header continues as body text from here; we are mid-line
		// unless the last byte was a line end.
		rd.lineStart = len(rd.hdr) > 0 && rd.hdr[len(rd.hdr)-1] == rd.eol
		rd.lineBytes = true
		rd.heldEmpty = false
		rd.state = stBody
		return nil
	}
	rd.lineStart = true
	// The line end closing the header block is held back: if a separator
	// follows at once, it belongs to the separator (a header-only message,
	// or a blank separator line after an empty body).
	rd.trimHeldEnd()
	if !complete && rd.nheld == 0 && len(rd.out) > 0 {
		rd.stats.NoFinalNewline++ // the file ends inside the header
	}
	rd.heldEmpty = complete
	rd.state = stBody
	if complete && rd.st.contentLength >= 0 {
		rd.checkContentLength()
	}
	return nil
}

// trimHeldEnd moves the line end that closes rd.out into the held slot, so
// that it is dropped if a separator follows and emitted otherwise.
func (rd *Reader) trimHeldEnd() {
	n := len(rd.out)
	if n == 0 || rd.out[n-1] != rd.eol {
		return
	}
	if rd.eol == '\n' && n >= 2 && rd.out[n-2] == '\r' {
		rd.held = [2]byte{'\r', '\n'}
		rd.nheld = 2
	} else {
		rd.held = [2]byte{rd.eol}
		rd.nheld = 1
	}
	rd.out = rd.out[:n-rd.nheld]
}

// isBlankLine reports whether line is only a line end (LF, CRLF or CR).
func isBlankLine(line []byte) bool {
	switch len(line) {
	case 1:
		return line[0] == '\n' || line[0] == '\r'
	case 2:
		return line[0] == '\r' && line[1] == '\n'
	}
	return false
}

// filterHeader copies rd.hdr into rd.out without the metadata fields (which
// it interprets) and the leading postmark lines.
func (rd *Reader) filterHeader(overflow bool) {
	h := rd.hdr
	sawField := false
	for len(h) > 0 {
		// one field: a line plus its continuation lines
		end := fieldEnd(h, rd.eol)
		if overflow && end == len(h) {
			// possibly cut: pass through uninterpreted
			rd.out = append(rd.out, h...)
			break
		}
		field := h[:end]
		h = h[end:]
		if isBlankLine(field) {
			rd.out = append(rd.out, field...)
			rd.out = append(rd.out, h...)
			break
		}
		if !sawField && (bytes.HasPrefix(field, []byte("From ")) || bytes.HasPrefix(field, []byte(">From "))) {
			// A postmark line before the first field (UUCP, or a
			// Thunderbird copy). It is not a header field, but it is part
			// of the stored octets: kept, and counted.
			rd.stats.Postmarks++
			rd.out = append(rd.out, field...)
			continue
		}
		sawField = true
		colon := bytes.IndexByte(field, ':')
		if colon <= 0 {
			rd.out = append(rd.out, field...)
			continue
		}
		name := bytes.TrimRight(field[:colon], " \t")
		kind := metaKind(name)
		rd.fingerprint(name)
		if kind == metaNone {
			// Gmail's labels tell the state of a message as Google
			// exported it: its From_ line carries a zone (Takeout writes
			// "+0000" before the year). Once another program has
			// written the message, its From_ line and Status say.
			if rd.sepLine.HasZone && len(name) == len("x-gmail-labels") && bytes.EqualFold(name, []byte("x-gmail-labels")) {
				rd.st.gmailLabels(unfold(field[colon+1:]))
			}
			rd.out = append(rd.out, field...)
			continue
		}
		rd.st.add(kind, string(name), unfold(field[colon+1:]))
		if rd.opts.Verbatim {
			rd.out = append(rd.out, field...)
		}
	}
}

// fieldEnd returns the length of the first field of h (its line and the
// continuation lines that follow).
func fieldEnd(h []byte, eol byte) int {
	i := 0
	for {
		j := bytes.IndexByte(h[i:], eol)
		if j < 0 {
			return len(h)
		}
		i += j + 1
		if i >= len(h) || (h[i] != ' ' && h[i] != '\t') {
			return i
		}
		if i == 1 || (i == 2 && h[0] == '\r') {
			return i // blank line
		}
	}
}

func unfold(v []byte) []byte {
	return bytes.Map(func(r rune) rune {
		if r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, v)
}

func (rd *Reader) fingerprint(name []byte) {
	switch {
	case bytes.EqualFold(name, []byte("x-mozilla-status")):
		rd.fps["mozilla"] = true
	case bytes.EqualFold(name, []byte("x-imapbase")), bytes.EqualFold(name, []byte("x-uid")), bytes.EqualFold(name, []byte("x-imap")):
		rd.fps["c-client/dovecot"] = true
	case bytes.EqualFold(name, []byte("x-gmail-labels")), bytes.EqualFold(name, []byte("x-gm-thrid")):
		rd.fps["google"] = true
	case bytes.EqualFold(name, []byte("x-evolution")):
		rd.fps["evolution"] = true
	}
}

// dateFromHeader falls back to the newest Received: date, then Date:.
func (rd *Reader) dateFromHeader() {
	var recv, date time.Time
	var seenRecv, seenDate bool
	h := rd.hdr
	for len(h) > 0 {
		end := fieldEnd(h, rd.eol)
		field := h[:end]
		h = h[end:]
		colon := bytes.IndexByte(field, ':')
		if colon <= 0 {
			continue
		}
		name := field[:colon]
		switch {
		case !seenRecv && bytes.EqualFold(name, []byte("received")):
			recv, seenRecv = mailconv.ReceivedValue(unfold(field[colon+1:]))
		case !seenDate && bytes.EqualFold(name, []byte("date")):
			if v := bytes.TrimSpace(unfold(field[colon+1:])); len(v) > 0 {
				date, seenDate = mailconv.DateValue(string(v)), true
			}
		}
	}
	switch {
	case !recv.IsZero():
		rd.msg.Date, rd.msg.DateSource = recv, mailconv.DateReceived
	case !date.IsZero():
		rd.msg.Date, rd.msg.DateSource = date, mailconv.DateHeader
	}
}

// checkContentLength honours the header only when it lands exactly on a
// line end followed by a From_ line, or on the end of the file.
func (rd *Reader) checkContentLength() {
	if rd.ra == nil {
		rd.stats.ContentLengthUnchecked++
		return
	}
	t := rd.pos() + rd.st.contentLength
	if t < rd.pos() { // overflow
		rd.stats.ContentLengthIgnored++
		return
	}
	if rd.clBuf == nil {
		rd.clBuf = make([]byte, 1+2+rd.opts.MaxFromLine)
	}
	b := rd.clBuf
	n, err := rd.ra.ReadAt(b, t-1)
	if err != nil && err != io.EOF {
		rd.stats.ContentLengthIgnored++
		return
	}
	ok := false
	switch {
	case n == 1:
		ok = true // t is the end of the file
	case n > 1:
		rest := b[1:n]
		switch {
		case rd.eol == '\n' && bytes.HasPrefix(rest, []byte("\r\nFrom ")):
			rest = rest[2:]
			ok = true
		case bytes.HasPrefix(rest, []byte{rd.eol}) && bytes.HasPrefix(rest[1:], []byte("From ")):
			rest = rest[1:]
			ok = true
		}
		if ok {
			if j := bytes.IndexByte(rest, rd.eol); j >= 0 {
				rest = rest[:j]
			}
			ok = parseFromLine(rest, rd.opts.Location).Kind != fromInvalid
		}
	}
	if !ok {
		rd.stats.ContentLengthIgnored++
		return
	}
	rd.stats.ContentLengthHonoured++
	rd.flushHeld() // the blank line ending the header is message data here
	rd.clRemain = rd.st.contentLength
	if rd.variant == MboxCL2 && !rd.opts.Verbatim {
		rd.msg.Size = int64(len(rd.out)) + rd.st.contentLength
	}
}

// unquoteAtLineStart removes one '>' from a quoted From line at the read
// position, per the variant, and counts quoting evidence.
func (rd *Reader) unquoteAtLineStart() {
	if rd.r < rd.w && rd.buf[rd.r] != '>' {
		if rd.clRemain >= 0 && rd.w-rd.r >= 5 && string(rd.buf[rd.r:rd.r+5]) == "From " {
			rd.stats.FromInContentLength++
		}
		return
	}
	rd.ensure(64)
	data := rd.buf[rd.r:rd.w]
	k := 0
	for k < len(data) && data[k] == '>' {
		k++
	}
	if k == len(data) && k < len(rd.buf) {
		rd.ensure(k + 5)
		data = rd.buf[rd.r:rd.w]
		for k < len(data) && data[k] == '>' {
			k++
		}
	}
	if k == 0 || !bytes.HasPrefix(data[k:], []byte("From ")) {
		return
	}
	if k == 1 {
		rd.stats.Quoted1++
	} else {
		rd.stats.Quoted2++
	}
	v := rd.variant
	if rd.detect {
		return
	}
	if v == MboxRD || ((v == MboxO || v == MboxCL) && k == 1) {
		rd.r++ // drop one '>'
		if rd.clRemain > 0 {
			rd.clRemain--
		}
		rd.stats.Unquoted++
	}
}

// Read reads the current message's octets. It returns io.EOF at the end of
// the message.
func (rd *Reader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if rd.outPos < len(rd.out) {
			c := copy(p[n:], rd.out[rd.outPos:])
			rd.outPos += c
			n += c
			continue
		}
		if rd.state != stBody {
			break
		}
		if rd.err != nil {
			return n, rd.perr(rd.pos(), rd.err)
		}
		if rd.clRemain >= 0 {
			n += rd.readCL(p[n:])
			continue
		}
		if rd.lineStart {
			if rd.atEOF() {
				if rd.err == nil {
					rd.finish(true)
				}
				continue
			}
			if rd.atSeparator(rd.heldEmpty) {
				// the line end before a separator is the separator's
				rd.endMessage(!rd.heldEmpty)
				rd.nheld = 0
				continue
			}
			rd.flushHeld()
			rd.unquoteAtLineStart()
			rd.lineStart = false
			rd.lineBytes = false
			continue
		}
		// copy (part of) the current line
		rd.ensure(1)
		data := rd.buf[rd.r:rd.w]
		if len(data) == 0 {
			if rd.err == nil {
				rd.finish(false)
			}
			continue
		}
		if len(data) >= bulkMin && len(p)-n >= bulkMin {
			if c := rd.bulk(p[n:], data); c > 0 {
				n += c
				continue
			}
		}
		i := bytes.IndexByte(data, rd.eol)
		if i < 0 {
			c := len(data)
			if rd.eol == '\n' && data[c-1] == '\r' {
				// hold a trailing CR back until we know whether LF follows
				if c == 1 {
					rd.ensure(2)
					if rd.w-rd.r >= 2 {
						continue
					}
				} else {
					c--
				}
			}
			c = copy(p[n:], data[:c])
			rd.r += c
			n += c
			if c > 0 {
				rd.lineBytes = true
			}
			continue
		}
		content := i
		el := 1
		if rd.eol == '\n' && i > 0 && data[i-1] == '\r' {
			content--
			el = 2
		}
		if content > 0 {
			c := copy(p[n:], data[:content])
			rd.r += c
			n += c
			rd.lineBytes = true
			if c < content {
				continue
			}
		}
		// hold the line end until the next line is known
		copy(rd.held[:], data[content:content+el])
		rd.nheld = el
		rd.heldEmpty = !rd.lineBytes
		rd.r += el
		rd.lineStart = true
	}
	if n == 0 && rd.state != stBody && rd.outPos >= len(rd.out) {
		return 0, io.EOF
	}
	return n, nil
}

// bulkMin is the least amount of buffered data and room worth a bulk copy.
const bulkMin = 512

// lineScan caches a search of the buffered data for a line that needs
// attention, by file offset, so that such lines are found in one pass per
// buffer fill rather than one search per line.
type lineScan struct {
	hit  int64 // file offset of the line end found, or -1
	upto int64 // no match starts before upto, other than hit
}

// nextSpecial returns the file offset of the first line end at or after off
// that is followed by 'F' or '>', among the buffered bytes, or -1.
func (rd *Reader) nextSpecial(off int64) int64 {
	s := &rd.scan
	if s.hit >= off {
		return s.hit
	}
	end := rd.base + int64(rd.w)
	start := max(off, s.upto)
	if end-start < 2 {
		return -1
	}
	if i := indexSpecial(rd.buf[start-rd.base:rd.w], rd.eol); i >= 0 {
		s.hit = start + int64(i)
		s.upto = s.hit + 1
		return s.hit
	}
	s.hit = -1
	s.upto = end - 1 // a line end in the last byte is not decided yet
	return -1
}

// indexSpecial returns the index of the first byte eol in b that is followed
// by 'F' or '>', or -1.
func indexSpecial(b []byte, eol byte) int {
	i := 0
	for {
		j := bytes.IndexByte(b[i:], eol)
		if j < 0 || i+j+1 >= len(b) {
			return -1
		}
		i += j + 1
		if c := b[i]; c == 'F' || c == '>' {
			return i - 1
		}
	}
}

// bulk copies, in one go, the whole lines from the read position (inside a
// line) up to the line end before the next line that needs attention (one
// starting with 'F' or '>': a possible separator or quoted From line) or
// before the last line end buffered. It stops just before that line end,
// so that the per-line code holds it back as usual, and never splits a CR
// LF pair. It returns the number of bytes copied; 0 leaves the work to the
// per-line code.
func (rd *Reader) bulk(p, data []byte) int {
	pos := rd.pos()
	k := bytes.LastIndexByte(data, rd.eol)
	if h := rd.nextSpecial(pos); h >= 0 {
		k = int(h - pos)
	}
	if k <= 0 {
		return 0
	}
	end := k // end of the content of the line k ends
	if rd.eol == '\n' && data[k-1] == '\r' {
		end--
	}
	if end > len(p) {
		// copy whole lines up to a line start that fits; the line there
		// is an ordinary one (it does not start with 'F' or '>')
		c := bytes.LastIndexByte(data[:len(p)], rd.eol) + 1
		if c <= 0 {
			return 0
		}
		copy(p, data[:c])
		rd.r += c
		rd.lineBytes = false
		return c
	}
	if end == 0 {
		return 0
	}
	copy(p, data[:end])
	rd.r += end
	if ls := bytes.LastIndexByte(data[:k], rd.eol) + 1; ls > 0 {
		rd.lineBytes = end > ls
	} else {
		rd.lineBytes = true
	}
	return end
}

func (rd *Reader) flushHeld() {
	if rd.nheld == 0 {
		return
	}
	if rd.outPos >= len(rd.out) {
		rd.out = rd.out[:0]
		rd.outPos = 0
	}
	rd.out = append(rd.out, rd.held[:rd.nheld]...)
	rd.nheld = 0
}

// readCL copies bytes of a Content-Length span.
func (rd *Reader) readCL(p []byte) int {
	if rd.clRemain == 0 {
		// consume the line end that precedes the next From_ line
		rd.ensure(2)
		if rd.eol == '\n' && rd.w-rd.r >= 2 && rd.buf[rd.r] == '\r' && rd.buf[rd.r+1] == '\n' {
			rd.r += 2
		} else if rd.r < rd.w {
			rd.r++
		}
		rd.clRemain = -1
		if rd.atEOF() {
			rd.finish(false)
			return 0
		}
		rd.ensure(rd.opts.MaxFromLine + 2)
		rd.sepLine = parseFromLine(rd.lineAt(rd.r), rd.opts.Location)
		rd.endMessage(false)
		return 0
	}
	if rd.lineStart {
		rd.unquoteAtLineStart()
		rd.lineStart = false
		if rd.clRemain == 0 {
			return 0
		}
	}
	rd.ensure(1)
	data := rd.buf[rd.r:rd.w]
	if len(data) == 0 {
		// the file is shorter than when the header was checked
		rd.clRemain = -1
		if rd.err == nil {
			rd.finish(false)
		}
		return 0
	}
	if int64(len(data)) > rd.clRemain {
		data = data[:rd.clRemain]
	}
	if i := bytes.IndexByte(data, rd.eol); i >= 0 {
		data = data[:i+1]
		rd.lineStart = true
	}
	c := copy(p, data)
	if c < len(data) {
		rd.lineStart = false
	}
	rd.r += c
	rd.clRemain -= int64(c)
	return c
}

// endMessage ends the current message at a separator. noFinal tells that
// the message's last line had no line end of its own.
func (rd *Reader) endMessage(noFinal bool) {
	if noFinal {
		rd.stats.NoFinalNewline++
	}
	rd.state = stSep
	rd.lineStart = true
}

// finish ends the current message at the end of the file. atLineStart tells
// whether the last line was complete.
func (rd *Reader) finish(atLineStart bool) {
	if atLineStart && rd.nheld > 0 {
		if rd.heldEmpty {
			rd.nheld = 0 // the final blank line is the separator's
		} else {
			rd.flushHeld()
		}
	} else if !atLineStart {
		rd.stats.NoFinalNewline++
	}
	rd.state = stEOF
	rd.finishStats()
}

// finishStats completes the statistics at the end of the file.
func (rd *Reader) finishStats() {
	s := &rd.stats
	switch {
	case s.lf > 0 && s.crlf == 0 && s.cr == 0:
		s.LineEnding = "lf"
	case s.crlf > 0 && s.lf == 0 && s.cr == 0:
		s.LineEnding = "crlf"
	case s.cr > 0 && s.lf == 0 && s.crlf == 0:
		s.LineEnding = "cr"
	case s.lf+s.crlf+s.cr > 0:
		s.LineEnding = "mixed"
	}
	s.Fingerprints = s.Fingerprints[:0]
	for _, f := range []string{"c-client/dovecot", "eudora", "evolution", "google", "mailconv", "mozilla"} {
		if rd.fps[f] {
			s.Fingerprints = append(s.Fingerprints, f)
		}
	}
	if !rd.detect && s.Quoted2 > 0 && (s.Variant == MboxO || s.Variant == MboxRD) {
		rd.warn("mbox.ambiguous-quoting", -1, fmt.Sprintf("%d line(s) start with \">>From \": read as %s; they would read differently as %s", s.Quoted2, s.Variant, otherQuoting(s.Variant)))
	}
}

func otherQuoting(v Variant) Variant {
	if v == MboxRD {
		return MboxO
	}
	return MboxRD
}

// Stats returns the evidence gathered so far (complete after io.EOF).
func (rd *Reader) Stats() Stats {
	s := rd.stats
	s.Variant = rd.variant
	return s
}

// Variant returns the variant the reader uses.
func (rd *Reader) Variant() Variant { return rd.variant }

// chooseVariant decides the variant from the evidence of a first pass over
// the start of the file (or from fingerprints when the input cannot be read
// twice).
func (rd *Reader) chooseVariant() {
	var ev Stats
	if rd.ra != nil {
		sec := io.NewSectionReader(rd.ra, 0, rd.opts.DetectWindow)
		d := newReader(sec, rd.opts)
		d.detect = true
		d.ra = rd.ra
		d.variant = MboxRD
		if err := d.start(); err == nil {
			for {
				if _, err := d.Next(); err != nil {
					break
				}
			}
			d.finishStats()
		}
		ev = d.stats
	}
	// fingerprints from the first buffered bytes, too
	head := rd.buf[rd.r:rd.w]
	fp := func(name string) bool {
		for _, f := range ev.Fingerprints {
			if f == name {
				return true
			}
		}
		return false
	}
	has := func(s string) bool { return bytes.Contains(head, []byte(s)) }
	google := fp("google") || has("\nX-GM-THRID:") || has("\nX-Gmail-Labels:")
	dovecot := fp("c-client/dovecot") || has("\nX-IMAPbase:") || has("\nX-UID:")
	eudora := fp("eudora") || rd.sepLine.Sender == "???@???"
	mozilla := fp("mozilla") || rd.sepLine.Sender == "-"
	own := fp("mailconv") || has("\n"+traceHeader+": "+traceVariant)

	v, why := MboxRD, "no evidence for another variant; mboxrd is the reversible default"
	switch {
	case own:
		v, why = MboxRD, "written by mailconv ("+traceHeader+": "+traceVariant+")"
	case ev.ContentLengthHonoured > 0 && ev.ContentLengthIgnored == 0 && ev.FromInContentLength > 0:
		v, why = MboxCL2, "Content-Length headers frame every message and unquoted From lines lie inside them"
	case ev.ContentLengthHonoured > 0 && ev.ContentLengthIgnored == 0 && dovecot:
		v, why = MboxCL2, "Content-Length headers frame every message, written by c-client/Dovecot"
	case ev.ContentLengthHonoured > 0 && ev.ContentLengthIgnored == 0 && ev.Quoted1 > 0:
		v, why = MboxCL, "Content-Length headers frame every message and From lines are quoted"
	case google:
		v, why = MboxRD, "Google export (X-GM-THRID/X-Gmail-Labels): mboxrd"
	case eudora:
		v, why = MboxO, "Eudora separators (From ???@???): Eudora quotes mboxo-style"
	case mozilla:
		v, why = MboxO, "Mozilla/Thunderbird traces: Thunderbird quotes mboxo-style"
	case dovecot:
		v, why = MboxO, "c-client/Dovecot traces without Content-Length framing: mboxo"
	}
	rd.variant = v
	rd.stats.VariantReason = why
	rd.event(mailconv.EventInfo, "mbox.variant", -1, fmt.Sprintf("read as %s: %s", v, why))
}
