package mailconv_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mailconv/mailconv"
	_ "github.com/mailconv/mailconv/mbox" // registers the "mbox" format
)

// Convert an mbox file into a Thunderbird-style folder tree, through the
// registry, and look at the report.
func ExampleConvert() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	src := filepath.Join(dir, "Inbox")
	os.WriteFile(src, []byte("From a@example.com Mon Jan  1 10:00:00 2001\nSubject: hi\nStatus: RO\n\nhello\n"), 0o644)

	ctx := context.Background()
	rep := &mailconv.Report{}
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
	if _, err := mailconv.Convert(ctx, r, w, mailconv.ConvertOptions{Report: rep}); err != nil {
		panic(err)
	}
	w.Close()
	fmt.Println(format.Name, rep.Totals.MessagesWritten, "message(s), clean:", rep.Clean())
	// Output: mbox 1 message(s), clean: true
}

// PlanNames maps folder names onto what a destination accepts, reversibly.
func ExamplePlanNames() {
	mbs := []*mailconv.Mailbox{
		{Path: mailconv.Path{"INBOX"}},
		{Path: mailconv.Path{"OS/2 Users' Group"}},
		{Path: mailconv.Path{"Projects"}},
		{Path: mailconv.Path{"Projects", "2019"}},
	}
	caps := mailconv.Capabilities{Names: mailconv.NameRules{Forbidden: "/."}}
	plan := mailconv.PlanNames(mbs, caps) // caps.Mixed is false: Projects must split
	for _, mb := range plan.Mailboxes {
		fmt.Println(mb.Path, mb.NoSelect)
	}
	fmt.Println(mailconv.UnescapeName(plan.Dest(mailconv.Path{"OS/2 Users' Group"})[0]))
	// Output:
	// INBOX false
	// OS%2F2 Users' Group false
	// Projects true
	// Projects (messages) false
	// Projects/2019 false
	// OS/2 Users' Group
}
