package pop3_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/internal/dovecotserver"
	"github.com/mailconv/mailconv/pop3"
)

// seed stores n messages in the server's INBOX with doveadm; message i
// has a body line starting with a dot (to exercise the byte-stuffing) and
// a Received: date of 2003-02-i.
func seed(t *testing.T, s *dovecotserver.Server, n int) [][]byte {
	t.Helper()
	var msgs [][]byte
	for i := 1; i <= n; i++ {
		m := []byte(fmt.Sprintf("Received: from relay by mx; Mon, %d Feb 2003 10:00:00 +0100\r\n"+
			"Date: Sat, 1 Feb 2003 09:00:00 +0000\r\nMessage-ID: <pop%d@example.org>\r\nSubject: message %d\r\n\r\n"+
			"line one\r\n.a line with a leading dot\r\n..two dots\r\n.\r\nend %d\r\n", i, i, i, i))
		if err := s.Save("INBOX", m); err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, m)
	}
	return msgs
}

func open(t *testing.T, s *dovecotserver.Server, params map[string]string) *pop3.Reader {
	t.Helper()
	t.Setenv(pop3.PasswordEnv, s.Password)
	if params == nil {
		params = map[string]string{pop3.ParamAllowPlaintext: "true"}
	}
	r, err := pop3.Open(context.Background(), "pop3://"+s.User+"@"+s.POP3Addr, false, &mailconv.Options{Params: params})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

type got struct {
	id   string
	date time.Time
	src  mailconv.DateSource
	body []byte
}

func readAll(t *testing.T, r mailconv.Reader) []got {
	t.Helper()
	ctx := context.Background()
	mbs, err := r.Mailboxes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(mbs) != 1 || !mbs[0].Path.IsInbox() {
		t.Fatalf("mailboxes %v", mbs)
	}
	mr, err := r.Open(ctx, mbs[0])
	if err != nil {
		t.Fatal(err)
	}
	defer mr.Close()
	var out []got
	for {
		m, err := mr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(mr)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, got{m.ID, m.Date, m.DateSource, b})
	}
}

// TestReadDovecot reads a maildrop from a real Dovecot: bytes equal to
// what was stored (dots unstuffed), UIDLs as IDs, stable across sessions,
// dates from Received:, and nothing deleted.
func TestReadDovecot(t *testing.T) {
	s := dovecotserver.Start(t, dovecotserver.Config{})
	want := seed(t, s, 3)
	r := open(t, s, nil)
	msgs := readAll(t, r)
	if len(msgs) != 3 {
		t.Fatalf("%d messages", len(msgs))
	}
	for i, m := range msgs {
		if !bytes.Equal(m.body, want[i]) {
			t.Errorf("message %d:\n got %q\nwant %q", i, m.body, want[i])
		}
		wd := time.Date(2003, 2, i+1, 9, 0, 0, 0, time.UTC)
		if !m.date.Equal(wd) || m.src != mailconv.DateReceived {
			t.Errorf("message %d: date %v (%v), want %v from Received", i, m.date, m.src, wd)
		}
	}
	r.Close()
	again := readAll(t, open(t, s, nil))
	for i := range again {
		if again[i].id != msgs[i].id || msgs[i].id == "" {
			t.Errorf("UIDL of message %d changed between sessions: %q then %q", i, msgs[i].id, again[i].id)
		}
	}
	// Still all there: reading deletes nothing.
	out, err := s.Doveadm(nil, "search", "mailbox", "INBOX", "all")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(strings.Fields(string(out))) / 2; n != 3 {
		t.Errorf("%d messages left on the server after reading, want 3", n)
	}
}

// TestDeleteVerified deletes only the given UIDLs, and only with
// delete-after-verify.
func TestDeleteVerified(t *testing.T) {
	s := dovecotserver.Start(t, dovecotserver.Config{})
	seed(t, s, 4)
	r := open(t, s, nil)
	msgs := readAll(t, r)
	if _, err := r.DeleteVerified(context.Background(), []string{msgs[0].id}); err == nil {
		t.Fatal("DeleteVerified without delete-after-verify succeeded")
	}
	r2 := open(t, s, map[string]string{pop3.ParamAllowPlaintext: "yes", pop3.ParamDeleteAfterVerify: "yes"})
	n, err := r2.DeleteVerified(context.Background(), []string{msgs[1].id, msgs[3].id, "no-such-uidl"})
	if err != nil || n != 2 {
		t.Fatalf("DeleteVerified: %d, %v", n, err)
	}
	left := readAll(t, open(t, s, nil))
	if len(left) != 2 || left[0].id != msgs[0].id || left[1].id != msgs[2].id {
		t.Errorf("left on the server: %v", left)
	}
}

// TestFailures: wrong password, TLS required, untrusted certificate.
func TestFailures(t *testing.T) {
	s := dovecotserver.Start(t, dovecotserver.Config{TLS: true})
	ctx := context.Background()
	t.Setenv(pop3.PasswordEnv, "wrong")
	_, err := pop3.Open(ctx, "pop3s://"+s.User+"@"+s.POP3SAddr, true, &mailconv.Options{Params: map[string]string{pop3.ParamCAFile: s.CAFile}})
	if !errors.Is(err, pop3.ErrAuth) {
		t.Errorf("wrong password: %v", err)
	}
	t.Setenv(pop3.PasswordEnv, s.Password)
	_, err = pop3.Open(ctx, "pop3s://"+s.User+"@"+s.POP3SAddr, true, nil)
	if !errors.Is(err, pop3.ErrTLS) {
		t.Errorf("untrusted certificate: %v", err)
	}
	r, err := pop3.Open(ctx, "pop3://"+s.User+"@"+s.POP3Addr, false, &mailconv.Options{Params: map[string]string{pop3.ParamCAFile: s.CAFile}})
	if err != nil {
		t.Errorf("STLS with trusted CA: %v", err)
	} else {
		r.Close()
	}
	_, err = pop3.Open(ctx, "pop3://"+s.User+":pw@"+s.POP3Addr, false, nil)
	if !errors.Is(err, pop3.ErrPassword) {
		t.Errorf("password in URL: %v", err)
	}
	plain := dovecotserver.Start(t, dovecotserver.Config{})
	_, err = pop3.Open(ctx, "pop3://"+plain.User+"@"+plain.POP3Addr, false, nil)
	if !errors.Is(err, pop3.ErrTLS) {
		t.Errorf("no STLS without allow-plaintext: %v", err)
	}
}

// TestDotReader checks the unstuffing on edge cases, with tiny reads.
func TestDotReader(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{".\r\n", ""},
		{"a\r\n.\r\n", "a\r\n"},
		{"..\r\n.\r\n", ".\r\n"},
		{".x\r\n..y\r\n.\r\nafter", "x\r\n.y\r\n"},
		{"a.\r\n. \r\n.\r\n", "a.\r\n \r\n"},
		{"lf\n.\n", "lf\n"},
	} {
		d := pop3.NewDotReader(bufio.NewReaderSize(strings.NewReader(c.in), 16))
		var out bytes.Buffer
		buf := make([]byte, 1)
		for {
			n, err := d.Read(buf)
			out.Write(buf[:n])
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%q: %v", c.in, err)
			}
		}
		if out.String() != c.want {
			t.Errorf("%q: got %q, want %q", c.in, out.String(), c.want)
		}
	}
	d := pop3.NewDotReader(bufio.NewReader(strings.NewReader("no end\r\n")))
	if _, err := io.ReadAll(d); !errors.Is(err, pop3.ErrConnection) {
		t.Errorf("missing terminator: %v", err)
	}
}
