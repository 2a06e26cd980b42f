package eudora_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/eudora"
	"github.com/mailconv/mailconv/eudora/eudoratest"
)

// Every message of a generated store (the benchmark's input) rebuilds into
// MIME that go-message reads, and every attachment and inline image decodes
// to the bytes of its file.
func TestGeneratedStoreRebuilds(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	st, err := eudoratest.Generate(dir, eudoratest.GenOptions{Size: 3 << 20, Seed: 7, MaxAttachment: 16 << 10})
	if err != nil {
		t.Fatal(err)
	}
	s, ev := open(t, dir, eudora.Config{})
	boxes := readAllMessages(t, "eudora", dir, nil)
	n, files := 0, 0
	for p, msgs := range boxes {
		for _, m := range msgs {
			n++
			_, ps := parseParts(t, []byte(m.Body))
			for _, part := range ps {
				if part.Filename == "" {
					continue
				}
				sub := "attach"
				if part.CID != "" {
					sub = "Embedded"
				}
				want, err := os.ReadFile(filepath.Join(dir, sub, part.Filename))
				if err != nil || !bytes.Equal(part.Body, want) {
					t.Errorf("%s %s: part %s (%d bytes) does not match its file (%v)", p, m.ID, part.Filename, len(part.Body), err)
				}
				files++
			}
		}
	}
	if n != st.Messages || files != st.Attachments-deletedFiles(t, s) {
		t.Errorf("%d messages (want %d), %d files (generated %d)", n, st.Messages, files, st.Attachments)
	}
	for _, e := range ev.all {
		if e.Kind == mailconv.EventSkip || e.Kind == mailconv.EventLoss {
			t.Errorf("event %v", e)
		}
	}
}

// deletedFiles counts the attachment files only deleted messages use.
func deletedFiles(t *testing.T, s *eudora.Store) int {
	inv, err := s.Attachments(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return len(inv.Unreferenced)
}
