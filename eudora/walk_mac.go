package eudora

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/internal/safeopen"
	"github.com/mailconv/mailconv/mime"
)

// Names that are never mailboxes or mail folders in a Mac tree: Finder and
// file-system debris, and the Eudora Folder's own non-mail items (met when
// the mailboxes sit directly in the Eudora Folder, before 5.x).
var (
	macDebris = map[string]bool{
		".ds_store": true, "icon\r": true, ".localized": true, ".trashes": true,
		".fseventsd": true, ".spotlight-v100": true, ".temporaryitems": true,
		".apdisk": true, ".volumeicon.icns": true, "desktop db": true, "desktop df": true,
	}
	macNotMail = map[string]bool{
		"attachments folder": true, "parts folder": true, "signature folder": true,
		"stationery folder": true, "nicknames folder": true, "spool folder": true,
		"eudora items": true, "photo album": true, "imap folder": true, "plugins": true,
		"mail folder": true, "eudora settings": true, "eudora nicknames": true,
		"personal nicknames": true, "history list": true, "eudora filters": true,
		"eudora log": true, "eudora log.old": true, "filters report": true,
		"link history": true, "eudora links": true, "ad cache": true, "eudora filters.bak": true,
	}
)

// Mac "which" values in a TOC header (§3.6).
const (
	macWhichIn    = 6220
	macWhichOut   = 6805
	macWhichTrash = 7412
	macWhichJunk  = 32468
)

// walkMac reads one Mac directory: extension-less mailboxes, sub-folders,
// TOCs in AppleDouble forks or sidecar .toc files.
// imapCacheNote explains the eudora.imap-cache warning.
const imapCacheNote = "IMAP account caches are not converted: that mail lives on its IMAP server; " +
	"convert it from the server (mailconv convert imaps://USER@HOST ...) while the account exists"

func (w *walker) walkMac(rel string, parent mailconv.Path, eudoraPrefix string, depth int) error {
	s := w.s
	dl, skip, err := w.openDir(rel, parent, depth)
	if skip || err != nil {
		return err
	}
	atMailRoot := depth == 0
	atStoreRoot := atMailRoot && (rel == "." || rel == "")
	regular := map[string]bool{}
	kinds := map[string]bool{} // name → isDir, for usable entries
	for _, name := range dl.names {
		if strings.HasPrefix(name, "._") || macDebris[strings.ToLower(name)] {
			continue
		}
		if atMailRoot && strings.EqualFold(name, "IMAP Folder") {
			s.emit(mailconv.Event{Kind: mailconv.EventWarning, Code: "eudora.imap-cache", Location: s.loc(filepath.Join(rel, name), -1),
				Detail: imapCacheNote})
			continue
		}
		if atStoreRoot && macNotMail[strings.ToLower(name)] {
			continue
		}
		_, isDir, ok := w.entryKind(filepath.Join(rel, name))
		if !ok {
			continue
		}
		kinds[name] = isDir
		if !isDir {
			regular[fold(name)] = true
		}
	}
	var cs []*child
	for _, name := range dl.names {
		isDir, ok := kinds[name]
		if !ok {
			continue
		}
		crel := filepath.Join(rel, name)
		display := strings.ReplaceAll(decodeFileName(name, mime.Mac), ":", "/")
		if isDir {
			cs = append(cs, &child{display: display, file: name, isDir: true, kind: -1})
			continue
		}
		lower := strings.ToLower(name)
		if strings.HasSuffix(lower, ".toc") && regular[fold(name[:len(name)-4])] {
			continue // a sidecar TOC
		}
		c := &child{display: display, file: name, kind: -1}
		// TOC candidates: the AppleDouble fork, a native fork, a sidecar.
		var adType, adCreator string
		if ad, ok := dl.find("._"+name, mime.Mac); ok {
			c.tocs = append(c.tocs, tocSource{file: filepath.Join(rel, ad), fork: true})
			adType, adCreator = w.finderInfo(filepath.Join(rel, ad))
		}
		c.tocs = append(c.tocs, tocSource{file: crel + "/..namedfork/rsrc", fork: true, native: true})
		if sc, ok := dl.find(name+".toc", mime.Mac); ok {
			c.tocs = append(c.tocs, tocSource{file: filepath.Join(rel, sc)})
		}
		if !w.looksLikeMacMailbox(crel, adType, adCreator) {
			s.emit(mailconv.Event{Kind: mailconv.EventInfo, Code: "eudora.not-a-mailbox", Mailbox: parent, Location: s.loc(crel, -1),
				Detail: "file is neither empty nor starts with a message separator, and is not typed TEXT/CSOm; not read as a mailbox"})
			continue
		}
		if atMailRoot {
			c.kind = w.macTOCKind(c.tocs)
			switch {
			case strings.EqualFold(name, "In") || c.kind == macWhichIn:
				c.system = "in"
			case strings.EqualFold(name, "Out") || c.kind == macWhichOut:
				c.system = "out"
			case strings.EqualFold(name, "Trash") || c.kind == macWhichTrash:
				c.system = "trash"
			case strings.EqualFold(name, "Junk") || c.kind == macWhichJunk:
				c.system = "junk"
			}
		}
		cs = append(cs, c)
	}
	// Only one mailbox per system role.
	seenRole := map[string]bool{}
	sortChildren(cs)
	for _, c := range cs {
		if c.system == "" {
			continue
		}
		if seenRole[c.system] {
			c.system = ""
			continue
		}
		seenRole[c.system] = true
	}
	return w.place(parent, atMailRoot, cs, eudoraPrefix, rel, depth, func(c *child, p mailconv.Path, crel string) error {
		return w.walkMac(crel, p, eudoraPrefix+":"+hfsName(c.file), depth+1)
	})
}

// finderInfo returns the Finder type and creator recorded in an AppleDouble
// file, or "".
func (w *walker) finderInfo(rel string) (string, string) {
	f, _, err := safeopen.File(w.s.root, rel)
	if err != nil {
		return "", ""
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.Size() > w.s.lim.MaxForkBytes {
		return "", ""
	}
	ad, err := parseAppleDouble(f, fi.Size(), w.s.abs(rel))
	if err != nil {
		return "", ""
	}
	return ad.Type, ad.Creator
}

// looksLikeMacMailbox accepts a file typed TEXT/CSOm, an empty file, or
// one whose first line is a message separator (Mac or Windows rule).
func (w *walker) looksLikeMacMailbox(rel, typ, creator string) bool {
	if creator == "CSOm" && (typ == "TEXT" || typ == "") {
		return true
	}
	f, _, err := safeopen.File(w.s.root, rel)
	if err != nil {
		return false
	}
	defer f.Close()
	buf := make([]byte, 1024)
	n, err := io.ReadFull(f, buf)
	if n == 0 && (err == io.EOF) {
		return true
	}
	buf = buf[:n]
	// Leading NULs (crash damage) and blank lines do not decide.
	buf = trimLeadingJunk(buf)
	if i := indexLineEnd(buf); i >= 0 {
		buf = buf[:i]
	}
	return IsSeparator(buf, mime.Mac) || IsSeparator(buf, mime.Windows)
}

func trimLeadingJunk(b []byte) []byte {
	i := 0
	for i < len(b) && (b[i] == 0 || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return b[i:]
}

// macTOCKind returns the "which" field of the first readable TOC header,
// or -1.
func (w *walker) macTOCKind(srcs []tocSource) int {
	for _, src := range srcs {
		r, size, closer, err := w.s.openTOC(src)
		if err != nil {
			continue
		}
		var h [MacTOCHeaderSize]byte
		_, err = r.ReadAt(h[:], 0)
		closer()
		if err != nil || size < MacTOCHeaderSize {
			continue
		}
		return int(int16(uint16(h[274])<<8 | uint16(h[275])))
	}
	return -1
}

// openTOC opens one TOC source and returns a reader over just the TOC
// bytes, their size and a closer. A fork without resource 'TOCF' 1001 is
// fs.ErrNotExist.
func (s *Store) openTOC(src tocSource) (io.ReaderAt, int64, func(), error) {
	f, _, err := safeopen.File(s.root, src.file)
	if err != nil {
		return nil, 0, nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, nil, err
	}
	closer := func() { f.Close() }
	if !src.fork {
		return f, fi.Size(), closer, nil
	}
	if fi.Size() > s.lim.MaxForkBytes {
		f.Close()
		return nil, 0, nil, &mailconv.LimitError{Name: "MaxForkBytes", Limit: s.lim.MaxForkBytes}
	}
	fork := span{0, fi.Size()}
	if !src.native {
		ad, err := parseAppleDouble(f, fi.Size(), s.abs(src.file))
		if err != nil {
			f.Close()
			return nil, 0, nil, err
		}
		var ok bool
		if fork, ok = ad.ResourceFork(); !ok {
			f.Close()
			return nil, 0, nil, fmt.Errorf("%s: %w: no resource fork", s.abs(src.file), errNoTOC)
		}
	}
	sp, ok, err := findResource(f, fork, "TOCF", 1001, s.abs(src.file))
	if err != nil {
		f.Close()
		return nil, 0, nil, err
	}
	if !ok {
		f.Close()
		return nil, 0, nil, fmt.Errorf("%s: %w: no resource 'TOCF' 1001", s.abs(src.file), errNoTOC)
	}
	return io.NewSectionReader(f, sp.Offset, sp.Length), sp.Length, closer, nil
}
