package eml

import (
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
	"sort"
	"strconv"
	"strings"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/internal/formatreg"
	"github.com/mailconv/mailconv/internal/safeopen"
	"github.com/mailconv/mailconv/internal/storeroot"
)

// FormatName is the name the package registers.
const FormatName = "eml"

// Options of the format (Options.Params).
const (
	// ParamMaxHeader (reading) bounds the bytes of a file read to decide
	// whether it is a message and to find its dates.
	ParamMaxHeader = "max-header"
	// ParamMaxDepth (reading) bounds the directory nesting followed.
	ParamMaxDepth = "max-depth"
)

// Defaults of the options.
const (
	DefaultMaxHeader = 256 << 10
	DefaultMaxDepth  = 64
)

// Ext is the file name extension of message files (compared without
// regard to case).
const Ext = ".eml"

func init() {
	mailconv.RegisterFormat(mailconv.Format{
		Name:        FormatName,
		Description: "single RFC 5322 message files (.eml): one file, or a directory tree of them (each directory a mailbox), read-only",
		Detect:      Detect,
		Open:        formatreg.Reader(Open),
		Params: []mailconv.Param{
			{Name: ParamMaxHeader, Read: true, Doc: "bytes of each file read to recognise a message and find its dates (default 262144)"},
			{Name: ParamMaxDepth, Read: true, Doc: "directory nesting followed (default 64)"},
		},
	})
}

// isEML tells whether a file name has the .eml extension.
func isEML(name string) bool {
	return len(name) > len(Ext) && strings.EqualFold(name[len(name)-len(Ext):], Ext) && name[0] != '.'
}

// Detect tells how sure it is that path holds .eml messages: 95 for a
// file named *.eml that starts with a message header, 30 for another file
// that does (a message saved without the extension; mbox files, which
// start with "From ", are not claimed), 50 for a directory holding .eml
// files at its top level or one level down, and not cur/ and new/ (a
// maildir).
func Detect(p string) int {
	fi, err := os.Stat(p)
	if err != nil {
		return 0
	}
	if fi.Mode().IsRegular() {
		f, _, err := safeopen.Path(p)
		if err != nil {
			return 0
		}
		defer f.Close()
		buf := make([]byte, 16<<10)
		n, _ := io.ReadFull(f, buf)
		if _, err := Scan(buf[:n], n < len(buf)); err != nil {
			return 0
		}
		if isEML(filepath.Base(p)) {
			return 95
		}
		return 30
	}
	if !fi.IsDir() {
		return 0
	}
	if storeroot.IsDir(filepath.Join(p, "cur")) && storeroot.IsDir(filepath.Join(p, "new")) {
		return 0
	}
	ents, err := readDirBounded(p, 1000)
	if err != nil {
		return 0
	}
	for _, e := range ents {
		if e.Type().IsRegular() && isEML(e.Name()) {
			return 50
		}
	}
	for _, e := range ents {
		if e.IsDir() && e.Name()[0] != '.' {
			sub, _ := readDirBounded(filepath.Join(p, e.Name()), 1000)
			for _, s := range sub {
				if s.Type().IsRegular() && isEML(s.Name()) {
					return 50
				}
			}
		}
	}
	return 0
}

// readDirBounded lists at most n entries of dir.
func readDirBounded(dir string, n int) ([]fs.DirEntry, error) {
	d, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	ents, err := d.ReadDir(n)
	if errors.Is(err, io.EOF) {
		err = nil
	}
	return ents, err
}

type config struct {
	maxHeader int
	maxDepth  int
}

func parseParams(p map[string]string) (config, error) {
	c := config{maxHeader: DefaultMaxHeader, maxDepth: DefaultMaxDepth}
	for k, v := range p {
		n, err := strconv.Atoi(v)
		switch k {
		case ParamMaxHeader:
			if err != nil || n <= 0 || n > 64<<20 {
				return c, mailconv.BadOption(fmt.Errorf("eml: %s=%q: want a byte count from 1 to 67108864", k, v))
			}
			c.maxHeader = n
		case ParamMaxDepth:
			if err != nil || n <= 0 {
				return c, mailconv.BadOption(fmt.Errorf("eml: %s=%q: want a positive number of levels", k, v))
			}
			c.maxDepth = n
		default:
			return c, mailconv.BadOption(fmt.Errorf("eml: unknown option %q", k))
		}
	}
	return c, nil
}

// Reader reads one message file, or a directory tree of .eml files. It
// implements mailconv.Reader and, for resumption, its mailbox readers
// implement mailconv.IDSkipper (a message's ID is its file name) and the
// Reader mailconv.Fingerprinter.
type Reader struct {
	st   *storeroot.Store // the directory: p, or the one file's parent
	file string           // the one message file (relative to the root), or ""
	cfg  config
	dirs map[string]string // Mailbox.Source -> directory relative to root
}

// Open opens path, a message file or a directory of .eml files, for
// reading. Nothing under it is ever modified.
func Open(ctx context.Context, p string, opts *mailconv.Options) (*Reader, error) {
	fi, err := os.Stat(p)
	dir, file := p, ""
	if err == nil && !fi.IsDir() {
		dir, file = filepath.Dir(p), filepath.Base(p)
	}
	st, cfg, err := storeroot.OpenWith(dir, FormatName, opts, parseParams)
	if err != nil {
		return nil, err
	}
	if file != "" && !fi.Mode().IsRegular() {
		st.Close()
		return nil, fmt.Errorf("eml: %s: %w", p, safeopen.ErrNotRegular)
	}
	return &Reader{st: st, file: file, cfg: cfg}, nil
}

// Close releases the store.
func (r *Reader) Close() error { return r.st.Close() }

// Mailboxes lists the tree: the top directory is INBOX, every directory
// below it the mailbox of its path; a directory holding no .eml file but
// directories that do is a NoSelect folder. Files that are not .eml files
// are reported (warning eml.not-eml) and not read. A single message file
// is the one message of INBOX.
func (r *Reader) Mailboxes(ctx context.Context) ([]*mailconv.Mailbox, error) {
	r.dirs = map[string]string{}
	if r.file != "" {
		mb := &mailconv.Mailbox{Path: mailconv.Path{"INBOX"}, Role: mailconv.RoleInbox, Source: r.st.Abs(r.file), Messages: 1, Bytes: -1}
		r.dirs[mb.Source] = "."
		return []*mailconv.Mailbox{mb}, nil
	}
	// walk lists a directory before its subdirectories, these in name
	// order: INBOX first, parents before children.
	var out []*mailconv.Mailbox
	if _, err := r.walk(ctx, ".", nil, 0, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// walk lists directory rel (mailbox p; nil for the top) and its
// subdirectories, and tells whether any mail was found in it or below.
func (r *Reader) walk(ctx context.Context, rel string, p mailconv.Path, depth int, out *[]*mailconv.Mailbox) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	d, err := safeopen.Dir(r.st.Root, rel)
	if err != nil {
		if rel == "." {
			return false, fmt.Errorf("eml: %w", err)
		}
		r.st.Emit(mailconv.EventSkip, "eml.unreadable-dir", p, r.st.Abs(rel), -1, "%v", err)
		return false, nil
	}
	ents, err := d.ReadDir(-1)
	d.Close()
	if err != nil {
		r.st.Emit(mailconv.EventSkip, "eml.unreadable-dir", p, r.st.Abs(rel), -1, "%v", err)
	}
	sort.Slice(ents, func(i, j int) bool { return ents[i].Name() < ents[j].Name() })
	mbPath := p
	if mbPath == nil {
		mbPath = mailconv.Path{"INBOX"}
	}
	count := 0
	var subs []fs.DirEntry
	for _, e := range ents {
		name := e.Name()
		switch {
		case name[0] == '.':
			// hidden: .DS_Store, AppleDouble files, editor leftovers
		case e.IsDir():
			subs = append(subs, e)
		case isEML(name) && e.Type()&fs.ModeSymlink == 0:
			count++
		default:
			r.st.Emit(mailconv.EventWarning, "eml.not-eml", mbPath, r.st.Abs(path.Join(rel, name)), -1,
				"not read: only files named *.eml are read as messages in a directory")
		}
	}
	var mb *mailconv.Mailbox
	if count > 0 || rel == "." {
		mb = &mailconv.Mailbox{Path: mbPath, Source: r.st.Abs(rel), Messages: count, Bytes: -1, NoSelect: count == 0}
		if p == nil {
			mb.Role = mailconv.RoleInbox
		}
	}
	found := count > 0
	if len(subs) > 0 && depth >= r.cfg.maxDepth {
		r.st.Emit(mailconv.EventSkip, "eml.too-deep", mbPath, r.st.Abs(rel), -1,
			"%d folder(s) below this one are more than %d levels deep and were not read (--opt %s)", len(subs), r.cfg.maxDepth, ParamMaxDepth)
		subs = nil
	}
	var below []*mailconv.Mailbox
	for _, e := range subs {
		child := append(append(mailconv.Path(nil), p...), e.Name())
		if p == nil && strings.EqualFold(e.Name(), "INBOX") {
			// INBOX is the top directory; a folder of that name is kept
			// apart, under it.
			child = mailconv.Path{"INBOX", e.Name()}
			r.st.Emit(mailconv.EventWarning, "eml.inbox-folder", child, r.st.Abs(e.Name()), -1,
				"the top directory is INBOX; the folder %q is read as INBOX/%s", e.Name(), e.Name())
		}
		ok, err := r.walk(ctx, path.Join(rel, e.Name()), child, depth+1, &below)
		if err != nil {
			return false, err
		}
		found = found || ok
	}
	if mb != nil && (count > 0 || found) {
		r.dirs[mb.Source] = rel
		*out = append(*out, mb)
	} else if mb == nil && found {
		// a folder that only holds folders
		mb = &mailconv.Mailbox{Path: mbPath, Source: r.st.Abs(rel), Messages: 0, Bytes: -1, NoSelect: true}
		r.dirs[mb.Source] = rel
		*out = append(*out, mb)
	}
	*out = append(*out, below...)
	return found, nil
}

// Fingerprint covers the names, sizes and modification times of the
// mailbox's message files (mailconv.Fingerprinter): a message added,
// removed or replaced changes it.
func (r *Reader) Fingerprint(mb *mailconv.Mailbox) (string, error) {
	rel, ok := r.dirs[mb.Source]
	if !ok {
		return "", fmt.Errorf("eml: %s: not a mailbox of this store", mb.Source)
	}
	names, err := r.messageNames(rel)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, n := range names {
		fi, err := r.st.Root.Lstat(path.Join(rel, n))
		if err != nil {
			fmt.Fprintf(h, "%s\x00-\x00", n)
			continue
		}
		fmt.Fprintf(h, "%s\x00%d\x00%d\x00", n, fi.Size(), fi.ModTime().UnixNano())
	}
	return "eml:" + hex.EncodeToString(h.Sum(nil)[:16]), nil
}

// messageNames lists the .eml files of directory rel (or the one file),
// sorted by name.
func (r *Reader) messageNames(rel string) ([]string, error) {
	if r.file != "" {
		return []string{r.file}, nil
	}
	d, err := safeopen.Dir(r.st.Root, rel)
	if err != nil {
		return nil, fmt.Errorf("eml: %w", err)
	}
	ents, err := d.ReadDir(-1)
	d.Close()
	if err != nil {
		return nil, fmt.Errorf("eml: reading %s: %w", r.st.Abs(rel), err)
	}
	var names []string
	for _, e := range ents {
		if !e.IsDir() && isEML(e.Name()) && e.Type()&fs.ModeSymlink == 0 {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}

// ConcurrentOpen implements mailconv.ConcurrentOpener: once Mailboxes
// returned, Open and Fingerprint only read the reader's directory map and
// list a directory; each mailbox reader opens its own files.
func (r *Reader) ConcurrentOpen() bool { return true }

// Open starts reading the messages of mb, in file name order.
func (r *Reader) Open(ctx context.Context, mb *mailconv.Mailbox) (mailconv.MailboxReader, error) {
	rel, ok := r.dirs[mb.Source]
	if !ok {
		return nil, fmt.Errorf("eml: %s: not a mailbox of this store", mb.Source)
	}
	mr := &mailboxReader{r: r, mb: mb.Path}
	if mb.NoSelect {
		return mr, nil
	}
	names, err := r.messageNames(rel)
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		if r.file != "" {
			mr.Entries = append(mr.Entries, msgFile(n))
		} else {
			mr.Entries = append(mr.Entries, msgFile(path.Join(rel, n)))
		}
	}
	return mr, nil
}

// msgFile is a message file, relative to the root.
type msgFile string

// EntryID is the message's ID: its file name (storeroot.Entry).
func (f msgFile) EntryID() string { return path.Base(string(f)) }

// mailboxReader streams the message files of one directory. Its
// storeroot.Files gives it PeekID and Skip (mailconv.IDSkipper: the ID is
// the file name), Read and Close.
type mailboxReader struct {
	storeroot.Files[msgFile]
	r   *Reader
	mb  mailconv.Path
	msg mailconv.Message
	buf []byte
}

// Next opens the next message file and returns its metadata. A file that
// is not a message, or cannot be read, is reported as a skip and passed
// over.
func (mr *mailboxReader) Next() (*mailconv.Message, error) {
	r := mr.r
	for e, ok := mr.Take(); ok; e, ok = mr.Take() {
		rel := string(e)
		abs := r.st.Abs(rel)
		f, fi, err := safeopen.File(r.st.Root, rel)
		if err != nil {
			code := "eml.unreadable"
			if errors.Is(err, safeopen.ErrNotRegular) {
				code = "eml.not-a-file"
			}
			r.st.Emit(mailconv.EventSkip, code, mr.mb, abs, -1, "%v", err)
			continue
		}
		want := int(min(int64(r.cfg.maxHeader), fi.Size()))
		if cap(mr.buf) < want {
			mr.buf = make([]byte, want)
		}
		n, rerr := io.ReadFull(f, mr.buf[:want])
		if rerr != nil && !errors.Is(rerr, io.EOF) && !errors.Is(rerr, io.ErrUnexpectedEOF) {
			f.Close()
			r.st.Emit(mailconv.EventSkip, "eml.unreadable", mr.mb, abs, -1, "%v", rerr)
			continue
		}
		if n == 0 {
			f.Close()
			r.st.Emit(mailconv.EventSkip, "eml.empty", mr.mb, abs, -1, "the file is empty")
			continue
		}
		atEOF := int64(n) >= fi.Size() || rerr != nil // the whole file is in the buffer
		h, err := Scan(mr.buf[:n], atEOF)
		if err != nil {
			f.Close()
			loc, why := mailconv.Location{File: abs, Offset: -1}, err
			var pe *mailconv.ParseError
			if errors.As(err, &pe) {
				loc.Offset, why = pe.Offset, pe.Err
			}
			r.st.Opts.Emit(mailconv.Event{Kind: mailconv.EventSkip, Code: "eml.not-a-message", Mailbox: mr.mb,
				Location: &loc, Detail: "not read: " + why.Error()})
			continue
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			f.Close()
			r.st.Emit(mailconv.EventSkip, "eml.unreadable", mr.mb, abs, -1, "%v", err)
			continue
		}
		mr.Hold(f)
		mr.SetBody(f)
		m := &mr.msg
		m.Reset()
		m.ID = e.EntryID()
		m.Size = fi.Size()
		m.Source = mailconv.Location{File: abs, Offset: 0}
		m.Date, m.DateSource = mailconv.ChooseDate("received", fi.ModTime(), h.Received, h.Date)
		return m, nil
	}
	return nil, io.EOF
}
