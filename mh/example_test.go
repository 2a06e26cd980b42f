package mh_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/mailconv/mailconv/mh"
)

// Read a folder of two messages whose first is unseen.
func Example() {
	dir, _ := os.MkdirTemp("", "mh-example-")
	defer os.RemoveAll(dir)
	os.WriteFile(filepath.Join(dir, "1"), []byte("Subject: one\n\nfirst\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "2"), []byte("Subject: two\n\nsecond\n"), 0o644)
	os.WriteFile(filepath.Join(dir, ".mh_sequences"), []byte("unseen: 1\nwork: 1-2\n"), 0o644)

	ctx := context.Background()
	r, err := mh.Open(ctx, dir, nil)
	if err != nil {
		panic(err)
	}
	defer r.Close()
	mbs, _ := r.Mailboxes(ctx)
	mr, _ := r.Open(ctx, mbs[0])
	for {
		m, err := mr.Next()
		if err == io.EOF {
			break
		}
		body, _ := io.ReadAll(mr)
		fmt.Printf("%s flags=%q keywords=%v %d bytes\n", m.ID, m.Flags, m.Keywords, len(body))
	}
	// Output:
	// 1 flags="" keywords=[work] 20 bytes
	// 2 flags="\\Seen" keywords=[work] 21 bytes
}
