package migrate_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"testing"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/migrate"
)

// discardStore is a Writer that reads every message to the end and keeps
// nothing, so that the benchmark measures the message loop: reading,
// hashing for the journal, journal records.
type discardStore struct{}

func (discardStore) Capabilities() mailconv.Capabilities {
	return mailconv.Capabilities{Flags: mailconv.AllFlags, Keywords: true, Dates: true, Mixed: true}
}
func (discardStore) CreateMailbox(context.Context, *mailconv.Mailbox) (mailconv.MailboxWriter, error) {
	return discardMailbox{}, nil
}
func (discardStore) Close() error { return nil }

type discardMailbox struct{}

func (discardMailbox) WriteMessage(_ context.Context, _ *mailconv.Message, body io.Reader) error {
	_, err := io.Copy(io.Discard, body)
	return err
}
func (discardMailbox) Close() error { return nil }

// BenchmarkConvertLoop measures Convert's message loop with a journal (every
// message hashed with SHA-256 and recorded) over in-memory messages of
// several sizes: MB/s of message octets and allocations per message.
func BenchmarkConvertLoop(b *testing.B) {
	for _, size := range []int{4 << 10, 256 << 10, 4 << 20} {
		b.Run(fmt.Sprintf("%dKiB", size>>10), func(b *testing.B) {
			const n = 64
			src := newMem()
			body := append([]byte("Subject: x\r\nMessage-ID: <m@x>\r\n\r\n"), bytes.Repeat([]byte("0123456789abcdef\r\n"), size/18)...)
			for i := 0; i < n; i++ {
				src.add(mailconv.Path{"INBOX"}, mailconv.Message{ID: fmt.Sprint(i)}, string(body))
			}
			b.SetBytes(int64(n * len(body)))
			b.ReportAllocs()
			dir := b.TempDir()
			i := 0
			for b.Loop() {
				i++
				j, err := migrate.OpenJournal(filepath.Join(dir, fmt.Sprintf("j%d", i)), false)
				if err != nil {
					b.Fatal(err)
				}
				rep, err := migrate.Convert(context.Background(), src, discardStore{}, migrate.ConvertOptions{Journal: j})
				if err != nil || rep.Totals.MessagesWritten != n {
					b.Fatalf("%v, %d written", err, rep.Totals.MessagesWritten)
				}
				j.Close()
			}
		})
	}
}
