package imap_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/imap"
	"github.com/mailconv/mailconv/internal/dovecotserver"
	"github.com/mailconv/mailconv/internal/netproxy"
	"github.com/mailconv/mailconv/internal/storegen"
	"github.com/mailconv/mailconv/migrate"
)

// BenchmarkUploadConnections uploads eight mailboxes into a local Dovecot
// (mail_fsync = never) through internal/netproxy at 0, 50 and 200 ms RTT, over one
// connection and over four (migrate.ConvertOptions.Connections, the
// writer forked), and reports messages/s and MB/s. Run it with
//
//	MAILCONV_BENCH_MB=12 go test ./imap/ -run '^$' -bench UploadConnections -benchtime 1x -count 2
//
// (MAILCONV_BENCH_MB, default 2, sets the size of each mailbox). The
// numbers are in imap/README.md.
func BenchmarkUploadConnections(b *testing.B) {
	mb := int64(2)
	if n, err := strconv.ParseInt(os.Getenv("MAILCONV_BENCH_MB"), 10, 64); err == nil && n > 0 {
		mb = n
	}
	dir := b.TempDir()
	want := 0
	for i := range 8 {
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("Box%d", i)))
		if err != nil {
			b.Fatal(err)
		}
		st, err := storegen.WriteMbox(f, storegen.MboxOptions{Size: mb << 20, Seed: int64(i + 1), MaxAttachment: 256 << 10})
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		want += st.Messages
	}
	for _, rtt := range []time.Duration{0, 50 * time.Millisecond, 200 * time.Millisecond} {
		for _, conns := range []int{1, 4} {
			benchConnections(b, dir, want, rtt, conns)
		}
	}
}

// benchConnections converts the mailboxes of dir into a fresh Dovecot
// through a proxy adding rtt, over conns connections.
func benchConnections(b *testing.B, dir string, want int, rtt time.Duration, conns int) {
	b.Run(fmt.Sprintf("rtt=%v/connections=%d", rtt, conns), func(b *testing.B) {
		b.ReportAllocs()
		var msgs, octets int64
		var elapsed time.Duration
		for range b.N {
			b.StopTimer()
			srv := dovecotserver.Start(b, dovecotserver.Config{Extra: "mail_fsync = never\n"})
			os.Setenv(imap.PasswordEnv, srv.Password)
			p, err := netproxy.Start(srv.IMAPAddr, netproxy.Options{Delay: rtt / 2})
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			mf, _ := mailconv.LookupFormat("mbox")
			r, err := mf.Open(ctx, dir, nil)
			if err != nil {
				b.Fatal(err)
			}
			w, err := imap.Create(ctx, "imap://"+srv.User+"@"+p.Addr, false,
				&mailconv.Options{Params: plainParams(imap.ParamCheck, benchCheck(), imap.ParamProbe, "no")})
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			start := time.Now()
			rep, err := migrate.Convert(ctx, r, w, migrate.ConvertOptions{Connections: conns})
			elapsed += time.Since(start)
			b.StopTimer()
			if err != nil {
				b.Fatal(err)
			}
			if rep.Totals.MessagesWritten != want {
				b.Fatalf("%d of %d messages written", rep.Totals.MessagesWritten, want)
			}
			msgs += int64(rep.Totals.MessagesWritten)
			octets += rep.Totals.BytesWritten
			w.Close()
			r.Close()
			p.Close()
			srv.Stop()
			b.StartTimer()
		}
		b.SetBytes(octets / int64(b.N))
		b.ReportMetric(float64(msgs)/elapsed.Seconds(), "msgs/s")
		b.ReportMetric(float64(octets)/1e6/elapsed.Seconds(), "MB/s")
	})
}
