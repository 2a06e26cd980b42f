package maildir

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/internal/platform"
)

// Writer writes a maildir tree. Create one with Create.
type Writer struct {
	path string
	root *os.Root
	opts *mailconv.Options
	cfg  writeConfig
	host string
	pid  string
	// start is the time the writer was created, the leading number of
	// every unique name.
	start int64
	buf   []byte
	// pending lists the Maildir++ NoSelect folders that no child has
	// implied yet.
	pending []string
	// mailboxes counts the mailbox writers created (names in tmp/).
	mailboxes int
	// open holds the mailbox writers not closed yet: Close stops their
	// file-making goroutines.
	open map[*mailboxWriter]bool
	// senderNoted is set once the envelope-sender note was given.
	senderNoted bool
	// subscribed lists the on-disk names of the selectable folders, for the
	// subscriptions file.
	subscribed []string
}

// Create creates a maildir tree at dir, which must not exist or be an empty
// directory. Nothing is ever written outside dir: every file operation goes
// through an os.Root.
func Create(ctx context.Context, dir string, opts *mailconv.Options) (*Writer, error) {
	if opts == nil {
		opts = &mailconv.Options{}
	}
	cfg, err := parseWriteParams(opts.Params)
	if err != nil {
		return nil, err
	}
	if opts.Resume {
		// An earlier run's destination is continued (the journal decides
		// what is already there); it must be one mailconv wrote.
		if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
			if _, err := os.Stat(filepath.Join(dir, markerFile)); err != nil {
				// A run stopped while it wrote the marker left only the
				// marker's temporary file (no other program makes it).
				os.Remove(filepath.Join(dir, markerFile+tmpSuffix))
				if err := ensureEmptyDir(dir); err != nil {
					return nil, fmt.Errorf("maildir: cannot resume into %s: it was not written by mailconv: %w", dir, err)
				}
			}
		} else if err := ensureEmptyDir(dir); err != nil {
			return nil, err
		}
	} else if err := ensureEmptyDir(dir); err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("maildir: %w", err)
	}
	w := &Writer{path: dir, root: root, opts: opts, cfg: cfg, host: hostPart(), pid: strconv.Itoa(os.Getpid()),
		start: time.Now().Unix(), buf: make([]byte, 64<<10)}
	mk := marker{layout: cfg.layout, names: cfg.names, escape: true}
	if err := w.writeFileAtomic(markerFile, mk.encode()); err != nil {
		root.Close()
		return nil, err
	}
	if err := w.makeMaildir("."); err != nil {
		root.Close()
		return nil, err
	}
	return w, nil
}

// ensureEmptyDir creates dir, or checks that it is an empty directory.
func ensureEmptyDir(dir string) error {
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("maildir: %w", err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("maildir: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("maildir: %s is a file, not a directory (a maildir is a directory): %w", dir, mailconv.ErrDestinationNotEmpty)
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("maildir: %w", err)
	}
	defer d.Close()
	if names, _ := d.Readdirnames(1); len(names) > 0 {
		return fmt.Errorf("maildir: %s: %w", dir, mailconv.ErrDestinationNotEmpty)
	}
	return nil
}

// hostPart returns the host name for unique names, with the characters a
// unique name cannot hold written as the spec asks ("/" as \057, ":" as
// \072) and "," (which starts the size fields) as \054.
func hostPart() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		h = "localhost"
	}
	return strings.NewReplacer("/", `\057`, ":", `\072`, ",", `\054`, ";", `\073`, "!", `\041`).Replace(h)
}

// Capabilities: every flag (FlagNew through new/), up to 26 keywords per
// folder, dates (file times), mixed mailboxes, and the name rules of the
// layout.
func (w *Writer) Capabilities() mailconv.Capabilities {
	return mailconv.Capabilities{
		Flags:       mailconv.AllFlags,
		Keywords:    true,
		MaxKeywords: MaxKeywords,
		Dates:       true,
		Mixed:       true,
		Names:       mailconv.LocalNames(nameRules(w.cfg.layout, w.cfg.names), w.cfg.goos),
	}
}

// dirOf returns the directory (relative to the root) of path p, and the
// on-disk segments.
func (w *Writer) dirOf(p mailconv.Path) (string, []string, error) {
	if len(p) == 0 {
		return "", nil, errors.New("maildir: empty mailbox path")
	}
	if p.IsInbox() {
		return ".", nil, nil
	}
	segs := make([]string, len(p))
	for i, s := range p {
		if i == 0 && strings.EqualFold(s, "INBOX") {
			segs[i] = "INBOX"
			continue
		}
		segs[i] = storageSegment(s, w.cfg.layout, w.cfg.names)
	}
	var dir string
	if w.cfg.layout == LayoutFS {
		dir = strings.Join(segs, "/")
	} else {
		dir = "." + strings.Join(segs, ".")
	}
	// storageSegment escapes "/" (and "." in Maildir++) and the names
	// "." and "..", so dir cannot climb; the os.Root would refuse anyway.
	if !filepath.IsLocal(filepath.FromSlash(dir)) {
		return "", nil, fmt.Errorf("maildir: mailbox %s: %w", p, mailconv.ErrOutsideRoot)
	}
	return dir, segs, nil
}

// CreateMailbox creates mailbox mb (names as planned by mailconv.PlanNames
// for Capabilities().Names; escapes it contains are kept). A NoSelect
// folder becomes a directory without cur/new/tmp, which Dovecot lists as
// \Noselect; it returns a nil MailboxWriter.
func (w *Writer) CreateMailbox(ctx context.Context, mb *mailconv.Mailbox) (mailconv.MailboxWriter, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	dir, segs, err := w.dirOf(mb.Path)
	if err != nil {
		return nil, err
	}
	w.dropPending(dir)
	if mb.NoSelect {
		switch {
		case dir == ".":
		case w.cfg.layout == LayoutMaildirPP:
			// A Maildir++ parent exists by implication: Dovecot lists it as
			// \Noselect when ".A" is absent and ".A.B" present. Only a
			// folder left without children needs a directory, made at
			// Close (Dovecot shows it as an empty mailbox).
			w.pending = append(w.pending, dir)
		default:
			if err := w.mkdirAll(dir); err != nil {
				return nil, err
			}
		}
		return nil, nil
	}
	if err := w.makeMaildir(dir); err != nil {
		return nil, err
	}
	if dir != "." {
		if w.cfg.layout == LayoutMaildirPP {
			if err := w.writeFileAtomic(path.Join(dir, "maildirfolder"), nil); err != nil {
				return nil, err
			}
		}
		w.subscribed = append(w.subscribed, strings.Join(segs, "\t"))
	}
	mw := &mailboxWriter{w: w, mb: mb.Path, dir: dir, index: make(map[string]int)}
	// A mailbox left by an earlier run keeps its keyword letters.
	if f, err := w.root.Open(path.Join(dir, "dovecot-keywords")); err == nil {
		kw, _, _ := parseKeywords(f)
		f.Close()
		for i, k := range kw {
			if k != "" {
				mw.keywords[i] = k
				mw.index[strings.ToLower(k)] = i
				if i >= mw.nkw {
					mw.nkw = i + 1
				}
			}
		}
	}
	if w.opts.Durable {
		for i, sub := range [...]string{"cur", "new"} {
			d, err := w.root.Open(path.Join(dir, sub))
			if err != nil {
				mw.Close()
				return nil, fmt.Errorf("maildir: %w", fullPath(w.path, err))
			}
			mw.dirs[i] = d
		}
	}
	// Roots for the mailbox and its tmp/, so that the per-message file
	// operations name one or two path components rather than the whole
	// path from the store's root (each component is a system call).
	if mw.mbRoot, err = w.root.OpenRoot(filepath.FromSlash(dir)); err != nil {
		err = fullPath(w.path, err)
	} else if mw.tmpRoot, err = mw.mbRoot.OpenRoot("tmp"); err != nil {
		err = fullPath(w.abs(dir), err)
	}
	if err != nil {
		mw.Close()
		return nil, fmt.Errorf("maildir: %w", err)
	}
	if w.opts.Resume {
		mw.cleanTmp()
	}
	w.mailboxes++
	mw.pre = startPrecreate(mw.tmpRoot, fmt.Sprintf("%d.T%d_", w.start, w.mailboxes), "P"+w.pid+"."+w.host)
	if w.open == nil {
		w.open = map[*mailboxWriter]bool{}
	}
	w.open[mw] = true
	return mw, nil
}

func (w *Writer) mkdirAll(dir string) error {
	if err := w.root.MkdirAll(filepath.FromSlash(dir), 0o700); err != nil {
		return fmt.Errorf("maildir: creating %s: %w", w.abs(dir), err)
	}
	return nil
}

func (w *Writer) makeMaildir(dir string) error {
	for _, sub := range [...]string{"cur", "new", "tmp"} {
		if err := w.mkdirAll(path.Join(dir, sub)); err != nil {
			return err
		}
	}
	if w.opts.Durable {
		return w.syncDir(dir)
	}
	return nil
}

func (w *Writer) abs(rel string) string { return filepath.Join(w.path, filepath.FromSlash(rel)) }

// fullPath makes the file names in err (an *fs.PathError or *os.LinkError
// from an os.Root, which names paths relative to the root) absolute by
// joining them to base, the root's directory, so that every file-system
// error names the whole path. It returns err.
func fullPath(base string, err error) error {
	join := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(base, p)
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		pe.Path = join(pe.Path)
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		le.Old, le.New = join(le.Old), join(le.New)
	}
	return err
}

func (w *Writer) syncDir(rel string) error {
	d, err := w.root.Open(filepath.FromSlash(rel))
	if err != nil {
		return fmt.Errorf("maildir: %w", fullPath(w.path, err))
	}
	err = platform.SyncDir(d)
	d.Close()
	if err != nil {
		return fmt.Errorf("maildir: syncing %s: %w", w.abs(rel), err)
	}
	return nil
}

// writeFileAtomic writes a small control file through a temporary name and
// a rename, so that readers never see it half written.
// tmpSuffix names the temporary file writeFileAtomic renames into place.
const tmpSuffix = ".mailconv-tmp"

func (w *Writer) writeFileAtomic(rel string, data []byte) error {
	rel = filepath.FromSlash(rel)
	if sameContent(w.root, rel, data) {
		// A resumed or repeated run: a file that changes nothing is not
		// written again (backup tools would see a change).
		return nil
	}
	tmp := rel + tmpSuffix
	f, err := w.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("maildir: %w", fullPath(w.path, err))
	}
	_, err = f.Write(data)
	if err == nil && w.opts.Durable {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = w.root.Rename(tmp, rel)
	}
	if err != nil {
		w.root.Remove(tmp)
		return fmt.Errorf("maildir: writing %s: %w", w.abs(rel), fullPath(w.path, err))
	}
	if w.opts.Durable {
		return w.syncDir(filepath.Dir(rel))
	}
	return nil
}

// sameContent tells whether the regular file rel under root holds exactly
// data (it reads no more than len(data)+1 bytes).
func sameContent(root *os.Root, rel string, data []byte) bool {
	f, err := root.Open(rel)
	if err != nil {
		return false
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() || fi.Size() != int64(len(data)) {
		return false
	}
	got := make([]byte, len(data)+1)
	n, _ := io.ReadFull(f, got)
	return n == len(data) && bytes.Equal(got[:n], data)
}

// dropPending forgets the pending NoSelect folders that dir implies (its
// Maildir++ ancestors).
func (w *Writer) dropPending(dir string) {
	kept := w.pending[:0]
	for _, p := range w.pending {
		if !strings.HasPrefix(dir, p+".") {
			kept = append(kept, p)
		}
	}
	w.pending = kept
}

// Close writes the subscriptions file (every selectable folder, so that
// IMAP clients show them) and releases the tree.
func (w *Writer) Close() error {
	if w.root == nil {
		return nil
	}
	var err error
	for mw := range w.open {
		if cerr := mw.Close(); err == nil {
			err = cerr
		}
	}
	for _, p := range w.pending {
		if merr := w.mkdirAll(p); err == nil {
			err = merr
		}
	}
	if len(w.subscribed) > 0 && err == nil {
		// Dovecot's subscriptions format, version 2: a header line, an
		// empty line, then one mailbox per line with its hierarchy levels
		// separated by tabs.
		var b strings.Builder
		b.WriteString("V\t2\n\n")
		for _, s := range w.subscribed {
			b.WriteString(s)
			b.WriteByte('\n')
		}
		err = w.writeFileAtomic("subscriptions", []byte(b.String()))
	}
	if cerr := w.root.Close(); err == nil {
		err = cerr
	}
	w.root = nil
	return err
}

// mailboxWriter delivers messages into one maildir.
type mailboxWriter struct {
	w        *Writer
	mb       mailconv.Path
	dir      string
	keywords [MaxKeywords]string
	nkw      int
	index    map[string]int // lower-case keyword -> letter index
	seq      int
	dirs     [2]*os.File // cur/ and new/, open when durable
	mbRoot   *os.Root    // the mailbox directory
	tmpRoot  *os.Root    // its tmp/
	pre      *precreator // files of tmp/ made ahead
	info     []byte
	letters  []byte
	held     map[string]int64  // IDDigest -> size of files found (Holds)
	lastRef  string            // unique name (Info.Base) of the last message written
	names    map[string]string // Info.Base -> "cur/NAME" or "new/NAME" (UpdateFlags)
}

// WriteMessage delivers one message: it streams body into tmp/, sets the
// file time to the internal date, and links the file into cur/ or new/
// under a name that no other message of this run can have.
func (mw *mailboxWriter) WriteMessage(ctx context.Context, m *mailconv.Message, body io.Reader) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	w := mw.w
	if m.Sender != "" && !w.senderNoted {
		// A maildir has no place for the envelope sender; the message's
		// own Return-Path header, if any, stays. Said once per store.
		w.senderNoted = true
		w.opts.Emit(mailconv.Event{Kind: mailconv.EventInfo, Code: "maildir.envelope-sender", Mailbox: mw.mb, Message: m.ID,
			Detail: "a maildir does not store envelope senders (mbox From_ lines); Return-Path headers in the messages remain"})
	}
	kw := mw.keywordBits(m)
	flags := m.Flags
	isNew := flags&mailconv.FlagNew != 0 && flags&mailconv.FlagSeen == 0
	if flags&mailconv.FlagNew != 0 && !isNew {
		mw.loss("maildir.new-seen", m, "a seen message cannot stay in new/: the \"new\" state is dropped")
	}
	sub := "cur"
	if isNew {
		sub = "new"
	}

	if mw.pre == nil {
		return fmt.Errorf("maildir: writing into %s: %w", w.abs(mw.dir), os.ErrClosed)
	}
	tmpName, f, err := mw.pre.next()
	if err != nil {
		return fmt.Errorf("maildir: %w", fullPath(w.abs(path.Join(mw.dir, "tmp")), err))
	}
	tmpRel := path.Join(mw.dir, "tmp", tmpName)
	mw.seq++
	base := mw.uniqueBase(m.ID)
	size, err := io.CopyBuffer(onlyWriter{f}, body, w.buf)
	if err == nil && w.opts.Durable {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && size == 0 {
		mw.tmpRoot.Remove(tmpName)
		return &mailconv.SkipError{Code: "maildir.empty", Reason: "the message is empty (0 bytes)"}
	}
	if err == nil && !m.Date.IsZero() {
		err = mw.tmpRoot.Chtimes(tmpName, m.Date, m.Date)
	}
	if err != nil {
		mw.tmpRoot.Remove(tmpName)
		return fmt.Errorf("maildir: writing %s: %w", w.abs(tmpRel), fullPath(w.abs(path.Join(mw.dir, "tmp")), err))
	}

	// Final name: base, size, info. Another file of that name (two
	// source mailboxes written into one folder, an earlier run) makes us
	// pick the next sequence number rather than replace it.
	mw.letters = appendInfo(mw.letters[:0], flags, kw)
	for try := 0; ; try++ {
		info := mw.info[:0]
		info = append(info, base...)
		info = append(info, ",S="...)
		info = strconv.AppendInt(info, size, 10)
		if !isNew || len(mw.letters) > 0 {
			info = append(info, w.cfg.infoSep, '2', ',')
			info = append(info, mw.letters...)
		}
		mw.info = info
		err := mw.commit(tmpName, sub, string(info))
		if err == nil {
			break
		}
		if !errors.Is(err, fs.ErrExist) || try >= 100 {
			mw.tmpRoot.Remove(tmpName)
			return err
		}
		mw.seq++
		base = mw.uniqueBase(m.ID)
	}
	mw.lastRef = string(mw.info)
	if i := bytes.IndexByte(mw.info, w.cfg.infoSep); i >= 0 {
		mw.lastRef = string(mw.info[:i])
	}
	if w.opts.Durable {
		d := mw.dirs[0]
		if isNew {
			d = mw.dirs[1]
		}
		if err := platform.SyncDir(d); err != nil {
			return fmt.Errorf("maildir: syncing %s: %w", w.abs(path.Join(mw.dir, sub)), err)
		}
	}
	return nil
}

// onlyWriter hides *os.File's ReadFrom so that io.CopyBuffer uses our
// buffer (and does not allocate one per message).
type onlyWriter struct{ w io.Writer }

func (o onlyWriter) Write(p []byte) (int, error) { return o.w.Write(p) }

// commit moves tmp/name to sub/final without ever replacing an existing
// file: a hard link (which fails if final exists) then removal of tmp; on
// file systems without hard links, a rename after checking final is absent.
func (mw *mailboxWriter) commit(name, sub, final string) error {
	t, fl := filepath.Join("tmp", name), filepath.Join(sub, final)
	abs := func() string { return mw.w.abs(path.Join(mw.dir, sub, final)) }
	err := mw.mbRoot.Link(t, fl)
	if err == nil {
		mw.pre.removeLater(name) // delivered: the tmp/ name goes in the background
		return nil
	}
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("maildir: %s already exists: %w", abs(), err)
	}
	if _, serr := mw.mbRoot.Lstat(fl); serr == nil {
		return fmt.Errorf("maildir: %s already exists: %w", abs(), fs.ErrExist)
	}
	if err := mw.mbRoot.Rename(t, fl); err != nil {
		return fmt.Errorf("maildir: %w", fullPath(mw.w.abs(mw.dir), err))
	}
	return nil
}

// uniqueBase builds "<start>.M<seq>P<pid>R<digest>.<host>". Dovecot
// orders new files by the leading seconds, then by the number after "M"
// (see maildir_filename_sort_cmp), and so does Reader: with the run's start
// time and a per-mailbox sequence number there, messages keep their source
// order. R is a digest of the source message ID (IDDigest), so that a later
// run can recognise a message it already delivered. The internal date is
// the file's modification time, not part of the name.
func (mw *mailboxWriter) uniqueBase(id string) string {
	var b []byte
	b = strconv.AppendInt(b, mw.w.start, 10)
	b = append(b, ".M"...)
	b = strconv.AppendInt(b, int64(mw.seq), 10)
	b = append(b, 'P')
	b = append(b, mw.w.pid...)
	if id != "" {
		sum := sha256.Sum256([]byte(id))
		b = append(b, 'R')
		b = hex.AppendEncode(b, sum[:8])
	}
	b = append(b, '.')
	b = append(b, mw.w.host...)
	return string(b)
}

// IDDigest returns the digest of a source message ID that the writer puts
// in unique names after "R" (16 hex digits), for tools that look for a
// message already delivered.
func IDDigest(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:8])
}

// Holds reports whether this mailbox already holds the message written for
// source message m by an earlier run: a file whose unique name carries
// IDDigest(m.ID) and whose size is size. Convert asks it only for a mailbox
// an interrupted run was writing, for the message written just before the
// interruption and not yet journaled. It implements mailconv.Holder.
func (mw *mailboxWriter) Holds(ctx context.Context, m *mailconv.Message, digest string, size int64, messageID string) (bool, error) {
	if m.ID == "" {
		return false, nil
	}
	if mw.held == nil {
		mw.held = make(map[string]int64)
		for _, sub := range [...]string{"cur", "new"} {
			d, err := mw.w.root.Open(path.Join(mw.dir, sub))
			if err != nil {
				return false, fmt.Errorf("maildir: %w", fullPath(mw.w.path, err))
			}
			names, err := d.Readdirnames(-1)
			d.Close()
			if err != nil {
				return false, fmt.Errorf("maildir: %w", fullPath(mw.w.path, err))
			}
			var in nameInfo
			for _, n := range names {
				in = parseName(n, &in)
				if i := strings.Index(in.Base, "R"); i >= 0 {
					if dot := strings.IndexByte(in.Base[i:], '.'); dot == 17 {
						mw.held[in.Base[i+1:i+17]] = in.Size
					}
				}
			}
		}
	}
	sz, ok := mw.held[IDDigest(m.ID)]
	return ok && (sz < 0 || sz == size), nil
}

// keywordBits returns the letters of m's keywords (and of $Forwarded),
// assigning new letters and rewriting dovecot-keywords as needed. Keywords
// beyond the 26th letter are reported as losses.
func (mw *mailboxWriter) keywordBits(m *mailconv.Message) uint32 {
	var bits uint32
	var overflow, invalid []string
	use := func(k string) {
		if !mailconv.ValidKeyword(k) {
			invalid = append(invalid, k)
			return
		}
		k = mailconv.CanonicalKeyword(k)
		key := strings.ToLower(k)
		i, ok := mw.index[key]
		if !ok {
			if mw.nkw >= MaxKeywords {
				overflow = append(overflow, k)
				return
			}
			i = mw.nkw
			mw.nkw++
			mw.keywords[i] = k
			mw.index[key] = i
			if err := mw.writeKeywords(); err != nil {
				// The letter cannot be named: do not use it.
				mw.nkw--
				mw.keywords[i] = ""
				delete(mw.index, key)
				mw.loss("maildir.keyword-unwritable", m, fmt.Sprintf("keyword %q: %v", k, err))
				return
			}
		}
		bits |= 1 << uint(i)
	}
	if m.Flags&mailconv.FlagForwarded != 0 {
		use("$Forwarded") // Dovecot ignores P and reads this keyword instead
	}
	for _, k := range m.Keywords {
		use(k)
	}
	if len(overflow) > 0 {
		mw.loss("maildir.keyword-overflow", m, fmt.Sprintf(
			"the folder already names %d keywords (one per letter a-z): %s not stored", MaxKeywords, strings.Join(overflow, " ")))
	}
	if len(invalid) > 0 {
		mw.loss("maildir.keyword-invalid", m, fmt.Sprintf("%q cannot be IMAP keywords: not stored", invalid))
	}
	return bits
}

func (mw *mailboxWriter) writeKeywords() error {
	var b strings.Builder
	for i := 0; i < mw.nkw; i++ {
		if mw.keywords[i] != "" {
			fmt.Fprintf(&b, "%d %s\n", i, mw.keywords[i])
		}
	}
	return mw.w.writeFileAtomic(path.Join(mw.dir, "dovecot-keywords"), []byte(b.String()))
}

func (mw *mailboxWriter) loss(code string, m *mailconv.Message, detail string) {
	loc := m.Source
	mw.w.opts.Emit(mailconv.Event{Kind: mailconv.EventLoss, Code: code, Mailbox: mw.mb, Message: m.ID, Location: &loc, Detail: detail})
}

// Close finishes the mailbox.
func (mw *mailboxWriter) Close() error {
	var err error
	if mw.pre != nil {
		if perr := mw.pre.close(); perr != nil {
			err = fmt.Errorf("maildir: %w", fullPath(mw.w.abs(path.Join(mw.dir, "tmp")), perr))
		}
		mw.pre = nil
	}
	delete(mw.w.open, mw)
	for _, r := range [...]**os.Root{&mw.tmpRoot, &mw.mbRoot} {
		if *r != nil {
			if cerr := (*r).Close(); err == nil {
				err = cerr
			}
			*r = nil
		}
	}
	for i, d := range mw.dirs {
		if d != nil {
			if cerr := d.Close(); err == nil {
				err = cerr
			}
			mw.dirs[i] = nil
		}
	}
	return err
}
