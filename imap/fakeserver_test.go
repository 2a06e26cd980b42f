package imap_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"

	imapv2 "github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/imap"
	"github.com/mailconv/mailconv/migrate"
)

// Dovecot takes every keyword and raw 8-bit headers, so the refusals are
// tested against go-imap's in-memory server with a session wrapper that
// refuses them. This is a fake server used for these two behaviours only.

type strictSession struct {
	imapserver.Session
	noKeywords  bool // PERMANENTFLAGS without \*, and APPEND with a keyword refused
	ignoreCaps  bool // refuse keywords on APPEND but still announce \*
	refuse8bit  bool // APPEND of a header with 8-bit bytes refused
	appended    *[][]byte
	appendFlags *[][]imapv2.Flag
}

type literal struct {
	*bytes.Reader
}

func (l literal) Size() int64 { return l.Reader.Size() }

func (s *strictSession) Select(name string, o *imapv2.SelectOptions) (*imapv2.SelectData, error) {
	d, err := s.Session.Select(name, o)
	if err == nil {
		// The memory backend lists only the flags in use; a real server
		// lists the system flags.
		d.PermanentFlags = []imapv2.Flag{imapv2.FlagSeen, imapv2.FlagAnswered, imapv2.FlagFlagged, imapv2.FlagDeleted, imapv2.FlagDraft}
		if !s.noKeywords || s.ignoreCaps {
			d.PermanentFlags = append(d.PermanentFlags, imapv2.FlagWildcard)
		}
	}
	return d, err
}

func (s *strictSession) Append(mailbox string, r imapv2.LiteralReader, o *imapv2.AppendOptions) (*imapv2.AppendData, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	if s.noKeywords {
		for _, f := range o.Flags {
			if !strings.HasPrefix(string(f), `\`) {
				return nil, &imapv2.Error{Type: imapv2.StatusResponseTypeNo, Text: "Keywords are not allowed here"}
			}
		}
	}
	if s.refuse8bit {
		hdr, _, _ := bytes.Cut(b, []byte("\r\n\r\n"))
		for _, c := range hdr {
			if c >= 0x80 {
				return nil, &imapv2.Error{Type: imapv2.StatusResponseTypeNo, Text: "Message contains invalid header"}
			}
		}
	}
	*s.appended = append(*s.appended, b)
	*s.appendFlags = append(*s.appendFlags, o.Flags)
	return s.Session.Append(mailbox, literal{bytes.NewReader(b)}, o)
}

// fakeServer serves go-imap's memory backend on loopback with the given
// refusals and returns its address.
func fakeServer(t *testing.T, proto strictSession) (string, *[][]byte, *[][]imapv2.Flag) {
	t.Helper()
	return fakeServerCaps(t, proto)
}

// fakeServerCaps is fakeServer announcing extra capabilities too (among
// those go-imap's server implements, such as LITERAL+).
func fakeServerCaps(t *testing.T, proto strictSession, extra ...imapv2.Cap) (string, *[][]byte, *[][]imapv2.Flag) {
	t.Helper()
	caps := imapv2.CapSet{imapv2.CapIMAP4rev1: {}, imapv2.CapUIDPlus: {}, imapv2.CapUnselect: {}}
	for _, c := range extra {
		caps[c] = struct{}{}
	}
	mem := imapmemserver.New()
	user := imapmemserver.NewUser("tester", "secret")
	user.Create("INBOX", nil)
	mem.AddUser(user)
	var appended [][]byte
	var flags [][]imapv2.Flag
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			s := proto
			s.Session = mem.NewSession()
			s.appended, s.appendFlags = &appended, &flags
			return &s, nil, nil
		},
		Caps:         caps,
		InsecureAuth: true,
		Logger:       discardLogger{},
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	t.Setenv(imap.PasswordEnv, "secret")
	return "imap://tester@" + ln.Addr().String(), &appended, &flags
}

type discardLogger struct{}

func (discardLogger) Printf(f string, a ...any) { _ = fmt.Sprintf(f, a...) }

func uploadOne(t *testing.T, addr string, params map[string]string, m *mailconv.Message, body string) (*migrate.Report, error) {
	t.Helper()
	rep := &migrate.Report{}
	ctx := context.Background()
	w, err := imap.Create(ctx, addr, false, &mailconv.Options{Params: params, Events: rep.Add})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	mw, err := w.CreateMailbox(ctx, &mailconv.Mailbox{Path: mailconv.Path{"INBOX"}})
	if err != nil {
		t.Fatal(err)
	}
	err = mw.WriteMessage(ctx, m, strings.NewReader(body))
	if cerr := mw.Close(); err == nil {
		err = cerr
	}
	return rep, err
}

// TestKeywordsNotAllowed: a server whose PERMANENTFLAGS lacks \* gets no
// keywords; Capabilities says so, and each lost keyword is reported.
func TestKeywordsNotAllowed(t *testing.T) {
	addr, appended, flags := fakeServer(t, strictSession{noKeywords: true})
	rep := &migrate.Report{}
	w, err := imap.Create(context.Background(), addr, false, &mailconv.Options{Params: plainParams(), Events: rep.Add})
	if err != nil {
		t.Fatal(err)
	}
	caps := w.Capabilities()
	w.Close()
	if caps.Keywords || caps.Flags&mailconv.FlagForwarded != 0 || caps.Flags&mailconv.FlagSeen == 0 {
		t.Errorf("capabilities %+v: want system flags, no keywords", caps)
	}
	m := &mailconv.Message{ID: "1", Flags: mailconv.FlagSeen, Keywords: []string{"$label1"}, Size: -1}
	rep, err = uploadOne(t, addr, plainParams(), m, "Subject: k\n\nbody\n")
	if err != nil {
		t.Fatalf("upload: %v\n%s", err, events(rep))
	}
	if len(*appended) != 1 || len((*flags)[0]) != 1 || (*flags)[0][0] != imapv2.FlagSeen {
		t.Errorf("appended flags %v", *flags)
	}
}

// TestKeywordsRefusedOnAppend: a server that announces \* but refuses
// APPENDs with keywords: the message is sent again without them, and the
// loss is reported.
func TestKeywordsRefusedOnAppend(t *testing.T) {
	addr, appended, flags := fakeServer(t, strictSession{noKeywords: true, ignoreCaps: true})
	m := &mailconv.Message{ID: "1", Flags: mailconv.FlagSeen | mailconv.FlagForwarded, Keywords: []string{"$label1", "project"}, Size: -1}
	rep, err := uploadOne(t, addr, plainParams(), m, "Subject: k\n\nbody\n")
	if err != nil {
		t.Fatalf("upload: %v\n%s", err, events(rep))
	}
	if len(*appended) != 1 {
		t.Fatalf("%d messages appended", len(*appended))
	}
	if got := (*flags)[0]; len(got) != 1 || got[0] != imapv2.FlagSeen {
		t.Errorf("flags sent at last %v, want [\\Seen]", got)
	}
	if rep.Codes["imap.keyword-refused"] != 1 || len(rep.Losses) != 1 || !strings.Contains(rep.Losses[0].Detail, "$label1") {
		t.Errorf("want one imap.keyword-refused loss naming the keywords:\n%s", events(rep))
	}
}

// TestEightBitHeaderRepair: a server refusing raw 8-bit header bytes gets
// the header again with encoded-words; the body (8-bit too) is untouched
// and the repair is reported. A server that takes them gets the raw bytes.
func TestEightBitHeaderRepair(t *testing.T) {
	body := "From: \"J\xf6rg M\xfcller\" <jm@example.de>\nSubject: Gr\xfc\xdfe aus K\xf6ln\nContent-Type: text/plain; charset=iso-8859-1\n\nK\xf6ln body stays 8-bit\n"
	addr, appended, _ := fakeServer(t, strictSession{refuse8bit: true})
	m := &mailconv.Message{ID: "1", Size: -1}
	rep, err := uploadOne(t, addr, plainParams(), m, body)
	if err != nil {
		t.Fatalf("upload: %v\n%s", err, events(rep))
	}
	if len(*appended) != 1 {
		t.Fatalf("%d appended", len(*appended))
	}
	got := string((*appended)[0])
	want := "From: =?iso-8859-1?Q?J=F6rg_M=FCller?= <jm@example.de>\r\nSubject: =?iso-8859-1?Q?Gr=FC=DFe?= aus =?iso-8859-1?Q?K=F6ln?=\r\n" +
		"Content-Type: text/plain; charset=iso-8859-1\r\n\r\nK\xf6ln body stays 8-bit\r\n"
	if got != want {
		t.Errorf("repaired message:\n got %q\nwant %q", got, want)
	}
	if rep.Codes["imap.8bit-header-repaired"] != 1 {
		t.Errorf("repair not reported:\n%s", events(rep))
	}

	addr2, appended2, _ := fakeServer(t, strictSession{})
	if _, err := uploadOne(t, addr2, plainParams(), m, body); err != nil {
		t.Fatal(err)
	}
	if got := string((*appended2)[0]); got != strings.ReplaceAll(body, "\n", "\r\n") {
		t.Errorf("a server that takes 8-bit headers got %q", got)
	}
}
