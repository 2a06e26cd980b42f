package migrate_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mailconv/mailconv"
	_ "github.com/mailconv/mailconv/mbox" // registers the "mbox" format
	"github.com/mailconv/mailconv/migrate"
)

// Convert an mbox file into a Thunderbird-style folder tree, through the
// registry, and look at the report.
func ExampleConvert() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	src := filepath.Join(dir, "Inbox")
	os.WriteFile(src, []byte("From a@example.com Mon Jan  1 10:00:00 2001\nSubject: hi\nStatus: RO\n\nhello\n"), 0o644)

	ctx := context.Background()
	rep := &migrate.Report{}
	format, _ := mailconv.DetectFormat(src)
	r, err := format.Open(ctx, src, &mailconv.Options{Events: rep.Add})
	if err != nil {
		panic(err)
	}
	out, _ := mailconv.LookupFormat("mbox")
	w, err := out.Create(ctx, filepath.Join(dir, "out"), &mailconv.Options{Events: rep.Add})
	if err != nil {
		panic(err)
	}
	if _, err := migrate.Convert(ctx, r, w, migrate.ConvertOptions{Report: rep}); err != nil {
		panic(err)
	}
	w.Close()
	fmt.Println(format.Name, rep.Totals.MessagesWritten, "message(s), clean:", rep.Clean())
	// Output: mbox 1 message(s), clean: true
}
