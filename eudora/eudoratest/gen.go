package eudoratest

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// GenOptions describe a large synthetic Windows store for benchmarks.
type GenOptions struct {
	// Size is the approximate total size (mailboxes and attachment files).
	Size int64
	// Seed makes the output deterministic.
	Seed uint64
	// MaxAttachment bounds the size of one attachment file (default 512 KiB).
	MaxAttachment int
}

// GenStats summarises a generated store.
type GenStats struct {
	Mailboxes   int
	Messages    int   // messages listed in TOCs
	Deleted     int   // messages left in the mailboxes without a record
	Attachments int   // attachment and embedded files
	MailBytes   int64 // mailbox bytes
	FileBytes   int64 // attachment and embedded bytes
}

var genWords = strings.Fields(`the of and to in is that for it as was with be by on not he this are or his
from at which but have an they you were her she there been one all we their has would when if so no
said what up its about into than them can only other new some could time these two may then do first
any my now such like our over me even most made after also did many before must through back years
where much your way well down should because each just those people how too little state good very
make world still own see men work long get here between both life being under never day same another
know while last might us great old year off come since against go came right used take three`)

// Generate writes a Windows store of about o.Size bytes under dir: In, Out,
// Trash and nested folders, with plain, flowed and HTML messages, detached
// attachments (marker lines and files in attach), inline images (Embedded
// Content markers and files in Embedded), compositions in Out, and one
// deleted message in fifty. Mailboxes are written as they are generated,
// so memory stays small whatever the size.
func Generate(dir string, o GenOptions) (GenStats, error) {
	if o.MaxAttachment <= 0 {
		o.MaxAttachment = 512 << 10
	}
	rng := rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))
	var st GenStats
	type box struct {
		file, name string
		f          *os.File
		w          *bufio.Writer
		off        int64
		recs       []WinRecord
		out        bool
	}
	for _, d := range []string{"attach", "Embedded", "Archive.fol", filepath.Join("Archive.fol", "Projects.fol")} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return st, err
		}
	}
	specs := []struct{ file, name string }{
		{"In.mbx", "In"}, {"Out.mbx", "Out"}, {"Trash.mbx", "Trash"},
		{"Archive.fol/2009.mbx", "2009"}, {"Archive.fol/2010.mbx", "2010"},
		{"Archive.fol/Projects.fol/Alpha.mbx", "Alpha"}, {"Archive.fol/Projects.fol/Beta.mbx", "Beta"},
	}
	var boxes []*box
	for _, sp := range specs {
		f, err := os.Create(filepath.Join(dir, filepath.FromSlash(sp.file)))
		if err != nil {
			return st, err
		}
		boxes = append(boxes, &box{file: sp.file, name: sp.name, f: f, w: bufio.NewWriterSize(f, 256<<10), out: sp.name == "Out"})
	}
	descmaps := map[string]string{
		".":                        "In,In.mbx,S,N\r\nOut,Out.mbx,S,N\r\nTrash,Trash.mbx,S,N\r\nArchive,Archive.fol,F,N\r\n",
		"Archive.fol":              "2009,2009.mbx,M,N\r\n2010,2010.mbx,M,N\r\nProjects,Projects.fol,F,N\r\n",
		"Archive.fol/Projects.fol": "Alpha,Alpha.mbx,M,N\r\nBeta,Beta.mbx,M,N\r\n",
	}
	for d, text := range descmaps {
		if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(d), "descmap.pce"), []byte(text), 0o644); err != nil {
			return st, err
		}
	}
	words := func(n int) string {
		var b strings.Builder
		col := 0
		for i := 0; i < n; i++ {
			w := genWords[rng.IntN(len(genWords))]
			if col+len(w) > 72 {
				b.WriteString("\r\n")
				col = 0
			} else if i > 0 {
				b.WriteByte(' ')
				col++
			}
			b.WriteString(w)
			col += len(w)
		}
		b.WriteString("\r\n")
		return b.String()
	}
	t0 := time.Date(2003, 1, 1, 8, 0, 0, 0, time.UTC)
	var total int64
	for i := 0; total < o.Size; i++ {
		b := boxes[rng.IntN(len(boxes))]
		when := t0.Add(time.Duration(i) * 37 * time.Minute)
		subject := fmt.Sprintf("Message %d about %s", i, genWords[rng.IntN(len(genWords))])
		var m strings.Builder
		state := uint16(rng.IntN(5))
		var flagsEx uint16
		kind := rng.IntN(10)
		if b.out {
			state = []uint16{8, 8, 8, 7, 9, 5}[rng.IntN(6)]
			fmt.Fprintf(&m, "To: Friend %d <friend%d@example.org>\r\nFrom: Me <me@example.com>\r\nSubject: %s\r\nCc: \r\nBcc: \r\nX-Attachments: \r\n", i, i%50, subject)
			fmt.Fprintf(&m, "Message-Id: <%d.%d@example.com>\r\nX-Eudora-Signature: <Standard>\r\n\r\n", i, o.Seed)
			m.WriteString(words(50 + rng.IntN(400)))
		} else {
			fmt.Fprintf(&m, "Return-Path: <sender%d@example.net>\r\nReceived: from mx.example.net by pop.example.com; %s\r\n", i%97, when.Format(time.RFC1123Z))
			fmt.Fprintf(&m, "Date: %s\r\nFrom: Sender %d <sender%d@example.net>\r\nTo: me@example.com\r\nSubject: %s\r\n", when.Format(time.RFC1123Z), i%97, i%97, subject)
			fmt.Fprintf(&m, "Message-ID: <%d.%d@example.net>\r\nMIME-Version: 1.0\r\n", i, o.Seed)
			switch {
			case kind < 4: // plain
				m.WriteString("Content-Type: text/plain; charset=us-ascii\r\n\r\n")
				m.WriteString(words(80 + rng.IntN(900)))
			case kind < 5: // flowed
				flagsEx |= 0x0040
				m.WriteString("Content-Type: text/plain; charset=us-ascii; format=flowed\r\n\r\n<x-flowed>\r\n")
				m.WriteString(strings.ReplaceAll(words(80+rng.IntN(300)), "\r\n", " \r\n"))
				m.WriteString("</x-flowed>\r\n")
			case kind < 7: // HTML, maybe with an inline image
				flagsEx |= 0x0002
				img := kind == 6
				fmt.Fprintf(&m, "Content-Type: multipart/%s; boundary=\"=====b%d\"\r\n\r\n<x-html>\r\n<html><body>\r\n<p>%s</p>\r\n",
					map[bool]string{true: "related", false: "alternative"}[img], i, strings.TrimSpace(words(60+rng.IntN(200))))
				if img {
					cid := fmt.Sprintf("part%d.%d@example.net", i, o.Seed)
					name := fmt.Sprintf("image%d.jpg", i)
					fmt.Fprintf(&m, "<img src=\"cid:%s\">\r\n</body></html>\r\n</x-html>\r\n", cid)
					fmt.Fprintf(&m, "\r\nEmbedded Content: %s: 00000001,%08x,00000000,00000000\r\n", name, Hash(cid))
					n, err := writeRandom(filepath.Join(dir, "Embedded", name), 2048+rng.IntN(o.MaxAttachment/4), rng)
					if err != nil {
						return st, err
					}
					st.Attachments++
					st.FileBytes += int64(n)
					total += int64(n)
				} else {
					m.WriteString("</body></html>\r\n</x-html>\r\n")
				}
			default: // attachment
				name := fmt.Sprintf("report%d.pdf", i)
				fmt.Fprintf(&m, "Content-Type: multipart/mixed; boundary=\"=====m%d\"\r\n\r\n", i)
				m.WriteString(words(40 + rng.IntN(200)))
				fmt.Fprintf(&m, "\r\nAttachment Converted: \"C:\\Program Files\\Qualcomm\\Eudora\\attach\\%s\"\r\n", name)
				n, err := writeRandom(filepath.Join(dir, "attach", name), 1024+rng.IntN(o.MaxAttachment), rng)
				if err != nil {
					return st, err
				}
				st.Attachments++
				st.FileBytes += int64(n)
				total += int64(n)
			}
		}
		raw := WinSeparator(when.Add(3*time.Minute)) + "\r\n" + m.String()
		deleted := i%50 == 49
		if !deleted {
			b.recs = append(b.recs, WinRecord{Offset: uint32(b.off), Length: uint32(len(raw)), Seconds: uint32(when.Unix()),
				State: state, Priority: 3, Arrival: uint32(when.Unix()), ID: uint32(len(b.recs) + 1), FlagsEx: flagsEx,
				PersonaHash: 1, SizeKB: uint16(len(raw)/1024 + 1), Subject: subject, Who: fmt.Sprintf("Sender %d", i%97)})
			st.Messages++
		} else {
			st.Deleted++
		}
		if _, err := b.w.WriteString(raw); err != nil {
			return st, err
		}
		b.off += int64(len(raw))
		total += int64(len(raw))
		st.MailBytes += int64(len(raw))
	}
	for _, b := range boxes {
		if err := b.w.Flush(); err != nil {
			return st, err
		}
		if err := b.f.Close(); err != nil {
			return st, err
		}
		typ := uint16(4)
		switch b.name {
		case "In":
			typ = 0
		case "Out":
			typ = 1
		case "Trash":
			typ = 3
		}
		toc := WinTOC(WinHeader{Name: b.name, Type: typ, NextID: uint32(len(b.recs) + 1), MbxSizePlus1: uint32(b.off + 1), Count: -1}, b.recs)
		if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(strings.TrimSuffix(b.file, ".mbx")+".toc")), toc, 0o644); err != nil {
			return st, err
		}
		st.Mailboxes++
	}
	return st, nil
}

func writeRandom(path string, n int, rng *rand.Rand) (int, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	w := bufio.NewWriterSize(f, 64<<10)
	var buf [8]byte
	for i := 0; i < n; i += 8 {
		v := rng.Uint64()
		for k := range buf {
			buf[k] = byte(v >> (8 * k))
		}
		w.Write(buf[:min(8, n-i)])
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return 0, err
	}
	return n, f.Close()
}

// Hash is Eudora's hash of Content-IDs and URLs in Embedded Content and
// Related marker lines (docs/formats/eudora.md §2.8): h = 2h (+1 for a set bit) modulo
// 2147483629 over the bits of every byte, most significant first; the
// result is h+1.
func Hash(s string) uint32 {
	const p = 2147483629
	var h uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		for bit := 7; bit >= 0; bit-- {
			h = (2 * h) % p
			if c&(1<<bit) != 0 {
				h = (h + 1) % p
			}
		}
	}
	return uint32(h + 1)
}
