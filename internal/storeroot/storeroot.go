package storeroot

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/internal/safeopen"
)

// Store is an open store directory.
type Store struct {
	// Path is the directory as given.
	Path string
	// Root is the directory opened as an os.Root.
	Root *os.Root
	// Opts are the reader's options (never nil).
	Opts *mailconv.Options
	// Format prefixes event codes ("mh" gives "mh.unreadable").
	Format string
}

// Open opens dir, which must be a directory, for a reader of format.
func Open(dir, format string, opts *mailconv.Options) (*Store, error) {
	if opts == nil {
		opts = &mailconv.Options{}
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", format, err)
	}
	if !fi.IsDir() {
		return nil, &mailconv.ParseError{File: dir, Offset: -1, Err: fmt.Errorf("%s: not a directory: %w", format, mailconv.ErrFormat)}
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", format, err)
	}
	return &Store{Path: dir, Root: root, Opts: opts, Format: format}, nil
}

// OpenWith parses the format's parameters from opts with parse, then
// opens dir as Open does.
func OpenWith[C any](dir, format string, opts *mailconv.Options, parse func(map[string]string) (C, error)) (*Store, C, error) {
	var params map[string]string
	if opts != nil {
		params = opts.Params
	}
	cfg, err := parse(params)
	if err != nil {
		return nil, cfg, err
	}
	st, err := Open(dir, format, opts)
	return st, cfg, err
}

// Close releases the root.
func (s *Store) Close() error { return s.Root.Close() }

// Abs returns the path of rel (slash-separated, relative to the root).
func (s *Store) Abs(rel string) string { return filepath.Join(s.Path, filepath.FromSlash(rel)) }

// Emit reports an event at file and offset (no location when file is "").
func (s *Store) Emit(kind mailconv.EventKind, code string, mb mailconv.Path, file string, off int64, format string, args ...any) {
	e := mailconv.Event{Kind: kind, Code: code, Mailbox: mb, Detail: fmt.Sprintf(format, args...)}
	if file != "" {
		e.Location = &mailconv.Location{File: file, Offset: off}
	}
	s.Opts.Emit(e)
}

// EmitErr reports err as an event of message id, located where err says
// when it is (or wraps) a *mailconv.ParseError.
func (s *Store) EmitErr(kind mailconv.EventKind, code string, mb mailconv.Path, id string, err error) {
	e := mailconv.Event{Kind: kind, Code: code, Mailbox: mb, Message: id, Detail: err.Error()}
	var pe *mailconv.ParseError
	if errors.As(err, &pe) {
		loc := pe.Location()
		e.Location = &loc
	}
	s.Opts.Emit(e)
}

// Skip reports an entry that cannot be read as a skip: FORMAT.outside-root
// (wrapping mailconv.ErrOutsideRoot) for a link out of the root,
// FORMAT.unreadable otherwise.
func (s *Store) Skip(mb mailconv.Path, rel string, err error) {
	code := s.Format + ".unreadable"
	if IsOutside(err) {
		code = s.Format + ".outside-root"
		err = fmt.Errorf("%w: %v", mailconv.ErrOutsideRoot, err)
	}
	s.Emit(mailconv.EventSkip, code, mb, s.Abs(rel), -1, "%v", err)
}

// ReadDir lists the directory rel, sorted by name.
func (s *Store) ReadDir(rel string) ([]fs.FileInfo, error) {
	d, err := safeopen.Dir(s.Root, rel)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	fis, err := d.Readdir(-1)
	sort.Slice(fis, func(i, j int) bool { return fis[i].Name() < fis[j].Name() })
	return fis, err
}

// ReadDirNames lists the names in the directory rel, sorted.
func (s *Store) ReadDirNames(rel string) ([]string, error) {
	d, err := safeopen.Dir(s.Root, rel)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	sort.Strings(names)
	return names, err
}

// IsOutside tells whether err comes from a path (a symbolic link) that
// would leave an os.Root.
func IsOutside(err error) bool {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return strings.Contains(pe.Err.Error(), "escapes from parent")
	}
	return strings.Contains(err.Error(), "escapes from parent")
}

// IsDir tells whether p is a directory (following links).
func IsDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// IsFile tells whether p is a regular file (following links).
func IsFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// TooDeep tells whether the directory rel, depth levels below the top, is
// as deep as max or deeper; when it is, it reports it as a skip
// FORMAT.too-deep naming the option param that raises the bound.
func (s *Store) TooDeep(mb mailconv.Path, rel string, depth, max int, param string) bool {
	if depth < max {
		return false
	}
	s.Emit(mailconv.EventSkip, s.Format+".too-deep", mb, s.Abs(rel), -1,
		"folders nested deeper than %d levels are not read (option %s)", max, param)
	return true
}

// Unlisted is a reader's Open error for a mailbox its Mailboxes did not
// return; listed tells whether Mailboxes has run.
func Unlisted(format string, mb *mailconv.Mailbox, listed bool) error {
	if !listed {
		return fmt.Errorf("%s: Open before Mailboxes", format)
	}
	return fmt.Errorf("%s: mailbox %s was not listed by this reader", format, mb.Path)
}

// TopRole returns the path and role of a mailbox: a top-level mailbox
// whose name, lower-cased, is in roles has that role, and the inbox is
// named INBOX; any other mailbox keeps its path and has no role.
func TopRole(p mailconv.Path, roles map[string]mailconv.Role) (mailconv.Path, mailconv.Role) {
	if len(p) != 1 {
		return p, mailconv.RoleNone
	}
	role := roles[strings.ToLower(p[0])]
	if role == mailconv.RoleInbox {
		p = mailconv.Path{"INBOX"}
	}
	return p, role
}
