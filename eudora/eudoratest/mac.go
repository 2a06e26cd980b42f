package eudoratest

import (
	"fmt"
	"path"
	"regexp"
	"strings"

	"golang.org/x/text/encoding/charmap"

	"github.com/mailconv/mailconv/mime"
)

// winToMacState maps Windows TOC states to Mac ones (docs/formats/eudora.md §3.3, §3.6).
var winToMacState = map[uint8]uint8{
	0: 1, 1: 2, 2: 3, 3: 8, 4: 4, 5: 5, 6: 6, 7: 7, 8: 9, 9: 10, 10: 11, 11: 12, 12: 14,
}

var (
	reWinAttach   = regexp.MustCompile(`(?m)^Attachment Converted: "([^"\r\n]*)"\r?$`)
	reWinEmbedded = regexp.MustCompile(`(?m)^Embedded Content: ([^:\r\n]+): ([0-9a-f]{8}),([0-9a-f]{8}),([0-9a-f]{8}),([0-9a-f]{8})\r?$`)
)

// MacVersion returns the store w as Eudora for the Mac would have kept the
// same mail: mailbox files named by their display names with CR line ends
// and MacRoman text, Mac states and flags, "Attachment converted:" and
// "Related:" markers (files in Attachments Folder and Parts Folder, text
// attachments with CR line ends), <x-html> followed by the x-stuff-for-pete
// tag, <x-flowed> glued to the first line. Seconds become Mac seconds.
func MacVersion(w *Store) *Store {
	m := &Store{Platform: mime.Mac, Root: macFolder(w.Root)}
	if w.Attach != nil {
		m.Attach = map[string][]byte{}
		for name, b := range w.Attach {
			if isTextName(name) {
				b = []byte(strings.ReplaceAll(string(b), "\r\n", "\r"))
			}
			m.Attach[name] = b
		}
	}
	if w.Embedded != nil {
		m.Embedded = map[string][]byte{}
		for name, b := range w.Embedded {
			m.Embedded[name] = b
		}
	}
	return m
}

func isTextName(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".txt", ".htm", ".html", ".csv":
		return true
	}
	return false
}

func macFolder(f Folder) Folder {
	out := Folder{Name: f.Name}
	for _, mb := range f.Mailboxes {
		nm := &Mailbox{Name: mb.Name, Order: mb.Order}
		for _, msg := range mb.Msgs {
			nm.Msgs = append(nm.Msgs, macMsg(msg))
		}
		out.Mailboxes = append(out.Mailboxes, nm)
	}
	for _, sub := range f.Folders {
		s := macFolder(*sub)
		out.Folders = append(out.Folders, &s)
	}
	return out
}

func macMsg(w Msg) Msg {
	m := w
	m.State = winToMacState[w.State]
	m.Flags, m.FlagsEx = 0, 0
	m.MacFlags = uint32(w.Label&0xF) << 14
	if w.Flags&0x8000 != 0 {
		m.MacFlags |= 1 << 13
	}
	if w.FlagsEx&0x0002 != 0 {
		m.Opts |= 1 << 11
	}
	if w.FlagsEx&0x0040 != 0 {
		m.Opts |= 1 << 19
	}
	if w.Seconds != 0 {
		m.Seconds = w.Seconds + MacEpochOffset
	}
	m.Label, m.Junk, m.IMAPFlags = 0, 0, 0
	raw := w.Raw
	// 8-bit text: Windows-1252 → MacRoman.
	if dec, err := charmap.Windows1252.NewDecoder().String(raw); err == nil {
		if enc, err := charmap.Macintosh.NewEncoder().String(dec); err == nil {
			raw = enc
		}
	}
	fid := uint32(0x12340)
	raw = reWinAttach.ReplaceAllStringFunc(raw, func(line string) string {
		p := reWinAttach.FindStringSubmatch(line)[1]
		leaf := p[strings.LastIndexAny(p, `\/`)+1:]
		fid++
		typ, cr := "    ", "    "
		switch strings.ToLower(path.Ext(leaf)) {
		case ".pdf":
			typ, cr = "PDF ", "CARO"
		case ".txt":
			typ, cr = "TEXT", "ttxt"
		}
		return fmt.Sprintf("Attachment converted: Macintosh HD:%s (%s/%s) (%08X)", leaf, typ, cr, fid)
	})
	raw = reWinEmbedded.ReplaceAllStringFunc(raw, func(line string) string {
		g := reWinEmbedded.FindStringSubmatch(line)
		fid++
		return fmt.Sprintf("Related: :Macintosh HD:%s:%08X:%s:00000000:%s", g[1], fid, strings.ToUpper(g[3]), strings.ToUpper(g[5]))
	})
	raw = strings.ReplaceAll(raw, "<x-html>\r\n", `<x-html><!x-stuff-for-pete base="" src="" id="0" charset="iso-8859-1">`)
	raw = strings.ReplaceAll(raw, "<x-flowed>\r\n", "<x-flowed>")
	m.Raw = raw
	return m
}
