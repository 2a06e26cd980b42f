package imap_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	imapv2 "github.com/emersion/go-imap/v2"

	"github.com/mailconv/mailconv/imap"
	"github.com/mailconv/mailconv/internal/dovecotserver"
	"github.com/mailconv/mailconv/internal/netproxy"
)

// Pipelined APPENDs on the upload connection (imap/upload.go) against
// Dovecot, which announces LITERAL+ and MULTIAPPEND, through
// internal/netproxy scripting what the "server" does with each APPEND
// command. The upload connection's tags start with "U", go-imap's with
// "T", so the script tells batches (MULTIAPPEND) from the messages sent
// one at a time.

// appendLog records the first line of every APPEND command and applies a
// script to the upload connection's ones (1-based).
type appendLog struct {
	mu       sync.Mutex
	ours     []string // first lines of the upload connection's APPENDs
	theirs   int      // go-imap's APPENDs (one message each)
	searches int      // go-imap's UID SEARCH and UID FETCH commands
	script   map[int]netproxy.Action
}

func (l *appendLog) command(line []byte) netproxy.Action {
	s := string(line)
	if u := strings.ToUpper(s); strings.Contains(u, " UID SEARCH ") || strings.Contains(u, " UID FETCH ") {
		l.mu.Lock()
		l.searches++
		l.mu.Unlock()
	}
	if !strings.Contains(strings.ToUpper(s), " APPEND ") {
		return netproxy.Action{}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if !strings.HasPrefix(s, "U") {
		l.theirs++
		return netproxy.Action{}
	}
	l.ours = append(l.ours, s)
	return l.script[len(l.ours)]
}

// pipelineRun uploads n messages of about 9000 octets into mailbox box of
// a fresh Dovecot through a proxy applying script; it returns the log,
// the server and the report.
func pipelineRun(t *testing.T, box string, n int, script map[int]netproxy.Action, params ...string) (*appendLog, *dovecotserver.Server, string, error) {
	t.Helper()
	return pipelineRunOn(t, dovecotserver.Config{}, box, n, script, params...)
}

// pipelineRunOn is pipelineRun against a Dovecot configured with cfg.
func pipelineRunOn(t *testing.T, cfg dovecotserver.Config, box string, n int, script map[int]netproxy.Action, params ...string) (*appendLog, *dovecotserver.Server, string, error) {
	t.Helper()
	srv := server(t, cfg)
	log := &appendLog{script: script}
	p, err := netproxy.Start(srv.IMAPAddr, netproxy.Options{Command: log.command})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	src := writeMbox(t, t.TempDir(), box, box, n, 9000)
	params = append([]string{imap.ParamBackoffBase, "10ms", imap.ParamBackoffMax, "50ms"}, params...)
	rep, err := convert(t, "mbox", src, nil, "imap://"+srv.User+"@"+p.Addr, plainParams(params...))
	return log, srv, events(rep), err
}

// inOrder checks that box holds messages 0..n-1 of tag once each, in UID
// order (doveadm, independent of this package).
func inOrder(t *testing.T, srv *dovecotserver.Server, box string, n int) {
	t.Helper()
	out, err := srv.Doveadm(nil, "fetch", "hdr.message-id", "mailbox", box)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range strings.Split(string(out), "\n") {
		if id, ok := strings.CutPrefix(l, "hdr.message-id: "); ok {
			got = append(got, strings.TrimSpace(id))
		}
	}
	want := make([]string, n)
	for i := range want {
		want[i] = fmt.Sprintf("<%d.%s@example.org>", i, box)
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("%s holds (UID order)\n%v\nwant\n%v", box, got, want)
	}
}

var nonSyncRE = regexp.MustCompile(`\{\d+\+\}\r\n$`)

// TestPipelinedMultiAppend: once 8 messages wait (the upload connection
// is then worth its login), they go in MULTIAPPEND batches of at most 4,
// each literal non-synchronizing, and the mailbox holds every message
// once in the source's order. A smaller upload goes one at a time.
func TestPipelinedMultiAppend(t *testing.T) {
	const n = 60
	log, srv, ev, err := pipelineRun(t, "Multi", n, nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, ev)
	}
	inOrder(t, srv, "Multi", n)
	if log.theirs != 0 {
		t.Errorf("%d messages one at a time", log.theirs)
	}
	// 60 messages in batches of 4: 15 APPEND commands.
	if len(log.ours) != 15 {
		t.Errorf("%d APPEND commands on the upload connection, want 15 (MULTIAPPEND of up to 4)", len(log.ours))
	}
	for _, l := range log.ours {
		if !nonSyncRE.MatchString(l) {
			t.Errorf("APPEND without a non-synchronizing literal: %q", l)
		}
	}

	// multiappend=1: one message per APPEND, still pipelined.
	log, srv, ev, err = pipelineRun(t, "Single", 20, nil, imap.ParamMultiAppend, "1")
	if err != nil {
		t.Fatalf("%v\n%s", err, ev)
	}
	inOrder(t, srv, "Single", 20)
	if log.theirs != 0 || len(log.ours) != 20 {
		t.Errorf("multiappend=1: %d + %d APPENDs, want 0 + 20", log.theirs, len(log.ours))
	}

	// Fewer than 8 messages: not worth a second login, one at a time.
	log, srv, ev, err = pipelineRun(t, "Few", 7, nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, ev)
	}
	inOrder(t, srv, "Few", 7)
	if log.theirs != 7 || len(log.ours) != 0 {
		t.Errorf("7 messages: %d + %d APPENDs, want 7 + 0", log.theirs, len(log.ours))
	}
}

// TestMultiAppendRefused: a batch refused as a whole (all or nothing)
// falls back to one APPEND per message, so that the refusal handling
// applies to each; batches the server took after it are removed and sent
// again in order. A server refusing batches twice gets no more of them.
func TestMultiAppendRefused(t *testing.T) {
	const n = 60
	log, srv, ev, err := pipelineRun(t, "Refused", n, map[int]netproxy.Action{1: {Reply: "NO [CANNOT] Too many messages in one command"}})
	if err != nil {
		t.Fatalf("%v\n%s", err, ev)
	}
	inOrder(t, srv, "Refused", n)
	if log.theirs < 4 {
		t.Errorf("%d messages one at a time: the refused batch's 4 were not sent one by one", log.theirs)
	}
	if strings.Contains(ev, "imap.multiappend-off") {
		t.Errorf("batches turned off after one refusal:\n%s", ev)
	}

	every := map[int]netproxy.Action{}
	for i := 1; i <= 50; i++ {
		every[i] = netproxy.Action{Reply: "NO [CANNOT] MULTIAPPEND not allowed"}
	}
	log, srv, ev, err = pipelineRun(t, "Never", 70, every, imap.ParamPipeline, "32")
	if err != nil {
		t.Fatalf("%v\n%s", err, ev)
	}
	inOrder(t, srv, "Never", 70)
	if !strings.Contains(ev, "imap.multiappend-off") {
		t.Errorf("no imap.multiappend-off after every batch was refused:\n%s", ev)
	}
	if len(log.ours) < 3 {
		t.Fatalf("%d APPENDs on the upload connection", len(log.ours))
	}
	for _, l := range log.ours[2:] {
		// After two refused batches: one message per APPEND (refused by
		// the script too, and then sent by go-imap).
		if strings.Count(l, "{") != 1 {
			t.Errorf("a batch after imap.multiappend-off: %q", l)
		}
	}
}

// TestPipelinedLiteralMinus: a server announcing LITERAL- and no
// MULTIAPPEND, as Gmail does (gmailCaps): messages of at most 4096
// octets go with non-synchronizing literals, larger ones wait for the
// server's "+" (RFC 7888), each in an APPEND of its own; the mailbox
// holds every message once, in order.
func TestPipelinedLiteralMinus(t *testing.T) {
	const n = 24
	log, srv, ev, err := pipelineRunOn(t, dovecotserver.Config{Extra: gmailCaps}, "Minus", n, nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, ev)
	}
	inOrder(t, srv, "Minus", n)
	if log.theirs != 0 || len(log.ours) != n {
		t.Fatalf("%d + %d APPENDs, want 0 + %d on the upload connection (no MULTIAPPEND)", log.theirs, len(log.ours), n)
	}
	syncRE := regexp.MustCompile(`\{(\d+)\}\r\n$`)
	for _, l := range log.ours {
		// writeMbox's messages are about 9000 octets: over LITERAL-'s 4096.
		if !syncRE.MatchString(l) {
			t.Errorf("a literal over 4096 octets not synchronizing under LITERAL-: %q", l)
		}
	}
}

// TestCheckReportsDrops: the read-back check (check=yes, the default)
// reports what the server did not keep, pipelined (EXAMINE and UID FETCH
// sent together) inside the mailbox (every 256 messages: a window of 64
// has their answers in by then) and at its end:
// a proxy drops \Flagged from every APPEND the server is sent, and each
// flagged message is reported as imap.flags-not-kept, once.
func TestCheckReportsDrops(t *testing.T) {
	const n = 400 // messages i%4 == 1 are flagged: 100
	srv := server(t, dovecotserver.Config{})
	p, err := netproxy.Start(srv.IMAPAddr, netproxy.Options{Command: func(line []byte) netproxy.Action {
		s := string(line)
		if !strings.Contains(strings.ToUpper(s), " APPEND ") || !strings.Contains(s, `\Flagged`) {
			return netproxy.Action{}
		}
		s = strings.NewReplacer(`\Flagged `, "", ` \Flagged`, "", `\Flagged`, "").Replace(s)
		return netproxy.Action{Rewrite: []byte(s)}
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	src := writeMbox(t, t.TempDir(), "Dropped", "Dropped", n, 2000)
	rep, err := convert(t, "mbox", src, nil, "imap://"+srv.User+"@"+p.Addr, plainParams(imap.ParamMultiAppend, "1", imap.ParamPipeline, "64"))
	if err != nil {
		t.Fatalf("%v\n%s", err, events(rep))
	}
	inOrder(t, srv, "Dropped", n)
	seen := map[string]bool{}
	for _, e := range rep.Losses {
		if e.Code != "imap.flags-not-kept" {
			continue
		}
		if seen[e.Message] || !strings.Contains(e.Detail, `\Flagged`) {
			t.Errorf("loss reported twice or not about \\Flagged: %+v", e)
		}
		seen[e.Message] = true
	}
	if len(seen) != n/4 {
		t.Errorf("%d messages reported as imap.flags-not-kept, want the %d flagged ones:\n%s", len(seen), n/4, events(rep))
	}
}

// TestLostAppendIdenticalCopy: a source holding the same message twice
// in a row (a POP client that fetched it twice), the connection cut when
// the second copy's APPEND is sent and before the server sees it. The
// writer looks for the lost message above the last one appended in order;
// "UID n:*" names the last message too when none is above n, and the
// first copy there must not be taken for the second (which would be lost).
// One at a time (go-imap's connection: the first copy's answer has come,
// so the search starts right after it) and pipelined (the upload
// connection: the lost window, both copies' answers among it, looked for
// at once and matched in order).
func TestLostAppendIdenticalCopy(t *testing.T) {
	for _, c := range []struct {
		name, prefix string
		params       []string
	}{
		{"one-at-a-time", "T", []string{imap.ParamPipeline, "1"}},
		{"pipelined", "U", []string{imap.ParamMultiAppend, "1"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := server(t, dovecotserver.Config{})
			var mu sync.Mutex
			appends := 0
			p, err := netproxy.Start(srv.IMAPAddr, netproxy.Options{Command: func(line []byte) netproxy.Action {
				if !strings.HasPrefix(string(line), c.prefix) || !strings.Contains(strings.ToUpper(string(line)), " APPEND ") {
					return netproxy.Action{}
				}
				mu.Lock()
				defer mu.Unlock()
				appends++
				if appends == 10 { // the second copy: messages 8 and 9 are one
					return netproxy.Action{Drop: true}
				}
				return netproxy.Action{}
			}})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { p.Close() })
			var b strings.Builder
			for i := 0; i < 12; i++ {
				id := i
				if i == 9 {
					id = 8
				}
				fmt.Fprintf(&b, "From a@example.org Mon Mar  4 10:00:%02d 2002\nMessage-ID: <%d.Twice@example.org>\nSubject: %d\n\nbody %d\n\n", id, id, id, id)
			}
			src := filepath.Join(t.TempDir(), "Twice")
			if err := os.WriteFile(src, []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			params := append([]string{imap.ParamBackoffBase, "10ms", imap.ParamBackoffMax, "50ms"}, c.params...)
			rep, err := convert(t, "mbox", src, nil, "imap://"+srv.User+"@"+p.Addr, plainParams(params...))
			if err != nil {
				t.Fatalf("%v\n%s", err, events(rep))
			}
			out, err := srv.Doveadm(nil, "fetch", "hdr.message-id", "mailbox", "Twice")
			if err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(string(out), "<8.Twice@example.org>"); n != 2 {
				t.Errorf("%d copies of the message the source holds twice, want 2:\n%s\n%s", n, out, events(rep))
			}
			if n := strings.Count(string(out), "hdr.message-id:"); n != 12 {
				t.Errorf("%d messages, want 12:\n%s", n, out)
			}
		})
	}
}

// TestPipelinedThrottled: a batch refused with NO [LIMIT] in the middle
// of the window halves the window (the batches the server took after it
// are removed and sent again, so a full window would be sent twice at
// each refusal); the mailbox still holds every message once, in order.
func TestPipelinedThrottled(t *testing.T) {
	const n = 80
	log, srv, ev, err := pipelineRun(t, "Slow", n, map[int]netproxy.Action{
		2: {Reply: "NO [LIMIT] Too many APPENDs, slow down"},
		9: {Reply: "NO [LIMIT] Too many APPENDs, slow down"},
	}, imap.ParamPipeline, "16")
	if err != nil {
		t.Fatalf("%v\n%s", err, ev)
	}
	inOrder(t, srv, "Slow", n)
	if c := strings.Count(ev, "imap.window"); c != 2 {
		t.Errorf("%d window changes reported, want 2 (one per refusal):\n%s", c, ev)
	}
	// 16 halved is 8; it grows by one per accepted message, and the
	// messages of the batches answered between the two refusals are
	// accepted, so the second refusal halves more than 8 (not down to 4).
	if !strings.Contains(ev, "at most 8 message(s) in flight") {
		t.Errorf("the first refusal did not halve the window of 16:\n%s", ev)
	}
	if strings.Contains(ev, "at most 4 message(s) in flight") {
		t.Errorf("the window did not grow back between the refusals:\n%s", ev)
	}
	if !strings.Contains(ev, "LIMIT") || log.theirs < 4 {
		t.Errorf("the refused batches (%d messages one at a time) were not sent again after the back-off:\n%s", log.theirs, ev)
	}
}

// TestPipelinedByeAndDrop: a BYE with a back-off hint in place of a
// batch closes the upload connection: the writer waits the hint,
// reconnects, finds none of the lost messages on the server and sends
// them again. A connection cut after the server took a batch but before
// its answer came: the messages are found (UID SEARCH) and kept, not
// sent twice.
func TestPipelinedByeAndDrop(t *testing.T) {
	const n = 60
	_, srv, ev, err := pipelineRun(t, "Bye", n, map[int]netproxy.Action{
		2: {Bye: "[UNAVAILABLE] Request is throttled. Suggested Backoff Time: 40 milliseconds"},
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, ev)
	}
	inOrder(t, srv, "Bye", n)
	if !strings.Contains(ev, "imap.reconnected") || !strings.Contains(ev, "waiting 40ms (the server's hint") {
		t.Errorf("want a reconnection after the hinted back-off:\n%s", ev)
	}

	log, srv, ev, err := pipelineRun(t, "Cut", n, map[int]netproxy.Action{1: {DropAfter: true}}, imap.ParamCheck, "no")
	if err != nil {
		t.Fatalf("%v\n%s", err, ev)
	}
	inOrder(t, srv, "Cut", n)
	if c := strings.Count(ev, "imap.append-interrupted"); c != 4 {
		t.Errorf("%d messages found committed after the cut, want the batch's 4:\n%s", c, ev)
	}
	// The whole lost window is looked for at once: a listing of the
	// messages above the last one in order, and their bodies (a search
	// per message cost four round trips each).
	if log.searches != 2 {
		t.Errorf("%d UID SEARCH/FETCH commands to find the lost messages, want 2", log.searches)
	}
	if !strings.Contains(ev, "the connection broke with APPENDs in flight: at most") {
		t.Errorf("the window was not halved after the cut:\n%s", ev)
	}
}

// TestUploadLiteralPlusFakeServer: go-imap's server announcing LITERAL+
// behind a relay that swallows every continuation request ("+ ...") on
// the upload connection: an APPEND that waited for one would hang (the
// timeout fails it); the upload completes, and none was sent.
func TestUploadLiteralPlusFakeServer(t *testing.T) {
	addr, appended, _ := fakeServerCaps(t, strictSession{}, imapv2.CapLiteralPlus)
	host := strings.TrimPrefix(addr, "imap://tester@")
	r := newPlusRelay(t, host)
	src := writeMbox(t, t.TempDir(), "Fake", "fake", 30, 9000)
	rep, err := convert(t, "mbox", src, nil, "imap://tester@"+r.addr, plainParams(imap.ParamTimeout, "5s", imap.ParamProbe, "no"))
	if err != nil {
		t.Fatalf("%v\n%s", err, events(rep))
	}
	if len(*appended) != 30 {
		t.Errorf("%d messages appended, want 30", len(*appended))
	}
	for i, b := range *appended {
		if want := fmt.Sprintf("<%d.fake@example.org>", i); !strings.Contains(string(b), want) {
			t.Errorf("message %d is not %s", i, want)
		}
	}
	if r.conns.Load() < 2 {
		t.Errorf("%d connections: the upload connection was not used", r.conns.Load())
	}
	if c := r.swallowed.Load(); c != 0 {
		t.Errorf("the server sent %d continuation requests on the upload connection", c)
	}
}

// plusRelay forwards connections to a server and drops the continuation
// requests it sends on every connection but the first (go-imap's).
type plusRelay struct {
	addr      string
	conns     atomic.Int32
	swallowed atomic.Int32
}

func newPlusRelay(t *testing.T, target string) *plusRelay {
	r := &plusRelay{}
	r.addr = startRelay(t, target, func(c, s net.Conn, wg *sync.WaitGroup) {
		first := r.conns.Add(1) == 1
		wg.Add(2)
		go func() { defer wg.Done(); io.Copy(s, c); s.Close() }()
		go func() {
			defer wg.Done()
			defer c.Close()
			br := bufio.NewReader(s)
			for {
				line, err := br.ReadBytes('\n')
				if len(line) > 0 && line[0] == '+' && !first {
					r.swallowed.Add(1)
					continue
				}
				if len(line) > 0 {
					if _, werr := c.Write(line); werr != nil {
						return
					}
				}
				if err != nil {
					return
				}
			}
		}()
	})
	return r
}
