package mailconv_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailconv/mailconv"
)

// Two source mailboxes with one name (two files that decode to it) get
// distinct destinations; the later one is reported with the file of the
// first. Their children follow the first.
func TestPlanNamesTellsSameNamesApart(t *testing.T) {
	mbs := []*mailconv.Mailbox{
		{Path: mailconv.Path{"INBOX"}, Source: "/s/INBOX", Role: mailconv.RoleInbox},
		{Path: mailconv.Path{"INBOX"}, Source: "/s/Inbox", Role: mailconv.RoleInbox},
		{Path: mailconv.Path{"Work"}, Source: "/s/Work"},
		{Path: mailconv.Path{"Work"}, Source: "/s/Work.mbox"},
		{Path: mailconv.Path{"Work", "Sub"}, Source: "/s/Work.sbd/Sub"},
	}
	plan := mailconv.PlanNames(mbs, mailconv.Capabilities{Mixed: true})
	dests := make([]string, len(mbs))
	for i, mb := range mbs {
		dests[i] = plan.DestOf(mb).String()
	}
	assert.Equal(t, []string{"INBOX", "INBOX~2", "Work", "Work~2", "Work/Sub"}, dests)
	require.Len(t, plan.Changes, 2)
	assert.Equal(t, "/s/INBOX", plan.Changes[0].SameNameAs)
	assert.Equal(t, "/s/Work", plan.Changes[1].SameNameAs)
	assert.Equal(t, mailconv.Path{"INBOX"}, plan.Dest(mailconv.Path{"INBOX"}), "Dest by name keeps the first")
}
