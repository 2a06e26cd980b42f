package mailconv

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/mailconv/mailconv/internal/platform"
)

// This file declares the optional interfaces: methods a Reader,
// MailboxReader, Writer or MailboxWriter may have beyond the required ones.
// Convert, Inspect and Verify look for them with a type assertion; a store
// that does not implement one still converts, with the coarser behaviour
// each interface names. They are collected here so that a format author
// finds them in one place (go doc shows each).
//
//	Reader:        Fingerprinter, AttachmentAuditor, ConcurrentOpener
//	MailboxReader: IDSkipper, Detailer
//	Writer:        ResumeWriter, Placer, Forker
//	MailboxWriter: Checkpointer, Holder, RefReporter, ExistReporter

// Fingerprinter is implemented by Readers that can tell cheaply whether a
// mailbox changed since an earlier run (without reading its messages). A
// finished mailbox whose fingerprint is unchanged is skipped outright. When
// a Reader does not implement it, Convert fingerprints the mailbox's Source
// path with StatFingerprint.
type Fingerprinter interface {
	Fingerprint(mb *Mailbox) (string, error)
}

// Checkpointer is implemented by MailboxWriters whose state after each
// committed message can be recorded and restored (an mbox file's size).
// Convert stores the checkpoint in the journal with each message.
type Checkpointer interface {
	Checkpoint() string
}

// ResumeWriter is implemented by Writers that can reopen a mailbox an
// earlier run wrote to, at the checkpoint recorded after its last journaled
// message, discarding anything written after it (an mbox writer truncates
// its file there). An empty checkpoint means no message of that mailbox was
// journaled: whatever it holds was not committed. Writers without it get
// CreateMailbox, which must then accept an existing mailbox when
// Options.Resume is set.
type ResumeWriter interface {
	ResumeMailbox(ctx context.Context, mb *Mailbox, checkpoint string) (MailboxWriter, error)
}

// SingleFiler is implemented by Writers and Readers that may hold every
// mailbox in one file (a single-file mbox): SingleFile tells whether this
// one does. A resumed run then takes the checkpoint of the file, whichever
// mailbox wrote last, so that it never cuts what an earlier run committed;
// Verify pairs the source's mailbox with the file's one mailbox, whatever
// the file is called.
type SingleFiler interface {
	SingleFile() bool
}

// Holder is implemented by MailboxWriters that can tell whether a message is
// already in their mailbox, for the window between a write and its journal
// record (a crash there must not lead to a second copy). digest is the
// content digest of the octets in hex (the first 16 bytes of their
// SHA-256), size their length, messageID the Message-ID header (or "").
type Holder interface {
	Holds(ctx context.Context, m *Message, digest string, size int64, messageID string) (bool, error)
}

// RefReporter is implemented by MailboxWriters that can say where the last
// written message went (a maildir file name, an IMAP UID); the journal
// records it.
type RefReporter interface {
	LastRef() string
}

// ExistReporter is implemented by MailboxWriters that can find that a
// message they were asked to write was already in the destination (an IMAP
// writer that looks before it appends): LastExisted tells, after a
// successful WriteMessage, that nothing was written. Convert counts such
// messages as unchanged, not written.
type ExistReporter interface {
	LastExisted() bool
}

// IDSkipper is implemented by MailboxReaders whose message IDs are stable
// across sessions and unique within their mailbox (a POP3 UIDL, an IMAP
// UIDVALIDITY:UID, a maildir file's unique name). PeekID returns the ID of the message the next call to
// Next would return, without reading that message (io.EOF when there is
// none); Skip passes over it. Convert uses them to resume by ID: a message
// an earlier run recorded under the same ID is passed over without being
// fetched, so an interrupted download continues where it stopped. Readers
// without it are resumed by content digest, which reads every message
// again.
type IDSkipper interface {
	PeekID() (string, error)
	Skip() error
}

// Placer is implemented by Writers whose mailboxes get names that do not
// follow from their paths alone: an IMAP server adds its namespace prefix
// and hierarchy delimiter, and takes Sent, Drafts, Trash, Junk and Archive
// into its own special-use mailboxes. Place returns the name that mb (a
// mailbox of a NamePlan, passed in plan order) gets in the destination, as
// the destination shows it, and why when that is not its path. Inspect
// lists these names (migrate.InspectOptions.Placer).
type Placer interface {
	Place(mb *Mailbox) (name, why string)
}

// Forker is implemented by Writers that can open another session to the
// same destination, independent of this one, so that several mailboxes are
// written at once (an IMAP writer opens one more connection). The Writer
// Fork returns shares with its parent whatever must stay one across
// sessions: what was learned of the destination (an IMAP server's probe),
// the names Placer gave (Fork is called after the plan was placed), and the
// limits on what is sent (rate, day budget, back-off after a server asked
// to slow down). It is used from one goroutine at a time, as the parent is,
// but it and its parent may be used at the same time; the caller closes it
// before the parent. Convert forks with ConvertOptions.Connections above 1.
type Forker interface {
	Fork(ctx context.Context) (Writer, error)
}

// ConcurrentOpener is implemented by Readers that may read several
// mailboxes at once: ConcurrentOpen tells whether this one allows Open
// (and Fingerprint, when it has one) to be called from several goroutines
// at the same time, for different mailboxes, once Mailboxes returned, and
// the MailboxReaders returned to be used at the same time, each from one
// goroutine; its Events function is then called from all of them. A Reader
// without it is read one mailbox at a time.
type ConcurrentOpener interface {
	ConcurrentOpen() bool
}

// AttachmentAuditor is implemented by Readers of stores that keep
// attachments in separate files.
type AttachmentAuditor interface {
	AuditAttachments(ctx context.Context) (*AttachmentAudit, error)
}

// Detailer is implemented by MailboxReaders that have something to say about
// the mailbox they read beyond its messages (an mbox reader's dialect and
// separator counts, an Eudora reader's table-of-contents findings).
// After the last message, Convert puts the value of Details into the
// mailbox's entry of the report and Inspect into its inventory; it must
// therefore marshal to JSON. Readers without it add nothing.
type Detailer interface {
	Details() any
}

// StateUpdater is implemented by MailboxWriters that can change the flags
// of a message an earlier run wrote (a maildir renames the file, an IMAP
// writer sends UID STORE). ref is what the writer's LastRef returned when
// the message was written (or what an earlier UpdateFlags returned); the
// returned string is the message's reference from now on. flags is the
// message's whole new flag set; bits the destination does not keep are
// ignored, keywords are left as they are. A message no longer in the
// destination gives an error matching fs.ErrNotExist.
//
// Convert calls it on incremental runs, for messages the journal records as
// written whose flags changed in the source since (read, replied to,
// flagged in the old client).
type StateUpdater interface {
	UpdateFlags(ctx context.Context, ref string, flags Flags) (string, error)
}

// StatePeeker is implemented by MailboxReaders that are IDSkippers and can
// tell the flags of the message PeekID named without reading it (a maildir
// file name carries them), so that a resumed or incremental run passes over
// a known message and still sees a change of its state.
type StatePeeker interface {
	PeekFlags() (Flags, bool)
}

// Budget limits what a writer sends; a writer that honours one
// implements BudgetSetter.
type Budget interface {
	// Allow returns a *migrate.BudgetError when n more octets, besides pending
	// octets sent but not yet recorded with Spend, would exceed the
	// budget.
	Allow(pending, n int64) error
	// Spend records n octets sent.
	Spend(n int64) error
}

// BudgetSetter is implemented by writers that honour a Budget (the imap
// writer): they ask it before each message and record what they sent.
type BudgetSetter interface {
	SetBudget(Budget)
}

// AttachmentAudit is what a store that keeps attachments in separate files
// (Eudora) reports about them.
type AttachmentAudit struct {
	// Referenced counts the files messages refer to that were found.
	Referenced int `json:"referenced"`
	// Missing lists references to files that are not there.
	Missing []MissingAttachment `json:"missing,omitempty"`
	// Unreferenced lists files in the attachment folders no message
	// refers to (Eudora keeps them after a message is deleted); they are
	// not converted.
	Unreferenced      []UnreferencedFile `json:"unreferenced,omitempty"`
	UnreferencedBytes int64              `json:"unreferenced_bytes"`
}

// MissingAttachment is a reference to a file that is not in the store.
type MissingAttachment struct {
	Mailbox Path   `json:"mailbox"`
	Message string `json:"message"`
	File    string `json:"file"`
}

// UnreferencedFile is an attachment file no message refers to.
type UnreferencedFile struct {
	Path string `json:"path"`
	Size int64  `json:"size"`
}

// StatFingerprint fingerprints files and directories by size, modification
// time and inode (on Windows, which has no inode there: creation time).
// For a directory it also covers its cur/ and new/
// subdirectories (a maildir gains messages there). Missing paths count as
// absent.
func StatFingerprint(paths ...string) string {
	var b strings.Builder
	add := func(p string) {
		fi, err := os.Stat(p)
		if err != nil {
			b.WriteString("-;")
			return
		}
		fmt.Fprintf(&b, "%d,%d", fi.Size(), fi.ModTime().UnixNano())
		if k := platform.FileKey(fi); k != "" {
			b.WriteByte(',')
			b.WriteString(k)
		}
		b.WriteByte(';')
	}
	for _, p := range paths {
		add(p)
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			add(p + string(os.PathSeparator) + "cur")
			add(p + string(os.PathSeparator) + "new")
		}
	}
	return b.String()
}
