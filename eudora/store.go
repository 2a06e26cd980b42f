package eudora

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/internal/safeopen"
	"github.com/mailconv/mailconv/mime"
)

// RecoverMode tells what a reader does with mailbox bytes that no TOC
// record covers: messages deleted or transferred before the mailbox was
// compacted.
type RecoverMode uint8

// The recover modes.
const (
	// RecoverOff ignores uncovered bytes (the default: deleted mail stays
	// deleted). Their extent is still counted in the mailbox details.
	RecoverOff RecoverMode = iota
	// RecoverList reports every uncovered range as an EventInfo
	// ("eudora.deleted-bytes") without emitting it.
	RecoverList
	// RecoverEmit also emits the uncovered ranges, split at separators,
	// as messages with the keyword $EudoraDeleted, after the mailbox's
	// listed messages.
	RecoverEmit
)

// String returns "off", "list" or "emit".
func (m RecoverMode) String() string {
	switch m {
	case RecoverList:
		return "list"
	case RecoverEmit:
		return "emit"
	}
	return "off"
}

// Config tunes how a store is read; it is the typed form of the format's
// Params (see ConfigFromParams), which Open reads. The zero value reads with
// the defaults:
// messages rebuilt into MIME, deleted bytes ignored, dates without a zone
// read as UTC.
type Config struct {
	// Recover decides what happens to bytes no TOC record covers.
	Recover RecoverMode
	// Raw passes stored messages through without the MIME rebuild (a
	// forensic export). Mac CR line ends are still turned into CRLF and
	// NUL bytes dropped, both reported.
	Raw bool
	// Zone is the zone of the PC (or Mac) that wrote the store. It is used
	// to read separator-line times and Windows TOC dates derived from a
	// Date: header (docs/formats/eudora.md §3.4). Nil means UTC, reported once per
	// mailbox where it mattered.
	Zone *time.Location
	// AttachDirs are extra directories searched for detached attachments
	// (after the store's own attach, Embedded, Attachments Folder and
	// Parts Folder).
	AttachDirs []string
	// Limits bound input-driven sizes.
	Limits Limits
	// Events receives skips, losses, warnings and notes.
	Events func(mailconv.Event)
}

// Store is an open Eudora data folder (Windows) or Eudora Folder (Mac). It
// is read-only: nothing in the source is ever written. Its folder tree is
// read when it is opened; messages are read mailbox by mailbox through
// Open. A Store implements mailconv.Reader.
type Store struct {
	dir      string
	root     *os.Root
	platform mime.Platform
	mailRoot string // directory (relative to dir) holding the mailboxes
	cfg      Config
	lim      Limits

	nodes  []*node
	byMB   map[*mailconv.Mailbox]*node
	byFile map[string]*node // folded Eudora file path → node

	attach *attachFinder
}

// node is one mailbox or folder of the tree.
type node struct {
	mb   *mailconv.Mailbox
	file string // mailbox file, relative to the store root ("" for a pure folder)
	dir  string // folder directory, relative to the store root ("" for a plain mailbox)
	// tocs lists where the mailbox's TOC may be, best first.
	tocs []tocSource
	// system is "in", "out", "junk", "trash" or "".
	system string
	// eudoraPath is the path Eudora's filters use for this node.
	eudoraPath string
	kind       int // TOC header kind hint (Mac which), -1 unknown
}

// tocSource is one place a TOC can live.
type tocSource struct {
	file string // relative to the store root
	// fork is set when the TOC is resource 'TOCF' 1001 of an AppleDouble
	// file or a native resource fork.
	fork   bool
	native bool // file is a raw resource fork (…/..namedfork/rsrc)
}

func (t tocSource) String() string {
	if t.fork {
		return t.file + " ('TOCF' 1001)"
	}
	return t.file
}

// openStore is Open with the options already parsed.
func openStore(ctx context.Context, dir string, cfg Config) (*Store, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	s := &Store{dir: abs, cfg: cfg, lim: cfg.Limits.withDefaults(),
		byMB: map[*mailconv.Mailbox]*node{}, byFile: map[string]*node{}}
	lay, err := detectLayout(abs)
	if err != nil {
		return nil, err
	}
	if lay.root != abs {
		s.emit(mailconv.Event{Kind: mailconv.EventInfo, Code: "eudora.store-root",
			Detail: fmt.Sprintf("%s is the mail folder of the Eudora Folder %s; attachments are looked up there", abs, lay.root)})
		s.dir = lay.root
	}
	s.platform, s.mailRoot = lay.platform, lay.mailRoot
	s.root, err = os.OpenRoot(s.dir)
	if err != nil {
		return nil, err
	}
	w := &walker{s: s, ctx: ctx, seen: map[any]string{}}
	if s.platform == mime.Windows {
		err = w.walkWin(".", nil, "", 0)
	} else {
		err = w.walkMac(s.mailRoot, nil, "", 0)
	}
	if err != nil {
		s.root.Close()
		return nil, err
	}
	s.attach = newAttachFinder(s)
	return s, nil
}

// Platform tells which Eudora wrote the store.
func (s *Store) Platform() mime.Platform { return s.platform }

// Dir returns the store's root directory.
func (s *Store) Dir() string { return s.dir }

// Mailboxes returns every mailbox and folder, parents before children, in
// Eudora's display order. Pure folders (.fol directories, Mac folders) are
// NoSelect. In has the path INBOX and RoleInbox; Out, Trash and Junk keep
// their display names with RoleOutbox, RoleTrash and RoleJunk.
func (s *Store) Mailboxes(ctx context.Context) ([]*mailconv.Mailbox, error) {
	out := make([]*mailconv.Mailbox, len(s.nodes))
	for i, n := range s.nodes {
		out[i] = n.mb
	}
	return out, nil
}

// Close releases the store.
func (s *Store) Close() error {
	if s.attach != nil {
		s.attach.close()
	}
	return s.root.Close()
}

// PathForFile maps a mailbox reference as Eudora's filters write it to the
// mailbox's path in Mailboxes: a Windows path of file names relative to the
// data folder ("Work.fol\Clients.mbx", either slash, any case) or a Mac
// colon path from the mail root (":Folder:Box", leading colon optional).
func (s *Store) PathForFile(eudoraPath string) (mailconv.Path, bool) {
	n, ok := s.byFile[s.fileKey(eudoraPath)]
	if !ok || n.mb.NoSelect {
		return nil, false
	}
	return append(mailconv.Path(nil), n.mb.Path...), true
}

func (s *Store) fileKey(p string) string {
	if s.platform == mime.Mac {
		p = strings.TrimPrefix(p, ":")
		return fold(p)
	}
	p = strings.ReplaceAll(p, "/", `\`)
	p = strings.TrimPrefix(p, `.\`)
	return fold(p)
}

func (s *Store) emit(e mailconv.Event) {
	if s.cfg.Events != nil {
		s.cfg.Events(e)
	}
}

func (s *Store) loc(rel string, off int64) *mailconv.Location {
	return &mailconv.Location{File: s.abs(rel), Offset: off}
}

func (s *Store) abs(rel string) string { return filepath.Join(s.dir, rel) }

// layout is the result of detectLayout.
type layout struct {
	platform mime.Platform
	root     string
	mailRoot string
}

// detectLayout decides whether dir holds a Windows or a Mac store, and
// where the mailboxes are. When it holds none, the error names a
// subdirectory that does, if there is one (the user gave the folder above
// the data folder).
func detectLayout(dir string) (layout, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return layout{}, err
	}
	if l, ok := layoutOf(dir, ents); ok {
		return l, nil
	}
	hint := ""
	if sub, _, ok := mailconv.DetectBelow(dir, FormatName); ok {
		hint = fmt.Sprintf(" (%s looks like one: give that folder)", sub)
	}
	return layout{}, fmt.Errorf("%s: %w: not a Eudora data folder: no descmap.pce, .mbx file, Mail Folder or In mailbox%s", dir, mailconv.ErrFormat, hint)
}

// layoutOf recognises a store from a directory's entries.
func layoutOf(dir string, ents []os.DirEntry) (layout, bool) {
	has := func(name string, wantDir bool) (string, bool) {
		for _, e := range ents {
			if strings.EqualFold(e.Name(), name) && e.IsDir() == wantDir {
				return e.Name(), true
			}
		}
		return "", false
	}
	if _, ok := has("descmap.pce", false); ok {
		return layout{mime.Windows, dir, "."}, true
	}
	for _, e := range ents {
		if !e.IsDir() && strings.EqualFold(filepath.Ext(e.Name()), ".mbx") {
			return layout{mime.Windows, dir, "."}, true
		}
	}
	if mf, ok := has("Mail Folder", true); ok {
		return layout{mime.Mac, dir, mf}, true
	}
	if strings.EqualFold(filepath.Base(dir), "Mail Folder") {
		parent := filepath.Dir(dir)
		if pents, err := os.ReadDir(parent); err == nil {
			for _, e := range pents {
				if strings.EqualFold(e.Name(), "Attachments Folder") || strings.EqualFold(e.Name(), "Eudora Settings") {
					return layout{mime.Mac, parent, filepath.Base(dir)}, true
				}
			}
		}
	}
	for _, e := range ents {
		if e.IsDir() {
			continue
		}
		n := e.Name()
		if strings.EqualFold(n, "In") || strings.EqualFold(n, "Out") || strings.EqualFold(n, "Eudora Settings") {
			return layout{mime.Mac, dir, "."}, true
		}
	}
	if len(ents) > 0 && strings.EqualFold(filepath.Ext(dir), ".fol") {
		return layout{mime.Windows, dir, "."}, true
	}
	return layout{}, false
}

// Detect tells how sure it is that path is a Eudora store (0–100), for the
// format registry. It reads one directory listing and, for a Mac
// candidate, the first line of In.
func Detect(path string) int {
	ents, err := os.ReadDir(path)
	if err != nil {
		return 0
	}
	score := 0
	for _, e := range ents {
		n := e.Name()
		switch {
		case strings.EqualFold(n, "descmap.pce"):
			score = max(score, 95)
		case strings.EqualFold(n, "In.mbx"):
			score = max(score, 90)
		case strings.EqualFold(n, "Eudora.ini"):
			score = max(score, 60)
		case strings.EqualFold(filepath.Ext(n), ".mbx") && !e.IsDir():
			score = max(score, 50)
		case strings.EqualFold(n, "Mail Folder") && e.IsDir():
			score = max(score, 85)
		case strings.EqualFold(n, "Eudora Settings"):
			score = max(score, 85)
		case strings.EqualFold(n, "._In"):
			score = max(score, 70)
		case n == "In" && !e.IsDir():
			if firstLineIsSeparator(filepath.Join(path, n), mime.Mac) {
				score = max(score, 60)
			}
		}
	}
	return score
}

func firstLineIsSeparator(file string, p mime.Platform) bool {
	f, _, err := safeopen.Path(file)
	if err != nil {
		return false
	}
	defer f.Close()
	buf := make([]byte, 512)
	n, _ := io.ReadFull(f, buf)
	buf = buf[:n]
	if i := indexLineEnd(buf); i >= 0 {
		buf = buf[:i]
	}
	return IsSeparator(buf, p)
}

// indexLineEnd returns the index of the first CR or LF in b, or -1.
func indexLineEnd(b []byte) int {
	for i, c := range b {
		if c == '\r' || c == '\n' {
			return i
		}
	}
	return -1
}

// walker reads the folder tree.
type walker struct {
	s    *Store
	ctx  context.Context
	seen map[any]string
}

// dirList is a directory listing with case-insensitive lookup.
type dirList struct {
	names  []string
	byFold map[string][]string
}

func (d *dirList) find(name string, p mime.Platform) (string, bool) {
	cands := d.byFold[fold(decodeFileName(name, p))]
	for _, c := range cands {
		if c == name {
			return c, true
		}
	}
	if len(cands) > 0 {
		return cands[0], true
	}
	return "", false
}

func (w *walker) list(rel string) (*dirList, error) {
	f, err := safeopen.Dir(w.s.root, rel)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var names []string
	for {
		ents, err := f.ReadDir(1024)
		for _, e := range ents {
			names = append(names, e.Name())
		}
		if len(names) > w.s.lim.MaxDirEntries {
			return nil, &mailconv.LimitError{Name: "MaxDirEntries", Limit: int64(w.s.lim.MaxDirEntries)}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	sort.Strings(names)
	d := &dirList{names: names, byFold: make(map[string][]string, len(names))}
	for _, n := range names {
		k := fold(decodeFileName(n, w.s.platform))
		d.byFold[k] = append(d.byFold[k], n)
	}
	return d, nil
}

// entryKind stats rel (following links only inside the store) and returns
// whether it is a directory, a regular file, or neither; links that lead
// out of the store are reported and give ok=false.
func (w *walker) entryKind(rel string) (fi fs.FileInfo, isDir, ok bool) {
	fi, err := w.s.root.Stat(rel)
	if err != nil {
		if isEscape(err) {
			w.s.emit(mailconv.Event{Kind: mailconv.EventSkip, Code: "eudora.outside-root", Location: w.s.loc(rel, -1),
				Detail: "a symbolic link leads outside the store; not followed"})
		} else if !errors.Is(err, fs.ErrNotExist) {
			w.s.emit(mailconv.Event{Kind: mailconv.EventSkip, Code: "eudora.unreadable", Location: w.s.loc(rel, -1), Detail: err.Error()})
		}
		return nil, false, false
	}
	if fi.IsDir() {
		return fi, true, true
	}
	if !fi.Mode().IsRegular() {
		// A device, pipe or socket: reading it could block or never end.
		w.s.emit(mailconv.Event{Kind: mailconv.EventSkip, Code: "eudora.not-a-file", Location: w.s.loc(rel, -1),
			Detail: fmt.Sprintf("not a regular file (%s); not read", fi.Mode().Type())})
		return fi, false, false
	}
	return fi, false, true
}

// isEscape reports whether err comes from os.Root refusing a path that
// leads outside the root (its error is not exported).
func isEscape(err error) bool {
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Err != nil && strings.Contains(pe.Err.Error(), "escapes") {
		return true
	}
	return errors.Is(err, mailconv.ErrOutsideRoot)
}

// child is a mailbox or folder found in one directory, before paths are
// assigned.
type child struct {
	display string
	file    string // on-disk name
	isDir   bool
	system  string
	typ     byte // descmap type, 0 if unlisted
	tocs    []tocSource
	kind    int
}

var systemOrder = map[string]int{"in": 0, "out": 1, "junk": 2, "trash": 3}

// sortChildren puts children in Eudora's display order: In, Out, Junk,
// Trash, then mailboxes A→Z, then folders A→Z.
func sortChildren(cs []*child) {
	sort.SliceStable(cs, func(i, j int) bool {
		a, b := cs[i], cs[j]
		ra, rb := rank(a), rank(b)
		if ra != rb {
			return ra < rb
		}
		fa, fb := fold(a.display), fold(b.display)
		if fa != fb {
			return fa < fb
		}
		return a.file < b.file
	})
}

func rank(c *child) int {
	if c.system != "" {
		return systemOrder[c.system]
	}
	if c.isDir {
		return 20
	}
	return 10
}

// place assigns paths to the children of one directory, in display order,
// adds their nodes, and descends into folders (through descend) right after
// each folder's own node, so that the tree comes out depth first. The
// children of a folder that shares its name with a mailbox go below that
// mailbox.
func (w *walker) place(parent mailconv.Path, atRoot bool, cs []*child, eudoraPrefix string, relDir string, depth int,
	descend func(c *child, p mailconv.Path, rel string) error) error {
	sortChildren(cs)
	s := w.s
	used := map[string]bool{} // folded names in use
	mboxPath := map[string]mailconv.Path{}
	if atRoot {
		used["inbox"] = true // reserved for In
	}
	for _, c := range cs {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		rel := filepath.Join(relDir, c.file)
		name := c.display
		if strings.TrimSpace(name) == "" {
			name = decodeFileName(strings.TrimSuffix(c.file, filepath.Ext(c.file)), s.platform)
		}
		if c.isDir {
			fi, _, _ := w.entryKind(rel)
			if !w.enterDir(rel, depth+1, fi) {
				continue
			}
		}
		var p mailconv.Path
		switch {
		case atRoot && c.system == "in" && !c.isDir:
			p = mailconv.Path{"INBOX"}
		case c.isDir && mboxPath[fold(name)] != nil:
			// A folder with the same name as a mailbox: its children go
			// below the mailbox, which becomes a mailbox with children.
			if err := descend(c, mboxPath[fold(name)], rel); err != nil {
				return err
			}
			continue
		default:
			base := name
			for i := 2; used[fold(name)]; i++ {
				name = fmt.Sprintf("%s (%d)", base, i)
			}
			if name != base {
				s.emit(mailconv.Event{Kind: mailconv.EventWarning, Code: "eudora.duplicate-name", Mailbox: parent.Child(name),
					Location: s.loc(rel, -1),
					Detail:   fmt.Sprintf("display name %q is taken in this folder; %s is read as %q", base, c.file, name)})
			}
			used[fold(name)] = true
			p = parent.Child(name)
		}
		if len(s.nodes) >= s.lim.MaxMailboxes {
			return &mailconv.LimitError{Name: "MaxMailboxes", Limit: int64(s.lim.MaxMailboxes)}
		}
		n := &node{system: c.system, tocs: c.tocs, kind: c.kind}
		n.mb = &mailconv.Mailbox{Path: p, Messages: -1, Bytes: -1, Source: s.abs(rel)}
		if s.platform == mime.Mac {
			n.eudoraPath = eudoraPrefix + ":" + hfsName(c.file)
		} else {
			n.eudoraPath = c.file
			if eudoraPrefix != "" {
				n.eudoraPath = eudoraPrefix + `\` + c.file
			}
		}
		if c.isDir {
			n.dir = rel
			n.mb.NoSelect = true
		} else {
			n.file = rel
			if fi, err := s.root.Stat(rel); err == nil {
				n.mb.Bytes = fi.Size()
			}
			mboxPath[fold(name)] = p
			if atRoot {
				switch c.system {
				case "in":
					n.mb.Role = mailconv.RoleInbox
				case "out":
					n.mb.Role = mailconv.RoleOutbox
				case "trash":
					n.mb.Role = mailconv.RoleTrash
				case "junk":
					n.mb.Role = mailconv.RoleJunk
				}
			}
		}
		s.nodes = append(s.nodes, n)
		s.byMB[n.mb] = n
		k := s.fileKey(n.eudoraPath)
		if _, dup := s.byFile[k]; !dup {
			s.byFile[k] = n
		}
		if c.isDir {
			if err := descend(c, p, rel); err != nil {
				return err
			}
		}
	}
	return nil
}

// hfsName turns an on-disk name back into the HFS name Eudora's colon
// paths use (POSIX ':' is HFS '/').
func hfsName(disk string) string {
	return strings.ReplaceAll(decodeFileName(disk, mime.Mac), ":", "/")
}

// enterDir checks the folder loop guard and the depth limit before
// descending into rel.
func (w *walker) enterDir(rel string, depth int, fi fs.FileInfo) bool {
	s := w.s
	if depth > s.lim.MaxFolderDepth {
		s.emit(mailconv.Event{Kind: mailconv.EventSkip, Code: "eudora.too-deep", Location: s.loc(rel, -1),
			Detail: fmt.Sprintf("folder nesting deeper than %d (MaxFolderDepth); not read", s.lim.MaxFolderDepth)})
		return false
	}
	if fi != nil {
		if id, ok := fileID(fi); ok {
			if prev, dup := w.seen[id]; dup {
				s.emit(mailconv.Event{Kind: mailconv.EventSkip, Code: "eudora.folder-loop", Location: s.loc(rel, -1),
					Detail: fmt.Sprintf("this folder is %s again (a link loop); not read twice", prev)})
				return false
			}
			w.seen[id] = rel
		}
	}
	return true
}
