package mailconv_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/mailconv/mailconv"
	_ "github.com/mailconv/mailconv/maildir" // registers the "maildir" format
	_ "github.com/mailconv/mailconv/mbox"    // registers the "mbox" format
	"github.com/mailconv/mailconv/migrate"
)

// Convert an mbox tree into a maildir through the format registry, as the
// command line does (without its journal), and print the outcome.
func Example_library() {
	ctx := context.Background()
	out, err := os.MkdirTemp("", "mailconv-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(out)

	src, _ := mailconv.LookupFormat("mbox")
	dst, _ := mailconv.LookupFormat("maildir")
	rep := &migrate.Report{Source: migrate.Endpoint{Format: "mbox", Path: "testdata/sample-mbox"}}

	r, err := src.Open(ctx, "testdata/sample-mbox", &mailconv.Options{Events: rep.Add})
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	w, err := dst.Create(ctx, filepath.Join(out, "Maildir"), &mailconv.Options{Events: rep.Add})
	if err != nil {
		log.Fatal(err)
	}
	_, err = migrate.Convert(ctx, r, w, migrate.ConvertOptions{Report: rep})
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(rep.Totals.MessagesWritten, "messages written, clean:", rep.Clean())
	// Output: 6 messages written, clean: true
}
