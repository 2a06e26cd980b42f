package mailconv

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"hash"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/mailconv/mailconv/internal/platform"
)

// Optional interfaces that let Convert resume and deduplicate. Readers and
// writers that do not implement them still convert; resumption is then
// coarser (see each interface).

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

func isSingleFile(v any) bool {
	s, ok := v.(SingleFiler)
	return ok && s.SingleFile()
}

// Holder is implemented by MailboxWriters that can tell whether a message is
// already in their mailbox, for the window between a write and its journal
// record (a crash there must not lead to a second copy). digest is the hex
// Digest of the octets, size their length, messageID the Message-ID header
// (or "").
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
// lists these names (InspectOptions.Placer).
type Placer interface {
	Place(mb *Mailbox) (name, why string)
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

// DedupPolicy decides which messages of a source are not written because
// the destination mailbox already holds them (when merging several stores
// into one).
type DedupPolicy uint8

// The policies.
const (
	// DedupNone writes every message (duplicates in the source stay
	// duplicates).
	DedupNone DedupPolicy = iota
	// DedupMessageID skips a message whose Message-ID header the
	// destination mailbox already holds.
	DedupMessageID
	// DedupContent skips a message whose octets the destination mailbox
	// already holds.
	DedupContent
)

// ParseDedupPolicy parses "none", "message-id" or "content".
func ParseDedupPolicy(s string) (DedupPolicy, error) {
	switch s {
	case "", "none":
		return DedupNone, nil
	case "message-id":
		return DedupMessageID, nil
	case "content":
		return DedupContent, nil
	}
	return 0, fmt.Errorf("unknown dedup policy %q (want none, message-id or content)", s)
}

// DefaultSpoolMemory is the default ConvertOptions.SpoolMemory.
const DefaultSpoolMemory = 8 << 20

// maxHeadBytes bounds the header prefix kept to find the Message-ID.
const maxHeadBytes = 64 << 10

// digester hashes the octets flowing through it and keeps the start of the
// header to find the Message-ID.
type digester struct {
	h    hash.Hash
	n    int64
	head []byte
}

func newDigester() *digester {
	return &digester{h: sha256.New(), head: make([]byte, 0, 4096)}
}

func (d *digester) reset() {
	d.h.Reset()
	d.n = 0
	d.head = d.head[:0]
}

func (d *digester) Write(p []byte) (int, error) {
	d.h.Write(p)
	d.n += int64(len(p))
	if room := maxHeadBytes - len(d.head); room > 0 {
		d.head = append(d.head, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (d *digester) sum() Digest {
	var out Digest
	var full [sha256.Size]byte
	copy(out[:], d.h.Sum(full[:0]))
	return out
}

// messageID returns the Message-ID of the header prefix seen.
func (d *digester) messageID() string { return HeaderValue(d.head, "Message-ID") }

// HeaderValue returns the unfolded, trimmed value of the first header field
// called name (case-insensitive) in the header block at the start of msg, or
// "" when there is none. Only the header block is looked at.
func HeaderValue(msg []byte, name string) string {
	for len(msg) > 0 {
		end := bytes.IndexByte(msg, '\n')
		var line []byte
		if end < 0 {
			line, msg = msg, nil
		} else {
			line, msg = msg[:end], msg[end+1:]
		}
		line = bytes.TrimRight(line, "\r")
		if len(line) == 0 {
			return "" // end of header
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 || !strings.EqualFold(string(bytes.TrimRight(line[:colon], " \t")), name) {
			continue
		}
		v := append([]byte(nil), line[colon+1:]...)
		for len(msg) > 0 && (msg[0] == ' ' || msg[0] == '\t') {
			end := bytes.IndexByte(msg, '\n')
			if end < 0 {
				end = len(msg)
			}
			v = append(v, bytes.TrimRight(msg[:end], "\r")...)
			msg = msg[min(end+1, len(msg)):]
		}
		return strings.TrimSpace(string(v))
	}
	return ""
}

// spool holds one message so that Convert can decide, after hashing it,
// whether to write it: in memory up to a bound, in a temporary file beyond.
type spool struct {
	dir   string
	limit int64
	mem   []byte
	f     *os.File
	size  int64
	d     *digester
	buf   []byte // read buffer, reused
}

func (s *spool) fill(ctx context.Context, r io.Reader) error {
	s.mem = s.mem[:0]
	s.size = 0
	s.d.reset()
	if s.f != nil {
		if err := s.f.Truncate(0); err != nil {
			return err
		}
		if _, err := s.f.Seek(0, io.SeekStart); err != nil {
			return err
		}
	}
	if s.buf == nil {
		s.buf = make([]byte, 64<<10)
	}
	buf := s.buf
	inFile := false
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := r.Read(buf)
		if n > 0 {
			s.d.Write(buf[:n])
			s.size += int64(n)
			if !inFile && int64(len(s.mem)+n) <= s.limit {
				s.mem = append(s.mem, buf[:n]...)
			} else {
				if !inFile {
					if s.f == nil {
						f, ferr := os.CreateTemp(s.dir, "mailconv-spool-*")
						if ferr != nil {
							return fmt.Errorf("spool: %w", ferr)
						}
						os.Remove(f.Name()) // unlinked: gone on exit, whatever happens
						s.f = f
					}
					if _, werr := s.f.Write(s.mem); werr != nil {
						return fmt.Errorf("spool: %w", werr)
					}
					inFile = true
				}
				if _, werr := s.f.Write(buf[:n]); werr != nil {
					return fmt.Errorf("spool: %w", werr)
				}
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	if !inFile && s.f != nil {
		s.f.Truncate(0)
	}
	return nil
}

// reader returns the spooled octets.
func (s *spool) reader() io.Reader {
	if s.f != nil && s.size > int64(len(s.mem)) {
		return io.NewSectionReader(s.f, 0, s.size)
	}
	return bytes.NewReader(s.mem)
}

func (s *spool) close() {
	if s.f != nil {
		s.f.Close()
	}
}

// checkpoint returns the writer's checkpoint, if it has one.
func checkpoint(mw MailboxWriter) string {
	if c, ok := mw.(Checkpointer); ok {
		return c.Checkpoint()
	}
	return ""
}

func lastRef(mw MailboxWriter) string {
	if r, ok := mw.(RefReporter); ok {
		return r.LastRef()
	}
	return ""
}

func itoa(n int) string { return strconv.Itoa(n) }
