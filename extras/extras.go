package extras

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

	"golang.org/x/text/encoding/charmap"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/internal/foldfs"
	"github.com/mailconv/mailconv/internal/safeopen"
)

// Kind tells what an item is.
type Kind uint8

// The kinds.
const (
	Signature Kind = iota + 1
	Stationery
)

// String returns "signature" or "stationery".
func (k Kind) String() string {
	if k == Stationery {
		return "stationery"
	}
	return "signature"
}

// Item is one signature or stationery file of a store.
type Item struct {
	Kind Kind
	// Name is the signature's or stationery's name (its file name without
	// extension; Standard and Alternate for the legacy files).
	Name string
	// Source is the file, relative to the store, slash-separated.
	Source string
	// Mac tells that the file is MacRoman with CR line ends.
	Mac bool
}

// DefaultMaxFileBytes bounds one signature or stationery file.
const DefaultMaxFileBytes = 16 << 20

// Options tune Export.
type Options struct {
	// Events receives skips (a file too large) and infos (a stationery
	// header kept beside its body).
	Events func(mailconv.Event)
	// MaxFileBytes bounds one file; 0 means DefaultMaxFileBytes.
	MaxFileBytes int64
}

// Exported is one file Export wrote.
type Exported struct {
	Item Item
	// File is the path written, relative to the output directory.
	File string
	HTML bool
}

// Find lists the signatures and stationery of the store in dir, matching
// names case-insensitively and reading nothing outside dir.
func Find(dir string) ([]Item, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	fsys := root.FS()
	var items []Item
	list := func(sub string, kind Kind, ext string, mac bool) {
		d, ok := foldfs.Lookup(fsys, ".", sub)
		if !ok {
			return
		}
		ents, err := foldfs.ReadDir(fsys, d)
		if err != nil {
			return
		}
		var found []Item
		for _, e := range ents {
			n := e.Name()
			if !e.Type().IsRegular() || strings.HasPrefix(n, ".") || strings.HasPrefix(n, "Icon\r") {
				continue
			}
			if ext != "" && !strings.EqualFold(path.Ext(n), ext) {
				continue
			}
			name := n
			if ext != "" {
				name = strings.TrimSuffix(n, path.Ext(n))
			}
			found = append(found, Item{Kind: kind, Name: name, Source: path.Join(d, n), Mac: mac})
		}
		sort.Slice(found, func(i, j int) bool { return strings.ToLower(found[i].Name) < strings.ToLower(found[j].Name) })
		items = append(items, found...)
	}
	list("Sigs", Signature, ".txt", false)
	for _, legacy := range []struct{ file, name string }{{"signatur.pce", "Standard"}, {"signatur.alt", "Alternate"}} {
		f, ok := foldfs.Lookup(fsys, ".", legacy.file)
		if !ok {
			continue
		}
		dup := false
		for _, it := range items {
			if it.Kind == Signature && strings.EqualFold(it.Name, legacy.name) {
				dup = true // Eudora migrated it into Sigs already
			}
		}
		if !dup {
			items = append(items, Item{Kind: Signature, Name: legacy.name, Source: f})
		}
	}
	list("Signature Folder", Signature, "", true)
	list("Stationery", Stationery, ".sta", false)
	list("Stationery Folder", Stationery, "", true)
	return items, nil
}

// Export writes every signature and stationery of the store in dir into
// outDir (created if needed): Signatures/<name>.txt or .html and
// Stationery/<name>.txt or .html, UTF-8. A stationery's non-empty header
// fields (To, Subject …) go to Stationery/<name>.headers.txt. Existing
// files are never overwritten: a name already taken gets " (2)", " (3)" ….
func Export(ctx context.Context, dir, outDir string, opts *Options) ([]Exported, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.MaxFileBytes <= 0 {
		o.MaxFileBytes = DefaultMaxFileBytes
	}
	items, err := Find(dir)
	if err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	var out []Exported
	for _, it := range items {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		data, err := readLimited(root, it.Source, o.MaxFileBytes)
		if errors.Is(err, mailconv.ErrLimit) {
			emitf(o.Events, mailconv.EventSkip, "extras.too-large", it.Source, "%s %q larger than MaxFileBytes (%d): not exported", it.Kind, it.Name, o.MaxFileBytes)
			continue
		}
		if err != nil {
			return out, err
		}
		text := decode(data, it.Mac)
		var headers string
		if it.Kind == Stationery {
			headers, text = splitStationery(text)
		}
		body, html := unwrap(text)
		sub := "Signatures"
		if it.Kind == Stationery {
			sub = "Stationery"
		}
		ext := ".txt"
		if html {
			ext = ".html"
		}
		rel, err := create(outDir, sub, safeName(it.Name), ext, body)
		if err != nil {
			return out, err
		}
		out = append(out, Exported{Item: it, File: rel, HTML: html})
		if strings.TrimSpace(headers) != "" {
			hrel, err := create(outDir, sub, strings.TrimSuffix(path.Base(rel), ext)+".headers", ".txt", headers)
			if err != nil {
				return out, err
			}
			emitf(o.Events, mailconv.EventInfo, "extras.stationery-headers", it.Source,
				"stationery %q has header fields; they were written to %s", it.Name, hrel)
		}
	}
	return out, nil
}

func emitf(f func(mailconv.Event), kind mailconv.EventKind, code, file, format string, args ...any) {
	if f != nil {
		f(mailconv.Event{Kind: kind, Code: code, Location: &mailconv.Location{File: file, Offset: -1}, Detail: fmt.Sprintf(format, args...)})
	}
}

func readLimited(root *os.Root, name string, max int64) ([]byte, error) {
	f, _, err := safeopen.File(root, filepath.FromSlash(name))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, &mailconv.LimitError{Name: "MaxFileBytes", Limit: max}
	}
	return data, nil
}

// decode turns the file into UTF-8 text: MacRoman with CR line ends turned
// into LF on the Mac, Windows-1252 (line ends kept) elsewhere.
func decode(data []byte, mac bool) string {
	if mac {
		b, _ := charmap.Macintosh.NewDecoder().Bytes(data)
		return strings.ReplaceAll(strings.ReplaceAll(string(b), "\r\n", "\n"), "\r", "\n")
	}
	b, _ := charmap.Windows1252.NewDecoder().Bytes(data)
	return string(b)
}

// splitStationery separates a stationery's header block from its body.
// Headers with empty values (Eudora always writes To:, Cc: …) are dropped.
func splitStationery(s string) (headers, body string) {
	nl := "\n"
	if strings.Contains(s, "\r\n") {
		nl = "\r\n"
	}
	rest := s
	if strings.HasPrefix(rest, "From ") {
		if i := strings.Index(rest, nl); i >= 0 {
			rest = rest[i+len(nl):]
		}
	}
	var hb strings.Builder
	for {
		i := strings.Index(rest, nl)
		line := rest
		if i >= 0 {
			line = rest[:i]
		}
		if line == "" {
			if i >= 0 {
				rest = rest[i+len(nl):]
			}
			break
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || strings.ContainsAny(name, " \t") {
			// Not a header block after all.
			return "", s
		}
		if strings.TrimSpace(value) != "" {
			hb.WriteString(name + ":" + value + nl)
		}
		if i < 0 {
			rest = ""
			break
		}
		rest = rest[i+len(nl):]
	}
	return hb.String(), rest
}

// unwrap detects HTML (a line starting with <x-html> or <html>) and removes
// Eudora's wrapper lines.
func unwrap(s string) (string, bool) {
	html := false
	var b strings.Builder
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(make([]byte, 0, 64<<10), len(s)+1)
	sc.Split(scanLinesKeep)
	for sc.Scan() {
		line := sc.Text()
		t := strings.ToLower(strings.TrimRight(line, "\r\n"))
		switch {
		case strings.HasPrefix(t, "<html"):
			html = true
		case strings.HasPrefix(t, "<x-html>"):
			html = true
			rest := strings.TrimRight(line, "\r\n")[len("<x-html>"):]
			if strings.TrimSpace(rest) == "" {
				continue
			}
			line = rest + line[len(strings.TrimRight(line, "\r\n")):]
		case t == "</x-html>", t == "<x-flowed>", t == "</x-flowed>", t == "<x-rich>", t == "</x-rich>":
			continue
		}
		b.WriteString(line)
	}
	return b.String(), html
}

// scanLinesKeep is bufio.ScanLines keeping the line end.
func scanLinesKeep(data []byte, atEOF bool) (int, []byte, error) {
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		return i + 1, data[:i+1], nil
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}

// safeName turns a signature name into a file name that every file system
// accepts and that cannot leave the output directory.
func safeName(name string) string {
	s := strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(`<>:"/\|?*`, r) {
			return '_'
		}
		return r
	}, name)
	s = strings.TrimRight(strings.TrimSpace(s), ". ")
	if s == "" || s == "." || s == ".." {
		s = "unnamed"
	}
	if mailconv.WindowsReserved(s) {
		s = "_" + s
	}
	if len(s) > 200 {
		s = strings.ToValidUTF8(s[:200], "")
	}
	return s
}

// create writes body to outDir/sub/name+ext without overwriting anything,
// and returns the path relative to outDir.
func create(outDir, sub, name, ext, body string) (string, error) {
	d := filepath.Join(outDir, sub)
	if err := os.MkdirAll(d, 0o755); err != nil {
		return "", err
	}
	root, err := os.OpenRoot(d)
	if err != nil {
		return "", err
	}
	defer root.Close()
	for n := 1; n < 1000; n++ {
		fn := name + ext
		if n > 1 {
			fn = fmt.Sprintf("%s (%d)%s", name, n, ext)
		}
		f, err := root.OpenFile(fn, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		_, werr := io.WriteString(f, body)
		cerr := f.Close()
		if werr != nil {
			return "", werr
		}
		if cerr != nil {
			return "", cerr
		}
		return path.Join(sub, fn), nil
	}
	return "", fmt.Errorf("%s: too many files named %q", d, name)
}
