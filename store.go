package mailconv

import (
	"context"
	"io"
)

// Reader reads a whole mail store: first its folder tree, then the messages
// of one mailbox at a time.
//
// Mailboxes lists the tree without reading messages, so that a caller can plan
// names, report, and resume before the first message moves. Open returns a
// MailboxReader that streams that mailbox's messages in the store's order.
// A Reader never modifies its source.
type Reader interface {
	// Mailboxes returns every mailbox and folder of the store, parents
	// before their children.
	Mailboxes(ctx context.Context) ([]*Mailbox, error)
	// Open starts reading the messages of mb, which must be one of the
	// values returned by Mailboxes.
	Open(ctx context.Context, mb *Mailbox) (MailboxReader, error)
	// Close releases the store.
	Close() error
}

// MailboxReader streams the messages of one mailbox, in the spirit of
// archive/tar.Reader: Next advances to the next message and returns its
// metadata; Read then reads that message's raw octets until io.EOF.
//
// The *Message returned by Next is valid until the next call to Next; a
// reader may reuse it. Damage that the reader can step over (a truncated
// record, a message it cannot frame) is reported through the Events function
// of the Options it was opened with, as an EventSkip, and Next goes on with
// the next message; Next returns an error only when the mailbox cannot be
// read any further. At the end it returns io.EOF.
type MailboxReader interface {
	Next() (*Message, error)
	Read(p []byte) (int, error)
	Close() error
}

// Writer writes a mail store. Convert calls CreateMailbox once per mailbox,
// parents before children, with names already mapped to what the writer's
// Capabilities allow (see PlanNames), then writes that mailbox's messages.
type Writer interface {
	// Capabilities tells what the store can represent.
	Capabilities() Capabilities
	// CreateMailbox creates mailbox mb (or opens it when it exists because
	// a previous run created it) and returns a writer for its messages. For
	// a NoSelect mailbox the returned writer may be nil.
	CreateMailbox(ctx context.Context, mb *Mailbox) (MailboxWriter, error)
	// Close finishes the store (indexes, control files) and releases it.
	Close() error
}

// MailboxWriter writes messages into one mailbox.
type MailboxWriter interface {
	// WriteMessage stores one message: its metadata m and its raw octets,
	// read from body until io.EOF. When it returns nil the message is
	// committed (durably so when the writer was created durable). Metadata
	// the writer cannot represent is reported as EventLoss through the
	// Events function of its Options, never dropped silently.
	WriteMessage(ctx context.Context, m *Message, body io.Reader) error
	// Close finishes the mailbox.
	Close() error
}

// Capabilities describes what a destination store can hold. Convert and
// PlanNames use it to change names and to report losses before anything is
// written.
type Capabilities struct {
	// Flags is the set of flags the store keeps.
	Flags Flags
	// Keywords tells whether the store keeps keywords at all.
	Keywords bool
	// MaxKeywords is the number of distinct keywords one mailbox can hold
	// (26 for a Dovecot maildir), 0 for no limit.
	MaxKeywords int
	// Dates tells whether the store keeps each message's internal date.
	Dates bool
	// Mixed tells whether a mailbox can hold both messages and child
	// mailboxes.
	Mixed bool
	// OneMailbox tells that the store is a single mailbox (one mbox file):
	// Convert refuses, before writing anything, a source with messages in
	// more than one mailbox (migrate.OneMailboxError).
	OneMailbox bool
	// Names gives the rules mailbox names must follow.
	Names NameRules
}

// NameRules are the constraints a store puts on mailbox names. They apply to
// Unicode segments, before the store's own encoding.
type NameRules struct {
	// Forbidden lists characters no segment may contain (besides control
	// characters, which are never allowed).
	Forbidden string
	// ForbiddenFirst lists characters a segment may not start with.
	ForbiddenFirst string
	// ForbiddenLast lists characters a segment may not end with.
	ForbiddenLast string
	// Reserved lists segment names that cannot be used (compared
	// case-insensitively), such as "new", "cur" and "tmp" in a maildir with
	// the fs layout.
	Reserved []string
	// ReservedStem makes Reserved also match a name whose part before its
	// first '.' is reserved (Windows refuses "NUL.txt" as it refuses
	// "NUL").
	ReservedStem bool
	// CaseInsensitive tells that two names differing only in case are the
	// same mailbox (file systems such as NTFS, APFS, FAT).
	CaseInsensitive bool
	// MaxSegment is the longest a segment may be, counted in the units of
	// SegmentLen; 0 for no limit.
	MaxSegment int
	// SegmentLen measures a segment as the store encodes it (for example
	// modified UTF-7 bytes). Nil means UTF-8 bytes.
	SegmentLen func(string) int
	// MaxPath is the longest a whole path may be, in the units of
	// PathLen (a Maildir++ folder is one file name: ".A.B.C" holds at
	// most 255 bytes); 0 for no limit. The last segment is shortened to
	// fit.
	MaxPath int
	// PathLen measures a whole path as the store encodes it. It is used
	// only with MaxPath.
	PathLen func(Path) int
}

// Options are handed by the registry to a format's Open and Create
// functions.
type Options struct {
	// Params holds format-specific settings, from the command line's
	// --opt key=value (keys are listed in each Format's Params).
	Params map[string]string
	// Events receives skips, losses and warnings. Nil discards them.
	Events func(Event)
	// Durable asks writers to make each committed message survive a power
	// loss (fsync of files and directories).
	Durable bool
	// Resume lets Create open a destination that an earlier mailconv run
	// wrote (it is not empty): the run continues it, guided by the
	// journal.
	Resume bool
}

// Emit sends e to o.Events, if set.
func (o *Options) Emit(e Event) {
	if o != nil && o.Events != nil {
		o.Events(e)
	}
}
