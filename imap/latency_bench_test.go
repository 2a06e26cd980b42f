package imap_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/imap"
	"github.com/mailconv/mailconv/internal/dovecotserver"
	"github.com/mailconv/mailconv/internal/netproxy"
	"github.com/mailconv/mailconv/migrate"
)

// BenchmarkUploadLatency measures the upload rate into a local Dovecot
// (mail_fsync = never, so that the server's disk does not hide the
// network) through internal/netproxy, which delays each direction by half
// the round-trip time: 0, 50 and 200 ms RTT, one APPEND at a time
// (pipeline=1, the upload before pipelining) and pipelined on the upload
// connection (the default: pipeline=512, LITERAL+, MULTIAPPEND batches of
// multiappend=4; also 1 and 16 to compare). It reports messages/s and
// MB/s. Run it with
//
//	MAILCONV_BENCH_MB=20 go test ./imap/ -run '^$' -bench UploadLatency -benchtime 1x -count 2
//
// (MAILCONV_BENCH_MB, default 2, sets the mbox size; 16 to 20 messages
// per MB; MAILCONV_BENCH_CHECK=yes adds the read-back check, see
// benchCheck). The numbers are in imap/README.md.
func BenchmarkUploadLatency(b *testing.B) {
	path, n := benchMbox(b, 2)
	pipelined := strconv.Itoa(imap.DefaultPipeline)
	modes := [][]string{
		{imap.ParamPipeline, "1"},
		{imap.ParamPipeline, pipelined, imap.ParamMultiAppend, "1"},
		{imap.ParamPipeline, pipelined, imap.ParamMultiAppend, strconv.Itoa(imap.DefaultMultiAppend)},
		{imap.ParamPipeline, pipelined, imap.ParamMultiAppend, "16"},
	}
	for _, rtt := range []time.Duration{0, 50 * time.Millisecond, 200 * time.Millisecond} {
		for _, params := range modes {
			name := fmt.Sprintf("rtt=%v/%s=%s", rtt, params[0], params[1])
			if len(params) > 2 {
				name += fmt.Sprintf("/%s=%s", params[2], params[3])
			}
			b.Run(name, func(b *testing.B) {
				d := rtt / 2
				if os.Getenv("MAILCONV_BENCH_DIRECT") != "" {
					// straight to Dovecot, without the proxy (its
					// buffers change the 0 ms baseline)
					d = -1
				}
				benchUpload(b, path, n, "mail_fsync = never\n", d, params...)
			})
		}
	}
}

// BenchmarkUploadLatencyGmailCaps is BenchmarkUploadLatency against a
// Dovecot announcing Gmail's capabilities (gmailCaps): one APPEND at a
// time and pipelined, at 0, 50 and 200 ms RTT.
//
//	MAILCONV_BENCH_MB=20 go test ./imap/ -run '^$' -bench UploadLatencyGmailCaps -benchtime 1x
func BenchmarkUploadLatencyGmailCaps(b *testing.B) {
	path, n := benchMbox(b, 2)
	for _, rtt := range []time.Duration{0, 50 * time.Millisecond, 200 * time.Millisecond} {
		for _, pipeline := range []int{1, imap.DefaultPipeline} {
			b.Run(fmt.Sprintf("rtt=%v/pipeline=%d", rtt, pipeline), func(b *testing.B) {
				benchUpload(b, path, n, "mail_fsync = never\n"+gmailCaps, rtt/2, imap.ParamPipeline, strconv.Itoa(pipeline))
			})
		}
	}
}

// benchUpload converts the mbox at path into a fresh Dovecot (with extra
// configuration) b.N times, through a netproxy delaying each direction by
// delay (directly when delay is negative), and reports messages/s and
// MB/s.
func benchUpload(b *testing.B, path string, want int, extra string, delay time.Duration, params ...string) {
	b.ReportAllocs()
	var msgs, bytes int64
	var elapsed time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		srv := dovecotserver.Start(b, dovecotserver.Config{Extra: extra})
		os.Setenv(imap.PasswordEnv, srv.Password)
		addr := srv.IMAPAddr
		var p *netproxy.Proxy
		if delay >= 0 {
			var err error
			if p, err = netproxy.Start(srv.IMAPAddr, netproxy.Options{Delay: delay}); err != nil {
				b.Fatal(err)
			}
			addr = p.Addr
		}
		ctx := context.Background()
		mf, _ := mailconv.LookupFormat("mbox")
		r, err := mf.Open(ctx, path, nil)
		if err != nil {
			b.Fatal(err)
		}
		w, err := imap.Create(ctx, "imap://"+srv.User+"@"+addr, false, &mailconv.Options{Params: plainParams(append([]string{imap.ParamCheck, benchCheck(), imap.ParamProbe, "no"}, params...)...)})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		rep, err := migrate.Convert(ctx, r, w, migrate.ConvertOptions{})
		if err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(start)
		b.StopTimer()
		if rep.Totals.MessagesWritten != want {
			b.Fatalf("%d of %d messages written", rep.Totals.MessagesWritten, want)
		}
		s := w.Stats()
		msgs += s.Messages
		bytes += s.Bytes
		w.Close()
		r.Close()
		if p != nil {
			p.Close()
		}
		srv.Stop()
		b.StartTimer()
	}
	b.SetBytes(bytes / int64(b.N))
	b.ReportMetric(float64(msgs)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(bytes)/1e6/elapsed.Seconds(), "MB/s")
}

// benchCheck is the parameter check of the latency benchmarks:
// MAILCONV_BENCH_CHECK=yes measures the read-back of flags and dates
// (the writer's default) too; by default it is off, so that only the
// APPENDs cross the network.
func benchCheck() string {
	if os.Getenv("MAILCONV_BENCH_CHECK") == "yes" {
		return "yes"
	}
	return "no"
}
