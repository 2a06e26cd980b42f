package eudora

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"time"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/mime"
)

var errNoTOC = errors.New("no TOC resource")

// searchWindow is how far (in bytes, either way) a TOC record's offset may
// be from the separator line it should point at before the record is
// declared a fragment (docs/formats/eudora.md §4 "±a few bytes").
const searchWindow = 16

// maxSepLine is how much of a line the separator tests look at.
const maxSepLine = 1024

// origin tells where a message of a plan comes from.
type origin uint8

const (
	fromTOC       origin = iota // a TOC record
	fromScan                    // found by scanning a mailbox without a usable TOC
	fromTail                    // found by scanning bytes appended after the TOC was written
	fromUncovered               // bytes no TOC record covers (recover mode)
)

// entry is one message-to-be: a byte range of the mailbox file.
type entry struct {
	start, end int64
	rec        *Record
	origin     origin
	fragment   bool // the range does not start with a separator line
}

// region is a byte range to split at separators lazily.
type region struct {
	start, end int64
	origin     origin
}

// MailboxDetails are the facts about one mailbox that go into a conversion
// report (MailboxReport.Details): whether its TOC was used and, if not,
// why, and what was done about damaged or uncovered bytes.
type MailboxDetails struct {
	Platform mime.Platform `json:"platform"`
	File     string        `json:"file"`
	// TOC is "used", "used+tail" (TOC used, bytes appended after it
	// scanned), "scanned" (no usable TOC) or "none" for a folder.
	TOC     string `json:"toc"`
	TOCFile string `json:"toc_file,omitempty"`
	// Reason says why the TOC was not used (or only partly).
	Reason  string `json:"reason,omitempty"`
	Records int    `json:"toc_records"`
	// Messages counts the messages emitted.
	Messages int `json:"messages"`
	// Scanned counts messages found by scanning (no usable TOC, or bytes
	// after the TOC).
	Scanned int `json:"scanned,omitempty"`
	// Salvaged counts scanned messages that got their state from a
	// record of the unusable TOC (same offset and length).
	Salvaged   int `json:"salvaged,omitempty"`
	Adjusted   int `json:"offsets_adjusted,omitempty"`
	Fragments  int `json:"fragments,omitempty"`
	Duplicates int `json:"duplicate_records,omitempty"`
	ZeroLength int `json:"zero_length_records,omitempty"`
	// UncoveredBytes and UncoveredRanges measure the bytes that no TOC
	// record covers and that are not blank: deleted or transferred
	// messages awaiting compaction.
	UncoveredBytes  int64 `json:"uncovered_bytes,omitempty"`
	UncoveredRanges int   `json:"uncovered_ranges,omitempty"`
	// Recovered counts messages emitted from uncovered bytes (recover=emit).
	Recovered   int      `json:"recovered,omitempty"`
	NULsDropped int64    `json:"nul_bytes_dropped,omitempty"`
	CRConverted bool     `json:"cr_line_ends_converted,omitempty"`
	Rebuilt     int      `json:"rebuilt,omitempty"`
	Notes       []string `json:"notes,omitempty"`
}

// mplan is what Open decides for one mailbox.
type mplan struct {
	entries []entry  // fixed entries, in emission order (TOC order)
	regions []region // then these, split lazily, in order
	salvage map[[2]int64]*Record
	dataEnd int64 // file size without trailing 0x1A / NUL padding
	det     MailboxDetails
}

// plan decides how to read one mailbox file of the given size.
func (s *Store) plan(n *node, f *os.File, size int64) *mplan {
	p := &mplan{det: MailboxDetails{Platform: s.platform, File: s.abs(n.file)}}
	p.dataEnd = trailingPadding(f, size)
	if p.dataEnd < size {
		p.det.Notes = append(p.det.Notes, fmt.Sprintf("%d bytes of 0x1A/NUL padding at the end of the file ignored", size-p.dataEnd))
	}
	var reasons []string
	var badTOC *TOC
	for _, src := range n.tocs {
		toc, reason, err := s.loadTOC(src)
		if err != nil {
			if reason != "" {
				reasons = append(reasons, reason)
			}
			continue
		}
		p.det.TOCFile = s.abs(src.file)
		p.det.Records = len(toc.Records)
		p.det.Notes = append(p.det.Notes, toc.Notes...)
		s.checkMtime(n, src, f)
		why := s.planFromTOC(p, toc, f, size)
		if why == "" {
			if len(reasons) > 0 {
				p.det.Notes = append(p.det.Notes, reasons...)
			}
			return p
		}
		reasons = append(reasons, fmt.Sprintf("%s: %s", src, why))
		if badTOC == nil {
			badTOC = toc
		}
		p.entries, p.regions = nil, nil
		p.det.Adjusted, p.det.Fragments, p.det.Duplicates, p.det.ZeroLength = 0, 0, 0, 0
	}
	// No usable TOC: scan, keeping the state of records that match a
	// scanned message exactly (what Eudora's own rebuild does).
	p.det.TOC = "scanned"
	if len(reasons) == 0 {
		p.det.Reason = "no TOC"
	} else {
		p.det.Reason = joinSemi(reasons)
	}
	if badTOC != nil {
		p.salvage = make(map[[2]int64]*Record, len(badTOC.Records))
		for i := range badTOC.Records {
			r := &badTOC.Records[i]
			p.salvage[[2]int64{r.Offset, r.Length}] = r
		}
	}
	p.regions = []region{{0, p.dataEnd, fromScan}}
	return p
}

func joinSemi(ss []string) string {
	var b bytes.Buffer
	for i, s := range ss {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(s)
	}
	return b.String()
}

// loadTOC reads one TOC source. reason is set for a TOC that exists but
// cannot be used; err is set whenever there is no TOC to use.
func (s *Store) loadTOC(src tocSource) (*TOC, string, error) {
	r, size, closer, err := s.openTOC(src)
	if err != nil {
		if src.native || errors.Is(err, fs.ErrNotExist) || errors.Is(err, errNoTOC) {
			return nil, "", err
		}
		return nil, fmt.Sprintf("%s: %v", src, err), err
	}
	defer closer()
	toc, err := ParseTOC(io.NewSectionReader(r, 0, size), size, s.platform, s.abs(src.file), TOCOptions{Limits: s.lim})
	if err != nil {
		return nil, fmt.Sprintf("%s unusable: %v", src, err), err
	}
	return toc, "", nil
}

// checkMtime notes (only notes) a TOC older than its mailbox: copies lose
// modification times, so this never decides anything (§7 item 13).
func (s *Store) checkMtime(n *node, src tocSource, f *os.File) {
	mfi, err := f.Stat()
	if err != nil {
		return
	}
	tfi, err := s.root.Stat(src.file)
	if err != nil {
		return
	}
	if d := mfi.ModTime().Sub(tfi.ModTime()); d > 10*time.Second {
		s.emit(mailconv.Event{Kind: mailconv.EventInfo, Code: "eudora.toc-older", Mailbox: n.mb.Path, Location: s.loc(src.file, -1),
			Detail: fmt.Sprintf("the TOC is %s older than its mailbox; Eudora would distrust it, but copies lose modification times, so the TOC is still checked on its structure", d.Round(time.Second))})
	}
}

// trailingPadding returns size minus any run of 0x1A (DOS end-of-file) and
// NUL bytes at the end of the file (looked for in the last 64 KiB).
func trailingPadding(f io.ReaderAt, size int64) int64 {
	const tail = 64 << 10
	start := max(0, size-tail)
	buf := make([]byte, size-start)
	if _, err := f.ReadAt(buf, start); err != nil && err != io.EOF {
		return size
	}
	i := len(buf)
	for i > 0 && (buf[i-1] == 0x1A || buf[i-1] == 0) {
		i--
	}
	return start + int64(i)
}

// planFromTOC checks toc against the mailbox and fills p. It returns "" when
// the TOC is used, else why it is not.
func (s *Store) planFromTOC(p *mplan, toc *TOC, f *os.File, size int64) string {
	stored := int64(toc.MboxSizePlus1) - 1
	grew := false
	if toc.MboxSizePlus1 != 0 && stored != size {
		if stored > size {
			return fmt.Sprintf("records a %d-byte mailbox but the file has %d bytes (truncated)", stored, size)
		}
		grew = true
	}
	recs := toc.Records
	type live struct {
		r          *Record
		start, end int64
		moved      bool
		fragment   bool
	}
	var ls []*live
	for i := range recs {
		r := &recs[i]
		if r.Length == 0 {
			p.det.ZeroLength++
			continue
		}
		if r.Offset < 0 || r.Length < 0 || r.Offset+r.Length > size {
			return fmt.Sprintf("record %d (offset %d, length %d) lies outside the %d-byte mailbox", i, r.Offset, r.Length, size)
		}
		if grew && r.Offset+r.Length > stored {
			return fmt.Sprintf("record %d ends past the recorded mailbox size %d", i, stored)
		}
		if toc.NextID != 0 && r.ID > toc.NextID && s.platform == mime.Windows {
			return fmt.Sprintf("record %d has message id %d above the header's next id %d", i, r.ID, toc.NextID)
		}
		ls = append(ls, &live{r: r, start: r.Offset, end: r.Offset + r.Length})
	}
	// Alignment: each record should point at a separator line.
	misaligned := 0
	scratch := make([]byte, 2*searchWindow+1+maxSepLine)
	for _, l := range ls {
		at, exact := s.findSeparatorNear(f, size, l.start, l.end, scratch)
		switch {
		case exact:
		case at >= 0:
			l.start, l.moved = at, true
			misaligned++
		default:
			l.fragment = true
			misaligned++
		}
	}
	if len(ls) >= 2 && misaligned*2 > len(ls) {
		return fmt.Sprintf("%d of %d records do not point at a message separator: the TOC does not describe this mailbox", misaligned, len(ls))
	}
	// Overlaps, in file order.
	order := make([]*live, len(ls))
	copy(order, ls)
	sort.SliceStable(order, func(i, j int) bool { return order[i].start < order[j].start })
	dup := map[*live]bool{}
	for i := 0; i+1 < len(order); i++ {
		a, b := order[i], order[i+1]
		if b.start >= a.end {
			continue
		}
		if b.start == a.start && b.end == a.end {
			// Keep the first in TOC order.
			if a.r.Index < b.r.Index {
				dup[b] = true
				order[i+1] = a
			} else {
				dup[a] = true
			}
			continue
		}
		if (a.moved || b.moved) && a.end-b.start <= searchWindow && b.start > a.start {
			a.end = b.start // an adjusted start trims its neighbour
			continue
		}
		return fmt.Sprintf("records %d and %d overlap (bytes %d–%d and %d–%d)", a.r.Index, b.r.Index, a.start, a.end, b.start, b.end)
	}
	// The TOC is used.
	p.det.TOC = "used"
	for _, l := range ls {
		if dup[l] {
			p.det.Duplicates++
			s.emit(mailconv.Event{Kind: mailconv.EventSkip, Code: "eudora.toc-duplicate", Location: s.loc(p.det.File, l.start),
				Detail: fmt.Sprintf("TOC record %d describes the same bytes as an earlier record; emitted once", l.r.Index)})
			continue
		}
		if l.moved {
			p.det.Adjusted++
		}
		if l.fragment {
			p.det.Fragments++
		}
		p.entries = append(p.entries, entry{start: l.start, end: l.end, rec: l.r, origin: fromTOC, fragment: l.fragment})
		if l.moved {
			s.emit(mailconv.Event{Kind: mailconv.EventWarning, Code: "eudora.toc-offset-adjusted", Location: s.loc(p.det.File, l.start),
				Detail: fmt.Sprintf("TOC record %d points at offset %d; the separator line is at %d", l.r.Index, l.r.Offset, l.start)})
		}
		if l.fragment {
			s.emit(mailconv.Event{Kind: mailconv.EventWarning, Code: "eudora.fragment", Location: s.loc(p.det.File, l.start),
				Detail: fmt.Sprintf("TOC record %d (%d bytes) does not start with a message separator; emitted as it is", l.r.Index, l.end-l.start)})
		}
	}
	// Uncovered ranges, in file order.
	var covered []span
	for _, l := range order {
		if !dup[l] {
			covered = append(covered, span{l.start, l.end - l.start})
		}
	}
	limit := p.dataEnd
	if grew {
		limit = min(stored, p.dataEnd)
	}
	pos := int64(0)
	for _, c := range covered {
		if c.Offset > pos {
			s.uncovered(p, f, pos, min(c.Offset, limit))
		}
		pos = max(pos, c.Offset+c.Length)
	}
	if pos < limit {
		s.uncovered(p, f, pos, limit)
	}
	if grew {
		p.det.TOC = "used+tail"
		from := max(stored, pos)
		p.det.Reason = fmt.Sprintf("the mailbox grew from %d to %d bytes after the TOC was written; bytes from %d scanned", stored, size, from)
		if from < p.dataEnd {
			p.regions = append(p.regions, region{from, p.dataEnd, fromTail})
		}
	}
	return ""
}

// uncovered records a range no record covers, and queues it for recovery.
func (s *Store) uncovered(p *mplan, f io.ReaderAt, start, end int64) {
	if end <= start || isBlankRange(f, start, end) {
		return
	}
	p.det.UncoveredBytes += end - start
	p.det.UncoveredRanges++
	switch s.cfg.Recover {
	case RecoverList:
		s.emit(mailconv.Event{Kind: mailconv.EventInfo, Code: "eudora.deleted-bytes", Location: s.loc(p.det.File, start),
			Detail: fmt.Sprintf("%d bytes (%d–%d) are covered by no TOC record: deleted or transferred mail not yet compacted", end-start, start, end)})
	case RecoverEmit:
		p.regions = append(p.regions, region{start, end, fromUncovered})
	}
}

// isBlankRange reports whether [start,end) holds only white space, NUL
// and 0x1A bytes. It stops at the first other byte.
func isBlankRange(f io.ReaderAt, start, end int64) bool {
	buf := make([]byte, min(end-start, 32<<10))
	for pos := start; pos < end; {
		n := min(int64(len(buf)), end-pos)
		m, err := f.ReadAt(buf[:n], pos)
		for _, c := range buf[:m] {
			switch c {
			case ' ', '\t', '\r', '\n', 0, 0x1A:
			default:
				return false
			}
		}
		if err != nil && m == 0 {
			return false
		}
		pos += int64(m)
	}
	return true
}

// findSeparatorNear checks that a separator line starts at off; if not, it
// looks for the nearest one within searchWindow bytes (at a line start,
// before end). exact is true when off itself is fine (a strict separator,
// or a line starting "From " in an imported mailbox).
func (s *Store) findSeparatorNear(f io.ReaderAt, size, off, end int64, scratch []byte) (at int64, exact bool) {
	lo := max(0, off-searchWindow-1)
	hi := min(size, off+searchWindow+maxSepLine)
	buf := scratch[:hi-lo]
	n, _ := f.ReadAt(buf, lo)
	buf = buf[:n]
	lineAt := func(pos int64) []byte {
		i := pos - lo
		if i < 0 || i >= int64(len(buf)) {
			return nil
		}
		l := buf[i:]
		if j := indexLineEnd(l); j >= 0 {
			l = l[:j]
		}
		return l
	}
	lineStart := func(pos int64) bool {
		if pos == 0 {
			return true
		}
		i := pos - lo - 1
		return i >= 0 && i < int64(len(buf)) && (buf[i] == '\n' || buf[i] == '\r')
	}
	l := lineAt(off)
	if IsSeparator(l, s.platform) || (bytes.HasPrefix(l, []byte("From ")) && lineStart(off)) {
		return off, true
	}
	best := int64(-1)
	for d := int64(1); d <= searchWindow; d++ {
		for _, cand := range []int64{off - d, off + d} {
			if cand < 0 || cand >= end || cand >= size || !lineStart(cand) {
				continue
			}
			if IsSeparator(lineAt(cand), s.platform) {
				best = cand
				break
			}
		}
		if best >= 0 {
			break
		}
	}
	return best, false
}
