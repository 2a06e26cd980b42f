package imap

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	imapv2 "github.com/emersion/go-imap/v2"
)

// The upload connection's writer and parser on their own, against a
// scripted server at the other end of a pipe: what goes on the wire, byte
// for byte, and what is read back.

func TestParseResponse(t *testing.T) {
	for _, c := range []struct {
		line string
		want wireResp
	}{
		{"+ ", wireResp{kind: '+'}},
		{"+", wireResp{kind: '+'}},
		{"+ Ready for literal data", wireResp{kind: '+', text: "Ready for literal data"}},
		{"U7 OK [APPENDUID 1700000000 5:9] Append completed.", wireResp{kind: 't', tag: "U7", typ: "OK", code: "APPENDUID", args: "1700000000 5:9", text: "Append completed."}},
		{"a1 no [limit] Too many commands", wireResp{kind: 't', tag: "a1", typ: "NO", code: "LIMIT", text: "Too many commands"}},
		{"U2 NO [OVERQUOTA] Quota exceeded (mailbox for user is full)", wireResp{kind: 't', tag: "U2", typ: "NO", code: "OVERQUOTA", text: "Quota exceeded (mailbox for user is full)"}},
		{"U3 NO [TRYCREATE] Mailbox doesn't exist: X", wireResp{kind: 't', tag: "U3", typ: "NO", code: "TRYCREATE", text: "Mailbox doesn't exist: X"}},
		{"U4 BAD Error in IMAP command APPEND: Invalid arguments.", wireResp{kind: 't', tag: "U4", typ: "BAD", text: "Error in IMAP command APPEND: Invalid arguments."}},
		{"* BYE [UNAVAILABLE] Request is throttled. Suggested Backoff Time: 26906 milliseconds", wireResp{kind: '*', typ: "BYE", code: "UNAVAILABLE", text: "Request is throttled. Suggested Backoff Time: 26906 milliseconds"}},
		{"* OK [CAPABILITY IMAP4rev1 LITERAL+ AUTH=PLAIN] Dovecot ready.", wireResp{kind: '*', typ: "OK", code: "CAPABILITY", args: "IMAP4rev1 LITERAL+ AUTH=PLAIN", text: "Dovecot ready."}},
		{"* PREAUTH hi", wireResp{kind: '*', typ: "PREAUTH", text: "hi"}},
		{"* 3 EXISTS", wireResp{kind: '*', data: "3 EXISTS"}},
		{"* CAPABILITY IMAP4rev1 MULTIAPPEND", wireResp{kind: '*', data: "CAPABILITY IMAP4rev1 MULTIAPPEND"}},
		{"U9 OK", wireResp{kind: 't', tag: "U9", typ: "OK"}},
	} {
		got, err := parseResponse(c.line)
		if err != nil {
			t.Errorf("%q: %v", c.line, err)
			continue
		}
		if *got != c.want {
			t.Errorf("%q:\n got %+v\nwant %+v", c.line, *got, c.want)
		}
	}
	for _, bad := range []string{"", "U1", "U1 ", "U1 MAYBE", "+x", "U1 BYE gone", "U1 PREAUTH", "U1 OK [APPENDUID 1 2", "U1 OK [] x", "a(b OK x", "a+ OK x", "* "} {
		if r, err := parseResponse(bad); err == nil || !errors.Is(err, ErrConnection) {
			t.Errorf("%q: want a malformed-response error, got %+v, %v", bad, r, err)
		}
	}
}

func TestParseAppendUID(t *testing.T) {
	for _, c := range []struct {
		args string
		n    int
		uv   uint32
		uids []imapv2.UID
	}{
		{"38505 3955", 1, 38505, []imapv2.UID{3955}},
		{"38505 3955:3957", 3, 38505, []imapv2.UID{3955, 3956, 3957}},
		{"1 7,9:10", 3, 1, []imapv2.UID{7, 9, 10}},
		{"1 10:9,7", 3, 1, []imapv2.UID{7, 9, 10}},
	} {
		uv, uids, ok := parseAppendUID(c.args, c.n)
		if !ok || uv != c.uv || fmt.Sprint(uids) != fmt.Sprint(c.uids) {
			t.Errorf("%q (%d): %d %v %v", c.args, c.n, uv, uids, ok)
		}
	}
	for _, c := range []struct {
		args string
		n    int
	}{
		{"38505 3955:3957", 2}, {"38505 3955", 2}, {"0 5", 1}, {"1 0", 1}, {"1", 1}, {"1 x", 1}, {"1 5,5", 2},
		{"1 1:4294967295", 16}, // a huge range is not expanded beyond the batch
		{"99999999999 5", 1}, {"1 5:", 1},
	} {
		if _, uids, ok := parseAppendUID(c.args, c.n); ok {
			t.Errorf("%q (%d): accepted as %v", c.args, c.n, uids)
		}
	}
}

// scripted is the server end of a pipe to an upConn.
type scripted struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

func newScripted(t *testing.T, caps string) (*upConn, *scripted) {
	t.Helper()
	// A loopback TCP pair: the kernel buffers both ways, as on a network.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	u := newUpConn(client, 5*time.Second)
	u.setCaps(caps)
	return u, &scripted{t: t, c: server, br: bufio.NewReader(server)}
}

// expect reads exactly len(want) octets and compares them.
func (s *scripted) expect(want string) {
	s.t.Helper()
	s.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	got := make([]byte, len(want))
	if _, err := io.ReadFull(s.br, got); err != nil {
		s.t.Fatalf("server: reading %q: %v (got %q)", want, err, got)
	}
	if string(got) != want {
		s.t.Fatalf("server got\n%q\nwant\n%q", got, want)
	}
}

func (s *scripted) send(line string) {
	s.t.Helper()
	if _, err := io.WriteString(s.c, line+"\r\n"); err != nil {
		s.t.Fatalf("server: %v", err)
	}
}

// TestUploadLiteralPlus: with LITERAL+ every literal, however large, is
// announced {N+} and its octets follow at once; the server here never
// sends a continuation request, and reading what was written before
// answering would deadlock a client that waited for one. A MULTIAPPEND
// is one command with one literal per message and one answer whose
// APPENDUID set names every message in order.
func TestUploadLiteralPlus(t *testing.T) {
	u, s := newScripted(t, "IMAP4rev1 LITERAL+ MULTIAPPEND UIDPLUS")
	big := strings.Repeat("x", 70000) + "\r\n"
	date := time.Date(2003, 7, 4, 9, 5, 1, 0, time.FixedZone("", 2*3600))
	type res struct {
		tag string
		err error
	}
	done := make(chan res, 1)
	go func() {
		tag, refused, err := u.appendMsgs("Sent/Ünïcode", []appendItem{
			{flags: []imapv2.Flag{imapv2.FlagSeen, "$label1"}, date: date, data: []byte(big)},
			{data: []byte("Subject: 2\r\n\r\nb\r\n")},
		})
		if err == nil && refused != nil {
			err = refused.imapErr()
		}
		done <- res{tag, err}
	}()
	// The whole command reaches the server without a wait for its
	// answer (nothing is held back in the client's buffer).
	s.expect(`U1 APPEND "Sent/&ANw-n&AO8-code" (\Seen $label1) " 4-Jul-2003 09:05:01 +0200" {70002+}` + "\r\n" + big +
		" () {17+}\r\nSubject: 2\r\n\r\nb\r\n\r\n")
	r := <-done
	if r.err != nil || r.tag != "U1" {
		t.Fatalf("append: %q %v", r.tag, r.err)
	}
	go s.send("* 2 EXISTS\r\nU1 OK [APPENDUID 77 41:42] Append completed.")
	a, err := u.wait("U1")
	if err != nil {
		t.Fatal(err)
	}
	uv, uids, ok := parseAppendUID(a.args, 2)
	if a.code != "APPENDUID" || !ok || uv != 77 || uids[0] != 41 || uids[1] != 42 {
		t.Errorf("answer %+v", a)
	}
}

// TestUploadLiteralMinus: LITERAL- allows non-synchronizing literals up
// to 4096 octets; a larger one waits for the server's "+", and a server
// refusing it instead ends the command there.
func TestUploadLiteralMinus(t *testing.T) {
	u, s := newScripted(t, "IMAP4rev1 LITERAL- UIDPLUS")
	small := strings.Repeat("s", 4096)
	large := strings.Repeat("l", 4097)
	errc := make(chan error, 1)
	go func() {
		_, refused, err := u.appendMsgs("INBOX", []appendItem{{data: []byte(small)}})
		if err == nil {
			_, refused, err = u.appendMsgs("INBOX", []appendItem{{data: []byte(large)}})
		}
		if err == nil && refused != nil {
			err = refused.imapErr()
		}
		if err == nil {
			err = u.bw.Flush()
		}
		errc <- err
	}()
	s.expect(`U1 APPEND "INBOX" () {4096+}` + "\r\n" + small + "\r\n" + `U2 APPEND "INBOX" () {4097}` + "\r\n")
	s.send("U1 OK [APPENDUID 1 1] done")
	s.send("+ go ahead")
	s.expect(large + "\r\n")
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	s.send("U2 OK [APPENDUID 1 2] done")
	for tag, uid := range map[string]string{"U1": "1 1", "U2": "1 2"} {
		if r, err := u.wait(tag); err != nil || r.args != uid {
			t.Errorf("%s: %+v %v", tag, r, err)
		}
	}

	// Refused before the literal: the octets are not sent.
	go func() {
		_, refused, err := u.appendMsgs("Gone", []appendItem{{data: []byte(large)}})
		if err == nil && refused == nil {
			err = errors.New("no refusal")
		} else if err == nil && refused.code != "TRYCREATE" {
			err = fmt.Errorf("refusal %+v", refused)
		}
		errc <- err
	}()
	s.expect(`U3 APPEND "Gone" () {4097}` + "\r\n")
	s.send("U3 NO [TRYCREATE] Mailbox doesn't exist: Gone")
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

// TestUploadBye: a BYE in the middle of a batch of answers: the answers
// read before it are kept, the rest fail with a connection error, and the
// BYE's text (with its back-off hint) is kept for the reconnection.
func TestUploadBye(t *testing.T) {
	u, s := newScripted(t, "IMAP4rev1 LITERAL+ UIDPLUS")
	wrote := make(chan struct{})
	go func() {
		defer close(wrote)
		for range 3 {
			u.appendMsgs("INBOX", []appendItem{{data: []byte("x\r\n")}})
		}
		u.bw.Flush()
	}()
	s.expect(`U1 APPEND "INBOX" () {3+}` + "\r\nx\r\n\r\n" + `U2 APPEND "INBOX" () {3+}` + "\r\nx\r\n\r\n" + `U3 APPEND "INBOX" () {3+}` + "\r\nx\r\n\r\n")
	<-wrote
	go func() {
		s.send("U1 OK [APPENDUID 5 10] ok")
		s.send("* BYE [UNAVAILABLE] Request is throttled. Suggested Backoff Time: 1500 milliseconds")
		s.c.Close()
	}()
	if r, err := u.wait("U1"); err != nil || r.typ != "OK" {
		t.Fatalf("U1: %+v %v", r, err)
	}
	_, err := u.wait("U2")
	if err == nil || !strings.Contains(err.Error(), "Suggested Backoff Time") {
		t.Fatalf("U2 after BYE: %v", err)
	}
	if _, err3 := u.wait("U3"); err3 == nil {
		t.Fatal("U3 answered on a closed connection")
	}
	if d := backoffHint(u.bye); d != 1500*time.Millisecond {
		t.Errorf("BYE %q: hint %v", u.bye, d)
	}
	w := &Writer{connState: connState{up: u}}
	if d, text := w.dropHint(); d != 1500*time.Millisecond || !strings.HasPrefix(text, "BYE [UNAVAILABLE]") {
		t.Errorf("dropHint %v %q", d, text)
	}
}

// TestUploadResponseBound: a response line longer than maxRespLine (or
// announcing a larger literal) fails the connection instead of growing
// a buffer.
func TestUploadResponseBound(t *testing.T) {
	for _, line := range []string{
		"* OK " + strings.Repeat("a", maxRespLine),
		"* 1 FETCH (BODY[] {999999999999}",
	} {
		u, s := newScripted(t, "IMAP4rev1")
		go func() {
			s.c.Write([]byte(line + "\r\n"))
		}()
		_, err := u.readResp()
		if !errors.Is(err, ErrConnection) || !strings.Contains(err.Error(), "longer than") {
			t.Errorf("%.40q...: %v", line, err)
		}
	}
	// A literal within the bound is read through.
	u, s := newScripted(t, "IMAP4rev1")
	go s.send("* 1 FETCH (BODY[HEADER] {10}\r\nA: b\r\nc: d) \r\nU1 OK done")
	if r, err := u.wait("U1"); err != nil || r.text != "done" {
		t.Fatalf("%+v %v", r, err)
	}
}
