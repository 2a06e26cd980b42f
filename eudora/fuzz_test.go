package eudora

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/mailconv/mailconv/eudora/eudoratest"
	"github.com/mailconv/mailconv/mime"
)

// FuzzEudoraAppleDouble feeds arbitrary bytes to the AppleDouble and
// resource-fork parsers: no panic, and a found resource lies inside the
// file.
func FuzzEudoraAppleDouble(f *testing.F) {
	toc := eudoratest.MacTOC(eudoratest.MacHeader{Count: -1}, nil)
	f.Add(eudoratest.AppleDouble("TEXT", "CSOm", eudoratest.ResourceFork([]eudoratest.Resource{{Type: "TOCF", ID: 1001, Data: toc}, {Type: "TOCF", ID: 1002, Data: toc[:10]}})))
	f.Add(eudoratest.AppleDouble("TEXT", "CSOm", nil))
	f.Add(eudoratest.ResourceFork([]eudoratest.Resource{{Type: "TOCF", ID: 1001, Data: []byte("x")}}))
	// The small files of the repository's sample stores and fixtures (the
	// corpus sweep of fuzz/ ran them through ParseAppleDouble before it was
	// unexported).
	filepath.WalkDir("../testdata", func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		if fi, err := d.Info(); err == nil && fi.Size() <= 64<<10 {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
		return nil
	})
	f.Fuzz(func(t *testing.T, b []byte) {
		r := bytes.NewReader(b)
		forks := []span{{Offset: 0, Length: int64(len(b))}}
		if ad, err := parseAppleDouble(r, int64(len(b)), "fuzz"); err == nil {
			if sp, ok := ad.ResourceFork(); ok {
				forks = append(forks, sp)
			}
		}
		for _, fork := range forks {
			sp, ok, err := findResource(r, fork, "TOCF", 1001, "fuzz")
			if err == nil && ok && (sp.Offset < fork.Offset || sp.Offset+sp.Length > fork.Offset+fork.Length) {
				t.Fatalf("resource %+v outside fork %+v", sp, fork)
			}
		}
	})
}

// FuzzEudoraTOC feeds arbitrary bytes to the TOC parser, as a Windows TOC
// and as a Mac TOC. It must never panic, and a parsed TOC must hold no more
// records than its size allows.
func FuzzEudoraTOC(f *testing.F) {
	f.Add(eudoratest.WinTOC(eudoratest.WinHeader{Name: "In", Count: -1, MbxSizePlus1: 300},
		[]eudoratest.WinRecord{{Offset: 0, Length: 100, State: 1}, {Offset: 100, Length: 200, State: 4, Label: 3}}))
	f.Add(eudoratest.WinTOC(eudoratest.WinHeader{Count: 1000000}, make([]eudoratest.WinRecord, 3)))
	f.Add(eudoratest.MacTOC(eudoratest.MacHeader{Name: "In", Count: -1}, []eudoratest.MacRecord{{Offset: 0, Length: 50, State: 2}}))
	f.Add(eudoratest.MacTOC(eudoratest.MacHeader{Count: -1}, nil))
	if b, err := os.ReadFile("testdata/eulcommon/In.toc"); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, p := range []mime.Platform{mime.Windows, mime.Mac} {
			toc, err := ParseTOC(bytes.NewReader(b), int64(len(b)), p, "fuzz.toc", TOCOptions{Text: true})
			if err != nil {
				continue
			}
			per := WinTOCRecordSize
			if p == mime.Mac {
				per = MacTOCRecordSize
			}
			if len(toc.Records)*per > len(b) {
				t.Fatalf("%v: %d records from %d bytes", p, len(toc.Records), len(b))
			}
		}
		// A size larger than the data must not allocate for the claim.
		ParseTOC(bytes.NewReader(b), int64(len(b))+218*4096, mime.Windows, "fuzz.toc", TOCOptions{})
	})
}

// FuzzEudoraDescmap feeds arbitrary bytes to the descmap parser: no panic,
// and every entry it returns has a plain file name.
func FuzzEudoraDescmap(f *testing.F) {
	f.Add([]byte("In,In.mbx,S,Y\r\nOut,Out.mbx,S,N\r\nWork,Work.fol,F,N\r\n"))
	f.Add([]byte("Books,Books, Papers.mbx,M\nEvil,..\\..\\x.mbx,M,N\rR\xe9union,R\xe9union.mbx,M,U"))
	f.Add([]byte(",,,\r\n,,\r\n\x00,\x00,M\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		es, _, err := ParseDescmap(bytes.NewReader(b), Limits{MaxDescmapLine: 300})
		if err != nil {
			return
		}
		for _, e := range es {
			if e.File == "" || e.File == ".." || bytes.ContainsAny([]byte(e.File), "/\\\x00") {
				t.Fatalf("unsafe file name %q", e.File)
			}
			if e.Type != 'S' && e.Type != 'M' && e.Type != 'F' {
				t.Fatalf("type %q", e.Type)
			}
		}
	})
}

// FuzzEudoraSeparator checks the separator tests and the date parser on
// arbitrary lines: no panic, and a line that does not start "From " is
// never a separator.
func FuzzEudoraSeparator(f *testing.F) {
	for _, s := range []string{
		"From ???@??? Mon Dec 13 18:45:29 2010", "From \"a b\"@c Tue Dec 7 09:05:00 99 remote from x",
		"From the desk", "From ???@??? Mon Dec 13 18:45 2010", "Sun, 12 Dec 2010 23:42:55 -0600",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, p := range []mime.Platform{mime.Windows, mime.Mac} {
			s, ok := ParseSeparator(b, p)
			if ok && !bytes.HasPrefix(b, []byte("From ")) {
				t.Fatalf("%q accepted", b)
			}
			if ok && s.HasTime {
				s.Time(nil)
			}
		}
		ParseDate(string(b), nil)
	})
}
