package migrate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/mailconv/mailconv"
)

// Progress is handed to ConvertOptions.Progress after every message.
type Progress struct {
	Mailbox        mailconv.Path // source mailbox being converted
	MailboxesDone  int           // mailboxes finished
	MailboxesTotal int           // mailboxes in the plan
	Messages       int           // messages read so far
	Bytes          int64         // message bytes read so far
	TotalBytes     int64         // sum of the known mailbox sizes (an estimate), 0 if unknown
}

// ConvertOptions tune Convert.
type ConvertOptions struct {
	// Report receives counts and events. If nil, Convert allocates one.
	// Pass the Report whose Add method is the Events function of the
	// reader's and writer's Options, so that everything lands in one place.
	Report *Report
	// Progress, if set, is called after each message.
	Progress func(Progress)
	// Include, if set, selects the source mailboxes to convert.
	Include func(*mailconv.Mailbox) bool
	// Journal, if set, records every committed message and lets this run
	// skip what an earlier run over the same source and destination did
	// (resume after an interruption, incremental runs). The writer must
	// have been created with Options.Resume when the journal is not
	// empty.
	Journal *Journal
	// Dedup skips messages the destination mailbox already holds (from
	// this run or, through the journal, from earlier runs over other
	// sources).
	Dedup DedupPolicy
	// SpoolDir is where messages larger than SpoolMemory are held while
	// Convert decides whether to write them (resumed runs, dedup). Empty
	// means os.TempDir().
	SpoolDir string
	// SpoolMemory bounds the memory used to hold one such message; zero
	// means DefaultSpoolMemory.
	SpoolMemory int64
	// ReadAhead reads each mailbox in a goroutine of its own, one message
	// ahead of the writer (in 1 MiB of buffers), so that parsing overlaps
	// with writing. Messages are still written and journaled in order, one
	// at a time. The reader's Events function is then called from that
	// goroutine, possibly while the writer's is running: both must be safe
	// for concurrent use (Report.Add is). Not used while Convert must
	// decide per message whether to write it (resumed runs, dedup).
	ReadAhead bool
	// Since and Before, when set, bound the received dates (Message.Date)
	// of the messages converted: Since is inclusive, Before exclusive.
	// Messages outside are read, counted as out of range and not written;
	// messages whose date is unknown are always converted.
	Since, Before time.Time
	// Stop, when closed, makes Convert stop after the message in hand:
	// it is written and journaled, and Convert returns an error matching
	// context.Canceled. Cancelling the context instead stops at once, in
	// the middle of a message if need be (a resumed run cuts or replaces
	// what was not journaled).
	Stop <-chan struct{}
	// Connections is how many mailboxes are converted at once, each in a
	// session of its own to the destination (see parallel.go). 0 and 1
	// convert one mailbox after the other. Above 1 it applies only when
	// the writer is a mailconv.Forker and the reader a
	// mailconv.ConcurrentOpener that allows it; the messages of one
	// mailbox are still written in order, by one session. Progress is then
	// called from several goroutines, one call at a time, and the reader's
	// and writer's Events functions at the same time: they must be safe
	// for concurrent use (Report.Add is).
	Connections int
}

// stopped tells whether Convert was asked to stop (ConvertOptions.Stop).
func (c *converter) stopped() error {
	select {
	case <-c.opts.Stop:
		return fmt.Errorf("stopped after the message in hand: %w", context.Canceled)
	default:
		return c.ctx.Err()
	}
}

// Convert copies every mailbox and message of r into w, one message at a
// time, and returns what happened. Mailbox names are mapped with PlanNames
// against w's Capabilities; metadata w cannot hold is recorded as losses.
//
// Convert returns an error when the conversion could not be completed (a
// read or write failure, a cancelled context); the report then tells how far
// it got. Skips and losses are not errors: check Report.Clean.
func Convert(ctx context.Context, r mailconv.Reader, w mailconv.Writer, opts ConvertOptions) (*Report, error) {
	rep := opts.Report
	if rep == nil {
		rep = &Report{}
	}
	if rep.Started.IsZero() {
		rep.Started = time.Now()
	}
	err := convert(ctx, r, w, opts, rep)
	rep.update(func() {
		rep.Finished = time.Now()
		if err != nil {
			rep.Error = err.Error()
		}
	})
	return rep, err
}

func convert(ctx context.Context, r mailconv.Reader, w mailconv.Writer, opts ConvertOptions, rep *Report) error {
	all, err := r.Mailboxes(ctx)
	if err != nil {
		return fmt.Errorf("listing mailboxes: %w", err)
	}
	var mbs []*mailconv.Mailbox
	var total int64
	for _, mb := range all {
		if opts.Include == nil || opts.Include(mb) {
			mbs = append(mbs, mb)
			if mb.Bytes > 0 {
				total += mb.Bytes
			}
		}
	}
	caps := w.Capabilities()
	if caps.OneMailbox {
		if mbs, err = oneMailbox(ctx, r, mbs, rep); err != nil {
			return err
		}
	}
	plan := mailconv.PlanNames(mbs, caps)
	for _, ch := range plan.Changes {
		ev := mailconv.Event{Kind: mailconv.EventRename, Code: "names.changed", Mailbox: ch.Source,
			Detail: fmt.Sprintf("%s -> %s (%s)", ch.Source, ch.Destination, joinReasons(ch.Reasons))}
		if ch.SameNameAs != "" {
			ev.Code = "names.duplicate"
		}
		rep.Add(ev)
	}
	prior := 0 // messages earlier runs recorded
	if j := opts.Journal; j != nil {
		prior = j.Messages()
		if err := j.startRun(rep.Source, rep.Destination, caps); err != nil {
			return err
		}
		if opts.Dedup != DedupNone {
			if err := j.loadDedupIndex(); err != nil {
				return err
			}
		}
	}

	// A Placer may name mailboxes depending on the order it sees them in
	// (the first mailbox with a role takes the server's special-use
	// mailbox): it sees the whole plan, in order, whether or not this run
	// converts each mailbox (a resumed run skips finished ones).
	if p, ok := w.(mailconv.Placer); ok {
		for _, dmb := range plan.Mailboxes {
			p.Place(dmb)
		}
	}

	// Destination folders that are not the target of any source mailbox
	// (implicit parents, NoSelect halves of split mailboxes).
	bySrc := make(map[string]*mailconv.Mailbox, len(mbs))
	for _, mb := range mbs {
		bySrc[pathKey(plan.DestOf(mb))] = mb
	}

	c := &converter{ctx: ctx, r: r, w: w, caps: caps, rep: rep, opts: opts, files: sourceFileKeys(mbs),
		prog: Progress{MailboxesTotal: len(mbs), TotalBytes: total}}
	defer c.close()
	mailboxes := plan.Mailboxes
	if n := c.connections(mailboxes); n > 1 {
		if err := c.parallel(mailboxes, bySrc, n); err != nil {
			return err
		}
		mailboxes = nil // all converted
	}
	for _, dmb := range mailboxes {
		if err := c.stopped(); err != nil {
			return err
		}
		if err := c.entry(dmb, bySrc[pathKey(dmb.Path)]); err != nil {
			return err
		}
	}
	t := rep.Totals
	if j := opts.Journal; j != nil {
		if err := j.write(&journalRecord{Type: recDone, Time: time.Now().UTC()}, true); err != nil {
			return err
		}
		rep.update(func() {
			// only when an earlier run did the work: a source without
			// mail is not "nothing to do"
			rep.NothingToDo = t.MessagesWritten == 0 && t.Skips == 0 && t.MessagesUpdated == 0 && t.MessagesRead == t.MessagesUnchanged &&
				(t.MessagesRead > 0 || prior > 0)
		})
	}
	return nil
}

// entry converts one destination mailbox of the plan: src is the source
// mailbox that goes there, nil for a folder no source mailbox fills (an
// implicit parent, the NoSelect half of a split mailbox), which is only
// created.
func (c *converter) entry(dmb, src *mailconv.Mailbox) error {
	rep := c.rep
	if src == nil || dmb.NoSelect {
		mw, err := c.w.CreateMailbox(c.ctx, dmb)
		if err != nil {
			return fmt.Errorf("creating folder %s: %w", dmb.Path, err)
		}
		if mw != nil {
			if err := mw.Close(); err != nil {
				return fmt.Errorf("creating folder %s: %w", dmb.Path, err)
			}
		}
		rep.update(func() { rep.Totals.MailboxesWritten++ })
		if src == nil || src.NoSelect {
			if src != nil {
				mr := rep.mailbox(src.Path, src.Source)
				mr.Destination = dmb.Path
				rep.update(func() { rep.Totals.MailboxesRead++ })
				c.mailboxDone()
			}
			return nil
		}
	}
	if err := c.mailbox(src, dmb); err != nil {
		return err
	}
	c.mailboxDone()
	return nil
}

// sourceFileKeys returns, for every selectable source mailbox whose name
// another one of mbs shares, its source file (or, without one, its place in
// the list): the journal keys such a mailbox on it, not on the name alone,
// so that each file is resumed as itself.
func sourceFileKeys(mbs []*mailconv.Mailbox) map[*mailconv.Mailbox]string {
	twins := mailconv.SameNames(mbs)
	if len(twins) == 0 {
		return nil
	}
	shared := map[*mailconv.Mailbox]bool{}
	for mb, first := range twins {
		shared[mb], shared[first] = true, true
	}
	out := make(map[*mailconv.Mailbox]string, len(shared))
	for i, mb := range mbs {
		if !shared[mb] {
			continue
		}
		switch {
		case mb.Source != "" && utf8.ValidString(mb.Source):
			out[mb] = mb.Source
		case mb.Source != "":
			out[mb] = strconv.Quote(mb.Source) // a JSON string holds UTF-8 only
		default:
			out[mb] = "#" + strconv.Itoa(i)
		}
	}
	return out
}

func joinReasons(rs []string) string {
	s := ""
	for i, r := range rs {
		if i > 0 {
			s += "; "
		}
		s += r
	}
	return s
}

// converter carries the state of one Convert call.
type converter struct {
	ctx  context.Context
	r    mailconv.Reader
	w    mailconv.Writer
	caps mailconv.Capabilities
	rep  *Report
	opts ConvertOptions
	prog Progress
	sp   *spool
	dg   *digester
	hp   *hashPipe
	body countingReader
	teed hashTee

	// files: the journal key of the source mailboxes whose name another
	// one shares (their source file; see sourceFileKeys)
	files map[*mailconv.Mailbox]string
	// par is set on the converters of the workers of a run with several
	// connections (see parallel.go); nil on the sequential path.
	par *worker
}

func (c *converter) close() {
	if c.sp != nil {
		c.sp.close()
	}
	if c.hp != nil {
		c.hp.close()
	}
}

func (c *converter) fingerprint(mb *mailconv.Mailbox) string {
	if f, ok := c.r.(mailconv.Fingerprinter); ok {
		fp, err := f.Fingerprint(mb)
		if err != nil {
			return ""
		}
		return fp
	}
	if mb.Source == "" {
		return ""
	}
	return mailconv.StatFingerprint(mb.Source)
}

// mailbox converts the messages of src into dst. A mailbox the journal
// records as finished and unchanged is not opened at all. Otherwise its
// messages are read in one of two modes (see beginMailbox): spooled, when
// Convert must decide per message whether to write it, or streamed. Every
// Close error of the mailbox's writer is returned, with the error that
// ended the mailbox if there is one; the journal records the mailbox
// finished only after its writer closed without error.
func (c *converter) mailbox(src, dst *mailconv.Mailbox) (err error) {
	b, err := c.beginMailbox(src, dst)
	if c.par != nil {
		c.par.began() // dst exists: its children may be dispatched
	}
	if err != nil || b == nil {
		return err
	}
	defer func() { err = b.close(err) }()
	if b.spooled {
		err = b.convertSpooled()
	} else {
		err = b.convertStreamed()
	}
	if err != nil {
		return err
	}
	return b.complete()
}

// mailboxRun is the state of one source mailbox being converted.
type mailboxRun struct {
	c        *converter
	src, dst *mailconv.Mailbox
	mrep     *MailboxReport
	fp       string         // the mailbox's fingerprint, for the journal
	st       *mailboxState  // what the journal knows of it (nil without journal or dedup)
	states   *messageStates // recorded flags, for state updates
	// spooled: each message is held in the spool until Convert decides
	// whether to write it (see beginMailbox)
	spooled bool
	mr      mailconv.MailboxReader
	ra      *readAhead             // streamed mode with ConvertOptions.ReadAhead
	mw      mailconv.MailboxWriter // nil once closed
	holder  mailconv.Holder
	// resumption by ID (spooled mode): messages recorded under a stable
	// ID are passed over unread
	idsk mailconv.IDSkipper
	ids  *bagView
	// pipeErr is the first error among the outcomes of a pipelined writer.
	pipeErr error
}

// beginMailbox prepares the conversion of src into dst: it returns nil
// when the journal records the mailbox as finished and unchanged, else the
// run with the source mailbox open for reading and dst for writing.
//
// The run is spooled when something can make Convert pass over a message:
// messages the journal records, or dedup against what the destination
// holds. Otherwise messages stream from the reader to the writer.
func (c *converter) beginMailbox(src, dst *mailconv.Mailbox) (*mailboxRun, error) {
	ctx, rep, j := c.ctx, c.rep, c.opts.Journal
	b := &mailboxRun{c: c, src: src, dst: dst, mrep: rep.mailbox(src.Path, src.Source)}
	b.mrep.Destination = dst.Path
	rep.update(func() { rep.Totals.MailboxesRead++ })

	b.fp = c.fingerprint(src)
	if b.fp != "" {
		b.fp += c.rangeKey()
	}
	if j != nil {
		sf := c.files[src]
		if n, ok := j.unchanged(rep.Source, src.Path, sf, b.fp); ok {
			mrep := b.mrep
			rep.update(func() {
				mrep.Unchanged = n
				mrep.Read = n
				rep.Totals.MessagesRead += n
				rep.Totals.MessagesUnchanged += n
			})
			return nil, nil
		}
		var err error
		if b.st, err = j.beginMailbox(rep.Source, src.Path, sf, dst.Path, isSingleFile(c.w)); err != nil {
			return nil, err
		}
		if b.st.known != nil && b.st.known.len() > 0 {
			if b.states, err = j.recordedStates(b.st.key); err != nil {
				return nil, err
			}
		}
	}

	var err error
	if b.mr, err = c.r.Open(ctx, src); err != nil {
		return nil, fmt.Errorf("opening %s: %w", src.Path, err)
	}
	if rw, ok := c.w.(mailconv.ResumeWriter); ok && b.st != nil && b.st.reopen {
		b.mw, err = rw.ResumeMailbox(ctx, dst, b.st.cp)
	} else {
		b.mw, err = c.w.CreateMailbox(ctx, dst)
	}
	if err != nil {
		b.mw = nil // whatever came with the error is not a writer to close
		return nil, b.close(fmt.Errorf("creating %s: %w", dst.Path, err))
	}
	rep.update(func() { rep.Totals.MailboxesWritten++ })
	if b.mw == nil {
		return nil, b.close(fmt.Errorf("creating %s: writer returned no mailbox writer for a mailbox with messages", dst.Path))
	}
	b.holder, _ = b.mw.(mailconv.Holder)
	c.prog.Mailbox = src.Path
	if c.dg == nil {
		c.dg = newDigester()
	}
	st := b.st
	b.spooled = st != nil && ((st.known != nil && st.known.len() > 0) || st.resumed ||
		(c.opts.Dedup != DedupNone && (st.dest.len() > 0 || len(st.mids) > 0)))
	if c.opts.Dedup != DedupNone && st == nil {
		b.st = &mailboxState{} // dedup within this run only
		b.spooled = true
	}
	if b.spooled && c.sp == nil {
		lim := c.opts.SpoolMemory
		if lim <= 0 {
			lim = DefaultSpoolMemory
		}
		c.sp = &spool{dir: c.opts.SpoolDir, limit: lim, d: c.dg}
	}
	return b, nil
}

// messageSource yields the messages of a mailbox: its reader, or the
// reader read ahead.
type messageSource interface {
	Next() (*mailconv.Message, error)
	io.Reader
}

// convertStreamed converts the mailbox's messages one after the other,
// each hashed for the journal on its way to the writer.
func (b *mailboxRun) convertStreamed() error {
	c := b.c
	var msgs messageSource = b.mr
	if c.opts.ReadAhead {
		b.ra = newReadAhead(b.mr)
		msgs = b.ra
	}
	for {
		m, err := b.next(msgs)
		if m == nil || err != nil {
			return err
		}
		if c.hp == nil {
			c.hp = newHashPipe()
		}
		c.teed = hashTee{r: msgs, p: c.hp}
		if err := b.write(m, &c.teed, false, digest{}, 0, ""); err != nil {
			return err
		}
	}
}

// convertSpooled converts the mailbox's messages, each read into the
// spool first so that Convert can pass over those the journal records or
// the destination already holds.
func (b *mailboxRun) convertSpooled() error {
	c, rep, mrep := b.c, b.c.rep, b.mrep
	if err := b.idsFromJournal(); err != nil {
		return err
	}
	for {
		m, err := b.next(b.mr)
		if m == nil || err != nil {
			return err
		}
		if err := c.sp.fill(c.ctx, b.mr); err != nil {
			return fmt.Errorf("reading message %s of %s: %w", m.Source, b.src.Path, err)
		}
		d, size, mid := c.dg.sum(), c.sp.size, c.dg.messageID()
		rep.update(func() {
			mrep.Bytes += size
			rep.Totals.BytesRead += size
		})
		skip, err := c.alreadyThere(b.st, b.states, b.holder, b.mw, m, d, size, mid, mrep)
		if err != nil {
			return err
		}
		if skip {
			c.progress(size)
			continue
		}
		if err := b.write(m, c.sp.reader(), true, d, size, mid); err != nil {
			return err
		}
	}
}

// idsFromJournal sets up resumption by ID when the reader can pass over
// messages by ID and the journal records messages of the mailbox.
func (b *mailboxRun) idsFromJournal() error {
	sk, ok := b.mr.(mailconv.IDSkipper)
	j := b.c.opts.Journal
	if !ok || j == nil || b.st.known == nil || b.st.known.len() == 0 {
		return nil
	}
	ids, err := j.recordedIDs(b.st.key)
	if err != nil || ids == nil {
		return err
	}
	b.idsk, b.ids = sk, ids
	// The IDs decide alone: a message under a new ID is new, even when
	// its bytes equal those of a recorded message the source no longer
	// holds.
	b.st.known = nil
	return nil
}

// next returns the next message of msgs to convert, counting what it
// reads, or nil at the end of the mailbox. Messages outside the date
// range, and in spooled mode messages recorded under their ID, are
// counted and passed over.
func (b *mailboxRun) next(msgs messageSource) (*mailconv.Message, error) {
	c, rep, mrep := b.c, b.c.rep, b.mrep
	for {
		if err := c.stopped(); err != nil {
			return nil, err
		}
		if b.idsk != nil {
			skipped, err := b.skipByID()
			if err != nil {
				return nil, err
			}
			if skipped {
				continue
			}
		}
		m, err := msgs.Next()
		if err == io.EOF {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", b.src.Path, err)
		}
		rep.update(func() {
			mrep.Read++
			rep.Totals.MessagesRead++
		})
		if c.inRange(m) {
			return m, nil
		}
		rep.update(func() {
			mrep.OutOfRange++
			rep.Totals.MessagesOutOfRange++
		})
		c.progress(0)
	}
}

// skipByID passes over the next message when the journal records its ID
// (updating its state in the destination when it changed), and tells
// whether it did.
func (b *mailboxRun) skipByID() (bool, error) {
	c, rep, mrep := b.c, b.c.rep, b.mrep
	id, err := b.idsk.PeekID()
	if err != nil && err != io.EOF {
		return false, fmt.Errorf("reading %s: %w", b.src.Path, err)
	}
	if err != nil || !b.ids.take(idDigest(id)) {
		return false, nil
	}
	if sp, ok := b.idsk.(mailconv.StatePeeker); ok {
		if f, ok := sp.PeekFlags(); ok {
			if err := c.updateState(b.mw, b.st, b.states.takeID(id), f, b.src.Path, nil); err != nil {
				return false, err
			}
		}
	}
	if err := b.idsk.Skip(); err != nil {
		return false, fmt.Errorf("reading %s: %w", b.src.Path, err)
	}
	rep.update(func() {
		mrep.Read++
		mrep.Unchanged++
		rep.Totals.MessagesRead++
		rep.Totals.MessagesUnchanged++
	})
	c.progress(0)
	return true, nil
}

// write hands m, its octets read from body, to the writer and records
// what became of it: at once, or when a pipelined writer has the outcome.
// Spooled, d, size and mid describe the message already; streamed, the
// hash pipe gives them once the octets went through.
func (b *mailboxRun) write(m *mailconv.Message, body io.Reader, spooled bool, d digest, size int64, mid string) error {
	c, rep, mrep := b.c, b.c.rep, b.mrep
	reportLosses(rep, c.caps, b.src.Path, m)
	c.body = countingReader{ctx: c.ctx, r: body}
	pl, pipelined := b.mw.(mailconv.Pipeliner)
	sent := &sentMessage{m: m}
	var werr error
	if pipelined {
		// The reader may reuse m at its next Next (Reader's contract),
		// while this message's outcome, and the writer's own record of
		// it, come later: both get a copy of their own.
		sent.m = cloneMessage(m)
		werr = pl.Submit(c.ctx, sent.m, &c.body, func(o mailconv.Outcome) {
			if err := b.settle(o.Err, o.Ref, o.Existed, sent); err != nil && b.pipeErr == nil {
				b.pipeErr = err
			}
		})
	} else {
		werr = b.mw.WriteMessage(c.ctx, m, &c.body)
	}
	n := c.body.n
	if !spooled {
		d, size, mid = c.hp.sum()
		rep.update(func() {
			mrep.Bytes += n
			rep.Totals.BytesRead += n
		})
	}
	sent.d, sent.size, sent.n, sent.mid = d, size, n, mid
	switch {
	case pipelined && werr != nil:
		return fmt.Errorf("writing message %s of %s into %s: %w", m.Source, b.src.Path, b.dst.Path, werr)
	case pipelined:
		if b.pipeErr != nil {
			return b.pipeErr
		}
	default:
		existed := false
		if er, ok := b.mw.(mailconv.ExistReporter); ok {
			existed = er.LastExisted()
		}
		if err := b.settle(werr, lastRef(b.mw), existed, sent); err != nil {
			return err
		}
	}
	c.progress(size)
	return nil
}

// settle records what became of one message once the writer knows:
// counts, dedup state, the journal record, or a skip. werr is what the
// writer returned for it.
func (b *mailboxRun) settle(werr error, ref string, existed bool, sm *sentMessage) error {
	c, rep, mrep, st, j := b.c, b.c.rep, b.mrep, b.st, b.c.opts.Journal
	m, d, size, n, mid := sm.m, sm.d, sm.size, sm.n, sm.mid
	var skip *mailconv.SkipError
	switch {
	case werr == nil:
		if existed {
			rep.update(func() {
				mrep.Unchanged++
				rep.Totals.MessagesUnchanged++
			})
		} else {
			rep.update(func() {
				mrep.Written++
				rep.Totals.MessagesWritten++
				rep.Totals.BytesWritten += n
			})
		}
		if st != nil && c.opts.Dedup != DedupNone {
			// what this run wrote, for dedup only (memory that grows
			// with the message count is not spent otherwise)
			if st.added == nil {
				st.added = map[digest]int{}
			}
			st.added[d]++
			if mid != "" {
				if st.mids == nil {
					st.mids = idSet{}
				}
				st.mids.add(mid)
			}
		}
		if j != nil {
			rec := &journalRecord{Type: recMessage, Src: st.src, Mb: b.src.Path, SF: st.sf, Dst: b.dst.Path, ID: m.ID, D: d,
				Size: size, MID: mid, Ref: ref, CP: checkpoint(b.mw), F: flagsText(m.Flags)}
			if err := j.write(rec, true); err != nil {
				return err
			}
		}
	case errors.As(werr, &skip):
		loc := m.Source
		rep.Add(mailconv.Event{Kind: mailconv.EventSkip, Code: skip.Code, Mailbox: b.src.Path, Message: m.ID, Location: &loc, Detail: skip.Reason})
		rep.update(func() { mrep.Skipped++ })
	default:
		return fmt.Errorf("writing message %s of %s into %s: %w", m.Source, b.src.Path, b.dst.Path, werr)
	}
	return nil
}

// complete finishes a mailbox whose messages were all read: it waits for
// the outcomes of a pipelined writer, closes the writer, and only then
// records the mailbox as finished in the journal (a writer that could not
// close its mailbox leaves it to be read again by the next run).
func (b *mailboxRun) complete() error {
	c, rep, mrep, j := b.c, b.c.rep, b.mrep, b.c.opts.Journal
	if pl, ok := b.mw.(mailconv.Pipeliner); ok {
		err := pl.Drain(c.ctx)
		if err == nil {
			err = b.pipeErr
		}
		if err != nil {
			return err
		}
	}
	if b.ra != nil {
		b.ra.close()
	}
	if d, ok := b.mr.(mailconv.Detailer); ok {
		det := d.Details()
		rep.update(func() { mrep.Details = det })
	}
	mw := b.mw
	b.mw = nil
	if err := mw.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", b.dst.Path, err)
	}
	if j != nil && mrep.Skipped == 0 {
		if err := j.write(&journalRecord{Type: recMailboxDone, Src: b.st.src, Mb: b.src.Path, SF: b.st.sf, FP: b.fp, Count: mrep.Read}, true); err != nil {
			return err
		}
	}
	return nil
}

// close releases what the run still holds, whatever ended it, and returns
// err with the writer's Close error added: a destination mailbox that
// could not be finished (a full disk at the last flush) is never passed
// over in silence. A failure to close the source mailbox lost nothing
// (its messages were read): it is reported as a warning.
func (b *mailboxRun) close(err error) error {
	if b.ra != nil {
		b.ra.close()
	}
	if b.mw != nil {
		if cerr := b.mw.Close(); cerr != nil {
			if err == nil {
				err = fmt.Errorf("closing %s: %w", b.dst.Path, cerr)
			} else {
				err = fmt.Errorf("%w (and closing %s: %w)", err, b.dst.Path, cerr)
			}
		}
		b.mw = nil
	}
	if b.mr != nil {
		if cerr := b.mr.Close(); cerr != nil {
			b.c.rep.Add(mailconv.Event{Kind: mailconv.EventWarning, Code: "source.close-failed", Mailbox: b.src.Path,
				Detail: fmt.Sprintf("closing the source mailbox: %v", cerr)})
		}
		b.mr = nil
	}
	return err
}

func (c *converter) progress(size int64) {
	if c.par != nil {
		c.par.progress(c.prog.Mailbox, size)
		return
	}
	c.prog.Messages++
	c.prog.Bytes += size
	if c.opts.Progress != nil {
		c.opts.Progress(c.prog)
	}
}

// mailboxDone counts a source mailbox finished, for Progress.
func (c *converter) mailboxDone() {
	if c.par != nil {
		c.par.mailboxDone()
		return
	}
	c.prog.MailboxesDone++
}

// alreadyThere decides whether a spooled message is skipped: recorded by an
// earlier run, held by the destination (the crash window), or a duplicate
// under the dedup policy.
func (c *converter) alreadyThere(st *mailboxState, states *messageStates, holder mailconv.Holder, mw mailconv.MailboxWriter, m *mailconv.Message, d digest, size int64, mid string, mrep *MailboxReport) (bool, error) {
	rep, j := c.rep, c.opts.Journal
	unchanged := func() {
		rep.update(func() {
			mrep.Unchanged++
			rep.Totals.MessagesUnchanged++
		})
	}
	if st.known != nil && st.known.take(d) {
		unchanged()
		return true, c.updateState(mw, st, states.takeDigest(d), m.Flags, st.mb, m)
	}
	if holder != nil && st.resumed {
		held, err := holder.Holds(c.ctx, m, d.String(), size, mid)
		if err != nil {
			return false, fmt.Errorf("checking %s for %s: %w", st.dst, m.Source, err)
		}
		if held {
			if j != nil {
				if err := j.write(&journalRecord{Type: recMessage, Src: st.src, Mb: st.mb, SF: st.sf, Dst: st.dst, ID: m.ID, D: d,
					Size: size, MID: mid, CP: checkpoint(mw)}, true); err != nil {
					return false, err
				}
			}
			unchanged()
			return true, nil
		}
	}
	dup := ""
	switch c.opts.Dedup {
	case DedupContent:
		if st.dest.has(d) || st.added[d] > 0 {
			dup = "content"
		}
	case DedupMessageID:
		if mid != "" && st.mids != nil && st.mids.has(mid) {
			dup = "message-id"
		}
	}
	if dup == "" {
		return false, nil
	}
	loc := m.Source
	rep.Add(mailconv.Event{Kind: mailconv.EventInfo, Code: "dedup." + dup, Mailbox: st.mb, Message: m.ID, Location: &loc,
		Detail: fmt.Sprintf("not written: %s already holds it (same %s; Message-ID %s)", st.dst, dup, mid)})
	rep.update(func() { rep.Totals.MessagesMerged++ })
	if j != nil {
		if err := j.write(&journalRecord{Type: recMessage, Src: st.src, Mb: st.mb, SF: st.sf, Dst: st.dst, ID: m.ID, D: d,
			Size: size, MID: mid, Dup: dup}, true); err != nil {
			return false, err
		}
	}
	return true, nil
}

// reportLosses records the metadata of m that the destination cannot hold.
func reportLosses(rep *Report, caps mailconv.Capabilities, mb mailconv.Path, m *mailconv.Message) {
	lost := m.Flags &^ caps.Flags &^ mailconv.FlagNew
	if lost != 0 {
		loc := m.Source
		rep.Add(mailconv.Event{Kind: mailconv.EventLoss, Code: "flags.unsupported", Mailbox: mb, Message: m.ID, Location: &loc,
			Detail: "destination cannot store " + lost.String()})
	}
	if !caps.Keywords && len(m.Keywords) > 0 {
		loc := m.Source
		rep.Add(mailconv.Event{Kind: mailconv.EventLoss, Code: "keywords.unsupported", Mailbox: mb, Message: m.ID, Location: &loc,
			Detail: fmt.Sprintf("destination cannot store keywords %v", m.Keywords)})
	}
	if !caps.Dates && !m.Date.IsZero() {
		loc := m.Source
		rep.Add(mailconv.Event{Kind: mailconv.EventLoss, Code: "date.unsupported", Mailbox: mb, Message: m.ID, Location: &loc,
			Detail: "destination cannot store the received date " + m.Date.UTC().Format(time.RFC3339)})
	}
}

// countingReader counts bytes and stops on context cancellation.
type countingReader struct {
	ctx context.Context
	r   io.Reader
	n   int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func isSingleFile(v any) bool {
	s, ok := v.(mailconv.SingleFiler)
	return ok && s.SingleFile()
}

// sentMessage is what Convert knows of a message handed to the writer,
// for the outcome.
type sentMessage struct {
	m       *mailconv.Message
	d       digest
	size, n int64
	mid     string
}
