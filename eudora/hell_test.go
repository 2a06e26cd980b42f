package eudora_test

import (
	"encoding/binary"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/eudora"
	"github.com/mailconv/mailconv/eudora/eudoratest"
	"github.com/mailconv/mailconv/mime"
)

// Acceptance 5: damaged TOCs give recorded fallbacks or skips, never a
// panic, and never bytes from outside the mailbox.
func TestInputsFromHell(t *testing.T) {
	three := func() *eudoratest.Store {
		return inbox(
			eudoratest.Msg{Raw: msg("one", "1\r\n"), State: eudora.WinRead},
			eudoratest.Msg{Raw: msg("two", "2\r\n"), State: eudora.WinRead},
			eudoratest.Msg{Raw: msg("three", "3\r\n"), State: eudora.WinRead},
		)
	}
	le := binary.LittleEndian
	rec := func(i int) int { return 104 + 218*i }
	cases := []struct {
		name   string
		mutate func([]byte) []byte
		reason string
	}{
		{"truncated TOC", func(b []byte) []byte { return b[:len(b)-100] }, "truncated"},
		{"offset past EOF", func(b []byte) []byte { le.PutUint32(b[rec(1):], 1<<30); return b }, "outside"},
		{"length past EOF", func(b []byte) []byte { le.PutUint32(b[rec(2)+4:], 1<<20); return b }, "outside"},
		{"negative offset", func(b []byte) []byte { le.PutUint32(b[rec(0):], 0xFFFFFFF0); return b }, "outside"},
		{"overlapping records", func(b []byte) []byte {
			o := le.Uint32(b[rec(1):])
			le.PutUint32(b[rec(1):], o-40)
			le.PutUint32(b[rec(1)+4:], le.Uint32(b[rec(1)+4:])+40)
			return b
		}, "overlap"},
		{"million claimed", func(b []byte) []byte { le.PutUint16(b[102:], uint16(1000000&0xFFFF)); return b }, "claims"},
		{"garbage", func(b []byte) []byte { return []byte("this is not a TOC at all, just text") }, "shorter"},
		{"id above next id", func(b []byte) []byte { le.PutUint32(b[rec(0)+192:], 99); return b }, "next id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := three()
			st.Root.Mailboxes[0].MutateTOC = c.mutate
			s, l, ev := build(t, st, eudora.Config{Raw: true})
			msgs, det := readBox(t, s, "INBOX")
			if det.TOC != "scanned" || !strings.Contains(det.Reason, c.reason) {
				t.Fatalf("details %+v", det)
			}
			if !equalStrings(bodies(msgs), storedOf(l, "In.mbx", false)) {
				t.Fatalf("bodies %q", bodies(msgs))
			}
			if !ev.has("eudora.scanned") {
				t.Error("no eudora.scanned event")
			}
		})
	}
	// Duplicate records (same bytes twice): the message is emitted once.
	st := three()
	st.Root.Mailboxes[0].MutateTOC = func(b []byte) []byte {
		copy(b[rec(2):rec(3)], b[rec(0):rec(1)])
		return b
	}
	s, l, ev := build(t, st, eudora.Config{Raw: true})
	msgs, det := readBox(t, s, "INBOX")
	stored := storedOf(l, "In.mbx", false)
	if det.TOC != "used" || det.Duplicates != 1 || !equalStrings(bodies(msgs), stored[:2]) || !ev.has("eudora.toc-duplicate") {
		t.Fatalf("duplicate: %+v %q", det, bodies(msgs))
	}
	// A TOC whose records point nowhere near separators does not describe
	// the mailbox.
	st = three()
	st.Root.Mailboxes[0].MutateTOC = func(b []byte) []byte {
		for i := 0; i < 3; i++ {
			le.PutUint32(b[rec(i):], le.Uint32(b[rec(i):])+30)
			le.PutUint32(b[rec(i)+4:], 10)
		}
		return b
	}
	s, _, _ = build(t, st, eudora.Config{Raw: true})
	msgs, det = readBox(t, s, "INBOX")
	if det.TOC != "scanned" || len(msgs) != 3 {
		t.Fatalf("misaligned: %+v", det)
	}
}

// A TOC larger than MaxTOCRecords: the mailbox is scanned, with the limit
// named.
func TestTOCRecordLimit(t *testing.T) {
	st := inbox(eudoratest.Msg{Raw: msg("a", "a\r\n")}, eudoratest.Msg{Raw: msg("b", "b\r\n")})
	s, _, _ := build(t, st, eudora.Config{Raw: true, Limits: eudora.Limits{MaxTOCRecords: 1}})
	msgs, det := readBox(t, s, "INBOX")
	if det.TOC != "scanned" || !strings.Contains(det.Reason, "MaxTOCRecords") || len(msgs) != 2 {
		t.Fatalf("%+v", det)
	}
}

// Marker paths are looked up by name inside the attachment folders only.
func TestLookupSafety(t *testing.T) {
	st := &eudoratest.Store{
		Root:     eudoratest.Folder{Mailboxes: []*eudoratest.Mailbox{{Name: "In"}}},
		Attach:   map[string][]byte{"report.pdf": []byte("%PDF-1.4 report"), "Stevan_White": []byte("text")},
		Embedded: map[string][]byte{"kate_halloween.jpg": []byte("\xff\xd8jpeg")},
	}
	dir := t.TempDir()
	if _, err := st.Write(dir); err != nil {
		t.Fatal(err)
	}
	// A file elsewhere in the store and one outside it, reached by links
	// from the attach folder.
	os.WriteFile(filepath.Join(dir, "secret.txt"), []byte("in the store, not an attachment"), 0o644)
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "passwd"), []byte("root:x:0:0"), 0o644)
	linked := os.Symlink(filepath.Join(outside, "passwd"), filepath.Join(dir, "attach", "passwd")) == nil
	os.Symlink("../secret.txt", filepath.Join(dir, "attach", "secret.txt"))
	s, _ := open(t, dir, eudora.Config{})
	read := func(f *eudora.Found) string {
		defer f.File.Close()
		b := make([]byte, f.Size)
		f.File.ReadAt(b, 0)
		return string(b)
	}
	// Paths from another PC and drive, case differences.
	for _, p := range []string{
		`c:\users\broccol\appdata\roaming\qualcomm\eudora\attach\report.pdf`,
		`D:\Old PC\Eudora\Attach\REPORT.PDF`,
		`report.pdf`,
		`/home/someone/report.pdf`,
	} {
		f, err := s.Lookup(eudora.AttachFile, p, "")
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		if got := read(f); got != "%PDF-1.4 report" {
			t.Errorf("%s: %q", p, got)
		}
	}
	if f, err := s.Lookup(eudora.AttachFile, `c:\x\stevan_white`, ""); err != nil || read(f) != "text" {
		t.Errorf("case-insensitive: %v", err)
	}
	// Embedded parts are found in Embedded.
	if f, err := s.Lookup(eudora.AttachEmbedded, "", "kate_halloween.jpg"); err != nil || read(f) != "\xff\xd8jpeg" {
		t.Errorf("embedded: %v", err)
	}
	// Refused: climbing paths; links leading out of the folder.
	for _, p := range []string{`..\..\Windows\win.ini`, `attach\..\In.mbx`, `c:\eudora\attach\..\..\secret.txt`, "../secret.txt"} {
		if _, err := s.Lookup(eudora.AttachFile, p, ""); !errors.Is(err, mailconv.ErrOutsideRoot) {
			t.Errorf("%s: want ErrOutsideRoot, got %v", p, err)
		}
	}
	if linked {
		if _, err := s.Lookup(eudora.AttachFile, `c:\attach\passwd`, ""); !errors.Is(err, mailconv.ErrOutsideRoot) {
			t.Errorf("link out of the store: %v", err)
		}
	}
	if _, err := s.Lookup(eudora.AttachFile, `c:\attach\secret.txt`, ""); !errors.Is(err, mailconv.ErrOutsideRoot) {
		t.Errorf("link out of the attach folder: %v", err)
	}
	// Not there: fs.ErrNotExist; files of the store outside the attachment
	// folders are not found by name either.
	for _, p := range []string{`c:\attach\missing.doc`, `c:\In.mbx`, `secret.txt`} {
		if _, err := s.Lookup(eudora.AttachFile, p, ""); !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, mailconv.ErrOutsideRoot) {
			t.Errorf("%s: %v", p, err)
		}
	}
	if _, err := s.Lookup(eudora.AttachFile, `c:\In.mbx`, ""); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("In.mbx found as an attachment")
	}
}

// §7 item 27 (store side): Mac attachment names — HFS '/' on disk as ':',
// OS X "#hex"-shortened long names, missing files.
func TestLookupMac(t *testing.T) {
	st := &eudoratest.Store{Platform: mime.Mac,
		Root: eudoratest.Folder{Mailboxes: []*eudoratest.Mailbox{{Name: "In"}}},
		Attach: map[string][]byte{
			"tools.arlut.utexas.edugash2.htm":      []byte("<html>"),
			"a/b.txt":                              []byte("slash"),
			"IRD Projec REVIEWS schedule 2004.xls": []byte("xls"),
			"Two same prefix one.doc":              []byte("1"),
			"Two same prefix two.doc":              []byte("2"),
		},
		Embedded: map[string][]byte{"kate_halloween.jpg": []byte("jpg")},
	}
	dir := t.TempDir()
	if _, err := st.Write(dir); err != nil {
		t.Fatal(err)
	}
	s, _ := open(t, dir, eudora.Config{})
	for rec, want := range map[string]string{
		"Macintosh HD:tools.arlut.utexas.edugash2.htm": "<html>",
		"Macintosh HD:a/b.txt":                         "slash",
		"Macintosh HD:IRD Projec REVIEWS sc#D8D4B.xls": "xls",
	} {
		f, err := s.Lookup(eudora.AttachFile, rec, "")
		if err != nil {
			t.Errorf("%s: %v", rec, err)
			continue
		}
		b := make([]byte, f.Size)
		f.File.ReadAt(b, 0)
		f.File.Close()
		if string(b) != want {
			t.Errorf("%s: %q", rec, b)
		}
	}
	if f, err := s.Lookup(eudora.AttachEmbedded, ":Macintosh HD:kate_halloween.jpg", ""); err != nil {
		t.Errorf("related: %v", err)
	} else {
		f.File.Close()
	}
	// Two long names share the shortened prefix: refused as ambiguous.
	if _, err := s.Lookup(eudora.AttachFile, "Macintosh HD:Two same prefix#1A2B.doc", ""); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "several") {
		t.Errorf("ambiguous: %v", err)
	}
	if _, err := s.Lookup(eudora.AttachFile, "Macintosh HD:gone.pdf", ""); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing: %v", err)
	}
}
