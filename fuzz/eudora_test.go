package fuzz_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/eudora"
	"github.com/mailconv/mailconv/eudora/eudoratest"
	"github.com/mailconv/mailconv/mime"
)

// FuzzEudoraTOC feeds arbitrary bytes to the TOC parser, as a Windows TOC
// and as a Mac TOC. It must never panic, and a parsed TOC must hold no more
// records than its size allows.
func FuzzEudoraTOC(f *testing.F) {
	f.Add(eudoratest.WinTOC(eudoratest.WinHeader{Name: "In", Count: -1, MbxSizePlus1: 300},
		[]eudoratest.WinRecord{{Offset: 0, Length: 100, State: 1}, {Offset: 100, Length: 200, State: 4, Label: 3}}))
	f.Add(eudoratest.WinTOC(eudoratest.WinHeader{Count: 1000000}, make([]eudoratest.WinRecord, 3)))
	f.Add(eudoratest.MacTOC(eudoratest.MacHeader{Name: "In", Count: -1}, []eudoratest.MacRecord{{Offset: 0, Length: 50, State: 2}}))
	f.Add(eudoratest.MacTOC(eudoratest.MacHeader{Count: -1}, nil))
	if b, err := os.ReadFile("../eudora/testdata/eulcommon/In.toc"); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, p := range []mime.Platform{mime.Windows, mime.Mac} {
			toc, err := eudora.ParseTOC(bytes.NewReader(b), int64(len(b)), p, "fuzz.toc", eudora.TOCOptions{Text: true})
			if err != nil {
				continue
			}
			per := eudora.WinTOCRecordSize
			if p == mime.Mac {
				per = eudora.MacTOCRecordSize
			}
			if len(toc.Records)*per > len(b) {
				t.Fatalf("%v: %d records from %d bytes", p, len(toc.Records), len(b))
			}
		}
		// A size larger than the data must not allocate for the claim.
		eudora.ParseTOC(bytes.NewReader(b), int64(len(b))+218*4096, mime.Windows, "fuzz.toc", eudora.TOCOptions{})
	})
}

// FuzzEudoraDescmap feeds arbitrary bytes to the descmap parser: no panic,
// and every entry it returns has a plain file name.
func FuzzEudoraDescmap(f *testing.F) {
	f.Add([]byte("In,In.mbx,S,Y\r\nOut,Out.mbx,S,N\r\nWork,Work.fol,F,N\r\n"))
	f.Add([]byte("Books,Books, Papers.mbx,M\nEvil,..\\..\\x.mbx,M,N\rR\xe9union,R\xe9union.mbx,M,U"))
	f.Add([]byte(",,,\r\n,,\r\n\x00,\x00,M\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		es, _, err := eudora.ParseDescmap(bytes.NewReader(b), eudora.Limits{MaxDescmapLine: 300})
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
			s, ok := eudora.ParseSeparator(b, p)
			if ok && !bytes.HasPrefix(b, []byte("From ")) {
				t.Fatalf("%q accepted", b)
			}
			if ok && s.HasTime {
				s.Time(nil)
			}
		}
		eudora.ParseDate(string(b), nil)
	})
}

// FuzzEudoraStore lays out a one-mailbox Windows store whose mailbox and
// TOC are arbitrary bytes, then reads it in every recover mode, raw and
// rebuilt: no panic, no error other than I/O, and raw output is made of
// bytes of the mailbox (never more than the mailbox holds).
func FuzzEudoraStore(f *testing.F) {
	mbx := "From ???@??? Mon Dec 13 18:45:29 2010\r\nSubject: a\r\n\r\nbody\r\n" +
		"From ???@??? Mon Dec 13 18:46:29 2010\r\nSubject: b\r\n\r\nFrom me\r\n"
	toc := eudoratest.WinTOC(eudoratest.WinHeader{Count: -1, MbxSizePlus1: uint32(len(mbx) + 1)},
		[]eudoratest.WinRecord{{Offset: 0, Length: 62, State: 1}})
	f.Add([]byte(mbx), toc)
	f.Add([]byte(mbx), []byte{})
	f.Add([]byte("\x00\x00From x\r\r\n\x1a"), toc)
	f.Fuzz(func(t *testing.T, mbx, toc []byte) {
		if len(mbx) > 1<<16 || len(toc) > 1<<16 {
			return
		}
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "In.mbx"), mbx, 0o644)
		if len(toc) > 0 {
			os.WriteFile(filepath.Join(dir, "In.toc"), toc, 0o644)
		}
		for i, mode := range []eudora.RecoverMode{eudora.RecoverOff, eudora.RecoverEmit, eudora.RecoverEmit} {
			raw := i < 2
			params := map[string]string{"rebuild": strconv.FormatBool(!raw), "recover": mode.String()}
			s, err := eudora.Open(context.Background(), dir, &mailconv.Options{Params: params})
			if err != nil {
				t.Fatal(err)
			}
			mbs, _ := s.Mailboxes(context.Background())
			for _, mb := range mbs {
				r, err := s.Open(context.Background(), mb)
				if err != nil {
					t.Fatal(err)
				}
				total := 0
				for {
					_, err := r.Next()
					if err == io.EOF {
						break
					}
					if err != nil {
						t.Fatal(err)
					}
					b, err := io.ReadAll(r)
					if err != nil {
						t.Fatal(err)
					}
					total += len(b)
				}
				if raw && total > len(mbx) {
					t.Fatalf("read %d bytes from a %d-byte mailbox", total, len(mbx))
				}
				r.Close()
			}
			s.Close()
		}
	})
}
