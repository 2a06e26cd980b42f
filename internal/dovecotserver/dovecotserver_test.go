package dovecotserver_test

import (
	"bufio"
	"crypto/tls"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailconv/mailconv/internal/dovecotserver"
)

func readLine(t *testing.T, r *bufio.Reader) string {
	t.Helper()
	l, err := r.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestStartTLS starts a TLS server, checks that imaps verifies against the
// generated certificate, that a message saved with doveadm lands in the
// maildir, and that POP3 answers.
func TestStartTLS(t *testing.T) {
	s := dovecotserver.Start(t, dovecotserver.Config{TLS: true})
	c, err := tls.Dial("tcp", s.IMAPSAddr, &tls.Config{RootCAs: s.CertPool, ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatalf("imaps: %v", err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	if l := readLine(t, r); !strings.HasPrefix(l, "* OK") {
		t.Fatalf("greeting %q", l)
	}
	c.Write([]byte("a LOGIN " + s.User + " \"" + s.Password + "\"\r\n"))
	for {
		l := readLine(t, r)
		if strings.HasPrefix(l, "a ") {
			if !strings.HasPrefix(l, "a OK") {
				t.Fatalf("login: %q", l)
			}
			break
		}
	}
	c.Write([]byte("b LIST \"\" \"*\" RETURN (SPECIAL-USE)\r\n"))
	var list []string
	for {
		l := readLine(t, r)
		if strings.HasPrefix(l, "b ") {
			break
		}
		list = append(list, l)
	}
	joined := strings.Join(list, "")
	if !strings.Contains(joined, `\Sent`) || !strings.Contains(joined, `"Sent Messages"`) {
		t.Errorf("special-use mailboxes missing: %s", joined)
	}
	c.Close()

	if err := s.Save("INBOX", []byte("Subject: hi\r\n\r\nbody\r\n")); err != nil {
		t.Fatal(err)
	}
	n := 0
	filepath.Walk(filepath.Join(s.MailDir(), "new"), func(p string, info os.FileInfo, err error) error {
		if err == nil && info.Mode().IsRegular() {
			n++
		}
		return nil
	})
	if n != 1 {
		t.Errorf("%d files in Maildir/new, want 1", n)
	}

	p, err := net.Dial("tcp", s.POP3Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	pr := bufio.NewReader(p)
	if l := readLine(t, pr); !strings.HasPrefix(l, "+OK") {
		t.Fatalf("pop3 greeting %q", l)
	}
	p.Write([]byte("CAPA\r\n"))
	capa := ""
	for {
		l := readLine(t, pr)
		if l == ".\r\n" {
			break
		}
		capa += l
	}
	if !strings.Contains(capa, "STLS") {
		t.Errorf("pop3 CAPA without STLS: %q", capa)
	}
	if errs := s.Errors(); len(errs) > 0 {
		t.Errorf("server log has errors: %q", errs)
	}
}
