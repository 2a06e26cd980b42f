package eudora

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/internal/safeopen"
	"github.com/mailconv/mailconv/mime"
)

// openDir lists a directory for walkWin and walkMac. An unreadable folder
// below the root is reported and skipped (skip true); an unreadable root is
// an error.
func (w *walker) openDir(rel string, parent mailconv.Path, depth int) (dl *dirList, skip bool, err error) {
	s := w.s
	if err := w.ctx.Err(); err != nil {
		return dl, true, err
	}
	if depth == 0 {
		if fi, err := s.root.Stat(rel); err == nil {
			w.enterDir(rel, 0, fi)
		}
	}
	dl, err = w.list(rel)
	if err != nil {
		if depth == 0 {
			return dl, true, err
		}
		s.emit(mailconv.Event{Kind: mailconv.EventSkip, Code: "eudora.unreadable", Mailbox: parent, Location: s.loc(rel, -1), Detail: err.Error()})
		return dl, true, nil
	}
	return dl, false, nil
}

// walkWin reads one Windows directory (the data folder or a .fol folder):
// its descmap.pce, checked against the directory listing, which is the
// ground truth (docs/formats/eudora.md §1.3).
func (w *walker) walkWin(rel string, parent mailconv.Path, eudoraPrefix string, depth int) error {
	s := w.s
	dl, skip, err := w.openDir(rel, parent, depth)
	if skip || err != nil {
		return err
	}
	claimed := map[string]bool{} // on-disk names already used
	var cs []*child

	// 1. descmap.pce, advisory.
	if dm, ok := dl.find("descmap.pce", mime.Windows); ok {
		dmRel := filepath.Join(rel, dm)
		entries, problems, err := w.readDescmap(dmRel)
		for _, p := range problems {
			s.emit(mailconv.Event{Kind: mailconv.EventWarning, Code: "eudora.descmap-line", Mailbox: parent,
				Location: s.loc(dmRel, p.Offset), Detail: "line skipped: " + p.String()})
		}
		if err != nil {
			s.emit(mailconv.Event{Kind: mailconv.EventWarning, Code: "eudora.descmap-unreadable", Mailbox: parent,
				Location: s.loc(dmRel, -1), Detail: err.Error() + "; the directory listing is used alone"})
		}
		for _, e := range entries {
			disk, ok := dl.find(e.File, mime.Windows)
			if !ok {
				s.emit(mailconv.Event{Kind: mailconv.EventWarning, Code: "eudora.descmap-missing-file", Mailbox: parent,
					Location: s.loc(dmRel, e.Offset),
					Detail:   fmt.Sprintf("entry %q names %s, which does not exist; dropped (as Eudora does)", e.Name, e.File)})
				continue
			}
			if claimed[disk] {
				s.emit(mailconv.Event{Kind: mailconv.EventWarning, Code: "eudora.descmap-duplicate", Mailbox: parent,
					Location: s.loc(dmRel, e.Offset),
					Detail:   fmt.Sprintf("entry %q names %s again; only the first entry is used", e.Name, disk)})
				continue
			}
			crel := filepath.Join(rel, disk)
			_, isDir, ok := w.entryKind(crel)
			if !ok {
				claimed[disk] = true // reported once
				continue
			}
			if isDir != (e.Type == 'F') {
				s.emit(mailconv.Event{Kind: mailconv.EventWarning, Code: "eudora.descmap-type", Mailbox: parent,
					Location: s.loc(dmRel, e.Offset),
					Detail:   fmt.Sprintf("entry %q has type %c but %s is a %s; the file system wins", e.Name, e.Type, disk, map[bool]string{true: "directory", false: "file"}[isDir])})
			}
			claimed[disk] = true
			c := &child{display: e.Name, file: disk, isDir: isDir, typ: e.Type, kind: -1}
			cs = append(cs, c)
		}
	} else if depth == 0 || len(dl.names) > 0 {
		s.emit(mailconv.Event{Kind: mailconv.EventInfo, Code: "eudora.no-descmap", Mailbox: parent, Location: s.loc(rel, -1),
			Detail: "no descmap.pce: names come from the TOCs and file names"})
	}

	// IMAP caches (Imap\<account>\) are not mailboxes of this store: say
	// so, for a user whose server is gone may hold the only copy there.
	if depth == 0 {
		if d, ok := dl.find("Imap", mime.Windows); ok {
			if _, isDir, ok := w.entryKind(filepath.Join(rel, d)); ok && isDir {
				s.emit(mailconv.Event{Kind: mailconv.EventWarning, Code: "eudora.imap-cache", Location: s.loc(filepath.Join(rel, d), -1),
					Detail: imapCacheNote})
			}
		}
	}

	// 2. Unlisted .mbx files and .fol folders.
	for _, name := range dl.names {
		if claimed[name] {
			continue
		}
		ext := strings.ToLower(filepath.Ext(name))
		if ext != ".mbx" && ext != ".fol" {
			continue
		}
		crel := filepath.Join(rel, name)
		_, isDir, ok := w.entryKind(crel)
		if !ok || isDir != (ext == ".fol") {
			continue
		}
		c := &child{file: name, isDir: isDir, kind: -1}
		base := decodeFileName(strings.TrimSuffix(name, filepath.Ext(name)), mime.Windows)
		c.display = base
		if !isDir {
			if tn := w.winTOCName(rel, dl, name); tn != "" {
				c.display = tn
			}
			s.emit(mailconv.Event{Kind: mailconv.EventInfo, Code: "eudora.unlisted-mailbox", Mailbox: parent.Child(c.display),
				Location: s.loc(crel, -1), Detail: fmt.Sprintf("%s is not in descmap.pce; read as %q", name, c.display)})
		} else {
			s.emit(mailconv.Event{Kind: mailconv.EventInfo, Code: "eudora.unlisted-folder", Mailbox: parent.Child(c.display),
				Location: s.loc(crel, -1), Detail: fmt.Sprintf("%s is not in descmap.pce; read as %q", name, c.display)})
		}
		claimed[name] = true
		cs = append(cs, c)
	}

	// 3. TOCs and system mailboxes.
	for _, c := range cs {
		if c.isDir {
			continue
		}
		base := strings.TrimSuffix(c.file, filepath.Ext(c.file))
		if toc, ok := dl.find(base+".toc", mime.Windows); ok {
			c.tocs = []tocSource{{file: filepath.Join(rel, toc)}}
		}
		if depth == 0 {
			switch b := strings.ToLower(base); b {
			case "in", "out", "trash":
				c.system = b
			case "junk":
				if c.typ != 'M' { // a user mailbox called Junk before 6.0
					c.system = b
				}
			}
		}
	}

	return w.place(parent, depth == 0, cs, eudoraPrefix, rel, depth, func(c *child, p mailconv.Path, crel string) error {
		prefix := c.file
		if eudoraPrefix != "" {
			prefix = eudoraPrefix + `\` + c.file
		}
		return w.walkWin(crel, p, prefix, depth+1)
	})
}

func (w *walker) readDescmap(rel string) ([]DescmapEntry, []DescmapProblem, error) {
	f, _, err := safeopen.File(w.s.root, rel)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	return ParseDescmap(f, w.s.lim)
}

// winTOCName returns the display name stored in bytes 8–39 of the .toc
// that goes with mbx, or "".
func (w *walker) winTOCName(rel string, dl *dirList, mbx string) string {
	toc, ok := dl.find(strings.TrimSuffix(mbx, filepath.Ext(mbx))+".toc", mime.Windows)
	if !ok {
		return ""
	}
	f, _, err := safeopen.File(w.s.root, filepath.Join(rel, toc))
	if err != nil {
		return ""
	}
	defer f.Close()
	var h [40]byte
	if _, err := f.ReadAt(h[:], 0); err != nil {
		return ""
	}
	name := strings.TrimSpace(decodeCString(h[8:40], mime.Windows))
	for _, r := range name {
		if r < ' ' {
			return ""
		}
	}
	return name
}
