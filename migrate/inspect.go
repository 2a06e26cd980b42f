package migrate

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"net/textproto"
	"time"

	"github.com/mailconv/mailconv"
)

// Inventory describes a store: its mailboxes, their messages, sizes, dates
// and states, and everything its reader reported while reading it.
type Inventory struct {
	Format    string              `json:"format"`
	Path      string              `json:"path"`
	Mailboxes []*MailboxInventory `json:"mailboxes"`
	Totals    InventoryTotals     `json:"totals"`
	// Names lists every mailbox whose name is a hazard for a migration
	// (and, with a target, the name it will get there).
	Names []mailconv.NameHazard `json:"names,omitempty"`
	// Mixed lists mailboxes holding both messages and sub-mailboxes.
	Mixed []mailconv.Path `json:"mixed,omitempty"`
	// DuplicateMessageIDs counts messages whose Message-ID another message
	// of the store already has; Duplicates gives examples.
	DuplicateMessageIDs int                `json:"duplicate_message_ids"`
	Duplicates          []DuplicateMessage `json:"duplicate_examples,omitempty"`
	// Unparsable counts messages whose header cannot be parsed (each is
	// also an event "inspect.unparsable").
	Unparsable int `json:"unparsable_messages"`
	// Attachments is the audit of detached attachment files, for stores
	// that keep them apart (Eudora).
	Attachments *mailconv.AttachmentAudit `json:"attachments,omitempty"`
	// Target is the plan for the destination given with InspectOptions.
	Target *TargetPlan `json:"target,omitempty"`
	// Events holds the reader's skips, warnings and notes.
	Events *Report `json:"events"`
}

// DuplicateMessage lists the places of one Message-ID found more than once.
type DuplicateMessage struct {
	MessageID string   `json:"message_id"`
	Locations []string `json:"locations"`
}

// TargetPlan is what a conversion into a given destination would do.
type TargetPlan struct {
	Endpoint Endpoint `json:"endpoint"`
	// Renames lists every mailbox whose name changes.
	Renames []mailconv.NameChange `json:"renames,omitempty"`
	// EstimatedBytes is the expected size of the output.
	EstimatedBytes int64 `json:"estimated_bytes"`
	// FreeBytes is the space available where the destination would be
	// written, -1 when unknown; Fits compares the two.
	FreeBytes int64 `json:"free_bytes"`
	Fits      *bool `json:"fits,omitempty"`
	// Mailboxes lists, when the destination names mailboxes its own way
	// (InspectOptions.Placer), every mailbox the conversion will create,
	// in order, with the name it gets there.
	Mailboxes []PlacedMailbox `json:"mailboxes,omitempty"`
}

// PlacedMailbox is a mailbox of a TargetPlan: its path after name planning,
// the name the destination gives it, and why that name is not the path.
type PlacedMailbox struct {
	Path   mailconv.Path `json:"path"`
	Name   string        `json:"name"`
	Reason string        `json:"reason,omitempty"`
	// Folder is set for a mailbox created only to hold others.
	Folder bool `json:"folder,omitempty"`
}

// InspectOptions tune Inspect.
type InspectOptions struct {
	// Report receives the reader's events (pass the one whose Add is the
	// reader's Options.Events). Nil allocates one.
	Report *Report
	// Target, if set, plans the names for that destination.
	Target *Endpoint
	// TargetCapabilities are the destination's capabilities (from
	// Format.Capabilities).
	TargetCapabilities *mailconv.Capabilities
	// FreeBytes is the free space at the target, -1 if unknown.
	FreeBytes int64
	// Placer, if set, names each planned mailbox as the destination will
	// (from Format.Plan); the names go to TargetPlan.Mailboxes.
	Placer mailconv.Placer
}

// maxDuplicateExamples bounds Inventory.Duplicates.
const maxDuplicateExamples = 50

// InventoryTotals sums the mailboxes of an Inventory.
type InventoryTotals struct {
	Mailboxes int   `json:"mailboxes"`
	Messages  int   `json:"messages"`
	Bytes     int64 `json:"bytes"`
}

// MailboxInventory describes one mailbox.
type MailboxInventory struct {
	Path     mailconv.Path `json:"path"`
	Role     mailconv.Role `json:"role,omitempty"`
	NoSelect bool          `json:"noselect,omitempty"`
	Source   string        `json:"source"`
	Messages int           `json:"messages"`
	Bytes    int64         `json:"bytes"`
	Oldest   time.Time     `json:"oldest,omitzero"`
	Newest   time.Time     `json:"newest,omitzero"`
	// Flags counts messages per flag name (\Seen, \Answered, …, $New).
	Flags map[string]int `json:"flags"`
	// Keywords counts messages per keyword.
	Keywords map[string]int `json:"keywords,omitempty"`
	// Children tells whether the mailbox has sub-mailboxes.
	Children bool `json:"has_children,omitempty"`
	// Details is what the reader reports about the mailbox (mbox variant,
	// Eudora TOC use).
	Details any `json:"details,omitempty"`
}

// Inspect reads every message of r (octets included, so that sizes are
// exact) and returns an inventory: per mailbox the counts, sizes, date range
// and states; the names that are hazards for a migration (and what they
// become in the target, if one is given); mixed mailboxes; duplicate
// Message-IDs; messages whose header cannot be parsed; the attachment audit
// of stores that keep attachments apart; and the output size estimate.
func Inspect(ctx context.Context, r mailconv.Reader, opts InspectOptions) (*Inventory, error) {
	rep := opts.Report
	if rep == nil {
		rep = &Report{}
	}
	inv := &Inventory{Events: rep, Mailboxes: []*MailboxInventory{}}
	seenIDs := map[uint64]string{} // Message-ID hash -> first location
	dupIdx := map[uint64]int{}     // -> index in inv.Duplicates
	var estimate int64
	tformat := ""
	if opts.Target != nil {
		tformat = opts.Target.Format
	}
	mbs, err := r.Mailboxes(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing mailboxes: %w", err)
	}
	parents := map[string]bool{}
	for _, mb := range mbs {
		for p := mb.Path.Parent(); len(p) > 0; p = p.Parent() {
			parents[pathKey(p)] = true
		}
	}
	buf := make([]byte, 64<<10)
	head := make([]byte, 0, maxHeadBytes)
	for _, mb := range mbs {
		mi := &MailboxInventory{Path: mb.Path, Role: mb.Role, NoSelect: mb.NoSelect, Source: mb.Source,
			Flags: map[string]int{}, Children: parents[pathKey(mb.Path)]}
		inv.Mailboxes = append(inv.Mailboxes, mi)
		inv.Totals.Mailboxes++
		if mb.NoSelect {
			continue
		}
		mr, err := r.Open(ctx, mb)
		if err != nil {
			return inv, fmt.Errorf("opening %s: %w", mb.Path, err)
		}
		for {
			if err := ctx.Err(); err != nil {
				mr.Close()
				return inv, err
			}
			m, err := mr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				mr.Close()
				return inv, fmt.Errorf("reading %s: %w", mb.Path, err)
			}
			var n int64
			head = head[:0]
			for {
				k, err := mr.Read(buf)
				n += int64(k)
				if room := maxHeadBytes - len(head); room > 0 {
					head = append(head, buf[:min(room, k)]...)
				}
				if err == io.EOF {
					break
				}
				if err != nil {
					mr.Close()
					return inv, fmt.Errorf("reading %s: %w", m.Source, err)
				}
			}
			mi.Messages++
			mi.Bytes += n
			estimate += estimateOutput(tformat, n)
			loc := m.Source.String()
			if mid := mailconv.HeaderValue(head, "Message-ID"); mid != "" {
				h := fnv.New64a()
				h.Write([]byte(mid))
				k := h.Sum64()
				if first, ok := seenIDs[k]; ok {
					inv.DuplicateMessageIDs++
					if i, ok := dupIdx[k]; ok {
						if len(inv.Duplicates[i].Locations) < 10 {
							inv.Duplicates[i].Locations = append(inv.Duplicates[i].Locations, loc)
						}
					} else if len(inv.Duplicates) < maxDuplicateExamples {
						dupIdx[k] = len(inv.Duplicates)
						inv.Duplicates = append(inv.Duplicates, DuplicateMessage{MessageID: mid, Locations: []string{first, loc}})
					}
				} else {
					seenIDs[k] = loc
				}
			}
			if err := checkHeader(head, n); err != nil {
				inv.Unparsable++
				l := m.Source
				rep.Add(mailconv.Event{Kind: mailconv.EventWarning, Code: "inspect.unparsable", Mailbox: mb.Path, Message: m.ID, Location: &l,
					Detail: "header cannot be parsed: " + err.Error()})
			}
			if !m.Date.IsZero() {
				if mi.Oldest.IsZero() || m.Date.Before(mi.Oldest) {
					mi.Oldest = m.Date
				}
				if m.Date.After(mi.Newest) {
					mi.Newest = m.Date
				}
			}
			for f := mailconv.Flags(1); f&mailconv.AllFlags != 0; f <<= 1 {
				if m.Flags&f != 0 {
					mi.Flags[f.String()]++
				}
			}
			for _, k := range m.Keywords {
				if mi.Keywords == nil {
					mi.Keywords = map[string]int{}
				}
				mi.Keywords[k]++
			}
		}
		if d, ok := mr.(mailconv.Detailer); ok {
			mi.Details = d.Details()
		}
		mr.Close()
		inv.Totals.Messages += mi.Messages
		inv.Totals.Bytes += mi.Bytes
		if mi.Children && mi.Messages > 0 {
			inv.Mixed = append(inv.Mixed, mb.Path)
		}
	}
	inv.Names = mailconv.NameHazards(mbs, inv.Mixed)
	if opts.TargetCapabilities != nil {
		plan := mailconv.PlanNames(mbs, *opts.TargetCapabilities)
		tp := &TargetPlan{Renames: plan.Changes, EstimatedBytes: estimate, FreeBytes: opts.FreeBytes}
		if opts.Target != nil {
			tp.Endpoint = *opts.Target
		}
		if opts.FreeBytes >= 0 {
			fits := estimate <= opts.FreeBytes
			tp.Fits = &fits
		}
		inv.Target = tp
		if opts.Placer != nil {
			for _, dmb := range plan.Mailboxes {
				name, why := opts.Placer.Place(dmb)
				tp.Mailboxes = append(tp.Mailboxes, PlacedMailbox{Path: dmb.Path, Name: name, Reason: why, Folder: dmb.NoSelect})
			}
		}
		changes := map[string]mailconv.NameChange{}
		for _, ch := range plan.Changes {
			changes[pathKey(ch.Source)] = ch
		}
		known := map[string]int{}
		for i, nh := range inv.Names {
			known[pathKey(nh.Path)] = i
		}
		for _, mb := range mbs {
			ch, ok := changes[pathKey(mb.Path)]
			if !ok {
				continue
			}
			i, ok := known[pathKey(mb.Path)]
			if !ok {
				inv.Names = append(inv.Names, mailconv.NameHazard{Path: mb.Path})
				i = len(inv.Names) - 1
				known[pathKey(mb.Path)] = i
			}
			inv.Names[i].Destination = ch.Destination
			inv.Names[i].Changes = ch.Reasons
		}
	}
	if a, ok := r.(mailconv.AttachmentAuditor); ok {
		audit, err := a.AuditAttachments(ctx)
		if err != nil {
			return inv, fmt.Errorf("attachment audit: %w", err)
		}
		inv.Attachments = audit
	}
	return inv, nil
}

// estimateOutput guesses the bytes a message of n octets takes in the given
// destination format: a maildir file occupies whole 4 KiB blocks, an mbox
// message gains a From_ line and state headers.
func estimateOutput(format string, n int64) int64 {
	switch format {
	case "maildir":
		return (n + 4095) / 4096 * 4096
	case "mbox":
		return n + 100
	}
	return n
}

// checkHeader parses the header block at the start of a message. A header
// cut by the inspection limit (no blank line within the bytes kept) is not
// judged.
// It judges the syntax of the whole block (net/textproto), which
// mailconv.HeaderValue, a lenient lookup of one field, does not.
func checkHeader(head []byte, size int64) error {
	if size == 0 {
		return fmt.Errorf("empty message")
	}
	end := bytes.Index(head, []byte("\n\n"))
	if e2 := bytes.Index(head, []byte("\n\r\n")); e2 >= 0 && (end < 0 || e2 < end) {
		end = e2
	}
	if end < 0 {
		if int64(len(head)) < size || len(head) >= maxHeadBytes {
			return nil // the header goes on beyond what was kept
		}
		// a message that is all header
		head = append(append([]byte(nil), head...), "\r\n\r\n"...)
	} else {
		head = head[:end+3]
	}
	tp := textproto.NewReader(bufio.NewReader(bytes.NewReader(head)))
	h, err := tp.ReadMIMEHeader()
	if err != nil {
		return err
	}
	if len(h) == 0 {
		return fmt.Errorf("no header field")
	}
	return nil
}
