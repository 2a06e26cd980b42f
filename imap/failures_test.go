package imap_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/imap"
	"github.com/mailconv/mailconv/internal/dovecotserver"
	"github.com/mailconv/mailconv/migrate"
)

// writeMbox writes an mbox file of n messages of about size bytes each,
// with flags and keywords in Status/X-Status/X-Keywords headers, and
// returns its path. Message i has Message-ID <i.tag@example.org>.
func writeMbox(t *testing.T, dir, name, tag string, n, size int) string {
	t.Helper()
	var b strings.Builder
	for i := 0; i < n; i++ {
		date := time.Date(2002, 3, 1+i%28, 12, i%60, 7, 0, time.UTC)
		fmt.Fprintf(&b, "From sender@example.org %s\n", date.Format("Mon Jan _2 15:04:05 2006"))
		fmt.Fprintf(&b, "Message-ID: <%d.%s@example.org>\nFrom: Sender <sender@example.org>\nSubject: %s %d\n", i, tag, tag, i)
		switch i % 4 {
		case 0:
			b.WriteString("Status: RO\nX-Status: A\n")
		case 1:
			b.WriteString("Status: RO\nX-Status: F\nX-Keywords: $label1 project-x\n")
		case 2:
			b.WriteString("Status: O\n")
		}
		b.WriteString("\n")
		line := fmt.Sprintf("body of %s message %d, some text to fill the line up\n", tag, i)
		for w := 0; w < size; w += len(line) {
			b.WriteString(line)
		}
		b.WriteString("\n")
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// countMessages counts the messages per mailbox with doveadm on the live
// server, and fails on duplicates of a Message-ID within a mailbox.
func countMessages(t *testing.T, srv *dovecotserver.Server, mailbox string) int {
	t.Helper()
	out, err := srv.Doveadm(nil, "fetch", "hdr.message-id", "mailbox", mailbox)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	n := 0
	for _, l := range strings.Split(string(out), "\n") {
		if id, ok := strings.CutPrefix(l, "hdr.message-id: "); ok {
			if seen[id] {
				t.Errorf("%s: Message-ID %s stored twice", mailbox, id)
			}
			seen[id] = true
			n++
		}
	}
	return n
}

func TestWrongPassword(t *testing.T) {
	srv := server(t, dovecotserver.Config{})
	t.Setenv(imap.PasswordEnv, "not-the-password")
	_, err := imap.Create(context.Background(), plainAddr(srv, ""), false, &mailconv.Options{Params: plainParams()})
	if !errors.Is(err, imap.ErrAuth) || !strings.Contains(err.Error(), srv.User) {
		t.Fatalf("wrong password: %v", err)
	}
	t.Setenv(imap.PasswordEnv, "")
	_, err = imap.Create(context.Background(), plainAddr(srv, ""), false, &mailconv.Options{Params: plainParams()})
	if !errors.Is(err, imap.ErrPassword) {
		t.Fatalf("no password: %v", err)
	}
	pw := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pw, []byte(srv.Password+"\n"), 0o600)
	w, err := imap.Create(context.Background(), plainAddr(srv, ""), false, &mailconv.Options{Params: plainParams(imap.ParamPasswordFile, pw)})
	if err != nil {
		t.Fatalf("password file: %v", err)
	}
	w.Close()
	_, err = imap.Create(context.Background(), "imap://"+srv.User+":secret@"+srv.IMAPAddr, false, &mailconv.Options{Params: plainParams()})
	if !errors.Is(err, imap.ErrPassword) {
		t.Fatalf("password in URL: %v", err)
	}
}

func TestTLS(t *testing.T) {
	srv := server(t, dovecotserver.Config{TLS: true})
	ctx := context.Background()
	imaps := "imaps://" + srv.User + "@" + srv.IMAPSAddr
	if _, err := imap.Create(ctx, imaps, true, nil); !errors.Is(err, imap.ErrTLS) {
		t.Errorf("untrusted certificate: %v", err)
	}
	for _, c := range []struct {
		addr   string
		params map[string]string
	}{
		{imaps, map[string]string{imap.ParamCAFile: srv.CAFile}},
		{imaps, map[string]string{imap.ParamInsecure: "true"}},
		{"imap://" + srv.User + "@" + srv.IMAPAddr, map[string]string{imap.ParamCAFile: srv.CAFile}},
	} {
		w, err := imap.Create(ctx, c.addr, false, &mailconv.Options{Params: c.params})
		if err != nil {
			t.Errorf("%s %v: %v", c.addr, c.params, err)
			continue
		}
		w.Close()
	}
	// STARTTLS to a server presenting a certificate for another name.
	_, err := imap.Create(ctx, "imap://"+srv.User+"@"+strings.Replace(srv.IMAPAddr, "127.0.0.1", "127.0.0.2", 1), false,
		&mailconv.Options{Params: map[string]string{imap.ParamCAFile: srv.CAFile, imap.ParamTimeout: "3s"}})
	if err == nil {
		t.Errorf("name mismatch (or no listener on 127.0.0.2) accepted")
	}
	plain := dovecotserver.Start(t, dovecotserver.Config{})
	if _, err := imap.Create(ctx, plainAddr(plain, ""), false, nil); !errors.Is(err, imap.ErrTLS) {
		t.Errorf("server without STARTTLS, plaintext not allowed: %v", err)
	}
}

// proxy forwards connections to target. The first connection is cut
// after cutAfter bytes from the client; while refuse is set, new
// connections are closed at once.
type proxy struct {
	ln       net.Listener
	target   string
	cutAfter int64
	refuse   atomic.Bool
	cut      atomic.Bool // a connection was cut
	conns    atomic.Int32
	wg       sync.WaitGroup
}

func newProxy(t *testing.T, target string, cutAfter int64) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target, cutAfter: cutAfter}
	go p.serve()
	t.Cleanup(func() { ln.Close(); p.wg.Wait() })
	return p
}

func (p *proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.conns.Add(1)
		if p.refuse.Load() {
			c.Close()
			continue
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.wg.Add(2)
		go func() {
			defer p.wg.Done()
			// The first connection whose client sends cutAfter octets is
			// cut there (with pipelining, the upload connection, not the
			// first one).
			n, err := io.CopyN(s, c, p.cutAfter)
			if err == nil && n == p.cutAfter && p.cut.CompareAndSwap(false, true) {
				c.Close()
				s.Close()
				return
			}
			if err == nil {
				io.Copy(s, c)
			}
			c.Close()
			s.Close()
		}()
		go func() {
			defer p.wg.Done()
			io.Copy(c, s)
			c.Close()
			s.Close()
		}()
	}
}

// TestDisconnectMidAppend cuts the connection in the middle of a literal
// (the first connection to carry 70000 octets: the upload connection when
// APPENDs are pipelined).
// The writer reconnects and goes on; when reconnecting keeps failing
// (every back-off used up), the conversion stops with a connection error and a second run completes it
// without duplicates.
func TestDisconnectMidAppend(t *testing.T) {
	srv := server(t, dovecotserver.Config{})
	dir := t.TempDir()
	src := writeMbox(t, dir, "Cut", "cut", 20, 9000)

	p := newProxy(t, srv.IMAPAddr, 70000)
	addr := "imap://" + srv.User + "@" + p.ln.Addr().String()
	rep, err := convert(t, "mbox", src, nil, addr, plainParams())
	if err != nil {
		t.Fatalf("convert through a cut connection: %v\n%s", err, events(rep))
	}
	t.Logf("proxy saw %d connections", p.conns.Load())
	if rep.Codes["imap.reconnected"] != 1 {
		t.Errorf("want one imap.reconnected event:\n%s", events(rep))
	}
	if n := countMessages(t, srv, "Cut"); n != 20 {
		t.Errorf("%d messages on the server, want 20", n)
	}

	// Now the reconnection fails as well.
	src2 := writeMbox(t, dir, "Cut2", "cuttwo", 20, 9000)
	p2 := newProxy(t, srv.IMAPAddr, 70000)
	p2.refuse.Store(false)
	addr2 := "imap://" + srv.User + "@" + p2.ln.Addr().String()
	go func() {
		for p2.conns.Load() < 1 {
			time.Sleep(time.Millisecond)
		}
		p2.refuse.Store(true)
	}()
	// Reconnecting is backed off and tried again (retries); short
	// back-offs keep the test quick.
	rep, err = convert(t, "mbox", src2, nil, addr2, plainParams(imap.ParamBackoffBase, "5ms", imap.ParamBackoffMax, "20ms"))
	if !errors.Is(err, imap.ErrConnection) {
		t.Fatalf("want a connection error, got %v", err)
	}
	t.Logf("error: %v", err)
	if rep.Error == "" || !strings.Contains(rep.Error, "run the same command again") {
		t.Errorf("report error %q does not tell what to do", rep.Error)
	}
	before := countMessages(t, srv, "Cut2")
	if before == 0 || before == 20 {
		t.Fatalf("%d messages stored before the cut; the test wants a partial upload", before)
	}
	rep, err = convert(t, "mbox", src2, nil, plainAddr(srv, ""), plainParams())
	if err != nil {
		t.Fatalf("second run: %v", err)
	}
	if n := countMessages(t, srv, "Cut2"); n != 20 {
		t.Errorf("after the second run %d messages, want 20", n)
	}
	if rep.Codes["imap.already-present"] != before {
		t.Errorf("second run found %d messages present, %d were stored", rep.Codes["imap.already-present"], before)
	}
}

// TestInterruptAndResume stops the upload at random points (context
// cancelled from the progress callback) and runs it again until it
// completes: nothing lost, nothing twice, flags and dates intact.
func TestInterruptAndResume(t *testing.T) {
	srv := server(t, dovecotserver.Config{})
	dir := t.TempDir()
	tree := filepath.Join(dir, "tree")
	os.Mkdir(tree, 0o755)
	writeMbox(t, tree, "Inbox", "inbox", 25, 500)
	writeMbox(t, tree, "Lists", "lists", 25, 3000)
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewSource(seed))
	runs := 0
	for ; runs < 20; runs++ {
		ctx, cancel := context.WithCancel(context.Background())
		stopAt := 1 + rng.Intn(20)
		rep := &migrate.Report{}
		f, _ := mailconv.LookupFormat("mbox")
		r, err := f.Open(ctx, tree, &mailconv.Options{Events: rep.Add})
		if err != nil {
			t.Fatal(err)
		}
		w, err := imap.Create(ctx, plainAddr(srv, ""), false, &mailconv.Options{Params: plainParams(), Events: rep.Add})
		if err != nil {
			t.Fatal(err)
		}
		_, err = migrate.Convert(ctx, r, w, migrate.ConvertOptions{Report: rep, Progress: func(p migrate.Progress) {
			if w.Stats().Messages >= int64(stopAt) {
				cancel() // after stopAt new APPENDs in this run
			}
		}})
		w.Close()
		r.Close()
		cancel()
		if err == nil {
			break
		}
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("run %d: %v", runs, err)
		}
	}
	t.Logf("completed after %d interrupted runs", runs)
	if n := countMessages(t, srv, "INBOX"); n != 25 {
		t.Errorf("INBOX: %d messages, want 25", n)
	}
	if n := countMessages(t, srv, "Lists"); n != 25 {
		t.Errorf("Lists: %d messages, want 25", n)
	}
	src := readStore(t, "mbox", tree, nil)
	checkDoveadm(t, srv, src, map[string]string{"INBOX": "INBOX", "Lists": "Lists"}, "")
}

// TestQuota: the server refuses a message over quota; the conversion stops
// with ErrQuota and a message that says how to go on; after the quota is
// raised, a second run completes without duplicates.
func TestQuota(t *testing.T) {
	cfg := dovecotserver.Config{QuotaBytes: 40000}
	srv := server(t, cfg)
	src := writeMbox(t, t.TempDir(), "Big", "quota", 12, 6000)
	rep, err := convert(t, "mbox", src, nil, plainAddr(srv, ""), plainParams())
	if !errors.Is(err, imap.ErrQuota) {
		t.Fatalf("want ErrQuota, got %v\n%s", err, events(rep))
	}
	if !strings.Contains(rep.Error, "quota") || !strings.Contains(rep.Error, "run the same command again") {
		t.Errorf("report error: %q", rep.Error)
	}
	stored := countMessages(t, srv, "Big")
	if stored == 0 || stored >= 12 {
		t.Fatalf("%d messages stored before the quota stop", stored)
	}
	cfg.QuotaBytes = 10 << 20
	srv.Restart(cfg)
	rep, err = convert(t, "mbox", src, nil, plainAddr(srv, ""), plainParams())
	if err != nil {
		t.Fatalf("after raising the quota: %v", err)
	}
	if n := countMessages(t, srv, "Big"); n != 12 {
		t.Errorf("%d messages, want 12", n)
	}
}

// TestTooBig: messages over the server's size limit are skipped and
// reported, whether the limit is announced (APPENDLIMIT), given as a
// parameter, or only enforced by the server.
func TestTooBig(t *testing.T) {
	dir := t.TempDir()
	small := writeMbox(t, dir, "Small", "small", 3, 2000)
	big := writeMbox(t, dir, "Big", "big", 1, 60000)
	tree := filepath.Join(dir, "tree")
	os.Mkdir(tree, 0o755)
	for _, f := range []string{small, big} {
		b, _ := os.ReadFile(f)
		os.WriteFile(filepath.Join(tree, filepath.Base(f)), b, 0o644)
	}
	for _, c := range []struct {
		name   string
		cfg    dovecotserver.Config
		params map[string]string
	}{
		{"server-enforced", dovecotserver.Config{MaxMailSize: 30000}, plainParams()},
		{"announced", dovecotserver.Config{MaxMailSize: 30000, Extra: "imap_capability = +APPENDLIMIT=30000\n"}, plainParams()},
		{"parameter", dovecotserver.Config{}, plainParams(imap.ParamAppendLimit, "30000")},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := server(t, c.cfg)
			rep, err := convert(t, "mbox", tree, nil, plainAddr(srv, ""), c.params)
			if err != nil {
				t.Fatalf("convert: %v\n%s", err, events(rep))
			}
			if rep.Codes["imap.too-big"] != 1 || len(rep.Skips) != 1 {
				t.Fatalf("want one imap.too-big skip:\n%s", events(rep))
			}
			t.Logf("skip: %s", rep.Skips[0])
			if n := countMessages(t, srv, "Small"); n != 3 {
				t.Errorf("Small: %d messages", n)
			}
			if n := countMessages(t, srv, "Big"); n != 0 {
				t.Errorf("Big: %d messages, want 0", n)
			}
		})
	}
}
