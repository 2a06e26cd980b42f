package fuzz_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/eudora"
	"github.com/mailconv/mailconv/eudora/eudoratest"
)

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
