package fuzz_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/mbox"
	"github.com/mailconv/mailconv/migrate"
)

// journalSource is the small store the journal target resumes: two
// mailboxes, three messages.
func journalSource(t testing.TB, dir string) string {
	t.Helper()
	src := filepath.Join(dir, "src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	msg := "From a@example.org Mon Mar  1 08:00:00 2004\nStatus: RO\nMessage-ID: <%d@x>\n\nbody\n\n"
	for name, body := range map[string]string{
		"Inbox":   fmt.Sprintf(msg, 1) + fmt.Sprintf(msg, 2),
		"Archive": fmt.Sprintf(msg, 3),
	} {
		if err := os.WriteFile(filepath.Join(src, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return src
}

// resumeWith converts the source of journalSource into dir/dst with the
// journal at jp (a resumed run when the journal has runs).
func resumeWith(t testing.TB, dir, jp string) (*migrate.Report, error) {
	t.Helper()
	j, err := migrate.OpenJournal(jp, false)
	if err != nil {
		return nil, err
	}
	defer j.Close()
	r, err := mbox.Open(context.Background(), journalSource(t, dir), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	w, err := mbox.Create(context.Background(), filepath.Join(dir, "dst"), &mailconv.Options{Resume: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	// Fixed endpoint names, so that seeds recorded once match in any
	// temporary directory.
	rep := &migrate.Report{Source: migrate.Endpoint{Format: "mbox", Path: "src"},
		Destination: migrate.Endpoint{Format: "mbox", Path: "dst"}}
	_, err = migrate.Convert(context.Background(), r, w, migrate.ConvertOptions{Report: rep, Journal: j})
	return rep, err
}

// FuzzJournal opens arbitrary bytes as a journal, as a crash, a disk error
// or a hand edit may leave one, and resumes a small conversion with it.
// Opening either refuses the file (ErrFormat, ErrUnsupported) and leaves it
// as it was, or accepts it and changes nothing but a torn last line, which
// it cuts; a conversion then continues from it without panicking.
func FuzzJournal(f *testing.F) {
	dir := f.TempDir()
	jp := filepath.Join(dir, "journal")
	if _, err := resumeWith(f, dir, jp); err != nil {
		f.Fatal(err)
	}
	real, err := os.ReadFile(jp)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(real)
	lines := bytes.SplitAfter(real, []byte("\n"))
	for k := 1; k < len(lines); k++ {
		f.Add(bytes.Join(lines[:k], nil)) // a run cut after k records
	}
	f.Add(real[:len(real)-7]) // torn last line
	f.Add([]byte{})
	f.Add([]byte(`{"t":"run","v":2}` + "\n"))
	f.Add([]byte("not json\n"))
	f.Add(append(append([]byte(nil), real...), bytes.Repeat([]byte("x"), 300<<10)...))

	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 2<<20 {
			return
		}
		dir := t.TempDir()
		jp := filepath.Join(dir, "journal")
		if err := os.WriteFile(jp, data, 0o644); err != nil {
			t.Fatal(err)
		}
		j, err := migrate.OpenJournal(jp, false)
		after, rerr := os.ReadFile(jp)
		if rerr != nil {
			t.Fatal(rerr)
		}
		if err != nil {
			if !errors.Is(err, mailconv.ErrFormat) && !errors.Is(err, mailconv.ErrUnsupported) {
				t.Fatalf("refused with an untyped error: %v", err)
			}
			if !bytes.Equal(after, data) {
				t.Fatalf("a refused journal was modified")
			}
			return
		}
		if !bytes.HasPrefix(data, after) || (len(after) > 0 && after[len(after)-1] != '\n') ||
			bytes.IndexByte(data[len(after):], '\n') >= 0 {
			t.Fatalf("opening changed more than a torn last line: %d bytes kept of %d", len(after), len(data))
		}
		_, _, _, _ = j.Runs(), j.Messages(), j.Sources(), j.Empty()
		if err := j.Close(); err != nil {
			t.Fatal(err)
		}
		rep, err := resumeWith(t, dir, jp)
		if err == nil && rep.Totals.MessagesRead < 3 && rep.Totals.MessagesUnchanged == 0 {
			t.Fatalf("a run that read %d messages of 3 ended without error", rep.Totals.MessagesRead)
		}
	})
}
