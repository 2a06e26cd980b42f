package applemail_test

import (
	"context"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/applemail/applemailtest"
)

// BenchmarkPartialRebuild reads a partial message whose 8 MiB attachment
// is put back as base64 while streaming; allocations stay small and do not
// grow with the attachment.
func BenchmarkPartialRebuild(b *testing.B) {
	dir := b.TempDir()
	m := applemailtest.Msg{ID: 1, Header: "Subject: big\n", Text: "t\n", Partial: true, Flags: 1, Received: time.Unix(1500000000, 0),
		Attachments: []applemailtest.Attachment{{Name: "big.bin", Data: binData(8<<20, 1)}}}
	if err := applemailtest.WriteMailbox(dir, applemailtest.Mailbox{Name: "Big", Msgs: []applemailtest.Msg{m}}, 2); err != nil {
		b.Fatal(err)
	}
	f, _ := mailconv.LookupFormat("applemail")
	ctx := context.Background()
	buf := make([]byte, 64<<10)
	var n int64
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := f.Open(ctx, filepath.Join(dir, "Big.mbox"), nil)
		if err != nil {
			b.Fatal(err)
		}
		mbs, _ := r.Mailboxes(ctx)
		mr, _ := r.Open(ctx, mbs[0])
		if _, err := mr.Next(); err != nil {
			b.Fatal(err)
		}
		n, err = io.CopyBuffer(io.Discard, struct{ io.Reader }{mr}, buf)
		if err != nil {
			b.Fatal(err)
		}
		mr.Close()
		r.Close()
	}
	b.SetBytes(n)
}
