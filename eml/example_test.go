package eml_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/eml"
)

// Read a directory of saved messages: the top directory is INBOX, each
// directory below it a mailbox.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "eml-example-")
	defer os.RemoveAll(dir)
	os.MkdirAll(filepath.Join(dir, "Work"), 0o755)
	os.WriteFile(filepath.Join(dir, "hello.eml"), []byte("From: a@example.com\r\nSubject: hello\r\nDate: Tue, 3 Feb 2004 10:00:00 +0100\r\n\r\nHi.\r\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "Work", "report.eml"), []byte("Received: from mx by mail; Wed, 4 Feb 2004 09:30:00 +0000\nFrom: b@example.com\nSubject: report\n\nAttached.\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "Work", "notes.txt"), []byte("not mail\n"), 0o644)

	r, err := eml.Open(ctx, dir, &mailconv.Options{Events: func(e mailconv.Event) { fmt.Println("event:", e.Code) }})
	if err != nil {
		panic(err)
	}
	defer r.Close()
	mbs, err := r.Mailboxes(ctx)
	if err != nil {
		panic(err)
	}
	for _, mb := range mbs {
		mr, err := r.Open(ctx, mb)
		if err != nil {
			panic(err)
		}
		for {
			m, err := mr.Next()
			if err == io.EOF {
				break
			}
			body, _ := io.ReadAll(mr)
			fmt.Printf("%s %s %s %s %d bytes\n", mb.Path, m.ID, m.Date.UTC().Format("2006-01-02 15:04"), m.DateSource, len(body))
		}
		mr.Close()
	}
	// Output:
	// event: eml.not-eml
	// INBOX hello.eml 2004-02-03 09:00 date-header 82 bytes
	// Work report.eml 2004-02-04 09:30 received-header 105 bytes
}
