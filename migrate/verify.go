package migrate

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/mailconv/mailconv"
)

// VerifyOptions tune Verify.
type VerifyOptions struct {
	// Source identifies the source store in the journal (the Endpoint the
	// conversion used).
	Source Endpoint
	// Journal, if set, gives the destination mailbox of each source mailbox
	// as the conversion chose it. Without it the names are planned again
	// with PlanNames and the destination's capabilities.
	Journal *Journal
	// Capabilities of the destination: flags, keywords and dates it cannot
	// hold are not compared. Zero means: compare everything.
	Capabilities *mailconv.Capabilities
	// DateTolerance is the largest difference between two internal dates
	// taken as equal (stores keep seconds, some only minutes). Zero means
	// one second.
	DateTolerance time.Duration
	// MaxProblems bounds the problems listed per mailbox (all are counted);
	// zero means 100.
	MaxProblems int
	// Accounted, if set, tells whether a difference of the given kind
	// ("missing", "flags", "keywords", "date") for source message id of
	// mailbox mb was an intended, reported transformation (a loss or a
	// skip in the report of the run). Such differences are counted in
	// VerifyTotals.Accounted, not as failures.
	Accounted func(mb mailconv.Path, id, kind string) bool
	// Matched, if set, is called for every source message found in the
	// destination (by content), with the source mailbox and message ID: a
	// POP3 source deletes exactly those when asked to.
	Matched func(mb *mailconv.Mailbox, id string)
	// AllowExtra accepts destination messages and mailboxes the source
	// does not have (an account that already held mail, mail that arrived
	// since): they are counted and listed, but do not fail the result.
	// Second copies of source messages still do.
	AllowExtra bool
	// Include, Since and Before select what is compared as
	// ConvertOptions' fields of those names select what is converted: a
	// run that converted part of a store is verified on that part. A
	// source mailbox Include leaves out is not read, and its destination
	// mailbox is not taken as extra; source messages outside the
	// received-date range are counted in VerifyTotals.OutOfRange, and one
	// destination copy of each is left out too (a copy from an earlier
	// run), not taken as extra.
	Include       func(*mailconv.Mailbox) bool
	Since, Before time.Time
}

// VerifyResult is the outcome of Verify.
type VerifyResult struct {
	Mailboxes []*MailboxVerify `json:"mailboxes"`
	Totals    VerifyTotals     `json:"totals"`
	// OK is true when the destination holds every source message with its
	// state, and nothing else.
	OK bool `json:"ok"`
}

// VerifyTotals sums the mailboxes of a VerifyResult.
type VerifyTotals struct {
	SourceMessages int `json:"source_messages"`
	DestMessages   int `json:"destination_messages"`
	Matched        int `json:"matched"`
	Missing        int `json:"missing"`
	Extra          int `json:"extra"`
	Duplicates     int `json:"duplicates"`
	FlagDiffs      int `json:"flag_differences"`
	KeywordDiffs   int `json:"keyword_differences"`
	DateDiffs      int `json:"date_differences"`
	// LineEndings counts messages equal only once line endings are
	// normalised (an IMAP server stores CRLF): not a problem.
	LineEndings int `json:"line_endings_normalised"`
	// StateFields counts messages equal only once the mbox state fields
	// of their headers (Status, X-Status, X-Keywords, X-Mozilla-*, ...)
	// are left out, and line endings normalised: an mbox writer replaces
	// those fields, whose state is compared as flags and keywords. Not a
	// problem.
	StateFields int `json:"state_fields_normalised"`
	// Accounted counts differences the run reported as intended (see
	// VerifyOptions.Accounted): not a problem.
	Accounted int `json:"accounted"`
	// OutOfRange counts source messages outside the received-date range
	// (VerifyOptions.Since, Before): not compared, and not in
	// SourceMessages.
	OutOfRange int `json:"out_of_range,omitempty"`
}

// MailboxVerify compares one source mailbox with its destination.
type MailboxVerify struct {
	Source      mailconv.Path `json:"source,omitempty"`
	Destination mailconv.Path `json:"destination,omitempty"`
	// MissingMailbox: the destination has no such mailbox;
	// ExtraMailbox: a destination mailbox no source mailbox maps to.
	MissingMailbox bool `json:"missing_mailbox,omitempty"`
	ExtraMailbox   bool `json:"extra_mailbox,omitempty"`
	VerifyTotals
	Problems []string `json:"problems,omitempty"`

	accounted func(id, kind string) bool
}

// verifyEntry is what Verify keeps of one message.
type verifyEntry struct {
	exact, norm digest
	hadState    bool // the header held state fields (left out of norm)
	flags       mailconv.Flags
	keywords    string // sorted, lower-case, space-separated
	date        time.Time
	received    time.Time // the reader's date as it is, for the date range
	loc         string
	id          string
	used        bool
}

// Verify reads the source and the destination independently and compares
// them mailbox by mailbox: message counts, per-message content digests,
// flags, keywords and internal dates. Messages are paired by content (the
// octets as each reader yields them); a message that differs only in its
// line endings, or in the mbox state fields of its header (Status,
// X-Status, X-Keywords, X-Mozilla-*, ..., which an mbox writer replaces),
// counts as equal. Both sides are compared by the same rules: a destination
// mailbox may be found under the unescaped form of its planned name, "new"
// is not compared for seen messages, and an internal date not after the
// Unix epoch counts as unknown.
func Verify(ctx context.Context, src, dst mailconv.Reader, opts VerifyOptions) (*VerifyResult, error) {
	if opts.DateTolerance == 0 {
		opts.DateTolerance = time.Second
	}
	if opts.MaxProblems == 0 {
		opts.MaxProblems = 100
	}
	if opts.Capabilities == nil && opts.Journal != nil {
		opts.Capabilities, _ = opts.Journal.Capabilities()
	}
	smbs, err := src.Mailboxes(ctx)
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	dmbs, err := dst.Mailboxes(ctx)
	if err != nil {
		return nil, fmt.Errorf("destination: %w", err)
	}
	destByPath := map[string]*mailconv.Mailbox{}
	for _, mb := range dmbs {
		destByPath[pathKey(mb.Path)] = mb
	}
	var plan *mailconv.NamePlan
	if opts.Capabilities != nil && opts.Capabilities.Names.Forbidden != "" {
		plan = mailconv.PlanNames(smbs, *opts.Capabilities)
	}
	files := sourceFileKeys(smbs)
	if plan == nil && files != nil {
		// two source mailboxes with one name: told apart as Convert did
		plan = mailconv.PlanNames(smbs, mailconv.Capabilities{})
	}
	res := &VerifyResult{}
	usedDest := map[string]bool{}
	var sbuf, dbuf bytes.Buffer
	for _, smb := range smbs {
		if smb.NoSelect {
			continue
		}
		dpath := verifyDest(smb, opts, plan, files)
		if opts.Include != nil && !opts.Include(smb) {
			// Not selected: not compared, and what the destination
			// holds for it is not extra.
			if dmb, p := findDest(smb, dpath, destByPath, dmbs, usedDest); dmb != nil {
				usedDest[pathKey(p)] = true
			}
			continue
		}
		mv := &MailboxVerify{Source: smb.Path, Destination: dpath}
		res.Mailboxes = append(res.Mailboxes, mv)
		sents, err := readEntries(ctx, src, smb, &sbuf)
		if err != nil {
			return res, fmt.Errorf("source %s: %w", smb.Path, err)
		}
		var outside []*verifyEntry
		if !opts.Since.IsZero() || !opts.Before.IsZero() {
			var in []*verifyEntry
			for _, e := range sents {
				if inDateRange(e.received, opts.Since, opts.Before) {
					in = append(in, e)
				} else {
					outside = append(outside, e)
				}
			}
			sents = in
		}
		mv.SourceMessages = len(sents)
		mv.OutOfRange = len(outside)
		dmb, dpath := destMailbox(destByPath, dpath)
		mv.Destination = dpath
		if dmb == nil && len(sents)+len(outside) > 0 {
			if one := oneDestMailbox(dst, dmbs); one != nil && !usedDest[pathKey(one.Path)] {
				// a single-file destination: its one mailbox, whatever
				// the file is called
				dmb, dpath = one, one.Path
				mv.Destination = one.Path
			}
		}
		if dmb == nil || dmb.NoSelect {
			if d := roleDest(smb, dmbs, usedDest); d != nil {
				dmb, dpath = d, d.Path
				mv.Destination = d.Path
			}
		}
		if dmb == nil || dmb.NoSelect {
			if len(sents) > 0 {
				mv.MissingMailbox = true
				mv.Missing = len(sents)
				mv.problem(opts, fmt.Sprintf("destination mailbox %s not found: %d message(s) missing", dpath, len(sents)))
			}
			continue
		}
		usedDest[pathKey(dpath)] = true
		dents, err := readEntries(ctx, dst, dmb, &dbuf)
		if err != nil {
			return res, fmt.Errorf("destination %s: %w", dpath, err)
		}
		mv.DestMessages = len(dents)
		var matched func(id string)
		if opts.Matched != nil {
			mb := smb
			matched = func(id string) { opts.Matched(mb, id) }
		}
		mv.accounted = func(string, string) bool { return false }
		if opts.Accounted != nil {
			p := smb.Path
			mv.accounted = func(id, kind string) bool { return opts.Accounted(p, id, kind) }
		}
		compareEntries(mv, sents, dents, outside, opts, matched)
	}
	for _, dmb := range dmbs {
		if dmb.NoSelect || usedDest[pathKey(dmb.Path)] {
			continue
		}
		dents, err := readEntries(ctx, dst, dmb, &dbuf)
		if err != nil {
			return res, fmt.Errorf("destination %s: %w", dmb.Path, err)
		}
		if len(dents) == 0 {
			continue
		}
		mv := &MailboxVerify{Destination: dmb.Path, ExtraMailbox: true}
		mv.DestMessages = len(dents)
		mv.Extra = len(dents)
		mv.problem(opts, fmt.Sprintf("mailbox %s is not in the source: %d extra message(s)", dmb.Path, len(dents)))
		res.Mailboxes = append(res.Mailboxes, mv)
	}
	t := &res.Totals
	for _, mv := range res.Mailboxes {
		t.SourceMessages += mv.SourceMessages
		t.DestMessages += mv.DestMessages
		t.Matched += mv.Matched
		t.Missing += mv.Missing
		t.Extra += mv.Extra
		t.Duplicates += mv.Duplicates
		t.FlagDiffs += mv.FlagDiffs
		t.KeywordDiffs += mv.KeywordDiffs
		t.DateDiffs += mv.DateDiffs
		t.LineEndings += mv.LineEndings
		t.StateFields += mv.StateFields
		t.Accounted += mv.Accounted
		t.OutOfRange += mv.OutOfRange
	}
	extraOK := t.Extra == 0 || (opts.AllowExtra && t.Duplicates == 0)
	res.OK = t.Missing == 0 && extraOK && t.FlagDiffs == 0 && t.KeywordDiffs == 0 && t.DateDiffs == 0
	return res, nil
}

// oneDestMailbox returns the mailbox of a destination that is a single file
// holding one mailbox, or nil.
func oneDestMailbox(dst mailconv.Reader, dmbs []*mailconv.Mailbox) *mailconv.Mailbox {
	if !isSingleFile(dst) {
		return nil
	}
	var one *mailconv.Mailbox
	for _, mb := range dmbs {
		if mb.NoSelect {
			continue
		}
		if one != nil {
			return nil
		}
		one = mb
	}
	return one
}

// roleDest returns the destination mailbox of special-use mailbox smb
// when its own name is not there: a server may hold it in its own
// special-use mailbox (Sent Messages for Sent). Nil when none is free.
func roleDest(smb *mailconv.Mailbox, dmbs []*mailconv.Mailbox, usedDest map[string]bool) *mailconv.Mailbox {
	if smb.Role == mailconv.RoleNone || smb.Role == mailconv.RoleInbox {
		return nil
	}
	for _, d := range dmbs {
		if d.Role == smb.Role && !d.NoSelect && !usedDest[pathKey(d.Path)] {
			return d
		}
	}
	return nil
}

// findDest returns the destination mailbox of source mailbox smb, planned
// at dpath, as Verify finds it (under dpath or its unescaped form, else by
// role), or nil.
func findDest(smb *mailconv.Mailbox, dpath mailconv.Path, destByPath map[string]*mailconv.Mailbox, dmbs []*mailconv.Mailbox, usedDest map[string]bool) (*mailconv.Mailbox, mailconv.Path) {
	if dmb, p := destMailbox(destByPath, dpath); dmb != nil && !dmb.NoSelect {
		return dmb, p
	}
	if d := roleDest(smb, dmbs, usedDest); d != nil {
		return d, d.Path
	}
	return nil, dpath
}

// verifyDest returns the destination mailbox of source mailbox smb: the
// one the journal records, else the planned one (when names change, or
// when smb's name is shared by another source mailbox), else its own path.
func verifyDest(smb *mailconv.Mailbox, opts VerifyOptions, plan *mailconv.NamePlan, files map[*mailconv.Mailbox]string) mailconv.Path {
	if opts.Journal != nil {
		if p, ok := opts.Journal.destOf(opts.Source, smb.Path, files[smb]); ok {
			return p
		}
	}
	if plan != nil && (files[smb] != "" || opts.Capabilities != nil && opts.Capabilities.Names.Forbidden != "") {
		return plan.DestOf(smb)
	}
	return smb.Path
}

func (mv *MailboxVerify) problem(opts VerifyOptions, s string) {
	if len(mv.Problems) < opts.MaxProblems {
		mv.Problems = append(mv.Problems, s)
	}
}

// readEntries reads every message of mb.
func readEntries(ctx context.Context, r mailconv.Reader, mb *mailconv.Mailbox, buf *bytes.Buffer) ([]*verifyEntry, error) {
	mr, err := r.Open(ctx, mb)
	if err != nil {
		return nil, err
	}
	defer mr.Close()
	var out []*verifyEntry
	exact, norm := sha256.New(), sha256.New()
	sf := &stateFieldFilter{w: norm}
	nw := &lfNormalizer{w: sf}
	chunk := make([]byte, 64<<10)
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		m, err := mr.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		exact.Reset()
		norm.Reset()
		nw.cr = false
		sf.reset()
		for {
			n, err := mr.Read(chunk)
			exact.Write(chunk[:n])
			nw.Write(chunk[:n])
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %w", m.Source, err)
			}
		}
		nw.flush()
		sf.flush()
		e := &verifyEntry{flags: comparableFlags(m.Flags), date: comparableDate(m.Date), received: m.Date, loc: m.Source.String(), id: m.ID, hadState: sf.dropped}
		var sum [sha256.Size]byte
		copy(e.exact[:], exact.Sum(sum[:0]))
		copy(e.norm[:], norm.Sum(sum[:0]))
		kws := make([]string, len(m.Keywords))
		for i, k := range m.Keywords {
			kws[i] = strings.ToLower(k)
		}
		sort.Strings(kws)
		e.keywords = strings.Join(kws, " ")
		out = append(out, e)
	}
}

// lfNormalizer writes its input with CRLF and lone CR turned into LF, and
// NUL bytes dropped (what IMAP servers do to a message).
type lfNormalizer struct {
	w  io.Writer
	cr bool // a CR is pending
}

func (n *lfNormalizer) Write(p []byte) (int, error) {
	out := make([]byte, 0, len(p))
	for _, c := range p {
		if n.cr {
			n.cr = false
			out = append(out, '\n')
			if c == '\n' {
				continue
			}
		}
		if c == '\r' {
			n.cr = true
			continue
		}
		if c == 0 {
			continue
		}
		out = append(out, c)
	}
	n.w.Write(out)
	return len(p), nil
}

func (n *lfNormalizer) flush() {
	if n.cr {
		n.cr = false
		n.w.Write([]byte{'\n'})
	}
}

// compareEntries pairs source and destination messages by content and
// compares their state. outside are the source messages outside the date
// range: one destination copy of each is left out, and a second one is a
// duplicate.
func compareEntries(mv *MailboxVerify, src, dst, outside []*verifyEntry, opts VerifyOptions, matched func(id string)) {
	pair := func(s, d *verifyEntry) {
		mv.compareState(s, d, opts)
		if matched != nil {
			matched(s.id)
		}
	}
	byExact := map[digest][]*verifyEntry{}
	byNorm := map[digest][]*verifyEntry{}
	srcCount := map[digest]int{}
	for _, e := range dst {
		byExact[e.exact] = append(byExact[e.exact], e)
		byNorm[e.norm] = append(byNorm[e.norm], e)
	}
	for _, e := range src {
		srcCount[e.norm]++
	}
	for _, e := range outside {
		srcCount[e.norm]++
	}
	take := func(list []*verifyEntry) *verifyEntry {
		for _, e := range list {
			if !e.used {
				e.used = true
				return e
			}
		}
		return nil
	}
	var unmatched []*verifyEntry
	for _, s := range src {
		if d := take(byExact[s.exact]); d != nil {
			pair(s, d)
			continue
		}
		unmatched = append(unmatched, s)
	}
	for _, s := range unmatched {
		if d := take(byNorm[s.norm]); d != nil {
			if s.hadState || d.hadState {
				mv.StateFields++
			} else {
				mv.LineEndings++
			}
			pair(s, d)
			continue
		}
		if mv.accounted(s.id, "missing") {
			mv.Accounted++
			continue
		}
		mv.Missing++
		mv.problem(opts, "missing: source message at "+s.loc)
	}
	// One destination copy of each source message outside the date
	// range (an earlier run's) is left out of the comparison.
	for _, o := range outside {
		if take(byNorm[o.norm]) != nil {
			mv.DestMessages--
		}
	}
	for _, d := range dst {
		if d.used {
			continue
		}
		mv.Extra++
		if srcCount[d.norm] > 0 {
			mv.Duplicates++
			mv.problem(opts, "duplicate: destination message at "+d.loc+" is a second copy of a source message")
		} else {
			mv.problem(opts, "extra: destination message at "+d.loc+" is not in the source (or its content changed)")
		}
	}
}

func (mv *MailboxVerify) compareState(s, d *verifyEntry, opts VerifyOptions) {
	mv.Matched++
	mask := mailconv.AllFlags
	keywords, dates := true, true
	if c := opts.Capabilities; c != nil {
		mask = c.Flags
		keywords = c.Keywords
		dates = c.Dates
	}
	if sf, df := s.flags&mask, d.flags&mask; sf != df && mv.accounted(s.id, "flags") {
		mv.Accounted++
	} else if sf != df {
		mv.FlagDiffs++
		mv.problem(opts, fmt.Sprintf("flags differ: source %s [%s], destination %s [%s]", s.loc, sf, d.loc, df))
	}
	if keywords && s.keywords != d.keywords && mv.accounted(s.id, "keywords") {
		mv.Accounted++
	} else if keywords && s.keywords != d.keywords {
		mv.KeywordDiffs++
		mv.problem(opts, fmt.Sprintf("keywords differ: source %s [%s], destination %s [%s]", s.loc, s.keywords, d.loc, d.keywords))
	}
	if dates && !s.date.IsZero() {
		if diff := s.date.Sub(d.date); (d.date.IsZero() || diff > opts.DateTolerance || diff < -opts.DateTolerance) && mv.accounted(s.id, "date") {
			mv.Accounted++
		} else if d.date.IsZero() || diff > opts.DateTolerance || diff < -opts.DateTolerance {
			mv.DateDiffs++
			mv.problem(opts, fmt.Sprintf("dates differ: source %s %s, destination %s %s", s.loc, s.date.UTC().Format(time.RFC3339), d.loc, d.date.UTC().Format(time.RFC3339)))
		}
	}
}
