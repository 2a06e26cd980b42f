package eudora

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/internal/safeopen"
	"github.com/mailconv/mailconv/mime"
)

// AttachKind tells which kind of file a marker line refers to.
type AttachKind uint8

// The attachment kinds.
const (
	// AttachFile is a detached attachment ("Attachment Converted:"),
	// looked up first in the attachment folders.
	AttachFile AttachKind = iota
	// AttachEmbedded is a part of a multipart/related message ("Embedded
	// Content:", Mac "Related:"), looked up first in Embedded / Parts
	// Folder.
	AttachEmbedded
)

// attachDir is one folder where detached files are looked up.
type attachDir struct {
	label    string   // for reports
	root     *os.Root // the root the folder is opened through
	rel      string   // the folder, relative to root
	abs      string
	embedded bool // Embedded / Parts Folder
	own      bool // root belongs to this dir, closed with it
	inStore  bool // one of the store's own folders (else Config.AttachDirs)

	once sync.Once
	idx  map[string][]string // fold(name) → names
	all  []string
	err  error
}

// attachFinder looks detached files up inside the store's attachment
// folders, and nowhere else.
type attachFinder struct {
	s    *Store
	dirs []*attachDir
}

func newAttachFinder(s *Store) *attachFinder {
	af := &attachFinder{s: s}
	seen := map[string]bool{}
	add := func(name string, embedded bool) {
		ents, err := os.ReadDir(s.dir)
		if err != nil {
			return
		}
		for _, e := range ents {
			if !strings.EqualFold(e.Name(), name) || seen[e.Name()] {
				continue
			}
			// Each folder is its own root, so that a link inside it
			// cannot lead elsewhere, not even elsewhere in the store.
			r, err := s.root.OpenRoot(e.Name())
			if err != nil {
				if isEscape(err) {
					s.emit(mailconv.Event{Kind: mailconv.EventWarning, Code: "eudora.outside-root", Location: s.loc(e.Name(), -1),
						Detail: "the attachment folder is a link leading outside the store; not used"})
				}
				continue
			}
			seen[e.Name()] = true
			af.dirs = append(af.dirs, &attachDir{label: e.Name(), root: r, rel: ".", abs: s.abs(e.Name()), embedded: embedded, own: true, inStore: true})
		}
	}
	if s.platform == mime.Windows {
		if d := s.iniAttachDir(); d != "" {
			add(d, false)
		}
		add("attach", false)
		add("Embedded", true)
	} else {
		add("Attachments Folder", false)
		add("Parts Folder", true)
	}
	for _, d := range s.cfg.AttachDirs {
		r, err := os.OpenRoot(d)
		if err != nil {
			s.emit(mailconv.Event{Kind: mailconv.EventWarning, Code: "eudora.attach-dir", Detail: fmt.Sprintf("extra attachment folder %s: %v", d, err)})
			continue
		}
		abs, _ := filepath.Abs(d)
		af.dirs = append(af.dirs, &attachDir{label: abs, root: r, rel: ".", abs: abs, own: true})
	}
	return af
}

func (af *attachFinder) close() {
	for _, d := range af.dirs {
		if d.own {
			d.root.Close()
		}
	}
}

// iniAttachDir returns the last component of Eudora.ini's
// AutoReceiveAttachmentsDirectory, when set.
func (s *Store) iniAttachDir() string {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return ""
	}
	for _, e := range ents {
		if !strings.EqualFold(e.Name(), "Eudora.ini") {
			continue
		}
		f, _, err := safeopen.File(s.root, e.Name())
		if err != nil {
			return ""
		}
		defer f.Close()
		sc := bufio.NewScanner(io.LimitReader(f, 4<<20))
		sc.Buffer(make([]byte, 4096), 64<<10)
		section := ""
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if strings.HasPrefix(line, "[") {
				section = strings.ToLower(strings.Trim(line, "[]"))
				continue
			}
			k, v, ok := strings.Cut(line, "=")
			if ok && section == "settings" && strings.EqualFold(strings.TrimSpace(k), "AutoReceiveAttachmentsDirectory") {
				v = strings.Trim(strings.TrimSpace(v), `"`)
				return leafName(v, mime.Windows)
			}
		}
	}
	return ""
}

func (d *attachDir) index(lim Limits) error {
	d.once.Do(func() {
		f, err := safeopen.Dir(d.root, d.rel)
		if err != nil {
			d.err = err
			return
		}
		defer f.Close()
		d.idx = map[string][]string{}
		for {
			ents, err := f.ReadDir(1024)
			for _, e := range ents {
				n := e.Name()
				if strings.HasPrefix(n, "._") || macDebris[strings.ToLower(n)] {
					continue
				}
				d.all = append(d.all, n)
			}
			if len(d.all) > lim.MaxDirEntries {
				d.err = &mailconv.LimitError{Name: "MaxDirEntries", Limit: int64(lim.MaxDirEntries)}
				return
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				d.err = err
				return
			}
		}
		sort.Strings(d.all)
		for _, n := range d.all {
			k := fold(n)
			d.idx[k] = append(d.idx[k], n)
		}
	})
	return d.err
}

// leafName returns the last component of a recorded path: Windows splits on
// both slashes, Mac on colons (HFS paths) and slashes.
func leafName(p string, pl mime.Platform) string {
	seps := `\/`
	if pl == mime.Mac {
		seps = ":"
	}
	p = strings.TrimRight(p, seps)
	if i := strings.LastIndexAny(p, seps); i >= 0 {
		p = p[i+1:]
	}
	return p
}

// hasDotDot reports whether a recorded path climbs with "..".
func hasDotDot(p string) bool {
	for _, c := range strings.FieldsFunc(p, func(r rune) bool { return r == '\\' || r == '/' || r == ':' }) {
		if strings.TrimSpace(c) == ".." {
			return true
		}
	}
	return false
}

var mangled = regexp.MustCompile(`^(.*)#[0-9A-Fa-f]{1,8}(\.[^.]*)?$`)

// Found is a detached file located by Lookup.
type Found struct {
	// File is open for reading; the caller closes it.
	File *os.File
	// Size is its size in bytes.
	Size int64
	// Path is its absolute path, for reports.
	Path string
}

// Lookup finds the file a marker line names. recorded is the path as the
// marker holds it (a full path from the original PC, a Mac "Volume:name"),
// name the file name when the caller already has it (else the last
// component of recorded is used). The file is looked up by name,
// case-insensitively, only inside the store's attachment folders (attach,
// the ini's AutoReceiveAttachmentsDirectory, Embedded; Mac Attachments
// Folder and Parts Folder; Config.AttachDirs); Mac names are also tried
// with ':' for '/', and OS X's "#hex"-shortened long names are matched on
// their prefix and extension. A recorded path that climbs with "..", or a
// name leading outside its folder through a symbolic link, is refused with
// an error wrapping mailconv.ErrOutsideRoot; a file that is not there is an
// error wrapping fs.ErrNotExist.
func (s *Store) Lookup(kind AttachKind, recorded, name string) (*Found, error) {
	return s.attach.lookupRef(kind, recorded, name, 0)
}

// lookupRef is Lookup with the Mac file ID of the marker, which names the
// "#hex" suffix of a shortened name.
func (af *attachFinder) lookupRef(kind AttachKind, recorded, name string, fid uint32) (*Found, error) {
	s := af.s
	if hasDotDot(recorded) || hasDotDot(name) || strings.ContainsRune(recorded+name, 0) {
		return nil, fmt.Errorf("attachment %q: %w", recorded+name, mailconv.ErrOutsideRoot)
	}
	if name == "" {
		name = leafName(recorded, s.platform)
	}
	name = strings.TrimSpace(name)
	if name == "" || name == "." || strings.ContainsAny(name, `/\`) && s.platform == mime.Windows {
		return nil, fmt.Errorf("attachment %q: no file name: %w", recorded, fs.ErrNotExist)
	}
	cands := []string{name}
	if s.platform == mime.Mac {
		if strings.Contains(name, "/") {
			cands = append(cands, strings.ReplaceAll(name, "/", ":"))
		}
	}
	var dirs []*attachDir
	for _, pass := range []bool{kind == AttachEmbedded, kind != AttachEmbedded} {
		for _, d := range af.dirs {
			if d.embedded == pass && d.inStore {
				dirs = append(dirs, d)
			}
		}
	}
	for _, d := range af.dirs {
		if !d.inStore {
			dirs = append(dirs, d)
		}
	}
	var ambiguous []string
	for _, d := range dirs {
		if err := d.index(s.lim); err != nil {
			continue
		}
		for _, c := range cands {
			if strings.ContainsAny(c, "/") {
				continue
			}
			if found := pick(d.idx[fold(c)], c); found != "" {
				return af.open(d, found)
			}
		}
		if s.platform == mime.Mac {
			hits := matchMangled(d.all, name)
			if len(hits) > 1 && fid != 0 {
				suffix := fmt.Sprintf("#%X", fid)
				var exact []string
				for _, h := range hits {
					if strings.Contains(strings.ToUpper(h), suffix+".") || strings.HasSuffix(strings.ToUpper(h), suffix) {
						exact = append(exact, h)
					}
				}
				if len(exact) > 0 {
					hits = exact
				}
			}
			if len(hits) == 1 {
				return af.open(d, hits[0])
			}
			if len(hits) > 1 {
				ambiguous = append(ambiguous, hits...)
			}
		}
	}
	if len(ambiguous) > 0 {
		return nil, fmt.Errorf("attachment %q: several shortened names match (%s): %w", name, strings.Join(ambiguous, ", "), fs.ErrNotExist)
	}
	return nil, fmt.Errorf("attachment %q: not in the store's attachment folders: %w", name, fs.ErrNotExist)
}

// pick returns the exact spelling if present, else the first candidate.
func pick(cands []string, want string) string {
	for _, c := range cands {
		if c == want {
			return c
		}
	}
	if len(cands) > 0 {
		return cands[0]
	}
	return ""
}

// matchMangled matches OS X Eudora's shortened names ("IRD Projec REVIEWS
// sc#D8D4B.xls") against full names, in both directions: a shortened
// recorded name against full names on disk, or a full recorded name
// against shortened names on disk.
func matchMangled(names []string, want string) []string {
	var hits []string
	if m := mangled.FindStringSubmatch(want); m != nil {
		prefix, ext := fold(m[1]), fold(m[2])
		for _, n := range names {
			fn := fold(n)
			if strings.HasPrefix(fn, prefix) && strings.HasSuffix(fn, ext) && fn != fold(want) {
				hits = append(hits, n)
			}
		}
		return hits
	}
	fw := fold(want)
	for _, n := range names {
		if m := mangled.FindStringSubmatch(n); m != nil {
			if strings.HasPrefix(fw, fold(m[1])) && strings.HasSuffix(fw, fold(m[2])) {
				hits = append(hits, n)
			}
		}
	}
	return hits
}

func (af *attachFinder) open(d *attachDir, name string) (*Found, error) {
	rel := filepath.Join(d.rel, name)
	abs := filepath.Join(d.abs, name)
	f, fi, err := safeopen.File(d.root, rel)
	if err != nil {
		if isEscape(err) {
			return nil, fmt.Errorf("attachment %s: %w (a link leads out of the store)", abs, mailconv.ErrOutsideRoot)
		}
		if errors.Is(err, safeopen.ErrNotRegular) {
			return nil, fmt.Errorf("attachment %s: not a regular file: %w", abs, fs.ErrNotExist)
		}
		return nil, fmt.Errorf("attachment %s: %w", abs, err)
	}
	return &Found{File: f, Size: fi.Size(), Path: abs}, nil
}
