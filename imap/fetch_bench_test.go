package imap_test

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/imap"
	"github.com/mailconv/mailconv/internal/dovecotserver"
	"github.com/mailconv/mailconv/internal/netproxy"
	"github.com/mailconv/mailconv/migrate"
)

// BenchmarkFetchLatency measures the download rate of the IMAP source
// side from a local Dovecot (mail_fsync = never) through
// internal/netproxy, which delays each direction by half the round-trip
// time: 0, 50 and 200 ms RTT, one message per UID FETCH each waiting for
// the last (fetch-batch=1, fetch-ahead=0: the reader before pipelining)
// and pipelined (the defaults). The mbox of benchMbox is uploaded once
// without the proxy into the mailbox Bench; each iteration opens a reader
// through the proxy and reads Bench to the end (its EXAMINE and the
// listing FETCH, two round trips, included; the login and LIST are not).
// It reports messages/s and MB/s, and MB/s-after-first: the rate from the
// first body on (the fixed round trips of opening the mailbox and of the
// first FETCH left out). Run it with
//
//	go test ./imap/ -run '^$' -bench FetchLatency -benchtime 1x
//
// (MAILCONV_BENCH_MB, default 4, sets the mbox size). The numbers are in
// imap/README.md.
func BenchmarkFetchLatency(b *testing.B) {
	path, n := benchMbox(b, 4)
	srv := dovecotserver.Start(b, dovecotserver.Config{Extra: "mail_fsync = never\n"})
	b.Setenv(imap.PasswordEnv, srv.Password)
	addr := "imap://" + srv.User + "@" + srv.IMAPAddr
	ctx := context.Background()
	mf, _ := mailconv.LookupFormat("mbox")
	r, err := mf.Open(ctx, path, nil)
	if err != nil {
		b.Fatal(err)
	}
	w, err := imap.Create(ctx, addr, false, &mailconv.Options{Params: plainParams(imap.ParamCheck, "no", imap.ParamProbe, "no")})
	if err != nil {
		b.Fatal(err)
	}
	rep, err := migrate.Convert(ctx, r, w, migrate.ConvertOptions{})
	w.Close()
	r.Close()
	if err != nil || rep.Totals.MessagesWritten != n {
		b.Fatalf("upload: %v (%d of %d messages)", err, rep.Totals.MessagesWritten, n)
	}
	modes := []struct {
		name   string
		params []string
	}{
		{"batch=1", []string{imap.ParamFetchBatch, "1", imap.ParamFetchAhead, "0"}},
		{"pipelined", nil},
	}
	for _, rtt := range []time.Duration{0, 50 * time.Millisecond, 200 * time.Millisecond} {
		for _, mode := range modes {
			b.Run(fmt.Sprintf("rtt=%v/%s", rtt, mode.name), func(b *testing.B) {
				benchFetch(b, srv, n, rtt/2, plainParams(mode.params...))
			})
		}
	}
}

// benchFetch reads every message of the server through a netproxy
// delaying each direction by delay, b.N times, and reports messages/s
// and MB/s.
func benchFetch(b *testing.B, srv *dovecotserver.Server, want int, delay time.Duration, params map[string]string) {
	b.ReportAllocs()
	ctx := context.Background()
	var msgs, bytes int64
	var elapsed, steady time.Duration // steady: from the first body on
	buf := make([]byte, 32<<10)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		p, err := netproxy.Start(srv.IMAPAddr, netproxy.Options{Delay: delay})
		if err != nil {
			b.Fatal(err)
		}
		r, err := imap.Open(ctx, "imap://"+srv.User+"@"+p.Addr, false, &mailconv.Options{Params: params})
		if err != nil {
			b.Fatal(err)
		}
		mbs, err := r.Mailboxes(ctx)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		var first time.Time
		n := 0
		for _, mb := range mbs {
			if mb.NoSelect || mb.Path.String() != "Bench" {
				continue // the special-use mailboxes are empty
			}
			mr, err := r.Open(ctx, mb)
			if err != nil {
				b.Fatal(err)
			}
			for {
				_, err := mr.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				if first.IsZero() {
					first = time.Now()
				}
				k, err := io.CopyBuffer(io.Discard, mr, buf)
				if err != nil {
					b.Fatal(err)
				}
				bytes += k
				n++
			}
			if err := mr.Close(); err != nil {
				b.Fatal(err)
			}
		}
		elapsed += time.Since(start)
		steady += time.Since(first)
		b.StopTimer()
		if n != want {
			b.Fatalf("%d of %d messages read", n, want)
		}
		msgs += int64(n)
		r.Close()
		p.Close()
		b.StartTimer()
	}
	b.SetBytes(bytes / int64(b.N))
	b.ReportMetric(float64(msgs)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(bytes)/1e6/elapsed.Seconds(), "MB/s")
	b.ReportMetric(float64(bytes)/1e6/steady.Seconds(), "MB/s-after-first")
}
