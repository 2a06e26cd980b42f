package mh

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/internal/safeopen"
	"github.com/mailconv/mailconv/internal/storeroot"
)

// Reader reads an MH store: one folder or a tree of them. Create one with
// Open. It implements mailconv.Reader and mailconv.Fingerprinter; the
// mailbox readers it returns implement mailconv.IDSkipper (the ID is the
// message file's name).
type Reader struct {
	st  *storeroot.Store
	cfg config
	// dirs maps a Mailbox.Source to its directory relative to the root.
	dirs map[string]string
}

// Open opens the MH folder or folder tree at dir for reading. Files are
// opened read-only through an os.Root, so no symbolic link leads outside
// the tree.
func Open(ctx context.Context, dir string, opts *mailconv.Options) (*Reader, error) {
	st, cfg, err := storeroot.OpenWith(dir, FormatName, opts, parseParams)
	if err != nil {
		return nil, err
	}
	return &Reader{st: st, cfg: cfg}, nil
}

// Close releases the tree.
func (r *Reader) Close() error { return r.st.Close() }

var roles = map[string]mailconv.Role{
	"inbox": mailconv.RoleInbox, "drafts": mailconv.RoleDrafts, "draft": mailconv.RoleDrafts,
	"sent": mailconv.RoleSent, "outbox": mailconv.RoleSent, "queue": mailconv.RoleOutbox,
	"trash": mailconv.RoleTrash, "junk": mailconv.RoleJunk, "spam": mailconv.RoleJunk,
	"archive": mailconv.RoleArchive, "templates": mailconv.RoleTemplates,
}

// Mailboxes lists the folders, parents before children. When the root
// itself holds messages it is a mailbox named after its directory (and its
// sub-folders are its children); otherwise its sub-folders are the top
// level. A top-level "inbox" is INBOX. Claws' "outbox" is its sent folder
// and "queue" its outbox.
func (r *Reader) Mailboxes(ctx context.Context) ([]*mailconv.Mailbox, error) {
	r.dirs = map[string]string{}
	var out []*mailconv.Mailbox
	names, err := r.st.ReadDirNames(".")
	if err != nil {
		return nil, fmt.Errorf("mh: listing %s: %w", r.st.Path, err)
	}
	var parent mailconv.Path
	for _, n := range names {
		if isMessageName(n) {
			base := filepath.Base(filepath.Clean(r.st.Path))
			mb := r.mailbox(mailconv.Path{decodeName(base)}, ".")
			out = append(out, mb)
			parent = mb.Path
			break
		}
	}
	if err := r.walk(ctx, ".", parent, 0, &out); err != nil {
		return nil, err
	}
	return out, nil
}

func (r *Reader) mailbox(p mailconv.Path, rel string) *mailconv.Mailbox {
	p, role := storeroot.TopRole(p, roles)
	mb := &mailconv.Mailbox{Path: p, Role: role, Source: r.st.Abs(rel), Messages: -1, Bytes: -1}
	r.dirs[mb.Source] = rel
	return mb
}

func (r *Reader) walk(ctx context.Context, rel string, parent mailconv.Path, depth int, out *[]*mailconv.Mailbox) error {
	if r.st.TooDeep(parent, rel, depth, r.cfg.maxDepth, ParamMaxDepth) {
		return nil
	}
	names, err := r.st.ReadDirNames(rel)
	if err != nil {
		if rel == "." {
			return fmt.Errorf("mh: listing %s: %w", r.st.Path, err)
		}
		r.st.Skip(parent, rel, err)
		return nil
	}
	for _, n := range names {
		if err := ctx.Err(); err != nil {
			return err
		}
		if strings.HasPrefix(n, ".") || isMessageName(n) {
			continue
		}
		child := path.Join(rel, n)
		fi, err := r.st.Root.Stat(child)
		if err != nil {
			r.st.Skip(parent, child, err)
			continue
		}
		if !fi.IsDir() {
			continue // context, .mh_profile, caches
		}
		name := decodeName(n)
		if name != n {
			r.st.Emit(mailconv.EventWarning, "mh.name-undecodable", parent, r.st.Abs(child), -1,
				"folder name %q is not UTF-8; invalid bytes replaced", n)
		}
		mb := r.mailbox(parent.Child(name), child)
		*out = append(*out, mb)
		if err := r.walk(ctx, child, mb.Path, depth+1, out); err != nil {
			return err
		}
	}
	return nil
}

func decodeName(n string) string {
	if utf8.ValidString(n) {
		return n
	}
	return strings.ToValidUTF8(n, "\uFFFD")
}

// Fingerprint covers the folder and its state files: .mh_sequences and the
// mark files may be rewritten in place, which leaves the directory's time
// alone (mailconv.Fingerprinter).
func (r *Reader) Fingerprint(mb *mailconv.Mailbox) (string, error) {
	paths := []string{mb.Source, filepath.Join(mb.Source, ".mh_sequences")}
	for _, n := range markFiles {
		paths = append(paths, filepath.Join(mb.Source, n))
	}
	return mailconv.StatFingerprint(paths...), nil
}

// entry is one message file of a folder.
type entry struct {
	name    string
	num     uint32
	removed bool // nmh's ",N" or "#N": removed by rmm, still on disk
}

// ConcurrentOpen implements mailconv.ConcurrentOpener: once Mailboxes
// returned, Open and Fingerprint only read the reader's folder map, and
// each mailbox reader opens its own files through the shared os.Root.
func (r *Reader) ConcurrentOpen() bool { return true }

// Open starts reading the messages of mb.
func (r *Reader) Open(ctx context.Context, mb *mailconv.Mailbox) (mailconv.MailboxReader, error) {
	rel, ok := r.dirs[mb.Source]
	if !ok {
		return nil, storeroot.Unlisted(FormatName, mb, r.dirs != nil)
	}
	mr := &mailboxReader{r: r, mb: mb.Path, dir: rel}
	mr.msg.Reset()
	if err := mr.load(ctx); err != nil {
		return nil, err
	}
	return mr, nil
}

// mailboxReader streams the messages of one folder. Its storeroot.Files
// gives it PeekID and Skip (mailconv.IDSkipper: the ID is the file name),
// Read and Close.
type mailboxReader struct {
	storeroot.Files[entry]
	r      *Reader
	mb     mailconv.Path
	dir    string
	seqs   Sequences
	marks  Marks
	msg    mailconv.Message
	head   []byte
	badSeq map[string]bool
}

// EntryID is the message's ID: its file name (storeroot.Entry).
func (e entry) EntryID() string { return e.name }

// load lists the folder and reads its sequences and marks.
func (mr *mailboxReader) load(ctx context.Context) error {
	r := mr.r
	names, err := r.st.ReadDirNames(mr.dir)
	if err != nil {
		r.st.Skip(mr.mb, mr.dir, err)
		return nil
	}
	for _, n := range names {
		e := entry{name: n}
		num := n
		if len(n) > 1 && (n[0] == ',' || n[0] == '#') {
			num, e.removed = n[1:], true
		}
		if !isMessageName(num) {
			continue
		}
		v, _ := parseNumber([]byte(num))
		e.num = v
		mr.Entries = append(mr.Entries, e)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	sort.Slice(mr.Entries, func(i, j int) bool {
		a, b := mr.Entries[i], mr.Entries[j]
		if a.num != b.num {
			return a.num < b.num
		}
		return !a.removed && b.removed || a.removed == b.removed && a.name < b.name
	})
	seqRel := path.Join(mr.dir, ".mh_sequences")
	if f, _, err := safeopen.File(r.st.Root, seqRel); err == nil {
		seqs, problems, err := ParseSequences(f, r.st.Abs(seqRel), r.cfg.maxSequences)
		f.Close()
		if err != nil {
			r.st.EmitErr(mailconv.EventWarning, "mh.sequences-unreadable", mr.mb, "", err)
		}
		for _, p := range problems {
			r.st.EmitErr(mailconv.EventWarning, "mh.sequences-bad-item", mr.mb, "", p)
		}
		mr.seqs = seqs
		mr.checkSequences(r.st.Abs(seqRel))
	} else if !errors.Is(err, fs.ErrNotExist) {
		r.st.Skip(mr.mb, seqRel, err)
	}
	for _, n := range markFiles {
		rel := path.Join(mr.dir, n)
		f, _, err := safeopen.File(r.st.Root, rel)
		if err != nil {
			continue
		}
		marks, err := ParseMarks(f, r.st.Abs(rel), r.cfg.maxMarks)
		f.Close()
		if err != nil {
			r.st.EmitErr(mailconv.EventWarning, "mh.marks-unreadable", mr.mb, "", err)
		}
		if marks != nil {
			mr.marks = marks
			break
		}
	}
	return nil
}

// checkSequences reports sequences naming messages that are not in the
// folder (counted, not listed: a range may name millions).
func (mr *mailboxReader) checkSequences(file string) {
	names := make([]string, 0, len(mr.seqs))
	for n := range mr.seqs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		seq := mr.seqs[name]
		var present int64
		for _, e := range mr.Entries {
			if !e.removed && seq.Has(e.num) {
				present++
			}
		}
		if missing := seq.Len() - present; missing > 0 {
			mr.r.st.Emit(mailconv.EventWarning, "mh.sequence-missing", mr.mb, file, -1,
				"sequence %q names %d message(s) not in the folder", name, missing)
		}
	}
}

// Next opens the next message file and returns its metadata. Files that
// cannot be opened, are empty, or do not start like a mail header are
// reported as skips.
func (mr *mailboxReader) Next() (*mailconv.Message, error) {
	r := mr.r
	for e, ok := mr.Take(); ok; e, ok = mr.Take() {
		rel := path.Join(mr.dir, e.name)
		f, fi, err := safeopen.File(r.st.Root, rel)
		if err != nil {
			r.st.Skip(mr.mb, rel, err)
			continue
		}
		if fi.Size() == 0 {
			f.Close()
			r.st.Emit(mailconv.EventSkip, "mh.empty", mr.mb, r.st.Abs(rel), -1, "the message file is empty")
			continue
		}
		head, err := mr.readHead(f)
		if err != nil {
			f.Close()
			r.st.Skip(mr.mb, rel, err)
			continue
		}
		if !looksLikeMail(head) {
			f.Close()
			r.st.EmitErr(mailconv.EventSkip, "mh.not-mail", mr.mb, "", &mailconv.ParseError{File: r.st.Abs(rel), Offset: 0,
				Err: fmt.Errorf("mh: the file does not start with a header field: %w", mailconv.ErrFormat)})
			continue
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			f.Close()
			r.st.Skip(mr.mb, rel, err)
			continue
		}
		mr.Hold(f)
		mr.SetBody(f)
		return mr.fill(e, rel, fi, head), nil
	}
	return nil, io.EOF
}

// readHead reads the start of f: enough to check it is mail, and the whole
// header (up to maxHeader bytes) when the date may come from it.
func (mr *mailboxReader) readHead(f *os.File) ([]byte, error) {
	want := int64(4096)
	if mr.r.cfg.date != "mtime" {
		want = mr.r.cfg.maxHeader
	}
	buf := mr.head[:0]
	for int64(len(buf)) < want {
		if cap(buf)-len(buf) < 4096 {
			buf = append(buf, make([]byte, 4096)...)[:len(buf)]
		}
		n, err := f.Read(buf[len(buf):min(int64(cap(buf)), want)])
		buf = buf[:len(buf)+n]
		if bytes.Contains(buf, []byte("\n\n")) || bytes.Contains(buf, []byte("\n\r\n")) || err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	mr.head = buf
	return buf, nil
}

// looksLikeMail tells whether b starts with a header field name and colon
// (or an mbox "From " line, as some MH tools keep).
func looksLikeMail(b []byte) bool {
	if bytes.HasPrefix(b, []byte("From ")) {
		return true
	}
	for i, c := range b {
		switch {
		case c == ':':
			return i > 0
		case c < 33 || c > 126:
			return false
		}
	}
	return false
}

// fill sets mr.msg for the file just opened.
func (mr *mailboxReader) fill(e entry, rel string, fi os.FileInfo, head []byte) *mailconv.Message {
	r := mr.r
	m := &mr.msg
	m.Reset()
	m.ID = e.name
	m.Size = fi.Size()
	m.Source = mailconv.Location{File: r.st.Abs(rel), Offset: -1}
	m.Flags = mailconv.FlagSeen
	if e.removed {
		m.Flags |= mailconv.FlagDeleted
	} else {
		mr.applySequences(m, e.num)
	}
	if f, ok := mr.marks[e.num]; ok && !e.removed {
		applyMarks(m, f)
	}
	m.Date, m.DateSource = mr.date(fi, head)
	return m
}

// applySequences maps the sequences holding message n onto m.
func (mr *mailboxReader) applySequences(m *mailconv.Message, n uint32) {
	for name, seq := range mr.seqs {
		if !seq.Has(n) {
			continue
		}
		switch strings.ToLower(name) {
		case "unseen":
			m.Flags &^= mailconv.FlagSeen
		case "replied", "answered":
			m.Flags |= mailconv.FlagAnswered
		case "flagged":
			m.Flags |= mailconv.FlagFlagged
		case "forwarded":
			m.Flags |= mailconv.FlagForwarded
		case "cur":
			// nmh's current-message pointer: not message state.
		default:
			if !m.AddKeyword(name) && !mr.badSeq[name] {
				if mr.badSeq == nil {
					mr.badSeq = map[string]bool{}
				}
				mr.badSeq[name] = true
				mr.r.st.Emit(mailconv.EventLoss, "mh.sequence-not-keyword", mr.mb, m.Source.File, -1,
					"sequence %q cannot be an IMAP keyword; its membership is not carried", name)
			}
		}
	}
	if len(m.Keywords) > 1 {
		sort.Strings(m.Keywords)
	}
}

// date picks the internal date in the configured order.
func (mr *mailboxReader) date(fi os.FileInfo, head []byte) (time.Time, mailconv.DateSource) {
	received, date := mailconv.HeaderDates(head)
	return mailconv.ChooseDate(mr.r.cfg.date, fi.ModTime(), received, date)
}
