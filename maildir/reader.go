package maildir

import (
	"bufio"
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

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/internal/safeopen"
	"github.com/mailconv/mailconv/internal/storeroot"
)

// DefaultMaxDepth is the default of ParamMaxDepth: the folder nesting the
// fs-layout reader follows
// (a guard against symbolic-link loops inside the tree).
const DefaultMaxDepth = 64

// Reader reads a maildir tree. Create one with Open.
type Reader struct {
	path     string
	root     *os.Root
	opts     *mailconv.Options
	cfg      readConfig
	layout   Layout
	names    NameEncoding
	unescape bool
	// dirs maps a Mailbox.Source to its directory relative to the root
	// ("." for the root, "" for a folder that exists only by implication).
	dirs map[string]string
}

// Open opens the maildir tree at path for reading. It never modifies it:
// files are opened read-only, and through an os.Root so that no symbolic
// link leads outside the tree.
func Open(ctx context.Context, dir string, opts *mailconv.Options) (*Reader, error) {
	if opts == nil {
		opts = &mailconv.Options{}
	}
	cfg, err := parseReadParams(opts.Params)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("maildir: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("maildir: %s is not a directory: %w", dir, mailconv.ErrFormat)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("maildir: %w", err)
	}
	r := &Reader{path: dir, root: root, opts: opts, cfg: cfg, names: cfg.names, unescape: cfg.unescape}
	m, haveMarker := readMarker(root)
	switch {
	case cfg.layoutSet:
		r.layout = cfg.layout
	case haveMarker:
		r.layout = m.layout
	default:
		r.layout = r.detectLayout()
	}
	if haveMarker {
		if _, set := opts.Params[ParamNames]; !set {
			r.names = m.names
		}
		if !cfg.unescapeSet {
			r.unescape = m.escape
		}
	}
	return r, nil
}

// Layout returns the layout the reader uses.
func (r *Reader) Layout() Layout { return r.layout }

// detectLayout looks at the root: Maildir++ when a dot-directory holds a
// maildir, fs when another directory (not cur/new/tmp) does, Maildir++
// otherwise.
func (r *Reader) detectLayout() Layout {
	names, err := r.readDirNames(".")
	if err != nil {
		return LayoutMaildirPP
	}
	fsSeen := false
	for _, n := range names {
		switch {
		case n == "cur" || n == "new" || n == "tmp":
		case n[0] == '.':
			if r.isMaildir(n) {
				return LayoutMaildirPP
			}
		default:
			if fi, err := r.root.Stat(n); err == nil && fi.IsDir() {
				fsSeen = true
			}
		}
	}
	if fsSeen {
		return LayoutFS
	}
	return LayoutMaildirPP
}

// readDirNames lists a directory's entry names (without "." and "..").
func (r *Reader) readDirNames(dir string) ([]string, error) {
	d, err := safeopen.Dir(r.root, dir)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return d.Readdirnames(-1)
}

func (r *Reader) isDir(rel string) bool {
	fi, err := r.root.Stat(rel)
	return err == nil && fi.IsDir()
}

// isMaildir tells whether rel holds messages: a cur/ or new/ directory.
func (r *Reader) isMaildir(rel string) bool {
	return r.isDir(path.Join(rel, "cur")) || r.isDir(path.Join(rel, "new"))
}

func (r *Reader) emit(kind mailconv.EventKind, code string, mb mailconv.Path, loc string, format string, args ...any) {
	e := mailconv.Event{Kind: kind, Code: code, Mailbox: mb, Detail: fmt.Sprintf(format, args...)}
	if loc != "" {
		e.Location = &mailconv.Location{File: loc, Offset: -1}
	}
	r.opts.Emit(e)
}

func (r *Reader) abs(rel string) string { return filepath.Join(r.path, filepath.FromSlash(rel)) }

// Mailboxes lists the tree: INBOX (the root, when it is a maildir) and every
// folder, parents before children. Folders that exist only as parents of
// others, and directories that hold no cur/ or new/, are NoSelect.
func (r *Reader) Mailboxes(ctx context.Context) ([]*mailconv.Mailbox, error) {
	r.dirs = make(map[string]string)
	var out []*mailconv.Mailbox
	byKey := make(map[string]*mailconv.Mailbox)
	add := func(p mailconv.Path, rel string, raw string) {
		key := strings.Join(p, "\x00")
		if prev, dup := byKey[key]; dup {
			if p.IsInbox() && !r.isMaildir(rel) {
				return // the fs directory that only holds INBOX's children
			}
			if prev.Source == "" { // an implied parent that turns out to exist
				prev.NoSelect = !r.isMaildir(rel)
				prev.Source = r.abs(rel)
				r.dirs[prev.Source] = rel
				return
			}
			r.emit(mailconv.EventWarning, "maildir.name-duplicate", p, r.abs(rel),
				"folder %q decodes to the same name as %q; it is read under its on-disk name", raw, prev.Source)
			p = mailconv.Path{raw}
			key = raw
			if byKey[key] != nil {
				return
			}
		}
		mb := &mailconv.Mailbox{Path: p, Source: r.abs(rel), NoSelect: !r.isMaildir(rel), Messages: -1, Bytes: -1, Role: roleOf(p)}
		r.dirs[mb.Source] = rel
		byKey[key] = mb
		out = append(out, mb)
	}
	if r.isMaildir(".") {
		add(mailconv.Path{"INBOX"}, ".", ".")
	}
	var err error
	if r.layout == LayoutFS {
		err = r.walkFS(ctx, ".", nil, 0, add)
	} else {
		err = r.listMaildirPP(ctx, add)
	}
	if err != nil {
		return nil, err
	}
	// Implied parents.
	for _, mb := range append([]*mailconv.Mailbox(nil), out...) {
		for p := mb.Path.Parent(); len(p) > 0; p = p.Parent() {
			key := strings.Join(p, "\x00")
			if byKey[key] != nil {
				break
			}
			par := &mailconv.Mailbox{Path: append(mailconv.Path(nil), p...), NoSelect: true, Messages: -1, Bytes: -1, Role: roleOf(p)}
			byKey[key] = par
			out = append(out, par)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return lessPath(out[i].Path, out[j].Path) })
	r.reportStray(ctx, out)
	return out, nil
}

// lessPath orders INBOX first, then paths segment by segment, so that
// parents come before their children.
func lessPath(a, b mailconv.Path) bool {
	ai, bi := a.IsInbox(), b.IsInbox()
	if ai != bi {
		return ai
	}
	for k := 0; k < len(a) && k < len(b); k++ {
		if a[k] != b[k] {
			if k == 0 && strings.EqualFold(a[0], "INBOX") != strings.EqualFold(b[0], "INBOX") {
				return strings.EqualFold(a[0], "INBOX")
			}
			return a[k] < b[k]
		}
	}
	return len(a) < len(b)
}

func (r *Reader) listMaildirPP(ctx context.Context, add func(mailconv.Path, string, string)) error {
	names, err := r.readDirNames(".")
	if err != nil {
		return fmt.Errorf("maildir: listing %s: %w", r.path, err)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := ctx.Err(); err != nil {
			return err
		}
		if len(n) < 2 || n[0] != '.' || n == ".." || isControlName(n) {
			continue
		}
		fi, err := r.root.Stat(n)
		if err != nil {
			r.skipDir(n, err)
			continue
		}
		if !fi.IsDir() {
			continue // control files such as .mailconv
		}
		segs := strings.Split(n[1:], ".")
		p := make(mailconv.Path, 0, len(segs))
		for _, s := range segs {
			if s == "" {
				r.emit(mailconv.EventWarning, "maildir.name-undecodable", nil, r.abs(n),
					"folder %q has an empty name segment; it is read under its on-disk name", n)
				p = mailconv.Path{n}
				break
			}
			d, problem := decodeSegment(s, r.names, r.unescape)
			if problem != "" {
				r.emit(mailconv.EventWarning, "maildir.name-undecodable", nil, r.abs(n),
					"folder name segment %q: %s; kept as it is on disk", s, problem)
			}
			p = append(p, d)
		}
		add(p, n, n)
	}
	return nil
}

func (r *Reader) walkFS(ctx context.Context, dir string, parent mailconv.Path, depth int, add func(mailconv.Path, string, string)) error {
	if depth >= r.cfg.maxDepth {
		r.emit(mailconv.EventSkip, "maildir.too-deep", parent, r.abs(dir),
			"folders nested deeper than %d levels are not read (option %s)", r.cfg.maxDepth, ParamMaxDepth)
		return nil
	}
	names, err := r.readDirNames(dir)
	if err != nil {
		if dir == "." {
			return fmt.Errorf("maildir: listing %s: %w", r.path, err)
		}
		r.skipDir(dir, err)
		return nil
	}
	sort.Strings(names)
	for _, n := range names {
		if err := ctx.Err(); err != nil {
			return err
		}
		if n == "cur" || n == "new" || n == "tmp" || isControlName(n) {
			continue
		}
		rel := path.Join(dir, n)
		fi, err := r.root.Stat(rel)
		if err != nil {
			r.skipDir(rel, err)
			continue
		}
		if !fi.IsDir() {
			continue // control and index files
		}
		d, problem := decodeSegment(n, r.names, r.unescape)
		if problem != "" {
			r.emit(mailconv.EventWarning, "maildir.name-undecodable", parent, r.abs(rel),
				"folder name %q: %s; kept as it is on disk", n, problem)
		}
		p := parent.Child(d)
		add(p, rel, n)
		if err := r.walkFS(ctx, rel, p, depth+1, add); err != nil {
			return err
		}
	}
	return nil
}

// isControlName tells whether a directory entry belongs to a mail server
// or to mailconv rather than holding a folder: Dovecot's files (and index
// directories, "dovecot*"), Courier's ("courierimap*", among them the
// courierimapkeywords directory inside each maildir), quota and
// subscription files, and ".noindex".
func isControlName(n string) bool {
	switch n {
	case ".noindex", markerFile, "maildirsize", "maildirfolder", "subscriptions":
		return true
	}
	return strings.HasPrefix(n, "dovecot") || strings.HasPrefix(n, "courierimap")
}

// skipDir reports a directory entry that cannot be used.
func (r *Reader) skipDir(rel string, err error) {
	code := "maildir.unreadable"
	if isOutside(err) {
		code = "maildir.outside-root"
		err = fmt.Errorf("%w: %v", mailconv.ErrOutsideRoot, err)
	}
	r.emit(mailconv.EventSkip, code, nil, r.abs(rel), "%v", err)
}

// isOutside tells whether err comes from a path (a symbolic link) that
// would leave the os.Root.
func isOutside(err error) bool {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return strings.Contains(pe.Err.Error(), "escapes from parent")
	}
	return strings.Contains(err.Error(), "escapes from parent")
}

var roleNames = map[string]mailconv.Role{
	"inbox": mailconv.RoleInbox, "sent": mailconv.RoleSent, "sent messages": mailconv.RoleSent,
	"sent items": mailconv.RoleSent, "drafts": mailconv.RoleDrafts, "trash": mailconv.RoleTrash,
	"deleted messages": mailconv.RoleTrash, "deleted items": mailconv.RoleTrash, "junk": mailconv.RoleJunk,
	"spam": mailconv.RoleJunk, "archive": mailconv.RoleArchive, "archives": mailconv.RoleArchive,
	"templates": mailconv.RoleTemplates,
}

// roleOf guesses the special use of a top-level folder from its name.
func roleOf(p mailconv.Path) mailconv.Role {
	if len(p) != 1 {
		return mailconv.RoleNone
	}
	return roleNames[strings.ToLower(p[0])]
}

// Open starts reading the messages of mb.
func (r *Reader) Open(ctx context.Context, mb *mailconv.Mailbox) (mailconv.MailboxReader, error) {
	rel, ok := r.dirs[mb.Source]
	if !ok {
		return nil, storeroot.Unlisted(FormatName, mb, r.dirs != nil)
	}
	mr := &mailboxReader{r: r, mb: mb.Path, dir: rel}
	mr.msg.Reset()
	if rel == "" || mb.NoSelect {
		return mr, nil
	}
	if err := mr.load(ctx); err != nil {
		return nil, err
	}
	return mr, nil
}

// Close releases the tree.
func (r *Reader) Close() error { return r.root.Close() }

// ConcurrentOpen implements mailconv.ConcurrentOpener: once Mailboxes
// returned, Open only reads the reader's directory map, and each mailbox
// reader lists and opens its own files through the shared os.Root.
func (r *Reader) ConcurrentOpen() bool { return true }

type entry struct {
	name  string
	isNew bool
}

// EntryID is the message's ID: the unique part of its file name
// (storeroot.Entry).
func (e entry) EntryID() string { return parseName(e.name, nil).Base }

// mailboxReader streams the messages of one maildir.
type mailboxReader struct {
	// Files gives Skip, Read and Close; PeekID is the reader's own (it
	// keeps the parsed name for PeekFlags).
	storeroot.Files[entry]
	r        *Reader
	mb       mailconv.Path
	dir      string
	keywords [MaxKeywords]string
	msg      mailconv.Message
	info     nameInfo
	br       *bufio.Reader
	lim      io.LimitedReader
	field    []byte
	kwValues []byte // the X-Keywords values of the header, space-separated
	mozKeys  []byte // the X-Mozilla-Keys values, space-separated
	mozState bool   // the header has X-Mozilla-Status
}

// load lists cur/ and new/ and reads dovecot-keywords.
func (mr *mailboxReader) load(ctx context.Context) error {
	r := mr.r
	for _, sub := range [...]string{"cur", "new"} {
		rel := path.Join(mr.dir, sub)
		names, err := r.readDirNames(rel)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				r.skipDir(rel, err)
			}
			continue
		}
		for _, n := range names {
			if n[0] == '.' {
				continue
			}
			mr.Entries = append(mr.Entries, entry{name: n, isNew: sub == "new"})
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	sort.Slice(mr.Entries, func(i, j int) bool { return lessName(mr.Entries[i].name, mr.Entries[j].name) })
	kwRel := path.Join(mr.dir, "dovecot-keywords")
	if f, _, err := safeopen.File(r.root, kwRel); err == nil {
		kw, bad, err := parseKeywords(f)
		f.Close()
		if err != nil {
			r.emit(mailconv.EventWarning, "maildir.keywords-unreadable", mr.mb, r.abs(kwRel), "%v", err)
		}
		if bad > 0 {
			r.emit(mailconv.EventWarning, "maildir.keywords-bad-line", mr.mb, r.abs(kwRel), "%d line(s) not understood", bad)
		}
		mr.keywords = kw
	}
	if d, err := safeopen.Dir(r.root, path.Join(mr.dir, "tmp")); err == nil {
		names, _ := d.Readdirnames(1)
		d.Close()
		if len(names) > 0 {
			r.emit(mailconv.EventWarning, "maildir.tmp-ignored", mr.mb, r.abs(path.Join(mr.dir, "tmp")),
				"tmp/ holds files (deliveries in progress or abandoned); they are not read")
		}
	}
	return nil
}

// lessName orders file names as Dovecot orders new files when it assigns
// UIDs: by the leading number (the delivery time), then by the number after
// "M" in the part that follows (microseconds, or mailconv's sequence
// number), then by the base name.
func lessName(a, b string) bool {
	na, nb := leadingDigits(a), leadingDigits(b)
	ta, tb := strings.TrimLeft(a[:na], "0"), strings.TrimLeft(b[:nb], "0")
	if len(ta) != len(tb) {
		return len(ta) < len(tb)
	}
	if ta != tb {
		return ta < tb
	}
	if ua, ok := usecField(a[na:]); ok {
		if ub, ok := usecField(b[nb:]); ok && ua != ub {
			return ua < ub
		}
	}
	return a < b
}

// usecField finds the number after the first "M" of the unique part
// (between the first two dots).
func usecField(s string) (uint64, bool) {
	if len(s) == 0 || s[0] != '.' {
		return 0, false
	}
	for i := 1; i < len(s) && s[i] != '.' && s[i] != ':'; i++ {
		if s[i] == 'M' {
			var n uint64
			for j := i + 1; j < len(s) && s[j] >= '0' && s[j] <= '9' && n < 1<<59; j++ {
				n = n*10 + uint64(s[j]-'0')
			}
			return n, true
		}
	}
	return 0, false
}

func leadingDigits(s string) int {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

// PeekID returns the ID (the unique part of the file name) of the message
// Next would try next, without opening it (mailconv.IDSkipper: a resumed
// or incremental run passes over what an earlier run recorded).
func (mr *mailboxReader) PeekID() (string, error) {
	e, ok := mr.Peek()
	if !ok {
		return "", io.EOF
	}
	// mr.info is free until Next fills it again; its slices are reused.
	mr.info = parseName(e.name, &mr.info)
	return mr.info.Base, nil
}

// Next opens the next message and returns its metadata.
func (mr *mailboxReader) Next() (*mailconv.Message, error) {
	r := mr.r
	for e, ok := mr.Take(); ok; e, ok = mr.Take() {
		sub := "cur"
		if e.isNew {
			sub = "new"
		}
		rel := mr.dir + "/" + sub + "/" + e.name
		f, fi, err := mr.openMessage(rel)
		if err != nil {
			code := "maildir.unreadable"
			switch {
			case isOutside(err):
				code = "maildir.outside-root"
				err = fmt.Errorf("%w: %v", mailconv.ErrOutsideRoot, err)
			case errors.Is(err, errNotFile):
				code = "maildir.not-a-file"
			}
			r.emit(mailconv.EventSkip, code, mr.mb, r.abs(rel), "%v", err)
			continue
		}
		if fi.Size() == 0 {
			f.Close()
			r.emit(mailconv.EventSkip, "maildir.empty", mr.mb, r.abs(rel), "the message file is empty")
			continue
		}
		mr.Hold(f)
		mr.SetBody(f)
		return mr.fill(e, rel, f, fi), nil
	}
	return nil, io.EOF
}

// errNotFile marks a message path that is not a regular file.
var errNotFile = safeopen.ErrNotRegular

// openMessage opens rel, refusing anything but a regular file (a directory,
// a FIFO that would block, a device).
func (mr *mailboxReader) openMessage(rel string) (*os.File, os.FileInfo, error) {
	return safeopen.File(mr.r.root, rel)
}

// fill sets mr.msg for the file just opened.
func (mr *mailboxReader) fill(e entry, rel string, f *os.File, fi os.FileInfo) *mailconv.Message {
	r := mr.r
	m := &mr.msg
	m.Reset()
	mr.info = parseName(e.name, &mr.info)
	in := &mr.info
	m.ID = in.Base
	m.Size = fi.Size()
	m.Source = mailconv.Location{File: r.abs(rel), Offset: -1}
	m.Flags = in.Flags
	if e.isNew {
		m.Flags |= mailconv.FlagNew
	}
	for _, c := range in.Keywords {
		k := mr.keywords[c-'a']
		if k == "" || !m.AddKeyword(k) {
			r.emit(mailconv.EventLoss, "maildir.keyword-unresolved", mr.mb, m.Source.File,
				"keyword letter %q is not named in dovecot-keywords", c)
		}
	}
	if len(in.Unknown) > 0 {
		r.emit(mailconv.EventLoss, "maildir.unknown-flag", mr.mb, m.Source.File,
			"flag letters %q have no meaning in the model", in.Unknown)
	}
	if in.Experimental {
		r.emit(mailconv.EventWarning, "maildir.experimental-info", mr.mb, m.Source.File,
			"\":1,\" info is experimental and was not interpreted")
	}
	if in.Size >= 0 && in.Size != fi.Size() {
		r.emit(mailconv.EventWarning, "maildir.size-mismatch", mr.mb, m.Source.File,
			"the name says S=%d but the file has %d bytes", in.Size, fi.Size())
	}
	received, date := mr.scanHeaders(f)
	mr.headerKeywords(m)
	if mr.mozState && in.Separator == 0 {
		// Thunderbird's maildir store: no info in the name, the state is
		// in the message (see docs/formats/mbox-state.md).
		r.emit(mailconv.EventLoss, "maildir.mozilla-status", mr.mb, m.Source.File,
			"the file name has no flags and the state in X-Mozilla-Status (Thunderbird's maildir store) is not read")
	}
	m.Date, m.DateSource = mr.date(fi, received, date)
	return m
}

// headerKeywords merges the keywords that the message's own header fields
// name (X-Keywords, comma- or space-separated as mu, mutt and Dovecot
// write it; X-Mozilla-Keys, space-separated) with those of the file name,
// so that they survive in a store that keeps keywords apart from the
// message (an mbox writer replaces those fields). Words that cannot be
// keywords are reported.
func (mr *mailboxReader) headerKeywords(m *mailconv.Message) {
	for _, list := range [...]struct {
		v    []byte
		seps string
	}{{mr.kwValues, " \t,"}, {mr.mozKeys, " \t"}} {
		v := list.v
		for len(v) > 0 {
			i := bytes.IndexFunc(v, func(r rune) bool { return !strings.ContainsRune(list.seps, r) })
			if i < 0 {
				break
			}
			v = v[i:]
			j := bytes.IndexAny(v, list.seps)
			if j < 0 {
				j = len(v)
			}
			k := v[:j]
			v = v[j:]
			if !m.AddKeyword(string(k)) {
				mr.r.emit(mailconv.EventLoss, "maildir.bad-keyword", mr.mb, m.Source.File,
					"keyword %q of the message's header is not a valid IMAP atom and was dropped", k)
			}
		}
	}
}

// date picks the internal date in the configured order, from the file
// time and the dates of the header (see scanHeaders).
func (mr *mailboxReader) date(fi os.FileInfo, received, date time.Time) (time.Time, mailconv.DateSource) {
	return mailconv.ChooseDate(mr.r.cfg.date, fi.ModTime(), received, date)
}

// scanHeaders reads at most maxHeader bytes of the header of f and returns
// the dates of the first (newest) Received: field and of the Date: field,
// zero when absent or unparseable. It collects the values of the keyword
// fields in mr.kwValues. It leaves f at offset 0.
func (mr *mailboxReader) scanHeaders(f *os.File) (received, date time.Time) {
	defer f.Seek(0, io.SeekStart)
	mr.kwValues, mr.mozKeys, mr.mozState = mr.kwValues[:0], mr.mozKeys[:0], false
	mr.lim = io.LimitedReader{R: f, N: mr.r.cfg.maxHeader}
	if mr.br == nil {
		mr.br = bufio.NewReaderSize(&mr.lim, 4096)
	} else {
		mr.br.Reset(&mr.lim)
	}
	field := mr.field[:0]
	done := false
	flush := func() {
		name, value, ok := bytes.Cut(field, []byte(":"))
		if !ok {
			return
		}
		name = bytes.TrimSpace(name)
		switch {
		case received.IsZero() && bytes.EqualFold(name, []byte("Received")):
			received, _ = mailconv.ReceivedValue(value)
		case date.IsZero() && bytes.EqualFold(name, []byte("Date")):
			date = mailconv.DateValue(string(value))
		case bytes.EqualFold(name, []byte("X-Keywords")):
			mr.kwValues = append(append(mr.kwValues, ' '), value...)
		case bytes.EqualFold(name, []byte("X-Mozilla-Status")):
			mr.mozState = true
		case bytes.EqualFold(name, []byte("X-Mozilla-Keys")):
			mr.mozKeys = append(append(mr.mozKeys, ' '), value...)
		}
	}
	for !done {
		line, err := mr.br.ReadSlice('\n')
		cont := len(line) > 0 && (line[0] == ' ' || line[0] == '\t')
		blank := len(bytes.TrimRight(line, "\r\n")) == 0 && len(line) > 0
		if !cont && len(field) > 0 {
			flush()
			field = field[:0]
		}
		if blank {
			break
		}
		if len(field) < 8192 { // a Date or Received field longer than this is not worth parsing
			field = append(field, bytes.TrimRight(line, "\r\n")...)
		}
		switch err {
		case nil:
		case bufio.ErrBufferFull:
			// A very long line: keep what fits and go on.
		default:
			if len(field) > 0 {
				flush()
			}
			done = true
		}
	}
	mr.field = field[:0]
	return received, date
}

// PeekFlags returns the flags of the message PeekID named, from its file
// name (mailconv.StatePeeker: an incremental run passes over a known
// message and still sees that it was read or replied to since).
func (mr *mailboxReader) PeekFlags() (mailconv.Flags, bool) {
	e, ok := mr.Peek()
	if !ok {
		return 0, false
	}
	f := mr.info.Flags
	if e.isNew {
		f |= mailconv.FlagNew
	}
	return f, true
}
