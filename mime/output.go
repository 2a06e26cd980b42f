package mime

import (
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"strconv"
	"strings"

	"golang.org/x/text/transform"
)

// Result is the outcome of Rebuild. It is an io.Reader of the output
// message (CRLF line ends when rebuilt; the input bytes unchanged when not)
// and must be closed to release its temp file and any open attachment.
// Reading is pull-based: files are opened, read and encoded as the caller
// reads, without goroutines. Files were checked by Rebuild; one that fails
// while it is streamed makes Read return the error, and the output read so
// far is incomplete.
type Result struct {
	// Rebuilt is false when the message is passed through byte for byte
	// (never flattened, or nothing to do).
	Rebuilt bool
	// Problems lists what Rebuild worked around (at most 256, then a
	// mime.problems-truncated entry).
	Problems []Problem
	// Refs lists every file reference found (used and missing): body
	// markers in order, then a composition's header entries; nil when the
	// message is passed through. Markers over Limits.MaxAttachments are not
	// listed.
	Refs []Ref

	ctx     context.Context
	src     *source
	segs    []segment
	cur     io.Reader
	closer  io.Closer
	closed  bool
	dropped int
}

// segment is a piece of the output: literal bytes, or a stream opened when
// reading reaches it.
type segment struct {
	lit  []byte
	open func() (io.Reader, io.Closer, error)
}

func (r *Result) addProblem(p Problem) {
	if len(r.Problems) >= maxProblems {
		r.dropped++
		last := &r.Problems[len(r.Problems)-1]
		if last.Code != ProblemTruncated {
			r.Problems = append(r.Problems, Problem{Code: ProblemTruncated, Offset: -1})
			last = &r.Problems[len(r.Problems)-1]
		}
		last.Detail = strconv.Itoa(r.dropped) + " further problems not recorded"
		return
	}
	r.Problems = append(r.Problems, p)
}

// Read reads the output message.
func (r *Result) Read(p []byte) (int, error) {
	if r.closed {
		return 0, fmt.Errorf("mime: read after Close")
	}
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	for {
		if r.cur == nil {
			if len(r.segs) == 0 {
				return 0, io.EOF
			}
			s := r.segs[0]
			r.segs[0] = segment{}
			r.segs = r.segs[1:]
			if s.open == nil {
				r.cur = bytes.NewReader(s.lit)
			} else {
				rd, cl, err := s.open()
				if err != nil {
					return 0, err
				}
				r.cur, r.closer = rd, cl
			}
		}
		n, err := r.cur.Read(p)
		if err == io.EOF {
			r.cur = nil
			if r.closer != nil {
				cerr := r.closer.Close()
				r.closer = nil
				if cerr != nil {
					return n, cerr
				}
			}
			if n > 0 {
				return n, nil
			}
			continue
		}
		return n, err
	}
}

// Close releases the temp file and any attachment being read. It is safe
// to call more than once.
func (r *Result) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	var err error
	if r.closer != nil {
		err = r.closer.Close()
		r.closer = nil
	}
	r.cur = nil
	r.segs = nil
	if r.src != nil {
		if cerr := r.src.close(); err == nil {
			err = cerr
		}
	}
	return err
}

// node is one entity of the output tree.
type node struct {
	header   []byte // Content-* lines, CRLF-ended, without the blank line
	open     func() (io.Reader, io.Closer, error)
	kids     []*node
	boundary string
}

// outKind is the kind of part a run becomes.
func (b *builder) outKind(r *textRun) runKind {
	if r.overflow {
		return runNone
	}
	if r.kind != runNone {
		return r.kind
	}
	if b.tagged == 0 {
		if (b.opts.Composition || b.opts.HTML) && b.startsHTML() || b.opts.Composition && b.opts.HTML {
			return runHTML
		}
		switch b.topType {
		case "text/html":
			return runHTML
		case "text/enriched", "text/richtext":
			return runRich
		case "text/plain":
			if strings.EqualFold(b.topParams["format"], "flowed") {
				return runFlowed
			}
		}
	}
	if b.opts.Composition && b.opts.Flowed {
		return runFlowed
	}
	return runNone
}

// declared is the charset a run's text was labelled with, if any.
func (b *builder) declared(r *textRun, kind runKind) string {
	if r.charset != "" {
		return r.charset
	}
	if kind == runHTML && r.metaVal != "" {
		return r.metaVal
	}
	if b.p == Windows && strings.HasPrefix(b.topType, "text/") {
		return b.topParams["charset"]
	}
	return ""
}

func (b *builder) layout(items []item) error {
	switch b.topType {
	case "multipart/signed":
		b.problem(ProblemSigned, "multipart/signed flattened by Eudora: the signature is kept as an attachment but cannot verify any more", nil, -1)
	case "multipart/encrypted":
		b.problem(ProblemEncrypted, "multipart/encrypted flattened by Eudora: emitted as ordinary attachments", nil, -1)
	case "application/pkcs7-mime", "application/x-pkcs7-mime":
		b.problem(ProblemSigned, "S/MIME message flattened by Eudora: emitted as an ordinary attachment", nil, -1)
	}
	hs := fnv.New64a()
	for _, f := range b.h.fields {
		for _, l := range f.lines {
			hs.Write(l)
		}
	}
	fmt.Fprint(hs, b.src.size)
	b.boundaryKey = fmt.Sprintf("%016x", hs.Sum64())

	var kids []*node
	for _, it := range items {
		if it.run != nil {
			kids = append(kids, b.runNode(it.run))
		} else {
			kids = append(kids, b.fileNode(it.file, false))
		}
	}
	top := kids[0]
	if len(kids) > 1 {
		top = b.multipart("mixed", "", kids)
	}
	hdr := b.topHeader()
	hdr.Write(top.header)
	hdr.WriteString("\r\n")
	b.res.segs = append(b.res.segs, segment{lit: hdr.Bytes()})
	b.emit(top)
	return nil
}

func (b *builder) emit(n *node) {
	if n.open != nil {
		b.res.segs = append(b.res.segs, segment{open: n.open})
		return
	}
	for i, k := range n.kids {
		var s bytes.Buffer
		if i > 0 {
			s.WriteString("\r\n")
		}
		s.WriteString("--" + n.boundary + "\r\n")
		s.Write(k.header)
		s.WriteString("\r\n")
		b.res.segs = append(b.res.segs, segment{lit: s.Bytes()})
		b.emit(k)
	}
	b.res.segs = append(b.res.segs, segment{lit: []byte("\r\n--" + n.boundary + "--\r\n")})
}

func (b *builder) multipart(sub, extra string, kids []*node) *node {
	b.boundaryN++
	bd := "=_mailconv_" + b.boundaryKey + "_" + strconv.Itoa(b.boundaryN)
	h := "Content-Type: multipart/" + sub + ";" + extra + "\r\n boundary=\"" + bd + "\"\r\n"
	return &node{header: []byte(h), kids: kids, boundary: bd}
}

func (b *builder) runNode(r *textRun) *node {
	t := b.textNode(r)
	if len(r.embeds) == 0 || b.outKind(r) != runHTML {
		return t
	}
	kids := []*node{t}
	for _, f := range r.embeds {
		kids = append(kids, b.fileNode(f, true))
	}
	return b.multipart("related", "\r\n type=\"text/html\";", kids)
}

// textNode builds the part of one text run.
func (b *builder) textNode(r *textRun) *node {
	kind := b.outKind(r)
	cp := decideCharset(&r.stats, b.declared(r, kind), b.p)
	if cp.repair != repairNone {
		b.problem(ProblemCharsetRepaired, fmt.Sprintf("%s text with %d stray bytes converted to UTF-8", kind, r.stats.invalid), nil, r.offset)
	}
	if r.stats.nul > 0 {
		b.problem(ProblemNULDropped, fmt.Sprintf("%d NUL bytes dropped from %s text", r.stats.nul, kind), nil, r.offset)
	}
	pieces := r.pieces
	if kind == runHTML && r.metaVal != "" && r.stats.nonASCII > 0 && !sameCharset(r.metaVal, cp.label) {
		pieces = replaceRange(pieces, r.metaOff, r.metaEnd, []byte(cp.label))
	}
	cte := "7bit"
	st := &r.stats
	if st.nonASCII > 0 || st.maxLine > 998 || st.dashEq {
		cte = "quoted-printable"
		if st.nonASCII*3 > st.bytes {
			cte = "base64"
		}
	}
	var h bytes.Buffer
	switch kind {
	case runHTML:
		h.WriteString("Content-Type: text/html; charset=" + paramToken(cp.label) + "\r\n")
	case runRich:
		h.WriteString("Content-Type: text/enriched; charset=" + paramToken(cp.label) + "\r\n")
	case runFlowed:
		h.WriteString("Content-Type: text/plain; charset=" + paramToken(cp.label) + "; format=flowed\r\n")
	default:
		h.WriteString("Content-Type: text/plain; charset=" + paramToken(cp.label) + "\r\n")
	}
	h.WriteString("Content-Transfer-Encoding: " + cte + "\r\n")
	if kind == runHTML && r.base != "" {
		h.WriteString("Content-Base: " + quoteParam(r.base) + "\r\n")
	}
	src := b.src
	open := func() (io.Reader, io.Closer, error) {
		var rs []io.Reader
		for _, pc := range pieces {
			switch {
			case pc.cond != nil && pc.cond.used():
			case pc.lit != nil:
				rs = append(rs, bytes.NewReader(pc.lit))
			default:
				rs = append(rs, io.NewSectionReader(src.ra, pc.off, pc.end-pc.off))
			}
		}
		var rd io.Reader = io.MultiReader(rs...)
		switch cp.repair {
		case repairUTF8:
			rd = transform.NewReader(rd, transform.Chain(utf8Repair{cp.fallback}, &toCRLF{}))
		case repairLatin9:
			rd = transform.NewReader(rd, transform.Chain(latin9Repair{}, &toCRLF{}))
		default:
			rd = transform.NewReader(rd, &toCRLF{})
		}
		switch cte {
		case "quoted-printable":
			rd = newQPReader(rd)
		case "base64":
			rd = newB64Reader(rd)
		}
		return rd, nil, nil
	}
	return &node{header: h.Bytes(), open: open}
}

// replaceRange substitutes lit for the bytes [off,end) of the pieces.
func replaceRange(pcs []piece, off, end int64, lit []byte) []piece {
	out := make([]piece, 0, len(pcs)+2)
	for _, pc := range pcs {
		if pc.lit != nil || pc.cond != nil || end <= pc.off || off >= pc.end || off < pc.off || end > pc.end {
			out = append(out, pc)
			continue
		}
		if off > pc.off {
			out = append(out, piece{off: pc.off, end: off})
		}
		out = append(out, piece{lit: lit})
		if end < pc.end {
			out = append(out, piece{off: end, end: pc.end})
		}
	}
	return out
}

// fileNode builds the part of a detached file.
func (b *builder) fileNode(f *fileItem, inline bool) *node {
	name := displayName(&f.ref)
	ct := contentTypeFor(name, f.ref.MacType, f.ref.MacCreator, f.ctype)
	if f.ctype == "application/pgp-signature" {
		ct = f.ctype // a flattened multipart/signed's signature, whatever its name
	}
	var h bytes.Buffer
	h.WriteString("Content-Type: " + ct)
	if f.charset != "" && ct == f.ctype {
		h.WriteString("; charset=" + f.charset)
	}
	writeNameParam(&h, "name", name)
	h.WriteString("\r\nContent-Transfer-Encoding: base64\r\n")
	if f.cid != "" {
		h.WriteString("Content-ID: <" + f.cid + ">\r\n")
	}
	if f.location != "" {
		h.WriteString("Content-Location: " + f.location + "\r\n")
	}
	if inline {
		h.WriteString("Content-Disposition: inline")
	} else {
		h.WriteString("Content-Disposition: attachment")
	}
	writeNameParam(&h, "filename", name)
	h.WriteString("\r\n")
	ref := f.ref
	res := b.opts.Resolver
	text := strings.HasPrefix(ct, "text/")
	open := func() (io.Reader, io.Closer, error) {
		rc, _, err := res.Open(ref)
		if err != nil {
			return nil, nil, fmt.Errorf("mime: opening %q: %w", ref.Path, err)
		}
		if rc == nil {
			return nil, nil, fmt.Errorf("mime: opening %q: resolver returned no file", ref.Path)
		}
		var rd io.Reader = rc
		if text {
			rd = transform.NewReader(rc, &toCRLF{keepNUL: true})
		}
		return newB64Reader(rd), rc, nil
	}
	return &node{header: h.Bytes(), open: open}
}

// topHeader writes the kept header fields and MIME-Version.
func (b *builder) topHeader() *bytes.Buffer {
	var w bytes.Buffer
	hasDate := false
	for _, f := range b.h.fields {
		if f.malformed {
			b.problem(ProblemMalformedHeader, "not a header field: "+string(bytes.Join(f.lines, nil)), nil, f.offset)
			v := strings.TrimSpace(string(bytes.Join(f.lines, nil)))
			if has8(v) {
				v = encodeMixed(headerCharset(v, b.p), v, preferQ(v), 76-len("X-Mailconv-Unparsed-Header: "))
			}
			w.Write(foldField("X-Mailconv-Unparsed-Header", v))
			continue
		}
		switch f.lower {
		case "content-type", "content-transfer-encoding", "mime-version", "content-length", "lines",
			"content-disposition", "content-md5":
			continue
		case "date":
			hasDate = true
		}
		if b.opts.Composition {
			v := strings.TrimSpace(f.value())
			switch f.lower {
			case "to", "cc", "bcc", "in-reply-to", "references":
				if v == "" {
					continue
				}
			case "x-attachments", "x-embeddedcontent":
				continue // written below with the entries not used
			case "message-id":
				if v == "" {
					continue
				}
				if !strings.HasPrefix(v, "<") {
					v = "<" + v
				}
				if !strings.HasSuffix(v, ">") {
					v += ">"
				}
				w.Write(foldField("Message-ID", v))
				continue
			}
		}
		if f.has8bit() {
			if out, ok := encodedField(f.name, f.lower, f.value(), b.p); ok {
				w.Write(out)
				continue
			}
		}
		writeRawField(&w, f)
	}
	if !hasDate {
		if !b.opts.Date.IsZero() {
			w.WriteString("Date: " + b.opts.Date.Format("Mon, 02 Jan 2006 15:04:05 -0700") + "\r\n")
		} else if b.opts.Composition {
			b.problem(ProblemNoDate, "composition without Date and no date given", nil, -1)
		}
	}
	if b.opts.Composition {
		var att, emb []string
		for _, f := range b.files {
			if !f.fromHeader || f.used() {
				continue
			}
			if f.ref.Kind == RefEmbedded {
				emb = append(emb, f.ref.Line)
			} else if strings.HasPrefix(f.ref.Line, ":") {
				att = append(att, f.ref.Line)
			} else {
				att = append(att, f.ref.Line+";")
			}
		}
		for _, hv := range []struct {
			name string
			v    []string
		}{{"X-Attachments", att}, {"X-EmbeddedContent", emb}} {
			if len(hv.v) == 0 {
				continue
			}
			v := strings.Join(hv.v, " ")
			if has8(v) {
				v = encodeMixed(headerCharset(v, b.p), v, preferQ(v), 76-len(hv.name)-2)
			}
			w.Write(foldField(hv.name, v))
		}
	}
	w.WriteString("MIME-Version: 1.0\r\n")
	return &w
}

// paramToken writes a parameter value as a token when it can be one.
func paramToken(v string) string {
	if v != "" && isToken(v) {
		return v
	}
	return quoteParam(v)
}

func isToken(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?=`, c) >= 0 {
			return false
		}
	}
	return true
}

// quoteParam returns v as a quoted-string.
func quoteParam(v string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == '"' || c == '\\' {
			b.WriteByte('\\')
		}
		if c == '\r' || c == '\n' {
			c = ' '
		}
		b.WriteByte(c)
	}
	b.WriteByte('"')
	return b.String()
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// maxParamLen is the longest plain parameter value written on one line.
const maxParamLen = 60

// writeNameParam appends a file-name parameter: a plain quoted value when
// the name is short printable ASCII, else the RFC 2231 form only
// (key*= in UTF-8, split into numbered sections so that no line passes 78
// characters). No ASCII fallback is added: readers disagree on which of the
// two wins when both are present.
func writeNameParam(w *bytes.Buffer, key, name string) {
	if printableASCII(name) && len(name) <= maxParamLen {
		w.WriteString(";\r\n " + key + "=" + quoteParam(name))
		return
	}
	var enc strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c < 0x80 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0) {
			enc.WriteByte(c)
		} else {
			fmt.Fprintf(&enc, "%%%02X", c)
		}
	}
	e := "utf-8''" + enc.String()
	// " key*=" + e + ";" must fit in 78 columns.
	if len(e) <= 78-len(key)-4 {
		w.WriteString(";\r\n " + key + "*=" + e)
		return
	}
	for n := 0; len(e) > 0; n++ {
		sec := "*" + strconv.Itoa(n) + "*="
		k := 78 - 1 - len(key) - len(sec) - 1
		if k > len(e) {
			k = len(e)
		}
		// Do not split a %XX escape.
		if k < len(e) {
			if i := strings.LastIndexByte(e[:k], '%'); i >= 0 && i > k-3 {
				k = i
			}
		}
		w.WriteString(";\r\n " + key + sec + e[:k])
		e = e[k:]
	}
}
