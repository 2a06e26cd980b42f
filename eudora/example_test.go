package eudora_test

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/eudora"
	"github.com/mailconv/mailconv/eudora/eudoratest"
)

// A Windows store with one deleted (not yet compacted) message: the TOC
// decides what exists.
func Example() {
	dir, _ := os.MkdirTemp("", "eudora-example")
	defer os.RemoveAll(dir)
	st := &eudoratest.Store{Root: eudoratest.Folder{
		Mailboxes: []*eudoratest.Mailbox{{Name: "In", Msgs: []eudoratest.Msg{
			{Raw: "Subject: hello\r\nDate: Mon, 13 Dec 2010 18:45:29 -0600\r\n\r\nHi!\r\n", State: eudora.WinReplied},
			{Raw: "Subject: deleted\r\n\r\nGone.\r\n", Deleted: true},
		}}},
		Folders: []*eudoratest.Folder{{Name: "Work", Mailboxes: []*eudoratest.Mailbox{{Name: "Clients"}}}},
	}}
	st.Write(dir)

	ctx := context.Background()
	s, err := eudora.Open(ctx, dir, &mailconv.Options{Params: map[string]string{"rebuild": "false"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	mbs, _ := s.Mailboxes(ctx)
	for _, mb := range mbs {
		fmt.Printf("%s (noselect=%v)\n", mb.Path, mb.NoSelect)
	}
	r, _ := s.Open(ctx, mbs[0])
	defer r.Close()
	for {
		m, err := r.Next()
		if err == io.EOF {
			break
		}
		body, _ := io.ReadAll(r)
		fmt.Printf("%s %v %s %q\n", m.ID, m.Flags, m.Date.UTC().Format("2006-01-02 15:04"), body[:16])
	}
	fmt.Println("uncovered bytes:", r.(interface{ Details() any }).Details().(eudora.MailboxDetails).UncoveredBytes)
	// Output:
	// INBOX (noselect=false)
	// Work (noselect=true)
	// Work/Clients (noselect=false)
	// toc:0:101 \Seen \Answered 2010-12-14 00:45 "Subject: hello\r\n"
	// uncovered bytes: 66
}
