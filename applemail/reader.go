package applemail

import (
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/internal/safeopen"
	"github.com/mailconv/mailconv/internal/storeroot"
)

// Reader reads an Apple Mail store. Create one with Open. It implements
// mailconv.Reader and mailconv.Fingerprinter; its mailbox readers of emlx
// mailboxes implement mailconv.IDSkipper (the ID is the emlx number).
type Reader struct {
	st    *storeroot.Store
	cfg   config
	boxes map[string]*box // by Mailbox.Source
}

// box is what the reader found for one mailbox.
type box struct {
	path    mailconv.Path
	rel     string
	msgDirs []string // Messages directories, relative to the root
	bundle  string   // the "mbox" file of an exported bundle
}

// Open opens the Apple Mail store at dir for reading: ~/Library/Mail (the
// newest VN directory is read), a VN directory, an account directory, a
// single .mbox or .imapmbox mailbox, a directory holding Messages/, or
// exported Name.mbox bundles. Files are opened read-only through an
// os.Root, so no symbolic link leads outside the store.
func Open(ctx context.Context, dir string, opts *mailconv.Options) (*Reader, error) {
	st, cfg, err := storeroot.OpenWith(dir, FormatName, opts, parseParams)
	if err != nil {
		return nil, err
	}
	return &Reader{st: st, cfg: cfg}, nil
}

// Close releases the store.
func (r *Reader) Close() error { return r.st.Close() }

var roles = map[string]mailconv.Role{
	"inbox": mailconv.RoleInbox, "sent messages": mailconv.RoleSent, "sent": mailconv.RoleSent,
	"drafts": mailconv.RoleDrafts, "deleted messages": mailconv.RoleTrash, "trash": mailconv.RoleTrash,
	"junk": mailconv.RoleJunk, "outbox": mailconv.RoleOutbox, "archive": mailconv.RoleArchive,
}

// Mailboxes lists the store, parents before children. Mailboxes are named
// as their directories without the .mbox/.imapmbox extension; account
// directories and plain folders holding mailboxes become folders (NoSelect)
// named as the directory, "Mailboxes" (the local "On My Mac" mailboxes) as
// "On My Mac". Directories Apple Mail keeps for itself (MailData, Bundles,
// hidden ones) are not read.
func (r *Reader) Mailboxes(ctx context.Context) ([]*mailconv.Mailbox, error) {
	r.boxes = map[string]*box{}
	start := "."
	fis, err := r.st.ReadDir(".")
	if err != nil {
		return nil, fmt.Errorf("applemail: listing %s: %w", r.st.Path, err)
	}
	var versions []int
	for _, fi := range fis {
		if v := versionDir(fi.Name()); v > 0 && fi.IsDir() {
			versions = append(versions, v)
		}
	}
	if len(versions) > 0 {
		sort.Ints(versions)
		start = "V" + strconv.Itoa(versions[len(versions)-1])
		if len(versions) > 1 {
			r.st.Emit(mailconv.EventWarning, "applemail.older-versions", nil, r.st.Path, -1,
				"the store holds %d Mail versions; only the newest, %s, is read (open an older one by its path)", len(versions), start)
		}
	}
	base := filepath.Base(filepath.Clean(r.st.Path))
	name, isBox := mailboxExt(base)
	if !isBox && r.isDir("Messages") {
		isBox = true
	}
	var out []*mailconv.Mailbox
	if isBox && start == "." {
		mb := r.mailbox(mailconv.Path{name}, ".")
		out = append(out, mb)
		return r.walkMailbox(ctx, ".", mb, 0, out)
	}
	return r.walkFolder(ctx, start, nil, 0, out)
}

func (r *Reader) isDir(rel string) bool {
	fi, err := r.st.Root.Stat(rel)
	return err == nil && fi.IsDir()
}

func (r *Reader) mailbox(p mailconv.Path, rel string) *mailconv.Mailbox {
	p, role := storeroot.TopRole(p, roles)
	mb := &mailconv.Mailbox{Path: p, Role: role, Source: r.st.Abs(rel), Messages: -1, Bytes: -1, NoSelect: true}
	r.boxes[mb.Source] = &box{path: p, rel: rel}
	return mb
}

// skipDirs are directories of a Mail tree that hold no mailboxes.
var skipDirs = map[string]bool{"MailData": true, "Bundles": true, "Messages": true, "Attachments": true}

// walkFolder lists a directory that is not itself a mailbox.
func (r *Reader) walkFolder(ctx context.Context, rel string, parent mailconv.Path, depth int, out []*mailconv.Mailbox) ([]*mailconv.Mailbox, error) {
	if r.st.TooDeep(parent, rel, depth, r.cfg.maxDepth, ParamMaxDepth) {
		return out, nil
	}
	fis, err := r.st.ReadDir(rel)
	if err != nil {
		if rel == "." {
			return nil, fmt.Errorf("applemail: listing %s: %w", r.st.Path, err)
		}
		r.st.Skip(parent, rel, err)
		return out, nil
	}
	for _, fi := range fis {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n := fi.Name()
		if strings.HasPrefix(n, ".") || skipDirs[n] || !fi.IsDir() {
			continue
		}
		child := path.Join(rel, n)
		if name, ok := mailboxExt(n); ok {
			mb := r.mailbox(parent.Child(name), child)
			out = append(out, mb)
			if out, err = r.walkMailbox(ctx, child, mb, depth+1, out); err != nil {
				return nil, err
			}
			continue
		}
		seg := n
		if n == "Mailboxes" && depth == 0 {
			seg = "On My Mac"
		}
		folder := &mailconv.Mailbox{Path: parent.Child(seg), NoSelect: true, Source: r.st.Abs(child), Messages: -1, Bytes: -1}
		before := len(out)
		out = append(out, folder)
		if out, err = r.walkFolder(ctx, child, folder.Path, depth+1, out); err != nil {
			return nil, err
		}
		if len(out) == before+1 {
			out = out[:before] // no mailbox inside
		}
	}
	return out, nil
}

// walkMailbox finds the messages of the mailbox at rel and its child
// mailboxes.
func (r *Reader) walkMailbox(ctx context.Context, rel string, mb *mailconv.Mailbox, depth int, out []*mailconv.Mailbox) ([]*mailconv.Mailbox, error) {
	b := r.boxes[mb.Source]
	if r.st.TooDeep(mb.Path, rel, depth, r.cfg.maxDepth, ParamMaxDepth) {
		return out, nil
	}
	fis, err := r.st.ReadDir(rel)
	if err != nil {
		r.st.Skip(mb.Path, rel, err)
		return out, nil
	}
	for _, fi := range fis {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n := fi.Name()
		child := path.Join(rel, n)
		switch {
		case strings.HasPrefix(n, "."):
		case fi.Mode().IsRegular() && n == "mbox":
			b.bundle = child
		case !fi.IsDir():
			// Info.plist, table_of_contents: not needed.
		case n == "Messages":
			b.msgDirs = append(b.msgDirs, child)
		case n == "Attachments":
		default:
			if name, ok := mailboxExt(n); ok {
				kid := r.mailbox(mb.Path.Child(name), child)
				out = append(out, kid)
				if out, err = r.walkMailbox(ctx, child, kid, depth+1, out); err != nil {
					return nil, err
				}
				continue
			}
			r.findMessages(ctx, child, b, depth+1)
		}
	}
	if len(b.msgDirs) > 0 && b.bundle != "" {
		r.st.Emit(mailconv.EventWarning, "applemail.bundle-ignored", mb.Path, r.st.Abs(b.bundle), -1,
			"the mailbox holds emlx messages and an mbox file; only the emlx messages are read")
		b.bundle = ""
	}
	mb.NoSelect = len(b.msgDirs) == 0 && b.bundle == ""
	if b.bundle != "" {
		if fi, err := r.st.Root.Stat(b.bundle); err == nil {
			mb.Bytes = fi.Size()
		}
	}
	return out, nil
}

// findMessages looks below a mailbox's <UUID>/Data/… tree for Messages
// directories.
func (r *Reader) findMessages(ctx context.Context, rel string, b *box, depth int) {
	if depth >= r.cfg.maxDepth || ctx.Err() != nil {
		return
	}
	fis, err := r.st.ReadDir(rel)
	if err != nil {
		r.st.Skip(b.path, rel, err)
		return
	}
	for _, fi := range fis {
		n := fi.Name()
		if !fi.IsDir() || strings.HasPrefix(n, ".") || n == "Attachments" {
			continue
		}
		if n == "Messages" {
			b.msgDirs = append(b.msgDirs, path.Join(rel, n))
			continue
		}
		r.findMessages(ctx, path.Join(rel, n), b, depth+1)
	}
}

// Fingerprint covers the mailbox's Messages directories (new messages
// change them, not the .mbox directory) or its mbox file.
func (r *Reader) Fingerprint(mb *mailconv.Mailbox) (string, error) {
	b, ok := r.boxes[mb.Source]
	if !ok {
		return mailconv.StatFingerprint(mb.Source), nil
	}
	paths := []string{mb.Source}
	for _, d := range b.msgDirs {
		paths = append(paths, r.st.Abs(d))
	}
	if b.bundle != "" {
		paths = append(paths, r.st.Abs(b.bundle))
	}
	return mailconv.StatFingerprint(paths...), nil
}

// ConcurrentOpen implements mailconv.ConcurrentOpener: once Mailboxes
// returned, Open and Fingerprint only read the reader's mailbox map, and
// each mailbox reader (or the mbox reader of a bundle) has files of its
// own.
func (r *Reader) ConcurrentOpen() bool { return true }

// Open starts reading the messages of mb.
func (r *Reader) Open(ctx context.Context, mb *mailconv.Mailbox) (mailconv.MailboxReader, error) {
	b, ok := r.boxes[mb.Source]
	if !ok {
		if mb.NoSelect {
			return &emlxReader{r: r}, nil
		}
		return nil, storeroot.Unlisted(FormatName, mb, r.boxes != nil)
	}
	if b.bundle != "" {
		return r.openBundle(ctx, b)
	}
	mr := &emlxReader{r: r, mb: b.path}
	mr.msg.Reset()
	if err := mr.load(ctx, b); err != nil {
		return nil, err
	}
	return mr, nil
}

// openBundle reads an exported bundle's mbox file through the registered
// mbox format (formats do not import each other).
func (r *Reader) openBundle(ctx context.Context, b *box) (mailconv.MailboxReader, error) {
	f, ok := mailconv.LookupFormat("mbox")
	if !ok || f.Open == nil {
		r.st.Emit(mailconv.EventSkip, "applemail.mbox-unavailable", b.path, r.st.Abs(b.bundle), -1,
			"the mbox format is not registered in this program; the bundle is not read")
		return &emlxReader{r: r}, nil
	}
	fi, err := r.st.Root.Lstat(b.bundle)
	if err != nil || !fi.Mode().IsRegular() {
		if err == nil {
			err = fmt.Errorf("%s: %w", b.bundle, safeopen.ErrNotRegular)
		}
		r.st.Skip(b.path, b.bundle, err)
		return &emlxReader{r: r}, nil
	}
	events := func(e mailconv.Event) {
		e.Mailbox = b.path
		r.st.Opts.Emit(e)
	}
	sub, err := f.Open(ctx, r.st.Abs(b.bundle), &mailconv.Options{Events: events})
	if err != nil {
		return nil, fmt.Errorf("applemail: bundle %s: %w", r.st.Abs(b.bundle), err)
	}
	mbs, err := sub.Mailboxes(ctx)
	if err != nil || len(mbs) != 1 {
		sub.Close()
		if err == nil {
			err = fmt.Errorf("%d mailboxes in one mbox file", len(mbs))
		}
		return nil, fmt.Errorf("applemail: bundle %s: %w", r.st.Abs(b.bundle), err)
	}
	mr, err := sub.Open(ctx, mbs[0])
	if err != nil {
		sub.Close()
		return nil, fmt.Errorf("applemail: bundle %s: %w", r.st.Abs(b.bundle), err)
	}
	return &bundleReader{MailboxReader: mr, store: sub}, nil
}

// bundleReader is the mbox reader of a bundle and the store it came from.
type bundleReader struct {
	mailconv.MailboxReader
	store mailconv.Reader
}

func (b *bundleReader) Close() error {
	err := b.MailboxReader.Close()
	if cerr := b.store.Close(); err == nil {
		err = cerr
	}
	return err
}

// entry is one emlx file of a mailbox.
type entry struct {
	id      string
	num     uint64
	rel     string
	partial bool
	attDir  string // Attachments/<id>, relative to the root
}

// EntryID is the message's ID: its emlx number (storeroot.Entry).
func (e entry) EntryID() string { return e.id }

// emlxReader streams the emlx messages of one mailbox. Its storeroot.Files
// gives it PeekID and Skip (mailconv.IDSkipper: the ID is the emlx
// number), Read and Close; it holds the emlx file and the attachment files
// of the current message.
type emlxReader struct {
	storeroot.Files[entry]
	r   *Reader
	mb  mailconv.Path
	msg mailconv.Message
}

// load lists the mailbox's emlx files, in the order of their numbers.
func (mr *emlxReader) load(ctx context.Context, b *box) error {
	r := mr.r
	seen := map[string]int{}
	for _, d := range b.msgDirs {
		fis, err := r.st.ReadDir(d)
		if err != nil {
			r.st.Skip(mr.mb, d, err)
			continue
		}
		for _, fi := range fis {
			n := fi.Name()
			e := entry{rel: path.Join(d, n)}
			switch {
			case strings.HasSuffix(n, ".partial.emlx"):
				e.id, e.partial = strings.TrimSuffix(n, ".partial.emlx"), true
			case strings.HasSuffix(n, ".emlx"):
				e.id = strings.TrimSuffix(n, ".emlx")
			case strings.HasSuffix(n, ".emlxpart"):
				r.st.Emit(mailconv.EventLoss, "applemail.emlxpart", mr.mb, r.st.Abs(e.rel), -1,
					"a message piece of an older Mail version; not read")
				continue
			default:
				continue
			}
			if e.id == "" || strings.HasPrefix(n, ".") {
				continue
			}
			e.num, _ = strconv.ParseUint(e.id, 10, 64)
			e.attDir = path.Join(path.Dir(d), "Attachments", e.id)
			if k, dup := seen[e.id]; dup {
				prev := &mr.Entries[k]
				r.st.Emit(mailconv.EventWarning, "applemail.duplicate-id", mr.mb, r.st.Abs(e.rel), -1,
					"message %s is also stored as %s; the complete copy is read", e.id, r.st.Abs(prev.rel))
				if prev.partial && !e.partial {
					*prev = e
				}
				continue
			}
			seen[e.id] = len(mr.Entries)
			mr.Entries = append(mr.Entries, e)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	sort.SliceStable(mr.Entries, func(i, j int) bool {
		a, b := mr.Entries[i], mr.Entries[j]
		if a.num != b.num {
			return a.num < b.num
		}
		return a.id < b.id
	})
	return nil
}

// Next opens the next emlx file and returns its metadata. A file whose
// framing is broken is reported as a skip; a broken property list as a
// warning (the message is read without its state).
func (mr *emlxReader) Next() (*mailconv.Message, error) {
	r := mr.r
	for e, ok := mr.Take(); ok; e, ok = mr.Take() {
		f, fi, err := safeopen.File(r.st.Root, e.rel)
		if err != nil {
			r.st.Skip(mr.mb, e.rel, err)
			continue
		}
		file := r.st.Abs(e.rel)
		fr, err := ParseFraming(f, fi.Size(), file)
		if err != nil {
			s, ok := Framing{}, false
			if fr.MessageOffset > 0 {
				s, ok = SalvageFraming(f, fi.Size(), fr.MessageOffset, r.cfg.maxPlist)
			}
			if !ok {
				f.Close()
				r.st.EmitErr(mailconv.EventSkip, "applemail.bad-framing", mr.mb, e.id, err)
				continue
			}
			r.st.EmitErr(mailconv.EventWarning, "applemail.bad-count", mr.mb, e.id,
				fmt.Errorf("%w; the message is read up to its property list (%d bytes)", err, s.MessageSize))
			fr = s
		}
		m := &mr.msg
		m.Reset()
		m.ID = e.id
		m.Source = mailconv.Location{File: file, Offset: fr.MessageOffset}
		m.Size = fr.MessageSize
		mr.Hold(f)
		mr.state(m, e, f, fr, fi)
		mr.SetBody(io.NewSectionReader(f, fr.MessageOffset, fr.MessageSize))
		if e.partial {
			mr.rebuild(m, e, f, fr)
		}
		return m, nil
	}
	return nil, io.EOF
}

// state sets the flags, keywords and date from the property list.
func (mr *emlxReader) state(m *mailconv.Message, e entry, f *os.File, fr Framing, fi os.FileInfo) {
	r := mr.r
	var props Props
	switch {
	case fr.PlistSize == 0:
		r.st.Emit(mailconv.EventLoss, "applemail.no-plist", mr.mb, m.Source.File, fr.PlistOffset,
			"message %s has no property list: its flags are unknown", e.id)
	case fr.PlistSize > r.cfg.maxPlist:
		r.st.EmitErr(mailconv.EventLoss, "applemail.bad-plist", mr.mb, e.id, &mailconv.ParseError{File: m.Source.File, Offset: fr.PlistOffset,
			Err: fmt.Errorf("applemail: property list of %d bytes: %w", fr.PlistSize, &mailconv.LimitError{Name: ParamMaxPlist, Limit: r.cfg.maxPlist})})
	default:
		var err error
		props, err = ParseProps(io.NewSectionReader(f, fr.PlistOffset, fr.PlistSize), m.Source.File, fr.PlistOffset, r.cfg.maxPlist)
		if err != nil {
			r.st.EmitErr(mailconv.EventLoss, "applemail.bad-plist", mr.mb, e.id, err)
		}
	}
	if props.HasFlags {
		flags, kws := FlagsFromWord(props.Flags)
		m.Flags = flags
		for _, k := range kws {
			m.AddKeyword(k)
		}
	}
	switch {
	case !props.Received.IsZero():
		m.Date, m.DateSource = props.Received, mailconv.DateIndex
	case fi.ModTime().Unix() > 0:
		m.Date, m.DateSource = fi.ModTime(), mailconv.DateFileTime
	}
}

// rebuild puts the attachments of a partial emlx back into its message.
func (mr *emlxReader) rebuild(m *mailconv.Message, e entry, f *os.File, fr Framing) {
	r := mr.r
	stubs, err := findStubs(f, fr.MessageOffset, fr.MessageSize, m.Source.File)
	if err != nil {
		r.st.EmitErr(mailconv.EventLoss, "applemail.partial-unrebuilt", mr.mb, e.id, err)
		return
	}
	var parts []io.Reader
	held := 0
	last := fr.MessageOffset
	section := func(from, to int64) {
		if to > from {
			parts = append(parts, io.NewSectionReader(f, from, to-from))
		}
	}
	for _, st := range stubs {
		att, err := mr.attachment(e, st)
		if err != nil {
			r.st.Emit(mailconv.EventLoss, "applemail.attachment-missing", mr.mb, r.st.Abs(path.Join(e.attDir, st.part)), -1,
				"message %s part %s (%q): %v; the part stays empty", e.id, st.part, st.name, err)
			continue
		}
		mr.Hold(att)
		held++
		section(last, st.fieldFrom)
		section(st.fieldTo, st.bodyAt)
		parts = append(parts, newEncoder(att, st.encoding, st.eol))
		if st.needEOL {
			parts = append(parts, strings.NewReader(st.eol))
		}
		last = st.bodyEnd
	}
	if held == 0 {
		return
	}
	section(last, fr.MessageOffset+fr.MessageSize)
	mr.SetBody(io.MultiReader(parts...))
	m.Size = -1
	m.Rebuilt = true
}

// attachment opens the stored file of a stub part: the only file in
// Attachments/<id>/<part>/, or the one named as the part names it.
func (mr *emlxReader) attachment(e entry, st stub) (*os.File, error) {
	dir := path.Join(e.attDir, st.part)
	fis, err := mr.r.st.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, fi := range fis {
		if !strings.HasPrefix(fi.Name(), ".") && !fi.IsDir() {
			files = append(files, fi.Name())
		}
	}
	pick := ""
	switch {
	case len(files) == 0:
		return nil, fmt.Errorf("no file in %s", dir)
	case len(files) == 1:
		pick = files[0]
	default:
		for _, n := range files {
			if n == st.name {
				pick = n
			}
		}
		if pick == "" {
			return nil, fmt.Errorf("%d files in %s and none is named %q", len(files), dir, st.name)
		}
	}
	rel := path.Join(dir, pick)
	f, _, err := safeopen.File(mr.r.st.Root, rel)
	return f, err
}
