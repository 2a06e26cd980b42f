package maildir_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/maildir"
)

// Write one message into a Maildir++ folder with a non-ASCII name, then
// read the tree back.
func Example() {
	ctx := context.Background()
	tmp, _ := os.MkdirTemp("", "maildir-example-")
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, "Maildir")

	w, err := maildir.Create(ctx, dir, nil)
	if err != nil {
		panic(err)
	}
	mw, _ := w.CreateMailbox(ctx, &mailconv.Mailbox{Path: mailconv.Path{"Réunions"}})
	m := &mailconv.Message{ID: "1", Flags: mailconv.FlagSeen | mailconv.FlagForwarded,
		Date: time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)}
	m.AddKeyword("$Junk")
	if err := mw.WriteMessage(ctx, m, strings.NewReader("Subject: hi\n\nhello\n")); err != nil {
		panic(err)
	}
	mw.Close()
	w.Close()

	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), ".") {
			fmt.Println("folder on disk:", e.Name())
		}
	}
	kw, _ := os.ReadFile(filepath.Join(dir, ".R&AOk-unions", "dovecot-keywords"))
	fmt.Print("dovecot-keywords:\n", string(kw))

	r, _ := maildir.Open(ctx, dir, nil)
	defer r.Close()
	mbs, _ := r.Mailboxes(ctx)
	for _, mb := range mbs {
		if mb.NoSelect || mb.Path.IsInbox() {
			continue
		}
		mr, _ := r.Open(ctx, mb)
		msg, _ := mr.Next()
		body, _ := io.ReadAll(mr)
		fmt.Printf("%s: %s %v %s %s %q\n", mb.Path, msg.Flags, msg.Keywords, msg.Date.UTC().Format(time.RFC3339), msg.DateSource, body)
		mr.Close()
	}
	// Output:
	// folder on disk: .R&AOk-unions
	// dovecot-keywords:
	// 0 $Forwarded
	// 1 $Junk
	// Réunions: \Seen $Forwarded [$Junk] 2001-02-03T04:05:06Z file-time "Subject: hi\n\nhello\n"
}
