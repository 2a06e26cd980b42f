package imap_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/imap"
	"github.com/mailconv/mailconv/internal/dovecotserver"
	"github.com/mailconv/mailconv/internal/storegen"
)

// BenchmarkUpload measures the upload rate into a local Dovecot over
// loopback: an mbox of about 20 MB (storegen's mix of small messages and
// attachments, LF and CRLF) converted with mailconv.Convert. It reports
// messages/s and MB/s of message octets sent. Run it with
//
//	go test ./imap/ -run '^$' -bench Upload -benchtime 3x
//
// (MAILCONV_BENCH_MB changes the size). Dovecot's own work (fsync,
// indexes) is part of what is measured.
func BenchmarkUpload(b *testing.B) {
	mb := int64(20)
	if v := os.Getenv("MAILCONV_BENCH_MB"); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
			mb = n
		}
	}
	dir := b.TempDir()
	path := filepath.Join(dir, "Bench")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	st, err := storegen.WriteMbox(f, storegen.MboxOptions{Size: mb << 20, Seed: 1, MaxAttachment: 1 << 20})
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var msgs, bytes int64
	var elapsed time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		srv := dovecotserver.Start(b, dovecotserver.Config{Extra: os.Getenv("MAILCONV_BENCH_DOVECOT")})
		os.Setenv(imap.PasswordEnv, srv.Password)
		ctx := context.Background()
		mf, _ := mailconv.LookupFormat("mbox")
		r, err := mf.Open(ctx, path, nil)
		if err != nil {
			b.Fatal(err)
		}
		w, err := imap.Create(ctx, "imap://"+srv.User+"@"+srv.IMAPAddr, false, &mailconv.Options{Params: plainParams(imap.ParamCheck, "no", imap.ParamProbe, "no")})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		rep, err := mailconv.Convert(ctx, r, w, mailconv.ConvertOptions{})
		if err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(start)
		b.StopTimer()
		if rep.Totals.MessagesWritten != st.Messages {
			b.Fatalf("%d of %d messages written", rep.Totals.MessagesWritten, st.Messages)
		}
		s := w.Stats()
		msgs += s.Messages
		bytes += s.Bytes
		w.Close()
		r.Close()
		srv.Stop()
		b.StartTimer()
	}
	b.SetBytes(bytes / int64(b.N))
	b.ReportMetric(float64(msgs)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(bytes)/1e6/elapsed.Seconds(), "MB/s")
}
