package mime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	stdmime "mime"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/mailconv/mailconv"
)

// piece is a byte range of the stored message that belongs to a text run,
// or literal bytes replacing one.
type piece struct {
	off, end int64
	lit      []byte
	cond     *fileItem // included only when cond's file is not used
}

type textRun struct {
	kind     runKind // RunNone for untagged text
	charset  string  // charset named by the tag
	base     string  // base URL (<BASE HREF>, pete base)
	offset   int64   // where the run starts, for problems
	pieces   []piece
	stats    textStats
	files    []*fileItem // markers inside a tagged run, emitted after it
	embeds   []*fileItem // embedded files matched to this HTML run
	overflow bool        // the verbatim rest of a body past MaxParts

	metaOff, metaEnd int64 // HTML <meta> charset value
	metaVal          string
	htmlLines        int
}

// addPiece appends [off,end) to the run, extending the last piece when
// contiguous.
func (r *textRun) addPiece(off, end int64) {
	if n := len(r.pieces); n > 0 {
		last := &r.pieces[n-1]
		if last.cond == nil && last.lit == nil && last.end == off {
			last.end = end
			return
		}
	}
	r.pieces = append(r.pieces, piece{off: off, end: end})
}

// trimTo cuts the run's bytes at offset off (the start of a trailing blank
// line).
func (r *textRun) trimTo(off int64) {
	for len(r.pieces) > 0 {
		last := &r.pieces[len(r.pieces)-1]
		if last.lit != nil || last.cond != nil || last.end <= off {
			return
		}
		if last.off >= off {
			r.pieces = r.pieces[:len(r.pieces)-1]
			continue
		}
		last.end = off
		return
	}
}

type fileStatus uint8

const (
	filePending fileStatus = iota
	fileOK
	fileMissing
	fileRefused
	fileFailed
)

type fileItem struct {
	ref        Ref
	line       piece // the marker line, line end included
	blank      piece // the blank line Eudora put before it (off == end: none)
	lineStats  textStats
	inRun      *textRun // tagged run holding the line
	fromHeader bool
	status     fileStatus
	owner      *textRun // HTML run it is related to
	cid        string
	location   string
	// ctype and charset are the type decided from the content when the
	// name and Mac type did not give a useful one (or, in a flattened
	// multipart/signed, when the file is an armored signature).
	ctype, charset string
}

func (f *fileItem) used() bool { return f.status == fileOK }

type item struct {
	run  *textRun
	file *fileItem
}

type runFrame struct {
	kind          runKind
	charset, base string
}

type cidRef struct {
	run *textRun
	cid string
}

type urlRef struct {
	run      *textRun
	raw, abs string
}

// maxURLs bounds the URLs collected from HTML for Content-Location
// matching; maxCIDs the cid: URLs.
const (
	maxURLs = 256
	maxCIDs = 1024
)

type builder struct {
	res  *Result
	opts RebuildOptions
	lim  Limits
	src  *source
	p    Platform
	h    *header

	topType   string
	topParams map[string]string
	boundary  string
	hasCTE    bool

	items       []item
	stack       []runFrame
	cur         *textRun
	overflow    *textRun
	parts       int
	files       []*fileItem
	fileLimit   bool
	atLineStart bool
	blankOff    int64 // offset of the blank line ending the current untagged run, or -1
	blankEnd    int64
	intact      bool
	tagged      int
	firstLine   []byte
	sawFirst    bool
	cids        map[uint32][]cidRef
	ncids       int
	urls        []urlRef
	boundaryN   int
	boundaryKey string
}

var (
	reMeta = regexp.MustCompile(`(?i)<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)`)
	reCID  = regexp.MustCompile(`(?i)cid:([^"'\s<>()]+)`)
	reURL  = regexp.MustCompile(`(?i)\b(?:src|href|background)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))`)
	reBnd  = regexp.MustCompile(`(?i)boundary\s*=\s*(?:"([^"]*)"|([^\s;]+))`)
)

// Rebuild turns a message as Eudora stored it back into a standards-
// conformant MIME message (docs/formats/eudora.md §2.11). msg is the stored message
// without its separator line, in the store's line endings. The returned
// Result is an io.Reader of the rebuilt message; the caller must Close it.
//
// A message Eudora never flattened (full MIME present) or that needs
// nothing is passed through byte for byte (Result.Rebuilt false); see the
// package documentation for the exact rule. Rebuild returns an error only
// when msg cannot be read, the spool file cannot be written, or ctx is done;
// everything about the message itself is reported in Result.Problems.
func Rebuild(ctx context.Context, msg io.Reader, opts RebuildOptions) (*Result, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	lim := opts.Limits.withDefaults()
	src, err := openSource(ctx, msg, lim.MaxMemoryBytes, opts.TempDir)
	if err != nil {
		return nil, err
	}
	res := &Result{ctx: ctx, src: src}
	b := &builder{res: res, opts: opts, lim: lim, src: src, p: opts.Platform, blankOff: -1,
		cids: map[uint32][]cidRef{}, atLineStart: true}
	if err := b.run(ctx); err != nil {
		res.Close()
		return nil, err
	}
	return res, nil
}

func (b *builder) problem(code, detail string, ref *Ref, off int64) {
	b.res.addProblem(Problem{Code: code, Detail: detail, Ref: ref, Offset: off})
}

// passthrough makes the output the input, unchanged. Problems noticed on
// the way are dropped: they concern a rebuild that does not happen.
func (b *builder) passthrough() {
	b.res.Rebuilt = false
	b.res.Refs = nil
	b.res.Problems = nil
	b.res.dropped = 0
	b.res.segs = []segment{{open: func() (io.Reader, io.Closer, error) {
		return io.NewSectionReader(b.src.ra, 0, b.src.size), nil, nil
	}}}
}

// analyseHeader reads the stale MIME fields of the top-level header.
func analyseHeader(h *header) (topType string, params map[string]string, boundary string, hasCTE bool) {
	if _, ok := h.get("content-transfer-encoding"); ok {
		hasCTE = true
	}
	ct, ok := h.get("content-type")
	if !ok {
		return "", nil, "", hasCTE
	}
	mt, ps, err := stdmime.ParseMediaType(ct)
	if mt == "" {
		mt = strings.ToLower(strings.TrimSpace(strings.SplitN(ct, ";", 2)[0]))
	}
	if ps == nil {
		ps = map[string]string{}
	}
	boundary = ps["boundary"]
	if boundary == "" && (err != nil || strings.HasPrefix(mt, "multipart/")) {
		if m := reBnd.FindStringSubmatch(ct); m != nil {
			boundary = m[1] + m[2]
		}
	}
	return mt, ps, boundary, hasCTE
}

// isBoundaryLine reports whether content is a delimiter line of boundary.
func isBoundaryLine(content []byte, boundary string) bool {
	if boundary == "" || len(content) < 2+len(boundary) || content[0] != '-' || content[1] != '-' {
		return false
	}
	if string(content[2:2+len(boundary)]) != boundary {
		return false
	}
	rest := strings.TrimRight(string(content[2+len(boundary):]), " \t")
	return rest == "" || rest == "--"
}

func (b *builder) run(ctx context.Context) error {
	lr := newLineReader(io.NewSectionReader(b.src.ra, 0, b.src.size), b.lim.MaxLineBytes)
	h, _, err := readHeader(lr, b.lim.MaxHeaderBytes)
	if err != nil {
		if _, ok := err.(headerTooLong); ok {
			b.passthrough()
			b.problem(ProblemLimit, fmt.Sprintf("MaxHeaderBytes (%d): header too long, message passed through unchanged", b.lim.MaxHeaderBytes), nil, 0)
			return nil
		}
		return fmt.Errorf("mime: reading header: %w", err)
	}
	b.h = h
	b.topType, b.topParams, b.boundary, b.hasCTE = analyseHeader(h)
	if b.hasCTE {
		b.passthrough()
		return nil
	}
	if !strings.HasPrefix(b.topType, "multipart/") {
		b.boundary = ""
	}
	tz := &tokenizer{lr: lr, p: b.p, maxNesting: b.lim.MaxNesting}
	for n := 0; ; n++ {
		if n&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		tok, err := tz.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("mime: reading body: %w", err)
		}
		b.token(tok)
		if b.intact {
			b.passthrough()
			return nil
		}
	}
	b.closeRun()
	if len(b.stack) > 0 {
		b.problem(ProblemUnclosedTag, "<"+runTags[b.stack[len(b.stack)-1].kind]+"> not closed before the end of the message", nil, -1)
	}
	return b.finish(ctx)
}

// token handles one body token.
func (b *builder) token(tok bodyToken) {
	content := tok.Raw[:len(tok.Raw)-tok.EOL]
	lineStart := b.atLineStart
	b.atLineStart = tok.EOL > 0
	if lineStart && b.boundary != "" && isBoundaryLine(content, b.boundary) {
		b.intact = true
		return
	}
	if b.overflow != nil {
		b.toOverflow(tok, content, lineStart)
		return
	}
	switch tok.Kind {
	case tokOpen:
		b.closeRun()
		if b.parts >= b.lim.MaxParts {
			b.startOverflow(tok.Offset)
			b.toOverflow(tok, content, lineStart)
			return
		}
		b.stack = append(b.stack, runFrame{kind: tok.Run, charset: tok.Charset, base: tok.Base})
		b.tagged++
		b.newRun(tok.Offset)
	case tokClose:
		b.closeRun()
		// A closing tag may close inner runs too: follow the tokenizer.
		if tok.Depth < len(b.stack) {
			b.stack = b.stack[:tok.Depth]
		}
	case tokBase:
		r := b.current(tok.Offset)
		if r == nil {
			b.toOverflow(tok, content, lineStart)
			return
		}
		if tok.Base != "" {
			r.base = tok.Base
			if n := len(b.stack); n > 0 {
				b.stack[n-1].base = tok.Base
			}
		}
		if tok.Charset != "" {
			r.charset = tok.Charset
			if n := len(b.stack); n > 0 {
				b.stack[n-1].charset = tok.Charset
			}
		}
	case tokMarker:
		b.marker(tok, content, lineStart)
	default:
		b.textToken(tok, content, lineStart)
	}
}

// toOverflow appends a token, verbatim, to the overflow run.
func (b *builder) toOverflow(tok bodyToken, content []byte, lineStart bool) {
	b.overflow.addPiece(tok.Offset, tok.Offset+int64(len(tok.Raw)))
	b.overflow.stats.add(content, lineStart, tok.EOL > 0)
}

// current returns the run receiving text, creating one for the current
// context; nil when MaxParts sent the rest of the body to the overflow run.
func (b *builder) current(off int64) *textRun {
	if b.cur == nil {
		b.newRun(off)
	}
	return b.cur
}

func (b *builder) newRun(off int64) {
	if b.parts >= b.lim.MaxParts {
		b.startOverflow(off)
		return
	}
	b.parts++
	r := &textRun{offset: off}
	if n := len(b.stack); n > 0 {
		f := b.stack[n-1]
		r.kind, r.charset, r.base = f.kind, f.charset, f.base
	}
	b.cur = r
	b.blankOff = -1
}

func (b *builder) startOverflow(off int64) {
	b.closeRun()
	b.problem(ProblemLimit, fmt.Sprintf("MaxParts (%d): the rest of the body is kept verbatim as one text/plain part", b.lim.MaxParts), nil, off)
	b.overflow = &textRun{offset: off, overflow: true}
	b.items = append(b.items, item{run: b.overflow})
}

// closeRun ends the current run: it joins the item list, followed by the
// files whose markers it held.
func (b *builder) closeRun() {
	r := b.cur
	if r == nil {
		return
	}
	b.cur = nil
	b.blankOff = -1
	b.items = append(b.items, item{run: r})
	for _, f := range r.files {
		b.items = append(b.items, item{file: f})
	}
	r.files = nil
}

func (b *builder) textToken(tok bodyToken, content []byte, lineStart bool) {
	switch {
	case tok.OverNesting:
		b.problem(ProblemLimit, fmt.Sprintf("MaxNesting (%d): pseudo-tag kept as text", b.lim.MaxNesting), nil, tok.Offset)
	case tok.Marker == SpoofedMarker:
		b.problem(ProblemSpoofedMarker, string(content), nil, tok.Offset)
	case tok.Marker == PluginMarker:
		b.problem(ProblemRunPlugin, string(content), nil, tok.Offset)
	}
	r := b.current(tok.Offset)
	if r == nil {
		b.toOverflow(tok, content, lineStart)
		return
	}
	end := tok.Offset + int64(len(tok.Raw))
	r.addPiece(tok.Offset, end)
	r.stats.add(content, lineStart, tok.EOL > 0)
	if lineStart && len(content) == 0 && tok.EOL > 0 && r.kind == runNone {
		b.blankOff, b.blankEnd = tok.Offset, end
	} else {
		b.blankOff = -1
	}
	if !b.sawFirst && len(strings.TrimSpace(string(content))) > 0 {
		b.sawFirst = true
		n := len(content)
		if n > 32 {
			n = 32
		}
		b.firstLine = append([]byte(nil), content[:n]...)
	}
	if r.kind == runHTML || r.kind == runNone {
		b.scanHTML(r, tok.Offset, content)
	}
}

func (b *builder) marker(tok bodyToken, content []byte, lineStart bool) {
	if len(b.files) >= b.lim.MaxAttachments {
		if !b.fileLimit {
			b.fileLimit = true
			b.problem(ProblemLimit, fmt.Sprintf("MaxAttachments (%d): further markers kept as text", b.lim.MaxAttachments), nil, tok.Offset)
		}
		tok.Kind = tokText
		b.textToken(tok, content, lineStart)
		return
	}
	if b.parts >= b.lim.MaxParts {
		b.startOverflow(tok.Offset)
		b.toOverflow(tok, content, lineStart)
		return
	}
	b.parts++
	fi := &fileItem{ref: tok.Ref, line: piece{off: tok.Offset, end: tok.Offset + int64(len(tok.Raw))}}
	fi.lineStats.add(content, lineStart, tok.EOL > 0)
	b.files = append(b.files, fi)
	if len(b.stack) == 0 {
		if b.cur != nil && b.blankOff >= 0 && b.blankEnd == tok.Offset {
			b.cur.trimTo(b.blankOff)
			fi.blank = piece{off: b.blankOff, end: b.blankEnd}
			fi.lineStats.add(nil, true, true)
		}
		b.closeRun()
		b.items = append(b.items, item{file: fi})
		return
	}
	r := b.current(tok.Offset)
	if r == nil {
		b.files = b.files[:len(b.files)-1]
		b.toOverflow(tok, content, lineStart)
		return
	}
	r.pieces = append(r.pieces, piece{off: fi.line.off, end: fi.line.end, cond: fi})
	fi.inRun = r
	r.files = append(r.files, fi)
	b.blankOff = -1
}

// scanHTML looks for the <meta> charset, cid: URLs and other URLs in one
// line of HTML.
func (b *builder) scanHTML(r *textRun, off int64, line []byte) {
	r.htmlLines++
	if r.metaVal == "" && r.htmlLines <= 256 && containsFold(line, "charset") {
		if m := reMeta.FindSubmatchIndex(line); m != nil {
			r.metaOff, r.metaEnd = off+int64(m[2]), off+int64(m[3])
			r.metaVal = string(line[m[2]:m[3]])
		}
	}
	if b.ncids < maxCIDs && containsFold(line, "cid:") {
		for _, m := range reCID.FindAllSubmatch(line, -1) {
			raw := string(m[1])
			cid := urlUnescape(raw)
			keys := []string{cid}
			if raw != cid {
				keys = append(keys, raw)
			}
			for _, c := range keys {
				h := EudoraHash(c)
				if b.ncids < maxCIDs {
					b.cids[h] = append(b.cids[h], cidRef{run: r, cid: cid})
					b.ncids++
				}
			}
		}
	}
	if len(b.urls) < maxURLs && bytes.IndexByte(line, '=') >= 0 && (containsFold(line, "src") || containsFold(line, "href") || containsFold(line, "background")) {
		for _, m := range reURL.FindAllSubmatch(line, -1) {
			u := string(m[1]) + string(m[2]) + string(m[3])
			if u == "" || hasPrefixFold(u, "cid:") || len(b.urls) >= maxURLs {
				continue
			}
			b.urls = append(b.urls, urlRef{run: r, raw: u, abs: absURL(r.base, u)})
		}
	}
}

// containsFold reports whether b contains the lower-case ASCII string s,
// ignoring ASCII case.
func containsFold(b []byte, s string) bool {
	c0 := s[0]
	for i := 0; i+len(s) <= len(b); i++ {
		if b[i]|0x20 != c0 {
			continue
		}
		j := 1
		for ; j < len(s); j++ {
			c := b[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != s[j] {
				break
			}
		}
		if j == len(s) {
			return true
		}
	}
	return false
}

// absURL resolves u against base (when both parse).
func absURL(base, u string) string {
	pu, err := url.Parse(u)
	if err != nil {
		return u
	}
	if pu.IsAbs() || base == "" {
		return u
	}
	pb, err := url.Parse(base)
	if err != nil {
		return u
	}
	return pb.ResolveReference(pu).String()
}

// finish decides between pass-through and rebuild, resolves the files and
// lays out the output.
func (b *builder) finish(ctx context.Context) error {
	if b.opts.Composition {
		b.headerRefs()
	}
	if b.nothingToDo() {
		b.passthrough()
		return nil
	}
	b.res.Rebuilt = true
	for _, f := range b.files {
		if err := ctx.Err(); err != nil {
			return err
		}
		b.resolve(ctx, f)
		b.res.Refs = append(b.res.Refs, f.ref)
	}
	b.match()
	items := b.arrange()
	return b.layout(items)
}

// headerRefs turns X-Attachments and X-EmbeddedContent entries of a
// composition into file items.
func (b *builder) headerRefs() {
	for _, f := range b.h.fields {
		var refs []Ref
		var bad []string
		switch f.lower {
		case "x-attachments":
			refs, bad = ParseXAttachments(f.value(), b.p)
		case "x-embeddedcontent":
			refs, bad = ParseXEmbeddedContent(f.value(), b.p)
		default:
			continue
		}
		for _, e := range bad {
			b.problem(ProblemBadHeaderEntry, f.name+": "+e, nil, f.offset)
		}
		for _, r := range refs {
			if len(b.files) >= b.lim.MaxAttachments || b.parts >= b.lim.MaxParts {
				b.problem(ProblemLimit, fmt.Sprintf("MaxAttachments (%d) / MaxParts (%d): %s entry kept in the header", b.lim.MaxAttachments, b.lim.MaxParts, f.name), nil, f.offset)
				fi := &fileItem{ref: r, fromHeader: true, status: fileFailed}
				b.files = append(b.files, fi)
				continue
			}
			b.parts++
			fi := &fileItem{ref: r, fromHeader: true}
			b.files = append(b.files, fi)
			b.items = append(b.items, item{file: fi})
		}
	}
}

// nothingToDo reports whether the message can pass through unchanged: see
// the package documentation.
func (b *builder) nothingToDo() bool {
	if b.opts.Composition || b.tagged > 0 || len(b.files) > 0 || b.overflow != nil {
		return false
	}
	if strings.HasPrefix(b.topType, "multipart/") {
		return false
	}
	if _, ok := b.h.get("date"); !ok && !b.opts.Date.IsZero() {
		return false
	}
	for _, f := range b.h.fields {
		if f.malformed || f.has8bit() {
			return false
		}
	}
	if b.opts.HTML && b.startsHTML() && b.topType != "text/html" {
		return false
	}
	var st textStats
	for _, it := range b.items {
		if it.run != nil {
			st.merge(&it.run.stats)
		}
	}
	if st.nul > 0 || st.maxLine > 998 {
		return false
	}
	if st.nonASCII == 0 || (b.topType != "" && !strings.HasPrefix(b.topType, "text/")) {
		return true
	}
	declared := b.topParams["charset"]
	if b.p == Mac {
		declared = ""
	}
	cp := decideCharset(&st, declared, b.p)
	return cp.repair == repairNone && declared != "" && sameCharset(cp.label, declared)
}

func (b *builder) startsHTML() bool {
	s := strings.ToLower(strings.TrimSpace(string(b.firstLine)))
	return strings.HasPrefix(s, "<html") || strings.HasPrefix(s, "<!doctype html")
}

// resolve checks that a file can be opened.
func (b *builder) resolve(ctx context.Context, f *fileItem) {
	if f.status != filePending {
		return
	}
	ref := f.ref
	off := f.line.off
	if f.fromHeader {
		off = -1
	}
	if b.opts.Resolver == nil {
		f.status = fileMissing
		b.problem(ProblemMissingAttachment, "no resolver: "+ref.Path, &ref, off)
		return
	}
	rc, _, err := b.opts.Resolver.Open(ref)
	if err == nil && rc == nil {
		err = errors.New("resolver returned no file")
	}
	if err == nil {
		b.sniff(f, ctxReader{ctx, rc})
		rc.Close()
		f.status = fileOK
		return
	}
	switch {
	case errors.Is(err, mailconv.ErrOutsideRoot):
		f.status = fileRefused
		b.problem(ProblemOutsideRoot, err.Error(), &ref, off)
	case errors.Is(err, fs.ErrNotExist):
		f.status = fileMissing
		b.problem(ProblemMissingAttachment, err.Error(), &ref, off)
	default:
		f.status = fileFailed
		b.problem(ProblemUnreadableAttachment, err.Error(), &ref, off)
	}
}

// match pairs embedded files with the HTML that refers to them.
func (b *builder) match() {
	for _, f := range b.files {
		if !f.used() || f.ref.Kind == RefAttachment {
			continue
		}
		h := f.ref.Hashes[1]
		if h != 0 {
			for _, c := range b.cids[h] {
				if b.outKind(c.run) == runHTML {
					f.owner, f.cid = c.run, c.cid
					break
				}
			}
		}
		if f.owner == nil && f.ref.CID != "" {
			f.cid = f.ref.CID
		}
		if f.owner == nil {
			for _, u := range b.urls {
				if b.outKind(u.run) == runHTML && b.urlMatches(f, u) {
					f.owner, f.location = u.run, u.abs
					break
				}
			}
		}
		if f.owner != nil {
			f.owner.embeds = append(f.owner.embeds, f)
		} else {
			ref := f.ref
			b.problem(ProblemEmbeddedUnmatched, "no cid: or URL in the HTML refers to "+ref.Name+"; attached as an ordinary attachment", &ref, f.line.off)
		}
	}
}

// urlMatches tests the URL hashes of an embedded marker (docs/formats/eudora.md §2.6:
// Windows hashes the decimal group number followed by the absolute URL; the
// Mac hashes the relative and the absolute URL) [?].
func (b *builder) urlMatches(f *fileItem, u urlRef) bool {
	h := f.ref.Hashes
	if f.ref.Kind == RefRelated {
		return h[2] != 0 && EudoraHash(u.raw) == h[2] || h[3] != 0 && EudoraHash(u.abs) == h[3]
	}
	return h[3] != 0 && EudoraHash(strconv.FormatUint(uint64(h[0]), 10)+u.abs) == h[3]
}

// arrange returns the final list of parts: files that could not be used
// turn back into text (their marker line and the blank line before it), and
// runs holding only empty lines are dropped when there is anything else.
func (b *builder) arrange() []item {
	var out []item
	var into *textRun // untagged run absorbing what follows
	for _, it := range b.items {
		if f := it.file; f != nil {
			if f.used() {
				if f.owner == nil {
					out = append(out, it)
					into = nil
				}
				continue
			}
			if f.fromHeader {
				continue // kept in the header
			}
			if f.inRun != nil {
				f.inRun.stats.merge(&f.lineStats)
				continue // the line stays where it is
			}
			r := into
			if r == nil {
				if n := len(out); n > 0 && out[n-1].run != nil && out[n-1].run.kind == runNone && !out[n-1].run.overflow {
					r = out[n-1].run
				} else {
					r = &textRun{offset: f.line.off}
					out = append(out, item{run: r})
				}
			}
			if f.blank.end > f.blank.off {
				r.addPiece(f.blank.off, f.blank.end)
			}
			r.addPiece(f.line.off, f.line.end)
			r.stats.merge(&f.lineStats)
			into = r
			continue
		}
		run := it.run
		if into != nil && run.kind == runNone && !run.overflow {
			for _, pc := range run.pieces {
				if pc.cond == nil && pc.lit == nil {
					into.addPiece(pc.off, pc.end)
				} else {
					into.pieces = append(into.pieces, pc)
				}
			}
			into.stats.merge(&run.stats)
			into.embeds = append(into.embeds, run.embeds...)
			if into.metaVal == "" && run.metaVal != "" {
				into.metaVal, into.metaOff, into.metaEnd = run.metaVal, run.metaOff, run.metaEnd
			}
			for _, e := range run.embeds {
				e.owner = into
			}
			continue
		}
		into = nil
		out = append(out, it)
	}
	// Drop runs of empty lines when there is other content.
	content := false
	for _, it := range out {
		if it.file != nil || !untaggedBlank(it.run) {
			content = true
			break
		}
	}
	if content {
		kept := out[:0]
		for _, it := range out {
			if it.run != nil && untaggedBlank(it.run) {
				continue
			}
			kept = append(kept, it)
		}
		out = kept
	}
	if len(out) == 0 {
		out = append(out, item{run: &textRun{}})
	}
	return out
}

func untaggedBlank(r *textRun) bool {
	return r != nil && r.kind == runNone && !r.overflow && (len(r.pieces) == 0 || r.stats.blankOnly || !r.stats.started)
}
