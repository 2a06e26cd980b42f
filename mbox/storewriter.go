package mbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/internal/platform"
)

// StoreWriter writes mailboxes as a Thunderbird-style folder tree (mailbox
// "A/B" is the file A.sbd/B, and A is an mbox file too, so a mailbox can
// hold messages and children), or, in single mode, one mbox file. It
// implements mailconv.Writer.
type StoreWriter struct {
	root       string
	single     bool
	singleUsed bool
	opts       storeOptions
}

// Create prepares path for writing. In tree mode path must be absent or an
// empty directory; in single mode (the "single" parameter, or a path ending
// in ".mbox") it must be absent or an empty file, unless opts.Resume is set
// and path is what an earlier run wrote. opts.Params takes the writing keys
// of the format's Params.
func Create(ctx context.Context, path string, opts *mailconv.Options) (*StoreWriter, error) {
	so, err := optionsFor(ctx, opts)
	if err != nil {
		return nil, err
	}
	return createStore(path, so)
}

// createStore is Create with typed options.
func createStore(path string, opts storeOptions) (*StoreWriter, error) {
	single := opts.Single || strings.HasSuffix(strings.ToLower(path), ".mbox")
	fi, err := os.Stat(path)
	switch {
	case err == nil && opts.Resume:
		// An earlier run's destination: the journal decides what stays.
		if single != fi.Mode().IsRegular() {
			return nil, fmt.Errorf("mbox: %s: cannot resume: it is not what this run would write", path)
		}
	case err == nil && single:
		if !fi.Mode().IsRegular() || fi.Size() != 0 {
			return nil, fmt.Errorf("mbox: %s: %w", path, mailconv.ErrDestinationNotEmpty)
		}
	case err == nil:
		if !fi.IsDir() {
			return nil, fmt.Errorf("mbox: %s exists and is not a directory: %w", path, mailconv.ErrDestinationNotEmpty)
		}
		entries, err := os.ReadDir(path)
		if err != nil {
			return nil, fmt.Errorf("mbox: %w", err)
		}
		if len(entries) > 0 {
			return nil, fmt.Errorf("mbox: %s: %w", path, mailconv.ErrDestinationNotEmpty)
		}
	case errors.Is(err, os.ErrNotExist):
		if !single {
			if err := os.MkdirAll(path, 0o755); err != nil {
				return nil, fmt.Errorf("mbox: %w", err)
			}
		}
	default:
		return nil, fmt.Errorf("mbox: %w", err)
	}
	if !single {
		// Record that folder names carry mailconv's %XX escapes, so that
		// reading the tree back restores the original names.
		// (not again when it is there: a repeated run changes nothing)
		mk := filepath.Join(path, markerFile)
		if !holds(mk, markerContent) {
			if err := os.WriteFile(mk, []byte(markerContent), 0o644); err != nil {
				return nil, fmt.Errorf("mbox: %w", err)
			}
		}
	}
	return &StoreWriter{root: path, single: single, opts: opts}, nil
}

// SingleFile tells whether the store is one mbox file. It implements
// mailconv.SingleFiler.
func (sw *StoreWriter) SingleFile() bool { return sw.single }

// holds tells whether the regular file p holds exactly content (reading no
// more than one byte beyond it).
func holds(p, content string) bool {
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	b := make([]byte, len(content)+1)
	n, _ := io.ReadFull(f, b)
	return string(b[:n]) == content
}

// maxSegmentBytes keeps room for ".sbd" within a 255-byte file name.
const maxSegmentBytes = 240

// Capabilities reports what the store keeps: every flag and keyword through
// the state headers (unless disabled), dates on the From_ line, and mixed
// mailboxes in tree mode.
func (sw *StoreWriter) Capabilities() mailconv.Capabilities {
	c := mailconv.Capabilities{
		Dates: true,
		Mixed: !sw.single,
		// one file, one mailbox
		OneMailbox: sw.single,
	}
	goos := sw.opts.TargetOS
	if goos == "" {
		goos = runtime.GOOS
	}
	c.Names = mailconv.LocalNames(mailconv.NameRules{Forbidden: "/", ForbiddenFirst: ".", MaxSegment: maxSegmentBytes}, goos)
	wo := sw.opts.Writer
	if !wo.NoStatus {
		c.Flags = mailconv.AllFlags
		c.Keywords = true
	} else if wo.MozillaStatus {
		c.Flags = mailconv.FlagSeen | mailconv.FlagAnswered | mailconv.FlagFlagged | mailconv.FlagForwarded | mailconv.FlagDeleted
		c.Keywords = true
	}
	return c
}

// filePath returns the file of mailbox p inside the tree.
func (sw *StoreWriter) filePath(p mailconv.Path) string {
	parts := make([]string, len(p))
	for i, seg := range p {
		if i == 0 && strings.EqualFold(seg, "INBOX") {
			seg = "Inbox" // Thunderbird's name; children go to Inbox.sbd
		}
		if i < len(p)-1 {
			seg += ".sbd"
		}
		parts[i] = seg
	}
	return filepath.Join(append([]string{sw.root}, parts...)...)
}

// checkSegments refuses names that could leave the root (PlanNames never
// produces them; a caller that bypasses it gets an error, not an escape).
func checkSegments(p mailconv.Path) error {
	for _, s := range p {
		if s == "" || strings.HasPrefix(s, ".") || strings.ContainsAny(s, "/\x00") || (filepath.Separator != '/' && strings.ContainsRune(s, filepath.Separator)) {
			return fmt.Errorf("mbox: mailbox name %q cannot be a file name: %w", s, mailconv.ErrOutsideRoot)
		}
	}
	return nil
}

// CreateMailbox creates the mbox file of mb (and the folders above it).
func (sw *StoreWriter) CreateMailbox(ctx context.Context, mb *mailconv.Mailbox) (mailconv.MailboxWriter, error) {
	if sw.single {
		if mb.NoSelect {
			return nil, nil
		}
		if sw.singleUsed {
			return nil, fmt.Errorf("mbox: a single-file destination holds one mailbox; %s would be merged into it (write a folder tree instead): %w", mb.Path, mailconv.ErrUnsupported)
		}
		sw.singleUsed = true
		return sw.open(sw.root)
	}
	if err := checkSegments(mb.Path); err != nil {
		return nil, err
	}
	// Parents: a directory Name.sbd, and (for Thunderbird) a file Name.
	for i := 1; i < len(mb.Path); i++ {
		parent := sw.filePath(mb.Path[:i])
		if err := touch(parent); err != nil {
			return nil, err
		}
	}
	fp := sw.filePath(mb.Path)
	if err := os.MkdirAll(filepath.Dir(fp), 0o755); err != nil {
		return nil, fmt.Errorf("mbox: %w", err)
	}
	if mb.NoSelect {
		if err := touch(fp); err != nil {
			return nil, err
		}
		return nil, sw.syncDir(filepath.Dir(fp))
	}
	return sw.open(fp)
}

func (sw *StoreWriter) open(fp string) (mailconv.MailboxWriter, error) {
	f, err := platform.OpenNoFollow(fp, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("mbox: %w", err)
	}
	if fi, err := f.Stat(); err == nil && fi.Size() > 0 {
		f.Close()
		return nil, fmt.Errorf("mbox: %s: %w", fp, mailconv.ErrDestinationNotEmpty)
	}
	if err := sw.syncDir(filepath.Dir(fp)); err != nil {
		f.Close()
		return nil, err
	}
	return sw.newMailboxWriter(f, 0, nil), nil
}

func (sw *StoreWriter) newMailboxWriter(f *os.File, off int64, pending []byte) *mailboxWriter {
	mw := &mailboxWriter{f: f, durable: sw.opts.Durable, off: off}
	mw.cw = countWriter{w: f, n: &mw.off}
	mw.w = NewWriter(&mw.cw, sw.opts.Writer)
	if len(pending) > 0 {
		mw.w.wrote = true
		mw.w.pending = append(mw.w.pending[:0], pending...)
	}
	return mw
}

// ResumeMailbox reopens the mbox file of mb after an interrupted run: the
// file is cut at the checkpoint recorded after the last journaled message
// (an empty checkpoint: nothing of it was journaled, the file is emptied),
// and new messages are appended from there. It implements
// mailconv.ResumeWriter.
func (sw *StoreWriter) ResumeMailbox(ctx context.Context, mb *mailconv.Mailbox, checkpoint string) (mailconv.MailboxWriter, error) {
	var off int64
	if checkpoint != "" {
		n, err := strconv.ParseInt(checkpoint, 10, 64)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("mbox: bad checkpoint %q", checkpoint)
		}
		off = n
	}
	fp := sw.root
	if sw.single && sw.singleUsed {
		return nil, fmt.Errorf("mbox: a single-file destination holds one mailbox; %s would be merged into it (write a folder tree instead): %w", mb.Path, mailconv.ErrUnsupported)
	}
	if !sw.single {
		if err := checkSegments(mb.Path); err != nil {
			return nil, err
		}
		fp = sw.filePath(mb.Path)
		if err := os.MkdirAll(filepath.Dir(fp), 0o755); err != nil {
			return nil, fmt.Errorf("mbox: %w", err)
		}
	}
	sw.singleUsed = true
	f, err := platform.OpenNoFollow(fp, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("mbox: %w", err)
	}
	fi, err := f.Stat()
	if err == nil && fi.Size() < off {
		err = fmt.Errorf("%s is shorter (%d bytes) than the journal says it was (%d)", fp, fi.Size(), off)
	}
	if err == nil {
		err = f.Truncate(off)
	}
	// the line end owed before the next From_ line: the file's own
	var pending []byte
	if err == nil && off > 0 {
		pending = []byte("\n")
		var tail [2]byte
		if n, _ := f.ReadAt(tail[:], off-min(off, 2)); n == 2 && tail == [2]byte{'\r', '\n'} {
			pending = []byte("\r\n")
		}
	}
	if err == nil {
		_, err = f.Seek(off, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("mbox: resuming %s: %w", fp, err)
	}
	return sw.newMailboxWriter(f, off, pending), nil
}

// touch creates an empty file if nothing exists at p.
func touch(p string) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("mbox: %w", err)
	}
	f, err := platform.OpenNoFollow(p, os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("mbox: %w", err)
	}
	return f.Close()
}

func (sw *StoreWriter) syncDir(dir string) error {
	if !sw.opts.Durable {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("mbox: %w", err)
	}
	defer d.Close()
	if err := platform.SyncDir(d); err != nil {
		return fmt.Errorf("mbox: fsync %s: %w", dir, err)
	}
	return nil
}

// Close finishes the store.
func (sw *StoreWriter) Close() error { return nil }

type mailboxWriter struct {
	f       *os.File
	w       *Writer
	cw      countWriter
	off     int64 // file size after what was written
	durable bool
}

// Checkpoint returns the file size after the last message written: a
// resumed run cuts the file there. It implements mailconv.Checkpointer.
func (mw *mailboxWriter) Checkpoint() string { return strconv.FormatInt(mw.off, 10) }

type countWriter struct {
	w io.Writer
	n *int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	*c.n += int64(n)
	return n, err
}

func (mw *mailboxWriter) WriteMessage(ctx context.Context, m *mailconv.Message, body io.Reader) error {
	if err := mw.w.WriteMessage(ctx, m, body); err != nil {
		return err
	}
	if mw.durable {
		if err := mw.f.Sync(); err != nil {
			return fmt.Errorf("mbox: fsync: %w", err)
		}
	}
	return nil
}

func (mw *mailboxWriter) Close() error {
	err := mw.w.Close()
	if err == nil && mw.durable {
		err = mw.f.Sync()
	}
	if cerr := mw.f.Close(); err == nil {
		err = cerr
	}
	return err
}
