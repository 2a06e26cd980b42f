package addressbook

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/text/encoding/charmap"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/internal/foldfs"
	"github.com/mailconv/mailconv/internal/safeopen"
	"github.com/mailconv/mailconv/mime"
)

// ReadNicknames reads one Eudora nicknames file (Windows NNdbase.txt or a
// Nickname\*.txt book, the legacy "<nick>" format, or a Mac nicknames file)
// and resolves its lists. name is used in errors and reports and as the
// book name.
func ReadNicknames(ctx context.Context, r io.Reader, name string, opts *Options) (*Book, error) {
	count := 0
	p := &parser{opts: opts, file: name, book: bookName(name), byNick: map[string]*rawEntry{}, count: &count}
	if err := p.parseFile(ctx, r); err != nil {
		return nil, err
	}
	return resolve(p.entries, opts.events()), nil
}

func bookName(file string) string {
	base := path.Base(filepath.ToSlash(file))
	if ext := path.Ext(base); strings.EqualFold(ext, ".txt") || strings.EqualFold(ext, ".nnt") {
		base = strings.TrimSuffix(base, ext)
	}
	return base
}

// BookFile is one address-book file of a store.
type BookFile struct {
	// Path is relative to the store root (slash-separated), or absolute
	// for a directory the user added with Options.ExtraNicknameDirs.
	Path string
	// Book is the book's name (the file name without extension).
	Book string
	// Mac tells that the file is in the Mac format.
	Mac bool
}

// FindBooks lists the address-book files of a Eudora store (a Windows data
// folder or a Mac "Eudora Folder"), main book first. Names are matched
// case-insensitively and nothing outside dir (or the extra directories the
// caller named) is read.
func FindBooks(dir string, opts *Options) ([]BookFile, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	fsys := root.FS()
	var out []BookFile
	events := opts.events()
	note := func(kind mailconv.EventKind, code, file, format string, args ...any) {
		emit(events, mailconv.Event{Kind: kind, Code: code, Location: &mailconv.Location{File: file, Offset: -1},
			Detail: fmt.Sprintf(format, args...)})
	}
	// Windows.
	if f, ok := foldfs.Lookup(fsys, ".", "NNdbase.txt"); ok {
		out = append(out, BookFile{Path: f, Book: bookName(f)})
		if g, ok := foldfs.Lookup(fsys, ".", "NNdbase.nnt"); ok {
			note(mailconv.EventWarning, "addressbook.nnt-ignored", g, "NNdbase.txt is the address book Eudora uses; %s is older and was not read", g)
		}
	} else if f, ok := foldfs.Lookup(fsys, ".", "NNdbase.nnt"); ok {
		out = append(out, BookFile{Path: f, Book: bookName(f)})
	}
	if d, ok := foldfs.Lookup(fsys, ".", "Nickname"); ok {
		out = append(out, listBooks(fsys, d, ".txt", false)...)
	}
	if ini, ok := foldfs.Lookup(fsys, ".", "Eudora.ini"); ok {
		for _, x := range extraDirsFromIni(root, ini) {
			d, ok := findExtraDir(fsys, x)
			if !ok {
				note(mailconv.EventWarning, "addressbook.extra-dir-missing", ini,
					"ExtraNicknameDirs names %q, which is not inside the store; add it with --nickname-dir if you have it", x)
				continue
			}
			out = append(out, listBooks(fsys, d, ".txt", false)...)
		}
	}
	// Mac.
	if f, ok := foldfs.Lookup(fsys, ".", "Eudora Nicknames"); ok {
		out = append(out, BookFile{Path: f, Book: path.Base(f), Mac: true})
	}
	if d, ok := foldfs.Lookup(fsys, ".", "Nicknames Folder"); ok {
		out = append(out, listBooks(fsys, d, "", true)...)
	}
	if f, ok := foldfs.Lookup(fsys, ".", "Personal Nicknames"); ok {
		out = append(out, BookFile{Path: f, Book: path.Base(f), Mac: true})
	}
	if f, ok := foldfs.Lookup(fsys, ".", "History List"); ok {
		if opts != nil && opts.IncludeHistory {
			out = append(out, BookFile{Path: f, Book: path.Base(f), Mac: true})
		} else {
			note(mailconv.EventInfo, "addressbook.history-skipped", f,
				"the History List (addresses Eudora collected by itself) was not read; ask for it with --history")
		}
	}
	if opts != nil {
		for _, d := range opts.ExtraNicknameDirs {
			ents, err := os.ReadDir(d)
			if err != nil {
				return nil, err
			}
			var names []string
			for _, e := range ents {
				if e.Type().IsRegular() && strings.EqualFold(path.Ext(e.Name()), ".txt") {
					names = append(names, e.Name())
				}
			}
			sort.Slice(names, func(i, j int) bool { return strings.ToLower(names[i]) < strings.ToLower(names[j]) })
			for _, n := range names {
				abs, _ := filepath.Abs(filepath.Join(d, n))
				out = append(out, BookFile{Path: abs, Book: bookName(n)})
			}
		}
	}
	return out, nil
}

// ReadStore reads every address book of a Eudora store (see FindBooks) into
// one Book. Nicknames are resolved across books, as Eudora does.
func ReadStore(ctx context.Context, dir string, opts *Options) (*Book, error) {
	files, err := FindBooks(dir, opts)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: %w: %w", dir, mailconv.ErrFormat, errNoBook)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	count := 0
	var all []*rawEntry
	seen := map[string]bool{}
	for _, bf := range files {
		var f io.ReadCloser
		if filepath.IsAbs(bf.Path) {
			f, _, err = safeopen.Path(bf.Path)
		} else {
			f, _, err = safeopen.File(root, filepath.FromSlash(bf.Path))
		}
		if err != nil {
			return nil, err
		}
		o := Options{}
		if opts != nil {
			o = *opts
		}
		if bf.Mac && o.Platform == nil {
			o.Platform = new(mime.Mac)
		}
		book := bf.Book
		for i := 2; seen[strings.ToLower(book)]; i++ {
			book = fmt.Sprintf("%s (%d)", bf.Book, i)
		}
		seen[strings.ToLower(book)] = true
		p := &parser{opts: &o, file: bf.Path, book: book, byNick: map[string]*rawEntry{}, count: &count}
		// Nicknames already defined by an earlier book win, as in Eudora.
		for _, e := range all {
			p.byNick[strings.ToLower(e.nick)] = e
		}
		err = p.parseFile(ctx, bufio.NewReader(f))
		f.Close()
		if err != nil {
			return nil, err
		}
		all = append(all, p.entries...)
	}
	return resolve(all, opts.events()), nil
}

// listBooks lists the regular files of dir with extension ext (any file
// when ext is ""), skipping indexes and Finder debris, sorted by name.
func listBooks(fsys fs.FS, dir, ext string, mac bool) []BookFile {
	ents, err := foldfs.ReadDir(fsys, dir)
	if err != nil {
		return nil
	}
	var out []BookFile
	for _, e := range ents {
		n := e.Name()
		if !e.Type().IsRegular() || strings.HasPrefix(n, ".") || strings.HasPrefix(n, "Icon\r") {
			continue
		}
		if ext != "" && !strings.EqualFold(path.Ext(n), ext) {
			continue
		}
		if ext == "" && strings.EqualFold(path.Ext(n), ".toc") {
			continue
		}
		book := n
		if ext != "" {
			book = strings.TrimSuffix(n, path.Ext(n))
		}
		out = append(out, BookFile{Path: path.Join(dir, n), Book: book, Mac: mac})
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].Path) < strings.ToLower(out[j].Path) })
	return out
}

// extraDirsFromIni returns the ExtraNicknameDirs entries of Eudora.ini.
func extraDirsFromIni(root *os.Root, ini string) []string {
	f, _, err := safeopen.File(root, filepath.FromSlash(ini))
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(io.LimitReader(f, 16<<20))
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	section := ""
	for sc.Scan() {
		b, _ := charmap.Windows1252.NewDecoder().Bytes(sc.Bytes())
		line := strings.TrimSpace(string(b))
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			section = strings.ToLower(line[1 : len(line)-1])
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || section != "settings" || !strings.EqualFold(strings.TrimSpace(k), "ExtraNicknameDirs") {
			continue
		}
		for _, d := range strings.Split(v, ";") {
			if d = strings.TrimSpace(d); d != "" {
				out = append(out, d)
			}
		}
	}
	return out
}

// findExtraDir maps an ExtraNicknameDirs entry (a Windows path on the
// machine Eudora ran on) to a directory inside the store: a relative path
// is taken from the store root; for an absolute one, the longest tail of
// its components that exists in the store is used.
func findExtraDir(fsys fs.FS, win string) (string, bool) {
	p := strings.ReplaceAll(win, `\`, "/")
	abs := false
	if len(p) >= 2 && p[1] == ':' {
		p, abs = p[2:], true
	}
	if strings.HasPrefix(p, "/") {
		abs = true
	}
	var parts []string
	for _, s := range strings.Split(p, "/") {
		if s != "" && s != "." {
			parts = append(parts, s)
		}
	}
	try := func(parts []string) (string, bool) {
		dir := "."
		for _, s := range parts {
			if s == ".." {
				return "", false
			}
			d, ok := foldfs.Lookup(fsys, dir, s)
			if !ok {
				return "", false
			}
			dir = d
		}
		if st, err := fs.Stat(fsys, dir); err != nil || !st.IsDir() || dir == "." {
			return "", false
		}
		return dir, true
	}
	if !abs {
		return try(parts)
	}
	for i := 0; i < len(parts); i++ {
		if d, ok := try(parts[i:]); ok {
			return d, true
		}
	}
	return "", false
}

// IsStore reports whether dir looks like a Eudora store with an address
// book.
func IsStore(dir string) bool {
	files, err := FindBooks(dir, nil)
	return err == nil && len(files) > 0
}
