package migrate

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/mailconv/mailconv"
)

// OneMailboxError is returned by Convert, before anything is written, when
// the destination holds a single mailbox (Capabilities.OneMailbox, a
// single-file mbox) and the source has messages in more than one: they
// would be merged into one, or the second would fail half-way. It matches
// ErrUnsupported with errors.Is.
type OneMailboxError struct {
	Destination string          // the destination, as the user named it (may be "")
	Mailboxes   []mailconv.Path // the source mailboxes that hold messages
}

// Error names the mailboxes and what to do instead.
func (e *OneMailboxError) Error() string {
	names := make([]string, len(e.Mailboxes))
	for i, p := range e.Mailboxes {
		names[i] = p.String()
	}
	dst := "a single-file destination"
	if e.Destination != "" {
		dst = "the single-file destination " + e.Destination
	}
	return fmt.Sprintf("%s holds one mailbox, but the source has messages in %d: %s; "+
		"convert into a folder instead (mbox:DIR, a path not ending in .mbox), or convert one mailbox at a time (give its file as the source)",
		dst, len(e.Mailboxes), strings.Join(names, ", "))
}

// Is makes errors.Is(err, ErrUnsupported) true.
func (e *OneMailboxError) Is(target error) bool { return target == mailconv.ErrUnsupported }

// mailboxesWithMessages returns the paths of the selectable mailboxes of mbs
// (listed by r) that hold at least one message. A mailbox whose listing
// gives neither a message count nor a size is opened and its first message
// read to tell; no more than that is read.
func mailboxesWithMessages(ctx context.Context, r mailconv.Reader, mbs []*mailconv.Mailbox) ([]mailconv.Path, error) {
	var out []mailconv.Path
	for _, mb := range mbs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		switch {
		case mb.NoSelect || mb.Messages == 0 || mb.Bytes == 0:
			continue
		case mb.Messages > 0:
			out = append(out, mb.Path)
			continue
		}
		mr, err := r.Open(ctx, mb)
		if err != nil {
			return nil, fmt.Errorf("opening %s: %w", mb.Path, err)
		}
		_, err = mr.Next()
		mr.Close()
		switch {
		case err == io.EOF:
		case err != nil:
			return nil, fmt.Errorf("reading %s: %w", mb.Path, err)
		default:
			out = append(out, mb.Path)
		}
	}
	return out, nil
}

// oneMailbox refuses a source with messages in more than one mailbox when
// the destination holds one (see OneMailboxError); otherwise it returns
// the mailboxes of mbs to convert there: the one with messages (none when
// all are empty). The others, empty, are reported and left out.
func oneMailbox(ctx context.Context, r mailconv.Reader, mbs []*mailconv.Mailbox, rep *Report) ([]*mailconv.Mailbox, error) {
	full, err := mailboxesWithMessages(ctx, r, mbs)
	if err != nil {
		return nil, err
	}
	if len(full) > 1 {
		return nil, &OneMailboxError{Destination: rep.Destination.Path, Mailboxes: full}
	}
	var out []*mailconv.Mailbox
	for _, mb := range mbs {
		if len(full) == 1 && mb.Path.Equal(full[0]) {
			out = append(out, mb)
			continue
		}
		rep.Add(mailconv.Event{Kind: mailconv.EventInfo, Code: "mailbox.empty-left-out", Mailbox: mb.Path,
			Detail: "no messages: not written into the single-mailbox destination"})
	}
	return out, nil
}
