package fuzz_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/eml"
)

// FuzzEMLScan checks the .eml header scanner, alone and through the
// reader: no panic; a refusal is a *mailconv.ParseError wrapping
// eml.ErrNotMessage at an offset inside the input; a file the reader takes
// is streamed back byte for byte.
func FuzzEMLScan(f *testing.F) {
	addFiles(f, "../testdata/sample-mbox/*")
	f.Add([]byte("From: a@b\r\nSubject: x\r\n\r\nbody\r\n"))
	f.Add([]byte("Received: from a\n by b; Wed, 4 Feb 2004 09:30:00 +0000\nDate: x\nFrom: y\n\n"))
	f.Add([]byte("Note: not mail\n\ntext\n"))
	f.Add([]byte(" \n\x00:\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, atEOF := range []bool{true, false} {
			_, err := eml.Scan(data, atEOF)
			if err == nil {
				continue
			}
			var pe *mailconv.ParseError
			if !errors.As(err, &pe) || !errors.Is(err, eml.ErrNotMessage) {
				t.Fatalf("Scan error %v is not a ParseError wrapping ErrNotMessage", err)
			}
			if pe.Offset < 0 || pe.Offset > int64(len(data)) {
				t.Fatalf("offset %d outside the %d input bytes", pe.Offset, len(data))
			}
		}
		dir := t.TempDir()
		p := filepath.Join(dir, "m.eml")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		r, err := eml.Open(ctx, p, &mailconv.Options{Params: map[string]string{eml.ParamMaxHeader: "512"}})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		mbs, err := r.Mailboxes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		mr, err := r.Open(ctx, mbs[0])
		if err != nil {
			t.Fatal(err)
		}
		defer mr.Close()
		if _, err := mr.Next(); err == nil {
			b, err := io.ReadAll(mr)
			if err != nil || !bytes.Equal(b, data) {
				t.Fatalf("streamed %d bytes (%v), want the %d of the file", len(b), err, len(data))
			}
		} else if err != io.EOF {
			t.Fatal(err)
		}
	})
}
