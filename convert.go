package mailconv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// Progress is handed to ConvertOptions.Progress after every message.
type Progress struct {
	Mailbox        Path  // source mailbox being converted
	MailboxesDone  int   // mailboxes finished
	MailboxesTotal int   // mailboxes in the plan
	Messages       int   // messages read so far
	Bytes          int64 // message bytes read so far
	TotalBytes     int64 // sum of the known mailbox sizes (an estimate), 0 if unknown
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
	Include func(*Mailbox) bool
}

// SkipError is returned by a MailboxWriter for a message it refuses but
// that does not stop the conversion (a message over the destination's size
// limit). Convert records it as a skip and goes on.
type SkipError struct {
	Code   string // stable reason, e.g. "imap.too-big"
	Reason string
}

// Error returns the reason.
func (e *SkipError) Error() string { return e.Reason }

// Convert copies every mailbox and message of r into w, one message at a
// time, and returns what happened. Mailbox names are mapped with PlanNames
// against w's Capabilities; metadata w cannot hold is recorded as losses.
//
// Convert returns an error when the conversion could not be completed (a
// read or write failure, a cancelled context); the report then tells how far
// it got. Skips and losses are not errors: check Report.Clean.
func Convert(ctx context.Context, r Reader, w Writer, opts ConvertOptions) (*Report, error) {
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

func convert(ctx context.Context, r Reader, w Writer, opts ConvertOptions, rep *Report) error {
	all, err := r.Mailboxes(ctx)
	if err != nil {
		return fmt.Errorf("listing mailboxes: %w", err)
	}
	var mbs []*Mailbox
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
	plan := PlanNames(mbs, caps)
	for _, ch := range plan.Changes {
		rep.Add(Event{Kind: EventRename, Code: "names.changed", Mailbox: ch.Source,
			Detail: fmt.Sprintf("%s -> %s (%s)", ch.Source, ch.Destination, joinReasons(ch.Reasons))})
	}

	// Destination folders that are not the target of any source mailbox
	// (implicit parents, NoSelect halves of split mailboxes).
	bySrc := make(map[string]*Mailbox, len(mbs))
	for _, mb := range mbs {
		bySrc[pathKey(plan.Dest(mb.Path))] = mb
	}

	prog := Progress{MailboxesTotal: len(mbs), TotalBytes: total}
	for _, dmb := range plan.Mailboxes {
		if err := ctx.Err(); err != nil {
			return err
		}
		src := bySrc[pathKey(dmb.Path)]
		if src == nil || dmb.NoSelect {
			mw, err := w.CreateMailbox(ctx, dmb)
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
					prog.MailboxesDone++
				}
				continue
			}
		}
		if err := convertMailbox(ctx, r, w, src, dmb, caps, rep, opts.Progress, &prog); err != nil {
			return err
		}
		prog.MailboxesDone++
	}
	return nil
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

func convertMailbox(ctx context.Context, r Reader, w Writer, src, dst *Mailbox, caps Capabilities,
	rep *Report, progress func(Progress), prog *Progress) error {
	mrep := rep.mailbox(src.Path, src.Source)
	mrep.Destination = dst.Path
	rep.update(func() { rep.Totals.MailboxesRead++ })

	mr, err := r.Open(ctx, src)
	if err != nil {
		return fmt.Errorf("opening %s: %w", src.Path, err)
	}
	defer mr.Close()
	mw, err := w.CreateMailbox(ctx, dst)
	if err != nil {
		return fmt.Errorf("creating %s: %w", dst.Path, err)
	}
	rep.update(func() { rep.Totals.MailboxesWritten++ })
	if mw == nil {
		return fmt.Errorf("creating %s: writer returned no mailbox writer for a mailbox with messages", dst.Path)
	}
	prog.Mailbox = src.Path
	body := &countingReader{ctx: ctx, r: mr}
	for {
		if err := ctx.Err(); err != nil {
			mw.Close()
			return err
		}
		m, err := mr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			mw.Close()
			return fmt.Errorf("reading %s: %w", src.Path, err)
		}
		rep.update(func() {
			mrep.Read++
			rep.Totals.MessagesRead++
		})
		reportLosses(rep, caps, src.Path, m)
		body.n = 0
		werr := mw.WriteMessage(ctx, m, body)
		rep.update(func() {
			mrep.Bytes += body.n
			rep.Totals.BytesRead += body.n
		})
		var skip *SkipError
		switch {
		case werr == nil:
			rep.update(func() {
				mrep.Written++
				rep.Totals.MessagesWritten++
				rep.Totals.BytesWritten += body.n
			})
		case errors.As(werr, &skip):
			loc := m.Source
			rep.Add(Event{Kind: EventSkip, Code: skip.Code, Mailbox: src.Path, Message: m.ID, Location: &loc, Detail: skip.Reason})
			rep.update(func() { mrep.Skipped++ })
		default:
			mw.Close()
			return fmt.Errorf("writing message %s of %s into %s: %w", m.Source, src.Path, dst.Path, werr)
		}
		prog.Messages++
		prog.Bytes += body.n
		if progress != nil {
			progress(*prog)
		}
	}
	if d, ok := mr.(interface{ Details() any }); ok {
		det := d.Details()
		rep.update(func() { mrep.Details = det })
	}
	if err := mw.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", dst.Path, err)
	}
	return nil
}

// reportLosses records the metadata of m that the destination cannot hold.
func reportLosses(rep *Report, caps Capabilities, mb Path, m *Message) {
	lost := m.Flags &^ caps.Flags &^ FlagNew
	if lost != 0 {
		loc := m.Source
		rep.Add(Event{Kind: EventLoss, Code: "flags.unsupported", Mailbox: mb, Message: m.ID, Location: &loc,
			Detail: "destination cannot store " + lost.String()})
	}
	if !caps.Keywords && len(m.Keywords) > 0 {
		loc := m.Source
		rep.Add(Event{Kind: EventLoss, Code: "keywords.unsupported", Mailbox: mb, Message: m.ID, Location: &loc,
			Detail: fmt.Sprintf("destination cannot store keywords %v", m.Keywords)})
	}
	if !caps.Dates && !m.Date.IsZero() {
		loc := m.Source
		rep.Add(Event{Kind: EventLoss, Code: "date.unsupported", Mailbox: mb, Message: m.ID, Location: &loc,
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
