package migrate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strconv"
	"time"

	"github.com/mailconv/mailconv"
)

// This file holds the selection controls of Convert (mailbox patterns, a
// received-date range), the dry-run writer and the state updates of
// incremental runs. docs/formats/state-updates.md describes the latter.

// ErrBadPattern is returned by SelectMailboxes for a pattern that is not a
// valid glob.
var ErrBadPattern = errors.New("bad mailbox pattern")

// SelectMailboxes returns a ConvertOptions.Include function from
// --include and --exclude patterns. A pattern is a glob (path.Match syntax:
// "*" and "?" do not cross "/") over the mailbox path as Path.String shows
// it ("Archive/2019"); it selects a mailbox when it matches the mailbox's
// path or the path of one of its parents, so "Archive" selects Archive and
// everything below it. With include patterns only the mailboxes one of them
// selects are converted; a mailbox an exclude pattern selects never is.
// Matching ignores case for the inbox only ("inbox" matches INBOX). With no
// pattern at all, it returns nil (convert everything).
func SelectMailboxes(include, exclude []string) (func(*mailconv.Mailbox) bool, error) {
	if len(include) == 0 && len(exclude) == 0 {
		return nil, nil
	}
	for _, p := range append(append([]string(nil), include...), exclude...) {
		if _, err := path.Match(p, ""); err != nil {
			return nil, fmt.Errorf("%w %q: %v", ErrBadPattern, p, err)
		}
	}
	matches := func(pats []string, p mailconv.Path) bool {
		for q := p; len(q) > 0; q = q.Parent() {
			s := q.String()
			if q.IsInbox() {
				s = "INBOX"
			}
			for _, pat := range pats {
				if ok, _ := path.Match(pat, s); ok {
					return true
				}
				if q.IsInbox() && (pat == "inbox" || pat == "Inbox") {
					return true
				}
			}
		}
		return false
	}
	return func(mb *mailconv.Mailbox) bool {
		if len(include) > 0 && !matches(include, mb.Path) {
			return false
		}
		return !matches(exclude, mb.Path)
	}, nil
}

// inRange tells whether m is inside the received-date range of the
// options.
func (c *converter) inRange(m *mailconv.Message) bool {
	return inDateRange(m.Date, c.opts.Since, c.opts.Before)
}

// inDateRange tells whether a received date d is on or after since and
// before before (a zero bound is open). An unknown (zero) date is always
// inside: leaving such a message out would lose it without a way to tell
// which range it belongs to. Convert and Verify select by this one rule.
func inDateRange(d, since, before time.Time) bool {
	if d.IsZero() {
		return true
	}
	if !since.IsZero() && d.Before(since) {
		return false
	}
	if !before.IsZero() && !d.Before(before) {
		return false
	}
	return true
}

// rangeKey is added to a mailbox's fingerprint in the journal when a date
// range is set, so that a later run with another range (or none) reads the
// mailbox again instead of taking it as finished.
func (c *converter) rangeKey() string {
	if c.opts.Since.IsZero() && c.opts.Before.IsZero() {
		return ""
	}
	k := "|range:"
	if !c.opts.Since.IsZero() {
		k += strconv.FormatInt(c.opts.Since.Unix(), 10)
	}
	k += "-"
	if !c.opts.Before.IsZero() {
		k += strconv.FormatInt(c.opts.Before.Unix(), 10)
	}
	return k
}

// DiscardWriter returns a Writer that stores nothing: it reads each
// message's octets and drops them. A dry run (mailconv convert --dry-run)
// converts into it to show the plan and the counts a real run would have,
// with the capabilities caps of the real destination (from
// Format.Capabilities), without creating anything.
func DiscardWriter(caps mailconv.Capabilities) mailconv.Writer { return discardWriter{caps} }

type discardWriter struct{ caps mailconv.Capabilities }

func (d discardWriter) Capabilities() mailconv.Capabilities { return d.caps }
func (d discardWriter) Close() error                        { return nil }
func (d discardWriter) CreateMailbox(ctx context.Context, mb *mailconv.Mailbox) (mailconv.MailboxWriter, error) {
	return discardMailbox{}, nil
}

type discardMailbox struct{}

func (discardMailbox) WriteMessage(ctx context.Context, m *mailconv.Message, body io.Reader) error {
	_, err := io.Copy(io.Discard, body)
	return err
}
func (discardMailbox) Close() error { return nil }

// stateFlags are the flags whose change an incremental run carries over:
// FlagNew is not a state the user changes.
const stateFlags = mailconv.AllFlags &^ mailconv.FlagNew

// recordedState is what the journal says of a message written earlier:
// its flags then (or after the last update) and where it went.
type recordedState struct {
	flags mailconv.Flags
	known bool // flags were recorded (journals before state updates did not)
	id    string
	d     digest
	ref   string
}

// messageStates holds the recorded states of one source mailbox, by source
// message ID and by digest, consumed as their messages are met.
type messageStates struct {
	byID     map[string]*recordedState
	byDigest map[digest][]*recordedState
}

func (s *messageStates) takeID(id string) *recordedState {
	if s == nil || id == "" {
		return nil
	}
	e := s.byID[id]
	delete(s.byID, id)
	return e
}

func (s *messageStates) takeDigest(d digest) *recordedState {
	if s == nil {
		return nil
	}
	l := s.byDigest[d]
	if len(l) == 0 {
		return nil
	}
	s.byDigest[d] = l[1:]
	return l[0]
}

// flagsText is how the journal records flags ("f": hex digits).
func flagsText(f mailconv.Flags) string { return strconv.FormatUint(uint64(f), 16) }

func parseFlagsText(s string) (mailconv.Flags, bool) {
	n, err := strconv.ParseUint(s, 16, 8)
	if err != nil || s == "" {
		return 0, false
	}
	return mailconv.Flags(n) & mailconv.AllFlags, true
}

// updateState compares the flags a known message has now in the source
// (now) with those recorded when it was written, and carries a change over
// to the destination.
func (c *converter) updateState(mw mailconv.MailboxWriter, st *mailboxState, e *recordedState, now mailconv.Flags, src mailconv.Path, m *mailconv.Message) error {
	if e == nil || !e.known {
		return nil
	}
	keep := c.caps.Flags & stateFlags
	if (e.flags^now)&keep == 0 {
		return nil
	}
	rep := c.rep
	id := e.id
	var loc *mailconv.Location
	if m != nil {
		l := m.Source
		loc = &l
		if id == "" {
			id = m.ID
		}
	}
	change := fmt.Sprintf("flags [%s] -> [%s]", (e.flags & keep).String(), (now & keep).String())
	u, ok := mw.(mailconv.StateUpdater)
	if !ok || e.ref == "" {
		why := "the destination cannot change a message it holds"
		if ok {
			why = "the destination did not say where it put the message"
		}
		rep.Add(mailconv.Event{Kind: mailconv.EventLoss, Code: "state.not-applied", Mailbox: src, Message: id, Location: loc,
			Detail: change + " in the source since the last run; not applied: " + why})
		return nil
	}
	ref, err := u.UpdateFlags(c.ctx, e.ref, now)
	if errors.Is(err, fs.ErrNotExist) {
		rep.Add(mailconv.Event{Kind: mailconv.EventWarning, Code: "state.not-found", Mailbox: src, Message: id, Location: loc,
			Detail: change + " in the source since the last run; the destination no longer holds the message (" + e.ref + ")"})
		return nil
	}
	if err != nil {
		return fmt.Errorf("updating the flags of %s in %s: %w", e.ref, st.dst, err)
	}
	rep.Add(mailconv.Event{Kind: mailconv.EventUpdate, Code: "state.updated", Mailbox: src, Message: id, Location: loc,
		Detail: change + " (" + ref + ")"})
	e.flags, e.ref = now, ref
	if j := c.opts.Journal; j != nil {
		return j.write(&journalRecord{Type: recState, Src: st.src, Mb: st.mb, SF: st.sf, Dst: st.dst, ID: e.id, D: e.d,
			F: flagsText(now), Ref: ref}, true)
	}
	return nil
}
