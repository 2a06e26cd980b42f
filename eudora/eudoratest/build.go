package eudoratest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mailconv/mailconv/mime"
)

// TOCMode says where (and whether) a mailbox's TOC is written.
type TOCMode uint8

// The TOC modes. The zero value writes the platform's usual TOC: a .toc
// file on Windows, resource 'TOCF' 1001 in an AppleDouble "._Name" file on
// the Mac.
const (
	TOCDefault TOCMode = iota
	TOCNone
	TOCSidecar // Mac: "Name.toc" data file
	TOCFork    // Mac: AppleDouble resource fork
	TOCBoth    // Mac: both
)

// Msg is one message of a mailbox.
type Msg struct {
	// Raw is the stored message after the separator line (header, empty
	// line, body), written with CRLF line ends; for a Mac store every
	// CRLF becomes CR. Write exactly the bytes Eudora would have stored.
	Raw string
	// Separator replaces the separator line (without its line end).
	Separator string
	// NoSeparator writes Raw without any separator line.
	NoSeparator bool
	// Arrival is the separator's local time; default 2010-12-13 18:45:29
	// plus one minute per message.
	Arrival time.Time
	// Deleted writes the message into the mailbox file but gives it no TOC
	// record: deleted or transferred before compaction.
	Deleted bool
	// Before is written just before the message (gap bytes).
	Before string

	// TOC record fields. Windows: State 0–12, Flags, FlagsEx; Mac: State
	// 1–14, MacFlags, Opts. Seconds defaults to the separator time (as
	// UTC) on Windows and to Arrival in Mac seconds on the Mac.
	State          uint8
	Flags          uint16
	FlagsEx        uint16
	MacFlags       uint32
	Opts           uint32
	Priority       uint8
	Label          uint16
	Seconds        uint32
	ArrivalSeconds uint32
	TZMinutes      int16
	IMAPFlags      uint32
	Junk           uint8
	Who, Subject   string
	// RecOffsetDelta and RecLengthDelta shift the record away from the
	// true bytes (damaged TOCs).
	RecOffsetDelta, RecLengthDelta int64
}

// Mailbox is one mailbox.
type Mailbox struct {
	// Name is the display name. File is the on-disk name; default
	// Name+".mbx" on Windows, Name (with '/' as ':') on the Mac.
	Name, File string
	// Type is the descmap type: 'M' (default) or 'S' (default for In,
	// Out, Trash, Junk at the root).
	Type byte
	// Unread is the descmap unread mark; 0 writes a three-field line.
	Unread byte
	Msgs   []Msg
	TOC    TOCMode
	// Order lists, by index into the non-deleted messages, the TOC record
	// order; default file order.
	Order []int
	// TOCName overrides the name written in the TOC header.
	TOCName string
	// TOCVersion overrides the TOC version.
	TOCVersion uint16
	// MbxSize overrides the "mailbox size + 1" header field; nil writes
	// the true value.
	MbxSize *uint32
	// Count overrides the header record count; nil writes the true one.
	Count *int
	// MacMinor overrides the Mac minor version (use -1 for 0).
	MacMinor int16
	// Which is the Mac header "which" field.
	Which int16
	// MutateTOC edits the encoded TOC bytes before they are written.
	MutateTOC func([]byte) []byte
	// Unlisted leaves the mailbox out of descmap.pce.
	Unlisted bool
	// Trailer is appended to the mailbox file after the last message.
	Trailer string
	// NoFinderInfo writes the Mac AppleDouble file without type/creator.
	NoFinderInfo bool
}

// Folder is a folder (Windows .fol directory, Mac directory).
type Folder struct {
	Name, File string // File default Name+".fol" on Windows
	Mailboxes  []*Mailbox
	Folders    []*Folder
	// NoDescmap writes no descmap.pce in this folder (Windows).
	NoDescmap bool
	// DescmapExtra lines are appended verbatim (Windows-1252, CRLF added).
	DescmapExtra []string
	// DescmapRaw, when set, replaces the generated descmap.pce bytes.
	DescmapRaw []byte
	Unlisted   bool
}

// Store is a whole store to lay out.
type Store struct {
	Platform mime.Platform
	// Root holds the top-level mailboxes and folders (its Name and File
	// are ignored).
	Root Folder
	// Attach and Embedded are the detached files, by file name: Windows
	// "attach" and "Embedded", Mac "Attachments Folder" and "Parts
	// Folder".
	Attach, Embedded map[string][]byte
	// AttachDir overrides the name of the attachment folder.
	AttachDir string
	// NoMailFolder puts Mac mailboxes directly in the Eudora Folder (before
	// 5.x) instead of "Mail Folder".
	NoMailFolder bool
	// Ini, when set, is written as Eudora.ini (Windows).
	Ini string
	// Files are other files of the data folder (address books, filters,
	// signatures), by '/'-separated path relative to it, written as they
	// are.
	Files map[string][]byte
	// Debris adds .DS_Store and Icon\r files to every Mac directory.
	Debris bool
	// RawNames writes Mac file names in MacRoman bytes instead of UTF-8.
	RawNames bool
}

// Layout tells where the builder put things.
type Layout struct {
	Dir string
	// Boxes maps each mailbox file (relative to Dir, '/'-separated) to its
	// placed messages.
	Boxes map[string]*Placed
}

// Placed is a mailbox as written.
type Placed struct {
	File string
	Msgs []PlacedMsg
}

// PlacedMsg is one message as written.
type PlacedMsg struct {
	Offset, Length int64
	// Separator is the separator line written (without line end).
	Separator string
	// Stored holds the bytes after the separator line, as in the file.
	Stored  []byte
	Deleted bool
}

// Box returns the placed mailbox for a file path such as "Work.fol/In.mbx".
func (l *Layout) Box(file string) *Placed { return l.Boxes[file] }

// Write lays the store out under dir (created if needed) and returns where
// everything went.
func (s *Store) Write(dir string) (*Layout, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	l := &Layout{Dir: dir, Boxes: map[string]*Placed{}}
	mailDir := dir
	rel := ""
	if s.Platform == mime.Mac && !s.NoMailFolder {
		mailDir = filepath.Join(dir, "Mail Folder")
		rel = "Mail Folder"
	}
	if err := s.writeFolder(l, &s.Root, mailDir, rel, true); err != nil {
		return nil, err
	}
	attach, embedded := s.AttachDir, "Embedded"
	if s.Platform == mime.Mac {
		if attach == "" {
			attach = "Attachments Folder"
		}
		embedded = "Parts Folder"
	} else if attach == "" {
		attach = "attach"
	}
	for name, files := range map[string]map[string][]byte{attach: s.Attach, embedded: s.Embedded} {
		if files == nil {
			continue
		}
		d := filepath.Join(dir, name)
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
		for fn, data := range files {
			if err := os.WriteFile(filepath.Join(d, s.diskName(fn)), data, 0o644); err != nil {
				return nil, err
			}
		}
	}
	if s.Ini != "" {
		if err := os.WriteFile(filepath.Join(dir, "Eudora.ini"), []byte(strings.ReplaceAll(s.Ini, "\n", "\r\n")), 0o644); err != nil {
			return nil, err
		}
	}
	for name, data := range s.Files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return nil, err
		}
	}
	if s.Platform == mime.Mac && !s.NoMailFolder {
		// A Mac Eudora Folder always has a settings file.
		if err := os.WriteFile(filepath.Join(dir, "Eudora Settings"), nil, 0o644); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// diskName is the on-disk name of a Mac item named name (HFS '/' is ':'),
// optionally in raw MacRoman bytes.
func (s *Store) diskName(name string) string {
	if s.Platform != mime.Mac {
		return name
	}
	name = strings.ReplaceAll(name, "/", ":")
	if s.RawNames {
		return string(encodeMacRoman(name))
	}
	return name
}

// fileName is a mailbox's or folder's file: the one given, else its name,
// with winExt added on Windows.
func (s *Store) fileName(file, name, winExt string) string {
	switch {
	case file != "":
		return file
	case s.Platform == mime.Windows:
		return name + winExt
	}
	return name
}

func (s *Store) writeFolder(l *Layout, f *Folder, dir, rel string, root bool) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var dm bytes.Buffer
	for _, mb := range f.Mailboxes {
		file := s.fileName(mb.File, mb.Name, ".mbx")
		typ := mb.Type
		if typ == 0 {
			typ = 'M'
			base := strings.ToLower(strings.TrimSuffix(file, filepath.Ext(file)))
			if root && (base == "in" || base == "out" || base == "trash" || base == "junk") {
				typ = 'S'
			}
		}
		if s.Platform == mime.Windows && !mb.Unlisted {
			writeDescmapLine(&dm, mb.Name, file, typ, mb.Unread)
		}
		p, err := s.writeMailbox(dir, s.diskName(file), mb, root)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(filepath.Join(rel, s.diskName(file)))
		p.File = key
		l.Boxes[key] = p
	}
	for _, sub := range f.Folders {
		file := s.fileName(sub.File, sub.Name, ".fol")
		if s.Platform == mime.Windows && !sub.Unlisted {
			writeDescmapLine(&dm, sub.Name, file, 'F', 'N')
		}
		if err := s.writeFolder(l, sub, filepath.Join(dir, s.diskName(file)), filepath.Join(rel, s.diskName(file)), false); err != nil {
			return err
		}
	}
	if s.Platform == mime.Windows && !f.NoDescmap {
		for _, x := range f.DescmapExtra {
			dm.Write(encode1252(x))
			dm.WriteString("\r\n")
		}
		data := dm.Bytes()
		if f.DescmapRaw != nil {
			data = f.DescmapRaw
		}
		if err := os.WriteFile(filepath.Join(dir, "descmap.pce"), data, 0o644); err != nil {
			return err
		}
	}
	if s.Platform == mime.Mac && s.Debris {
		os.WriteFile(filepath.Join(dir, ".DS_Store"), []byte("\x00\x00\x00\x01Bud1\x00\x00"), 0o644)
		os.WriteFile(filepath.Join(dir, "Icon\r"), nil, 0o644)
	}
	return nil
}

func writeDescmapLine(b *bytes.Buffer, name, file string, typ, unread byte) {
	b.Write(encode1252(name))
	b.WriteByte(',')
	b.Write(encode1252(file))
	b.WriteByte(',')
	b.WriteByte(typ)
	if unread != 0 {
		b.WriteByte(',')
		b.WriteByte(unread)
	}
	b.WriteString("\r\n")
}

var baseTime = time.Date(2010, 12, 13, 18, 45, 29, 0, time.UTC)

func (s *Store) writeMailbox(dir, file string, mb *Mailbox, root bool) (*Placed, error) {
	var mbx bytes.Buffer
	p := &Placed{}
	eol := "\r\n"
	if s.Platform == mime.Mac {
		eol = "\r"
	}
	type live struct {
		msg *Msg
		pm  PlacedMsg
		arr time.Time // arrival: Msg.Arrival, or a minute per message after baseTime
	}
	var lives []live
	for i := range mb.Msgs {
		m := &mb.Msgs[i]
		mbx.WriteString(m.Before)
		arr := m.Arrival
		if arr.IsZero() {
			arr = baseTime.Add(time.Duration(i) * time.Minute)
		}
		sep := m.Separator
		if sep == "" {
			if s.Platform == mime.Mac {
				sep = MacSeparator(arr)
			} else {
				sep = WinSeparator(arr)
			}
		}
		raw := m.Raw
		if s.Platform == mime.Mac {
			raw = strings.ReplaceAll(raw, "\r\n", "\r")
		}
		pm := PlacedMsg{Offset: int64(mbx.Len()), Deleted: m.Deleted}
		if !m.NoSeparator {
			mbx.WriteString(sep + eol)
			pm.Separator = sep
		}
		mbx.WriteString(raw)
		pm.Length = int64(mbx.Len()) - pm.Offset
		pm.Stored = []byte(raw)
		p.Msgs = append(p.Msgs, pm)
		if !m.Deleted {
			lives = append(lives, live{m, pm, arr})
		}
	}
	mbx.WriteString(mb.Trailer)
	if err := os.WriteFile(filepath.Join(dir, file), mbx.Bytes(), 0o644); err != nil {
		return nil, err
	}
	order := mb.Order
	if order == nil {
		for i := range lives {
			order = append(order, i)
		}
	}
	size := uint32(mbx.Len() + 1)
	if mb.MbxSize != nil {
		size = *mb.MbxSize
	}
	count := -1
	if mb.Count != nil {
		count = *mb.Count
	}
	tocName := mb.TOCName
	if tocName == "" {
		tocName = mb.Name
	}
	var toc []byte
	if s.Platform == mime.Windows {
		var recs []WinRecord
		for k, oi := range order {
			lv := lives[oi]
			m := lv.msg
			sec := m.Seconds
			if sec == 0 {
				sec = uint32(lv.arr.Unix())
			}
			prio := m.Priority
			if prio == 0 {
				prio = 3
			}
			recs = append(recs, WinRecord{
				Offset: uint32(lv.pm.Offset + m.RecOffsetDelta), Length: uint32(lv.pm.Length + m.RecLengthDelta),
				Seconds: sec, State: uint16(m.State), Flags: m.Flags, Priority: prio,
				DateString: time.Unix(int64(sec), 0).UTC().Format("3:04 PM 1/2/2006"),
				Arrival:    m.ArrivalSeconds, Who: m.Who, Subject: m.Subject, Label: m.Label,
				ID: uint32(k + 1), FlagsEx: m.FlagsEx, PersonaHash: 1, TZMinutes: m.TZMinutes,
				IMAPFlags: m.IMAPFlags, SizeKB: uint16(lv.pm.Length/1024 + 1), Junk: m.Junk,
			})
		}
		typ := uint16(4)
		if root {
			switch strings.ToLower(strings.TrimSuffix(file, filepath.Ext(file))) {
			case "in":
				typ = 0
			case "out":
				typ = 1
			case "junk":
				typ = 2
			case "trash":
				typ = 3
			}
		}
		toc = WinTOC(WinHeader{Version: mb.TOCVersion, Name: tocName, Type: typ, NextID: uint32(len(recs) + 1),
			MbxSizePlus1: size, Count: count}, recs)
	} else {
		var recs []MacRecord
		for k, oi := range order {
			lv := lives[oi]
			m := lv.msg
			sec := m.Seconds
			if sec == 0 {
				sec = MacSeconds(lv.arr)
			}
			st := m.State
			if st == 0 {
				st = 1
			}
			body := bytes.Index(lv.pm.Stored, []byte("\r\r"))
			bo := uint32(0)
			if body >= 0 {
				bo = uint32(int(lv.pm.Length) - len(lv.pm.Stored) + body + 2)
			}
			recs = append(recs, MacRecord{
				Offset: uint32(lv.pm.Offset + m.RecOffsetDelta), Length: uint32(lv.pm.Length + m.RecLengthDelta), BodyOffset: bo,
				State: st, Arrival: m.ArrivalSeconds, Serial: uint32(k + 1), Seconds: sec, Flags: m.MacFlags,
				Priority: m.Priority, OrigZone: m.TZMinutes, Who: m.Who, Subject: m.Subject, Opts: m.Opts,
			})
		}
		toc = MacTOC(MacHeader{Version: mb.TOCVersion, Name: tocName, NextSerial: uint32(len(recs) + 1),
			MinorVersion: mb.MacMinor, MboxSizePlus1: size, Count: count, Which: mb.Which}, recs)
	}
	if mb.MutateTOC != nil {
		toc = mb.MutateTOC(toc)
	}
	switch {
	case mb.TOC == TOCNone:
	case s.Platform == mime.Windows:
		base := strings.TrimSuffix(file, filepath.Ext(file))
		if err := os.WriteFile(filepath.Join(dir, base+".toc"), toc, 0o644); err != nil {
			return nil, err
		}
	default:
		if mb.TOC == TOCSidecar || mb.TOC == TOCBoth {
			if err := os.WriteFile(filepath.Join(dir, file+".toc"), toc, 0o644); err != nil {
				return nil, err
			}
		}
		if mb.TOC == TOCDefault || mb.TOC == TOCFork || mb.TOC == TOCBoth {
			typ, cr := "TEXT", "CSOm"
			if mb.NoFinderInfo {
				typ, cr = "", ""
			}
			ad := AppleDouble(typ, cr, ResourceFork([]Resource{{Type: "TOCF", ID: 1001, Data: toc}}))
			if err := os.WriteFile(filepath.Join(dir, "._"+file), ad, 0o644); err != nil {
				return nil, err
			}
		}
	}
	return p, nil
}

// String describes a placed message for test failure messages.
func (m PlacedMsg) String() string {
	return fmt.Sprintf("msg@%d+%d", m.Offset, m.Length)
}
