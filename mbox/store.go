package mbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/internal/formatreg"
	"github.com/mailconv/mailconv/internal/safeopen"
)

func init() {
	mailconv.RegisterFormat(mailconv.Format{
		Name:        "mbox",
		Description: "mbox files (mboxo, mboxrd, mboxcl, mboxcl2), directories of them and Thunderbird folder trees",
		Detect:      Detect,
		Open:        formatreg.Reader(Open),
		Create:      formatreg.Writer(Create),
		Capabilities: func(ctx context.Context, path string, o *mailconv.Options) (mailconv.Capabilities, error) {
			opts, err := storeOptionsFrom(o)
			if err != nil {
				return mailconv.Capabilities{}, err
			}
			sw := &StoreWriter{root: path, opts: opts, single: opts.Single || strings.HasSuffix(strings.ToLower(path), ".mbox")}
			return sw.Capabilities(), nil
		},
		Params: []mailconv.Param{
			{Name: "variant", Read: true, Doc: "auto (default), mboxo, mboxrd, mboxcl or mboxcl2: how body From lines were quoted"},
			{Name: "separators", Read: true, Doc: "auto (default), strict (dated From_ line after a blank line) or lenient (every From_ line)"},
			{Name: "verbatim", Read: true, Doc: "keep Status/X-Status/X-Keywords/X-Mozilla-*/Content-Length/X-UID/X-IMAP headers in the message octets"},
			{Name: "recover", Read: true, Doc: "also convert messages Thunderbird marked expunged (flagged \\Deleted)"},
			{Name: "tz", Read: true, Doc: "time zone of From_ line dates without one (IANA name, default UTC)"},
			{Name: "max-from-line", Read: true, Doc: "longest line taken as a From_ separator (default 1000)"},
			{Name: "max-header-bytes", Read: true, Write: true, Doc: "header bytes held in memory per message (default 1048576)"},
			{Name: "status", Write: true, Doc: "write Status/X-Status/X-Keywords headers (default true)"},
			{Name: "mozilla-status", Write: true, Doc: "write X-Mozilla-Status/Status2/Keys headers for Thunderbird (default false)"},
			{Name: "eol", Write: true, Doc: "line ending of added lines: auto (follow each message, default), lf or crlf"},
			{Name: "unescape", Read: true, Doc: "decode %XX escapes in folder names (default: only in trees written by mailconv)"},
			{Name: "target-os", Write: true, Doc: "file-name rules of the tree: windows, macos or linux (default: the running system)"},
			{Name: "single", Write: true, Doc: "write one mbox file instead of a folder tree (the source must have one mailbox with messages)"},
		},
	})
}

// storeOptions are the typed form of the options Open and Create read from
// mailconv.Options (its Params, Events, Durable and Resume).
type storeOptions struct {
	// Reader options; Name and Mailbox are set per file.
	Reader ReaderOptions
	// Writer options.
	Writer WriterOptions
	// Single makes Create write one mbox file at the path instead of a
	// folder tree. A path ending in ".mbox" implies it.
	Single bool
	// Durable makes the writer fsync each message and the directories it
	// creates.
	Durable bool
	// Resume lets Create open a destination an earlier run wrote.
	Resume bool
	// Unescape decodes mailconv's %XX escapes in folder names when
	// reading. It is implied for trees written by mailconv (they carry a
	// marker file).
	Unescape bool
	// Events receives the events of every file.
	Events func(mailconv.Event)
	// TargetOS is the system whose file-name rules a written tree follows
	// (a runtime.GOOS value, see mailconv.LocalNames); "" means the
	// running system.
	TargetOS string
}

// optionsFor is the prologue of Open and Create: it stops when ctx is done
// and parses o.
func optionsFor(ctx context.Context, o *mailconv.Options) (storeOptions, error) {
	if err := ctx.Err(); err != nil {
		return storeOptions{}, err
	}
	return storeOptionsFrom(o)
}

func storeOptionsFrom(o *mailconv.Options) (storeOptions, error) {
	var so storeOptions
	if o == nil {
		return so, nil
	}
	so.Events = o.Events
	so.Reader.Events = o.Events
	so.Writer.Events = o.Events
	so.Durable = o.Durable
	so.Resume = o.Resume
	so.Writer.EOL = EOLAuto
	for k, v := range o.Params {
		var err error
		switch k {
		case "variant":
			so.Reader.Variant, err = ParseVariant(v)
		case "separators":
			so.Reader.Separators, err = ParseSeparatorPolicy(v)
		case "verbatim":
			so.Reader.Verbatim, err = parseBool(k, v)
		case "recover":
			so.Reader.Recover, err = parseBool(k, v)
		case "tz":
			so.Reader.Location, err = time.LoadLocation(v)
		case "max-from-line":
			var n int
			if _, err = fmt.Sscanf(v, "%d", &n); err == nil {
				so.Reader.MaxFromLine = n
			}
		case "max-header-bytes":
			var n int
			if _, err = fmt.Sscanf(v, "%d", &n); err == nil {
				so.Reader.MaxHeaderBytes, so.Writer.MaxHeaderBytes = n, n
			}
		case "status":
			var b bool
			b, err = parseBool(k, v)
			so.Writer.NoStatus = !b
		case "mozilla-status":
			so.Writer.MozillaStatus, err = parseBool(k, v)
		case "eol":
			switch strings.ToLower(v) {
			case "auto":
				so.Writer.EOL = EOLAuto
			case "lf":
				so.Writer.EOL = EOLLF
			case "crlf":
				so.Writer.EOL = EOLCRLF
			default:
				err = fmt.Errorf("eol: want auto, lf or crlf, not %q", v)
			}
		case "single":
			so.Single, err = parseBool(k, v)
		case "target-os":
			so.TargetOS, err = mailconv.ParseTargetOS(v, runtime.GOOS)
		case "unescape":
			so.Unescape, err = parseBool(k, v)
		default:
			err = fmt.Errorf("unknown mbox option %q", k)
		}
		if err != nil {
			return so, mailconv.BadOption(fmt.Errorf("mbox option %s: %w", k, err))
		}
	}
	return so, nil
}

func parseBool(k, v string) (bool, error) {
	switch strings.ToLower(v) {
	case "", "1", "true", "yes", "on":
		return true, nil
	case "0", "false", "no", "off":
		return false, nil
	}
	return false, fmt.Errorf("%s: want true or false, not %q", k, v)
}

// Detect reports how sure it is that path is an mbox file (90) or a
// directory holding mbox files at its top level (40).
func Detect(path string) int {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	if fi.Mode().IsRegular() {
		if isMboxFile(path) {
			return 90
		}
		return 0
	}
	if !fi.IsDir() {
		return 0
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return 0
	}
	for i, e := range entries {
		if i > 200 {
			break
		}
		if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") && isMboxFile(filepath.Join(path, e.Name())) {
			return 40
		}
	}
	return 0
}

// isMboxFile reports whether a file starts (after an optional UTF-8 BOM) with
// "From ".
func isMboxFile(path string) bool {
	f, _, err := safeopen.Path(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var b [8]byte
	n, _ := io.ReadFull(f, b[:])
	head := bytes.TrimPrefix(b[:n], []byte("\xef\xbb\xbf"))
	return bytes.HasPrefix(head, []byte("From "))
}

// markerFile is left by StoreWriter in the root of a tree; its presence
// tells Open that folder names carry mailconv's %XX escapes
// (mailconv.UnescapeName). It starts with a dot, so it is never taken for a
// mailbox.
const (
	markerFile    = ".mailconv-mbox"
	markerContent = "# Written by mailconv: folder names use %XX escapes for characters a file name cannot hold.\nescape=%\n"
)

// maxTreeDepth bounds how deep Open descends into folders.
const maxTreeDepth = 64

// Store reads a single mbox file, a directory of mbox files (subdirectories
// are folders), or a Thunderbird folder tree (a folder Foo is the mbox file
// Foo, its children live in Foo.sbd/). It implements mailconv.Reader.
type Store struct {
	root     string
	single   bool
	unescape bool
	opts     storeOptions
}

// Open opens path, an mbox file or a directory, for reading. opts.Params
// takes the keys listed in the format's Params ("variant", "tz", ...); nil
// opts read with the defaults.
func Open(ctx context.Context, path string, opts *mailconv.Options) (*Store, error) {
	so, err := optionsFor(ctx, opts)
	if err != nil {
		return nil, err
	}
	return openStore(path, so)
}

// openStore opens path, an mbox file or a directory, for reading.
func openStore(path string, opts storeOptions) (*Store, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("mbox: %w", err)
	}
	s := &Store{root: path, opts: opts, unescape: opts.Unescape}
	switch {
	case fi.Mode().IsRegular():
		s.single = true
	case fi.IsDir():
		if _, err := os.Stat(filepath.Join(path, markerFile)); err == nil {
			s.unescape = true
		}
	default:
		return nil, &mailconv.ParseError{File: path, Offset: -1, Err: fmt.Errorf("%w: not a file or directory", mailconv.ErrFormat)}
	}
	return s, nil
}

func (s *Store) emit(e mailconv.Event) {
	if s.opts.Events != nil {
		s.opts.Events(e)
	}
}

// Mailboxes lists the mailboxes, parents before children.
func (s *Store) Mailboxes(ctx context.Context) ([]*mailconv.Mailbox, error) {
	if s.single {
		fi, err := os.Stat(s.root)
		if err != nil {
			return nil, fmt.Errorf("mbox: %w", err)
		}
		name := stripExt(filepath.Base(s.root))
		p := mailconv.Path{decodeName(name)}
		role := mailconv.RoleNone
		if l := strings.ToLower(name); l == "inbox" || l == "mbox" {
			p, role = mailconv.Path{"INBOX"}, mailconv.RoleInbox
		}
		return []*mailconv.Mailbox{{Path: p, Role: role, Source: s.root, Messages: -1, Bytes: fi.Size()}}, nil
	}
	var out []*mailconv.Mailbox
	rootReal, err := filepath.EvalSymlinks(s.root)
	if err != nil {
		return nil, fmt.Errorf("mbox: %w", err)
	}
	err = s.walk(ctx, rootReal, s.root, nil, 0, &out)
	return out, err
}

func stripExt(name string) string {
	for _, ext := range []string{".mbox", ".mbx"} {
		if len(name) > len(ext) && strings.EqualFold(name[len(name)-len(ext):], ext) {
			return name[:len(name)-len(ext)]
		}
	}
	return name
}

// decodeName turns a file name into a Unicode mailbox name: UTF-8 as is,
// anything else read as Windows-1252 (archives copied from Windows).
func decodeName(name string) string {
	if utf8.ValidString(name) {
		return name
	}
	d, err := charmap.Windows1252.NewDecoder().String(name)
	if err != nil {
		return strings.ToValidUTF8(name, "\uFFFD")
	}
	return d
}

// auxiliary file suffixes of Thunderbird and other clients: not mailboxes.
var auxSuffixes = []string{".msf", ".dat", ".json", ".sqlite", ".html", ".htm", ".lock", ".mozlz4", ".toc", ".pce", ".ini", ".bak", ".db"}

func isAux(name string) bool {
	l := strings.ToLower(name)
	for _, suf := range auxSuffixes {
		if strings.HasSuffix(l, suf) {
			return true
		}
	}
	return false
}

var topRoles = map[string]mailconv.Role{
	"sent": mailconv.RoleSent, "sent messages": mailconv.RoleSent, "sent items": mailconv.RoleSent, "sent mail": mailconv.RoleSent,
	"drafts": mailconv.RoleDrafts, "trash": mailconv.RoleTrash, "deleted messages": mailconv.RoleTrash,
	"deleted items": mailconv.RoleTrash, "junk": mailconv.RoleJunk, "spam": mailconv.RoleJunk,
	"templates": mailconv.RoleTemplates, "archives": mailconv.RoleArchive, "archive": mailconv.RoleArchive,
	"unsent messages": mailconv.RoleOutbox, "outbox": mailconv.RoleOutbox,
}

// walk lists dir (whose real path is under rootReal) as the children of
// parent.
func (s *Store) walk(ctx context.Context, rootReal, dir string, parent mailconv.Path, depth int, out *[]*mailconv.Mailbox) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if depth > maxTreeDepth {
		s.emit(mailconv.Event{Kind: mailconv.EventSkip, Code: "mbox.too-deep", Mailbox: parent,
			Location: &mailconv.Location{File: dir, Offset: -1}, Detail: fmt.Sprintf("folders nested deeper than %d levels are not read", maxTreeDepth)})
		return nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		if depth == 0 {
			return fmt.Errorf("mbox: %w", err)
		}
		s.emit(mailconv.Event{Kind: mailconv.EventSkip, Code: "mbox.unreadable", Mailbox: parent,
			Location: &mailconv.Location{File: dir, Offset: -1}, Detail: err.Error()})
		return nil
	}
	files := map[string]bool{}
	type child struct {
		name   string
		path   string
		isDir  bool
		isMbox bool
		size   int64
	}
	var kids []child
	for _, e := range entries {
		name := e.Name()
		full := filepath.Join(dir, name)
		if strings.HasPrefix(name, ".") || name == "Icon\r" {
			continue
		}
		fi, err := os.Stat(full) // follows symlinks; checked below
		if err != nil {
			s.emit(mailconv.Event{Kind: mailconv.EventSkip, Code: "mbox.unreadable", Mailbox: parent,
				Location: &mailconv.Location{File: full, Offset: -1}, Detail: err.Error()})
			continue
		}
		if e.Type()&os.ModeSymlink != 0 {
			real, err := filepath.EvalSymlinks(full)
			if err != nil || !within(rootReal, real) {
				s.emit(mailconv.Event{Kind: mailconv.EventSkip, Code: "mbox.symlink-outside", Mailbox: parent,
					Location: &mailconv.Location{File: full, Offset: -1}, Detail: "symbolic link leads outside the store; not followed"})
				continue
			}
		}
		switch {
		case fi.IsDir():
			kids = append(kids, child{name: name, path: full, isDir: true})
		case fi.Mode().IsRegular():
			if isAux(name) {
				continue
			}
			if fi.Size() > 0 && !isMboxFile(full) {
				s.emit(mailconv.Event{Kind: mailconv.EventWarning, Code: "mbox.not-mbox", Mailbox: parent,
					Location: &mailconv.Location{File: full, Offset: 0}, Detail: "file does not start with a From_ line; not read as a mailbox"})
				continue
			}
			files[name] = true
			kids = append(kids, child{name: name, path: full, isMbox: true, size: fi.Size()})
		default:
			// A device, pipe or socket: reading it could block or never
			// end.
			s.emit(mailconv.Event{Kind: mailconv.EventWarning, Code: "mbox.not-a-file", Mailbox: parent,
				Location: &mailconv.Location{File: full, Offset: -1}, Detail: fmt.Sprintf("not a regular file (%s); not read", fi.Mode().Type())})
		}
	}
	if depth == 0 {
		// the inbox first, as clients list it
		sort.SliceStable(kids, func(i, j int) bool {
			return strings.EqualFold(stripExt(kids[i].name), "inbox") && !strings.EqualFold(stripExt(kids[j].name), "inbox")
		})
	}
	emitted := map[string]bool{}
	for _, k := range kids {
		if k.isDir {
			continue
		}
		mname := stripExt(k.name)
		p := parent.Child(s.name(mname))
		role := mailconv.RoleNone
		if depth == 0 {
			if strings.EqualFold(mname, "inbox") {
				p, role = mailconv.Path{"INBOX"}, mailconv.RoleInbox
			} else if r, ok := topRoles[strings.ToLower(mname)]; ok {
				role = r
			}
		}
		*out = append(*out, &mailconv.Mailbox{Path: p, Role: role, Source: k.path, Messages: -1, Bytes: k.size})
		emitted[k.name] = true
		// Thunderbird children: Foo.sbd/
		if sbd := k.name + ".sbd"; dirExists(filepath.Join(dir, sbd)) {
			if err := s.walk(ctx, rootReal, filepath.Join(dir, sbd), p, depth+1, out); err != nil {
				return err
			}
			emitted[sbd] = true
		}
	}
	for _, k := range kids {
		if !k.isDir || emitted[k.name] {
			continue
		}
		name := k.name
		if strings.HasSuffix(name, ".sbd") {
			// children of a folder whose mbox file is missing
			name = strings.TrimSuffix(name, ".sbd")
			if files[name] {
				continue
			}
		}
		if strings.HasSuffix(strings.ToLower(name), ".mbox") {
			// Apple Mail export bundle: Name.mbox/mbox
			inner := filepath.Join(k.path, "mbox")
			if fi, err := os.Stat(inner); err == nil && fi.Mode().IsRegular() {
				p := parent.Child(s.name(stripExt(name)))
				*out = append(*out, &mailconv.Mailbox{Path: p, Source: inner, Messages: -1, Bytes: fi.Size()})
				continue
			}
		}
		p := parent.Child(s.name(name))
		*out = append(*out, &mailconv.Mailbox{Path: p, NoSelect: true, Source: k.path, Messages: -1, Bytes: -1})
		if err := s.walk(ctx, rootReal, k.path, p, depth+1, out); err != nil {
			return err
		}
	}
	return nil
}

// name turns a file name into a mailbox name.
func (s *Store) name(file string) string {
	n := decodeName(file)
	if s.unescape {
		n = mailconv.UnescapeName(n)
	}
	return n
}

func dirExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// within reports whether path real lies inside root (both cleaned, absolute
// or both relative).
func within(root, real string) bool {
	rel, err := filepath.Rel(root, real)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// Open starts reading mailbox mb.
func (s *Store) Open(ctx context.Context, mb *mailconv.Mailbox) (mailconv.MailboxReader, error) {
	if mb.NoSelect {
		return emptyReader{}, nil
	}
	f, err := os.Open(mb.Source)
	if err != nil {
		return nil, fmt.Errorf("mbox: %w", err)
	}
	ro := s.opts.Reader
	ro.Name = mb.Source
	ro.Mailbox = mb.Path
	ro.Events = s.opts.Events
	rd, err := NewReader(f, ro)
	if err != nil {
		f.Close()
		if errors.Is(err, mailconv.ErrFormat) {
			// A damaged file: report it and go on with the others.
			s.emit(mailconv.Event{Kind: mailconv.EventSkip, Code: "mbox.not-mbox", Mailbox: mb.Path,
				Location: &mailconv.Location{File: mb.Source, Offset: 0}, Detail: err.Error()})
			return emptyReader{}, nil
		}
		return nil, err
	}
	return &fileReader{Reader: rd, f: f}, nil
}

// ConcurrentOpen implements mailconv.ConcurrentOpener: every mailbox is a
// file of its own, opened read-only with a reader of its own; Open only
// reads the store's options.
func (s *Store) ConcurrentOpen() bool { return true }

// SingleFile tells whether the store is one mbox file. It implements
// mailconv.SingleFiler.
func (s *Store) SingleFile() bool { return s.single }

// Close releases the store.
func (s *Store) Close() error { return nil }

type fileReader struct {
	*Reader
	f *os.File
}

func (fr *fileReader) Close() error { return fr.f.Close() }

// Details returns the file's Stats for the conversion report.
func (fr *fileReader) Details() any { return fr.Stats() }

type emptyReader struct{}

func (emptyReader) Next() (*mailconv.Message, error) { return nil, io.EOF }
func (emptyReader) Read([]byte) (int, error)         { return 0, io.EOF }
func (emptyReader) Close() error                     { return nil }
