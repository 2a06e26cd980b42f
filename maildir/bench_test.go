package maildir_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/maildir"
	"github.com/mailconv/mailconv/mbox"
	"github.com/mailconv/mailconv/migrate"
)

// benchMbox writes an mbox of n messages of about size bytes each.
func benchMbox(b *testing.B, n, size int) (string, int64) {
	b.Helper()
	var buf bytes.Buffer
	line := strings.Repeat("The quick brown fox jumps over the lazy dog. ", 2) + "\n"
	for i := 0; i < n; i++ {
		start := buf.Len()
		fmt.Fprintf(&buf, "From sender@example.org Sat Feb  3 04:05:06 2001\n")
		fmt.Fprintf(&buf, "Message-ID: <%d@bench.invalid>\nFrom: a@example.org\nSubject: message %d\nStatus: RO\n\n", i, i)
		for buf.Len()-start < size {
			buf.WriteString(line)
		}
		buf.WriteString("\n")
	}
	p := filepath.Join(b.TempDir(), "bench.mbox")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	return p, int64(buf.Len())
}

// BenchmarkMboxToMaildir measures mbox -> maildir conversion through
// mailconv.Convert (1000 messages of about 4 KiB per op): throughput, and
// allocations per message (allocs/op divided by 1000, reported as
// allocs/msg).
func BenchmarkMboxToMaildir(b *testing.B) {
	const n = 1000
	path, size := benchMbox(b, n, 4096)
	ctx := context.Background()
	tmp := b.TempDir()
	b.SetBytes(size)
	b.ReportAllocs()
	var ms0 runtimeAllocs
	ms0.read()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		src, err := mbox.Open(context.Background(), path, nil)
		if err != nil {
			b.Fatal(err)
		}
		w, err := maildir.Create(ctx, filepath.Join(tmp, fmt.Sprint(i)), nil)
		if err != nil {
			b.Fatal(err)
		}
		rep, err := migrate.Convert(ctx, src, w, migrate.ConvertOptions{})
		if err != nil || rep.Totals.MessagesWritten != n {
			b.Fatalf("%v, %d written", err, rep.Totals.MessagesWritten)
		}
		w.Close()
		src.Close()
	}
	b.StopTimer()
	var ms1 runtimeAllocs
	ms1.read()
	b.ReportMetric(float64(ms1.mallocs-ms0.mallocs)/float64(b.N*n), "allocs/msg")
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkWriteMessage measures the maildir writer alone: one op is one
// 4 KiB message delivered through tmp/ into cur/ with flags and a keyword.
func BenchmarkWriteMessage(b *testing.B) {
	ctx := context.Background()
	w, err := maildir.Create(ctx, filepath.Join(b.TempDir(), "md"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	mw, err := w.CreateMailbox(ctx, &mailconv.Mailbox{Path: mailconv.Path{"INBOX"}})
	if err != nil {
		b.Fatal(err)
	}
	body := bytes.Repeat([]byte("0123456789abcdef\n"), 4096/17)
	m := &mailconv.Message{Flags: mailconv.FlagSeen | mailconv.FlagAnswered, Date: time.Unix(1e9, 0), Keywords: []string{"$Junk"}}
	r := bytes.NewReader(body)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.ID = fmt.Sprint(i)
		r.Reset(body)
		if err := mw.WriteMessage(ctx, m, r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadMessages measures the maildir reader: one op reads one
// message (Next and its octets).
func BenchmarkReadMessages(b *testing.B) {
	ctx := context.Background()
	dir := filepath.Join(b.TempDir(), "md")
	src := newMemStore()
	var msgs []memMessage
	for i := 0; i < 1000; i++ {
		msgs = append(msgs, testMessage(i, mailconv.FlagSeen, "$Junk"))
	}
	src.add(mailconv.Path{"INBOX"}, false, msgs...)
	convertInto(b, src, dir, nil)
	buf := make([]byte, 32<<10)
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; {
		r, err := maildir.Open(ctx, dir, nil)
		if err != nil {
			b.Fatal(err)
		}
		mbs, _ := r.Mailboxes(ctx)
		mr, _ := r.Open(ctx, mbs[0])
		for ; done < b.N; done++ {
			if _, err := mr.Next(); err != nil {
				break
			}
			for {
				if _, err := mr.Read(buf); err != nil {
					break
				}
			}
		}
		mr.Close()
		r.Close()
	}
}
