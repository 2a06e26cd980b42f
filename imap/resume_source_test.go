package imap_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/imap"
	"github.com/mailconv/mailconv/internal/dovecotserver"
	"github.com/mailconv/mailconv/maildir"
	"github.com/mailconv/mailconv/migrate"
)

// fetchCounter wraps a Reader and records the IDs of the messages its
// mailbox readers fetch (Next), passing PeekID and Skip through.
type fetchCounter struct {
	mailconv.Reader
	fetched []string
}

func (f *fetchCounter) Open(ctx context.Context, mb *mailconv.Mailbox) (mailconv.MailboxReader, error) {
	mr, err := f.Reader.Open(ctx, mb)
	if err != nil {
		return nil, err
	}
	return &countingMR{mr.(*imap.MailboxReader), f}, nil
}

type countingMR struct {
	*imap.MailboxReader
	f *fetchCounter
}

func (c *countingMR) Next() (*mailconv.Message, error) {
	m, err := c.MailboxReader.Next()
	if err == nil {
		c.f.fetched = append(c.f.fetched, m.ID)
	}
	return m, err
}

// An IMAP account as a source, interrupted after 4 of 10 messages and
// resumed: the resumed run fetches only the 6 the journal does not hold
// (by UIDVALIDITY:UID), and the maildir ends with the 10 once each.
func TestSourceResumesByUID(t *testing.T) {
	srv := server(t, dovecotserver.Config{})
	for i := 1; i <= 10; i++ {
		m := fmt.Sprintf("Message-ID: <uid-%d@example.org>\r\nSubject: %d\r\n\r\nbody %d\r\n", i, i, i)
		if err := srv.Save("INBOX", []byte(m)); err != nil {
			t.Fatal(err)
		}
	}
	dst := filepath.Join(t.TempDir(), "dst")
	jp := migrate.JournalPath(dst)
	run := func(stopAfter int) (*fetchCounter, *migrate.Report, error) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		r, err := imap.Open(ctx, plainAddr(srv, ""), false, &mailconv.Options{Params: plainParams()})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		j, err := migrate.OpenJournal(jp, false)
		if err != nil {
			t.Fatal(err)
		}
		defer j.Close()
		w, err := maildir.Create(ctx, dst, &mailconv.Options{Resume: j.Runs() > 0})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		fc := &fetchCounter{Reader: r}
		rep := &migrate.Report{Source: migrate.Endpoint{Format: "imap", Path: "server"}}
		_, err = migrate.Convert(ctx, fc, w, migrate.ConvertOptions{Report: rep, Journal: j,
			Progress: func(p migrate.Progress) {
				if stopAfter > 0 && p.Messages >= stopAfter {
					cancel()
				}
			}})
		return fc, rep, err
	}
	if _, _, err := run(4); err == nil {
		t.Fatal("the interrupted run ended without error")
	}
	fc, rep, err := run(0)
	if err != nil {
		t.Fatal(err)
	}
	if len(fc.fetched) != 6 || rep.Totals.MessagesUnchanged != 4 || rep.Totals.MessagesWritten != 6 {
		t.Fatalf("resumed run fetched %v; %d unchanged, %d written", fc.fetched, rep.Totals.MessagesUnchanged, rep.Totals.MessagesWritten)
	}
	got := readStore(t, "maildir", dst, nil)
	n := 0
	seen := map[string]bool{}
	for _, msgs := range got {
		for _, m := range msgs {
			n++
			seen[string(m.body)] = true
		}
	}
	if n != 10 || len(seen) != 10 {
		t.Fatalf("%d messages, %d distinct in the maildir, want 10", n, len(seen))
	}
}
