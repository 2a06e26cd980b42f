package imap_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/imap"
	"github.com/mailconv/mailconv/internal/dovecotserver"
	"github.com/mailconv/mailconv/internal/netproxy"
	"github.com/mailconv/mailconv/maildir"
	"github.com/mailconv/mailconv/migrate"
)

// appendAll stores msgs in mailbox with go-imap's own client, straight to
// the server (not through mailconv), in order: UIDs 1, 2, ... for a fresh
// mailbox.
func appendAll(t *testing.T, srv *dovecotserver.Server, mailbox string, msgs [][]byte) {
	t.Helper()
	c, err := imapclient.DialInsecure(srv.IMAPAddr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(srv.User, srv.Password).Wait(); err != nil {
		t.Fatal(err)
	}
	if mailbox != "INBOX" {
		if err := c.Create(mailbox, nil).Wait(); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range msgs {
		cmd := c.Append(mailbox, int64(len(m)), nil)
		if _, err := cmd.Write(m); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := cmd.Wait(); err != nil {
			t.Fatal(err)
		}
	}
	c.Logout().Wait()
}

// testMessage is message i of a test mailbox, CRLF, with a body of about
// size octets.
func testMessage(i, size int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "Message-ID: <fetch-%d@example.org>\r\nSubject: message %d\r\n\r\n", i, i)
	line := fmt.Sprintf("message %d line of text to fill the body up to its size.......\r\n", i)
	for b.Len() < size {
		b.WriteString(line)
	}
	return b.Bytes()
}

// uidOf is the UID part of an ID "UIDVALIDITY:UID".
func uidOf(t *testing.T, id string) int {
	t.Helper()
	_, u, _ := strings.Cut(id, ":")
	n, err := strconv.Atoi(u)
	if err != nil {
		t.Fatalf("ID %q", id)
	}
	return n
}

// checkBodies: the messages read are msgs (UID i+1 for msgs[i]), in UID
// order, byte for byte.
func checkBodies(t *testing.T, got []srcMsg, msgs [][]byte) {
	t.Helper()
	if len(got) != len(msgs) {
		t.Fatalf("%d messages read, want %d", len(got), len(msgs))
	}
	for k, m := range got {
		if u := uidOf(t, m.id); u != k+1 {
			t.Fatalf("message %d has UID %d, want %d (UID order)", k, u, k+1)
		}
		if !bytes.Equal(m.body, msgs[k]) {
			t.Errorf("UID %d: body differs (%d octets, want %d)", k+1, len(m.body), len(msgs[k]))
		}
	}
}

// recordFetches starts a netproxy to target that records the UID sets of
// the body FETCHes passing through it.
func recordFetches(t *testing.T, target string) (addr string, fetches func() []string) {
	t.Helper()
	var mu sync.Mutex
	var sets []string
	p, err := netproxy.Start(target, netproxy.Options{Command: func(line []byte) netproxy.Action {
		if m := fetchLine.FindSubmatch(line); m != nil {
			mu.Lock()
			sets = append(sets, string(m[2]))
			mu.Unlock()
		}
		return netproxy.Action{}
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p.Addr, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), sets...)
	}
}

// fetchLine matches a UID FETCH of bodies: tag and UID set.
var fetchLine = regexp.MustCompile(`(?i)^(\S+) UID FETCH (\S+) \(.*BODY\.PEEK\[\]`)

// uidSet expands "1:3,7" into its UIDs.
func uidSet(t *testing.T, s string) []int {
	t.Helper()
	var out []int
	for _, part := range strings.Split(s, ",") {
		lo, hi, ok := strings.Cut(part, ":")
		a, err := strconv.Atoi(lo)
		if err != nil {
			t.Fatalf("UID set %q", s)
		}
		b := a
		if ok {
			if b, err = strconv.Atoi(hi); err != nil {
				t.Fatalf("UID set %q", s)
			}
		}
		for u := a; u <= b; u++ {
			out = append(out, u)
		}
	}
	return out
}

// gateProxy forwards IMAP connections to a server and holds back the
// tagged answer to each UID FETCH of bodies (and everything after it)
// until the client has sent something after that command, or until hold
// has passed. An answer released by the clock is a round trip the client
// waited out: it had nothing more to send before it saw the answer. A
// client that keeps the next FETCH in flight never waits here, except
// for the last one.
type gateProxy struct {
	addr string
	hold time.Duration

	mu      sync.Mutex
	sent    int            // client lines so far
	tagAt   map[string]int // body FETCH tag -> client lines when it was sent
	fetches []string       // the UID sets of the body FETCHes, in order
	waited  int            // answers released by the clock
}

func startGate(t *testing.T, target string, hold time.Duration) *gateProxy {
	t.Helper()
	g := &gateProxy{hold: hold, tagAt: map[string]int{}}
	g.addr = startRelay(t, target, func(c, s net.Conn, wg *sync.WaitGroup) {
		wg.Add(2)
		go func() { defer wg.Done(); defer s.Close(); g.fromClient(c, s) }()
		go func() { defer wg.Done(); defer c.Close(); g.fromServer(s, c) }()
	})
	return g
}

// startRelay listens on loopback and, for each connection accepted, dials
// target and hands both to serve, which starts its goroutines on wg; the
// test's cleanup closes the listener and waits for them. It returns the
// listening address.
func startRelay(t *testing.T, target string, serve func(c, s net.Conn, wg *sync.WaitGroup)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			serve(c, s, &wg)
		}
	}()
	return ln.Addr().String()
}

func (g *gateProxy) fromClient(c, s net.Conn) {
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 {
			g.mu.Lock()
			if m := fetchLine.FindSubmatch(line); m != nil {
				g.tagAt[string(m[1])] = g.sent
				g.fetches = append(g.fetches, string(m[2]))
			}
			g.sent++
			g.mu.Unlock()
			if _, err := s.Write(line); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

var literalEnd = regexp.MustCompile(`\{(\d+)\+?\}\r\n$`)

func (g *gateProxy) fromServer(s, c net.Conn) {
	r := bufio.NewReader(s)
	inResponse := false // the line continues a response after a literal
	for {
		line, err := r.ReadBytes('\n')
		if len(line) == 0 {
			return
		}
		if !inResponse {
			tag, _, _ := bytes.Cut(line, []byte(" "))
			g.mu.Lock()
			at, ok := g.tagAt[string(tag)]
			g.mu.Unlock()
			if ok {
				g.gate(at)
			}
		}
		if _, err := c.Write(line); err != nil {
			return
		}
		inResponse = false
		if m := literalEnd.FindSubmatch(line); m != nil {
			n, _ := strconv.ParseInt(string(m[1]), 10, 64)
			if _, err := io.CopyN(c, r, n); err != nil {
				return
			}
			inResponse = true
		}
		if err != nil {
			return
		}
	}
}

// gate waits until the client has sent a line after line number at.
func (g *gateProxy) gate(at int) {
	deadline := time.Now().Add(g.hold)
	for time.Now().Before(deadline) {
		g.mu.Lock()
		sent := g.sent
		g.mu.Unlock()
		if sent > at+1 {
			return
		}
		time.Sleep(time.Millisecond)
	}
	g.mu.Lock()
	g.waited++
	g.mu.Unlock()
}

func (g *gateProxy) counts() (fetches []string, waited int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.fetches...), g.waited
}

// TestFetchPipelined: the reader keeps the next UID FETCH in flight while
// it reads the answers to the current one. Through a proxy that holds
// back each FETCH's tagged answer until the client sends its next command
// (see gateProxy), 30 messages in batches of 4 take 8 body FETCHes and
// the client waits out one round trip (the last batch's); with
// fetch-ahead=0 (each FETCH waits for the last, as the reader did before)
// it waits out every one. The reader before pipelining sent 30 FETCHes
// and waited 30 times. The bodies are checked byte for byte against what
// was appended with go-imap's own client.
func TestFetchPipelined(t *testing.T) {
	srv := server(t, dovecotserver.Config{})
	var msgs [][]byte
	for i := 1; i <= 30; i++ {
		msgs = append(msgs, testMessage(i, 200+i*97))
	}
	appendAll(t, srv, "INBOX", msgs)

	for _, tc := range []struct {
		name         string
		batch, ahead string
		fetches      int
		waited       int
	}{
		{"pipelined", "4", "2", 8, 1},
		{"one-at-a-time", "10", "0", 3, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := startGate(t, srv.IMAPAddr, 2*time.Second)
			got := readStore(t, "imap", "//"+srv.User+"@"+g.addr,
				plainParams(imap.ParamFetchBatch, tc.batch, imap.ParamFetchAhead, tc.ahead))
			checkBodies(t, got["INBOX"], msgs)
			fetches, waited := g.counts()
			if len(fetches) != tc.fetches || waited != tc.waited {
				t.Errorf("%d body FETCHes %v, %d round trips waited out; want %d and %d", len(fetches), fetches, waited, tc.fetches, tc.waited)
			}
		})
	}
}

// TestFetchBigAndSmall: messages of 1 KB to 1.2 MB mixed, read with
// fetch-bytes=256K: no FETCH asks for more than 256K by RFC822.SIZE
// unless it asks for one message alone, every UID is asked for once, in
// order, and every body arrives whole.
func TestFetchBigAndSmall(t *testing.T) {
	srv := server(t, dovecotserver.Config{})
	sizes := []int{1000, 300 << 10, 2000, 3000, 1200 << 10, 500, 100 << 10, 100 << 10, 100 << 10, 700, 260 << 10, 800, 900}
	var msgs [][]byte
	for i, n := range sizes {
		msgs = append(msgs, testMessage(i+1, n))
	}
	appendAll(t, srv, "INBOX", msgs)
	addr, recorded := recordFetches(t, srv.IMAPAddr)
	const limit = 256 << 10
	got := readStore(t, "imap", "//"+srv.User+"@"+addr,
		plainParams(imap.ParamFetchBytes, strconv.Itoa(limit), imap.ParamFetchBatch, "5"))
	checkBodies(t, got["INBOX"], msgs)
	fetches := recorded()
	next := 1
	for _, f := range fetches {
		uids := uidSet(t, f)
		total := 0
		for _, u := range uids {
			if u != next {
				t.Fatalf("FETCHes %v: UID %d where %d was due", fetches, u, next)
			}
			next++
			total += len(msgs[u-1])
		}
		if len(uids) > 5 || (len(uids) > 1 && total > limit) {
			t.Errorf("UID FETCH %s: %d messages, %d octets", f, len(uids), total)
		}
	}
	if next != len(msgs)+1 {
		t.Errorf("FETCHes %v asked for %d messages, want %d", fetches, next-1, len(msgs))
	}
	// 1 | 2 (300K alone) | 3 4 | 5 (1.2M alone) | 6 7 8 | 9 10 | 11 (260K alone) | 12 13
	if len(fetches) != 8 {
		t.Errorf("%d FETCHes %v, want 8", len(fetches), fetches)
	}
}

// vanishingReader expunges UIDs with doveadm (another client) right after
// the mailbox is opened: between the listing and the FETCH of bodies.
type vanishingReader struct {
	mailconv.Reader
	srv  *dovecotserver.Server
	uids []int
	t    *testing.T
}

func (v *vanishingReader) Open(ctx context.Context, mb *mailconv.Mailbox) (mailconv.MailboxReader, error) {
	mr, err := v.Reader.Open(ctx, mb)
	if err == nil {
		for _, u := range v.uids {
			if _, err := v.srv.Doveadm(nil, "expunge", "mailbox", "INBOX", "uid", strconv.Itoa(u)); err != nil {
				v.t.Fatal(err)
			}
		}
	}
	return mr, err
}

// TestFetchVanished: messages expunged by another client after the
// mailbox was listed (UID 3, and 7 and 8 at the end of a batch of 4) are
// reported as imap.vanished skips naming their IDs; the other 9 are
// converted and the run succeeds. (The reader before pipelining failed
// the run: "the server sent no body".)
func TestFetchVanished(t *testing.T) {
	srv := server(t, dovecotserver.Config{})
	var msgs [][]byte
	for i := 1; i <= 12; i++ {
		msgs = append(msgs, testMessage(i, 500))
	}
	appendAll(t, srv, "INBOX", msgs)
	ctx := context.Background()
	rep := &migrate.Report{}
	r, err := imap.Open(ctx, plainAddr(srv, ""), false, &mailconv.Options{Params: plainParams(imap.ParamFetchBatch, "4"), Events: rep.Add})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	dst := filepath.Join(t.TempDir(), "dst")
	w, err := maildir.Create(ctx, dst, &mailconv.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	gone := map[int]bool{3: true, 7: true, 8: true}
	vr := &vanishingReader{Reader: r, srv: srv, uids: []int{3, 7, 8}, t: t}
	rep, err = migrate.Convert(ctx, vr, w, migrate.ConvertOptions{Report: rep})
	if err != nil {
		t.Fatalf("convert: %v\n%s", err, events(rep))
	}
	if rep.Totals.MessagesWritten != 9 || rep.Codes["imap.vanished"] != 3 {
		t.Fatalf("%d written, %d vanished; want 9 and 3:\n%s", rep.Totals.MessagesWritten, rep.Codes["imap.vanished"], events(rep))
	}
	for _, e := range rep.Skips {
		if e.Code != "imap.vanished" || !gone[uidOf(t, e.Message)] || e.Location == nil || !strings.HasSuffix(e.Location.File, ";UID="+strconv.Itoa(uidOf(t, e.Message))) {
			t.Errorf("skip %s", e.String())
		}
	}
	got := readStore(t, "maildir", dst, nil)
	var n int
	for _, l := range got {
		for _, m := range l {
			n++
			found := false
			for u, want := range msgs {
				if !gone[u+1] && bytes.Equal(toCRLF(m.body), want) {
					found = true
				}
			}
			if !found {
				t.Errorf("unexpected message in the maildir: %.60q", m.body)
			}
		}
	}
	if n != 9 {
		t.Errorf("%d messages in the maildir, want 9", n)
	}
}

// TestFetchSkipInFlight: PeekID and Skip over messages whose FETCH is
// already in flight (a resumed run whose journal holds every other
// message): the answers for the skipped ones are dropped, the others
// arrive whole and in order.
func TestFetchSkipInFlight(t *testing.T) {
	srv := server(t, dovecotserver.Config{})
	var msgs [][]byte
	for i := 1; i <= 20; i++ {
		msgs = append(msgs, testMessage(i, 300*i))
	}
	appendAll(t, srv, "INBOX", msgs)
	ctx := context.Background()
	r, err := imap.Open(ctx, plainAddr(srv, ""), false, &mailconv.Options{Params: plainParams(imap.ParamFetchBatch, "3")})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	mb := &mailconv.Mailbox{Path: mailconv.Path{"INBOX"}, Source: "INBOX"}
	mbr, err := r.Open(ctx, mb)
	if err != nil {
		t.Fatal(err)
	}
	mr := mbr.(*imap.MailboxReader)
	var read []int
	for {
		id, err := mr.PeekID()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		u := uidOf(t, id)
		if u%2 == 0 || u == 5 { // passed over, and 5 read only half
			if u != 5 {
				if err := mr.Skip(); err != nil {
					t.Fatal(err)
				}
				continue
			}
		}
		m, err := mr.Next()
		if err != nil {
			t.Fatal(err)
		}
		if m.ID != id {
			t.Fatalf("PeekID %s, Next %s", id, m.ID)
		}
		if u == 5 {
			io.CopyN(io.Discard, mr, 100)
			continue
		}
		b, err := io.ReadAll(mr)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, msgs[u-1]) {
			t.Errorf("UID %d: body differs", u)
		}
		read = append(read, u)
	}
	if err := mr.Close(); err != nil {
		t.Fatal(err)
	}
	want := []int{1, 3, 7, 9, 11, 13, 15, 17, 19}
	if fmt.Sprint(read) != fmt.Sprint(want) {
		t.Errorf("read %v, want %v", read, want)
	}
	// The connection still serves: the mailbox again, whole.
	mbr, err = r.Open(ctx, mb)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		if _, err := mbr.Next(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if err := mbr.Close(); err != nil || n != 20 {
		t.Errorf("second pass: %d messages, close %v", n, err)
	}
}

// TestFetchParked: a caller that stays away longer than the park time
// with FETCHes in flight (a destination backing off) finds the reader
// parked: the answers in flight were read and dropped (one
// imap.fetch-parked info), and the messages are asked for again, so
// every body still arrives whole and in order on the same connection.
func TestFetchParked(t *testing.T) {
	srv := server(t, dovecotserver.Config{})
	var msgs [][]byte
	for i := 1; i <= 12; i++ {
		msgs = append(msgs, testMessage(i, 2000))
	}
	appendAll(t, srv, "INBOX", msgs)
	addr, recorded := recordFetches(t, srv.IMAPAddr)
	parked := make(chan mailconv.Event, 4)
	ctx := context.Background()
	r, err := imap.Open(ctx, "imap://"+srv.User+"@"+addr, false, &mailconv.Options{
		Params: plainParams(imap.ParamFetchBatch, "3", imap.ParamFetchAhead, "2"),
		Events: func(e mailconv.Event) {
			if e.Code == "imap.fetch-parked" {
				select {
				case parked <- e:
				default:
				}
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	imap.SetFetchPark(r, 50*time.Millisecond)
	mr, err := r.Open(ctx, &mailconv.Mailbox{Path: mailconv.Path{"INBOX"}, Source: "INBOX"})
	if err != nil {
		t.Fatal(err)
	}
	var got []srcMsg
	for {
		m, err := mr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(mr)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, srcMsg{id: m.ID, body: b})
		if len(got) == 1 {
			select { // the caller is away until the reader parks
			case <-parked:
			case <-time.After(30 * time.Second):
				t.Fatal("the reader did not park")
			}
		}
	}
	if err := mr.Close(); err != nil {
		t.Fatal(err)
	}
	checkBodies(t, got, msgs)
	fetches := recorded()
	// 1:3 4:6 7:9 in flight when parked, then from UID 2 again.
	if len(fetches) < 4 || fetches[0] != "1:3" || !strings.HasPrefix(fetches[3], "2:") {
		t.Errorf("FETCHes %v: want 1:3 4:6 7:9, then 2:4 ...", fetches)
	}
}

// TestFetchParams: the fetch parameters are source-side parameters of
// both schemes, and bad values are refused by Open, naming the
// parameter, before any connection is made.
func TestFetchParams(t *testing.T) {
	for _, name := range []string{imap.FormatIMAP, imap.FormatIMAPS} {
		f, _ := mailconv.LookupFormat(name)
		for _, p := range []string{imap.ParamFetchBatch, imap.ParamFetchBytes, imap.ParamFetchAhead} {
			if err := mailconv.CheckParams(f, map[string]string{p: "8"}, false); err != nil {
				t.Errorf("%s reading: %v", name, err)
			}
			if err := mailconv.CheckParams(f, map[string]string{p: "8"}, true); err == nil {
				t.Errorf("%s writing takes %s", name, p)
			}
		}
	}
	t.Setenv(imap.PasswordEnv, "secret")
	for _, kv := range [][2]string{{imap.ParamFetchBatch, "0"}, {imap.ParamFetchBatch, "x"}, {imap.ParamFetchBatch, "100000"},
		{imap.ParamFetchBytes, "0"}, {imap.ParamFetchAhead, "17"}, {imap.ParamFetchAhead, "-1"}} {
		// Port 1 on loopback: accepted parameters would fail at dialing.
		_, err := imap.Open(context.Background(), "imap://u@127.0.0.1:1", false, &mailconv.Options{Params: plainParams(kv[0], kv[1])})
		if err == nil || !strings.Contains(err.Error(), kv[0]) {
			t.Errorf("%s=%s: %v", kv[0], kv[1], err)
		}
	}
}
