package mailconv_test

import (
	"fmt"

	"github.com/mailconv/mailconv"
)

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
