package imap_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/internal/dovecotserver"
	"github.com/mailconv/mailconv/migrate"
	"github.com/mailconv/mailconv/pop3"
)

// TestPOP3ToIMAP moves a POP3 maildrop to an IMAP server with Convert: the
// messages arrive in INBOX with their Received: dates, stay on the POP
// server, and an interrupted run completes without duplicates. Deleting
// from the POP server is only done for the UIDLs given, which a verify
// step would supply.
func TestPOP3ToIMAP(t *testing.T) {
	popSrv := dovecotserver.Start(t, dovecotserver.Config{})
	imapSrv := server(t, dovecotserver.Config{})
	if popSrv.Password != imapSrv.Password {
		t.Fatal("test assumes one password for both servers")
	}
	for i := 1; i <= 8; i++ {
		m := fmt.Sprintf("Received: by mx; Tue, %d Mar 2004 08:00:00 +0000\r\nMessage-ID: <p2i-%d@example.org>\r\nSubject: pop %d\r\n\r\n.leading dot\r\nbody %d\r\n", i, i, i, i)
		if err := popSrv.Save("INBOX", []byte(m)); err != nil {
			t.Fatal(err)
		}
	}
	src := "pop3://" + popSrv.User + "@" + popSrv.POP3Addr
	srcParams := map[string]string{pop3.ParamAllowPlaintext: "yes"}

	// An interrupted first run: stop after 3 messages.
	ctx, cancel := context.WithCancel(context.Background())
	r, err := pop3.Open(ctx, src, false, &mailconv.Options{Params: srcParams})
	if err != nil {
		t.Fatal(err)
	}
	f, _ := mailconv.LookupFormat("imap")
	w, err := f.Create(ctx, "//"+imapSrv.User+"@"+imapSrv.IMAPAddr, &mailconv.Options{Params: plainParams()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = migrate.Convert(ctx, r, w, migrate.ConvertOptions{Progress: func(p migrate.Progress) {
		if p.Messages == 3 {
			cancel()
		}
	}})
	w.Close()
	r.Close()
	if err == nil {
		t.Fatal("first run was not interrupted")
	}
	if n := countMessages(t, imapSrv, "INBOX"); n != 3 {
		t.Fatalf("%d messages after the interrupted run, want 3", n)
	}

	rep, err := convert(t, "pop3", "//"+popSrv.User+"@"+popSrv.POP3Addr, srcParams, plainAddr(imapSrv, ""), plainParams())
	if err != nil {
		t.Fatalf("second run: %v\n%s", err, events(rep))
	}
	if n := countMessages(t, imapSrv, "INBOX"); n != 8 {
		t.Errorf("%d messages after the second run, want 8", n)
	}
	if rep.Codes["imap.already-present"] != 3 {
		t.Errorf("second run: want 3 messages found present:\n%s", events(rep))
	}
	popMsgs := readStore(t, "pop3", "//"+popSrv.User+"@"+popSrv.POP3Addr, srcParams)
	if len(popMsgs["INBOX"]) != 8 {
		t.Errorf("the POP server has %d messages, want all 8 left", len(popMsgs["INBOX"]))
	}
	checkDoveadm(t, imapSrv, popMsgs, map[string]string{"INBOX": "INBOX"}, "")

	// Delete what a verify proved (here: the first two UIDLs).
	pr, err := pop3.Open(context.Background(), src, false, &mailconv.Options{Params: map[string]string{pop3.ParamAllowPlaintext: "yes", pop3.ParamDeleteAfterVerify: "yes"}})
	if err != nil {
		t.Fatal(err)
	}
	n, err := pr.DeleteVerified(context.Background(), []string{popMsgs["INBOX"][0].id, popMsgs["INBOX"][1].id})
	if err != nil || n != 2 {
		t.Fatalf("DeleteVerified: %d %v", n, err)
	}
	if left := readStore(t, "pop3", "//"+popSrv.User+"@"+popSrv.POP3Addr, srcParams); len(left["INBOX"]) != 6 {
		t.Errorf("%d left on the POP server, want 6", len(left["INBOX"]))
	}
}
