package storeroot

import (
	"testing"

	"github.com/mailconv/mailconv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTooDeep: a directory at the bound is skipped with a located
// FORMAT.too-deep event naming the option; one above it is not.
func TestTooDeep(t *testing.T) {
	var events []mailconv.Event
	st, err := Open(t.TempDir(), "demo", &mailconv.Options{Events: func(e mailconv.Event) { events = append(events, e) }})
	require.NoError(t, err)
	defer st.Close()

	assert.False(t, st.TooDeep(mailconv.Path{"a"}, "a", 2, 3, "max-depth"))
	assert.Empty(t, events)
	assert.True(t, st.TooDeep(mailconv.Path{"a", "b"}, "a/b", 3, 3, "max-depth"))
	require.Len(t, events, 1)
	e := events[0]
	assert.Equal(t, mailconv.EventSkip, e.Kind)
	assert.Equal(t, "demo.too-deep", e.Code)
	assert.Equal(t, mailconv.Path{"a", "b"}, e.Mailbox)
	require.NotNil(t, e.Location)
	assert.Equal(t, st.Abs("a/b"), e.Location.File)
	assert.Contains(t, e.Detail, "deeper than 3 levels")
	assert.Contains(t, e.Detail, "max-depth")
}

func TestUnlisted(t *testing.T) {
	mb := &mailconv.Mailbox{Path: mailconv.Path{"Work", "Old"}}
	assert.EqualError(t, Unlisted("demo", mb, false), "demo: Open before Mailboxes")
	assert.EqualError(t, Unlisted("demo", mb, true), "demo: mailbox "+mb.Path.String()+" was not listed by this reader")
}

func TestTopRole(t *testing.T) {
	roles := map[string]mailconv.Role{"inbox": mailconv.RoleInbox, "sent": mailconv.RoleSent}
	p, r := TopRole(mailconv.Path{"Inbox"}, roles)
	assert.Equal(t, mailconv.Path{"INBOX"}, p, "the inbox is named INBOX")
	assert.Equal(t, mailconv.RoleInbox, r)
	p, r = TopRole(mailconv.Path{"SENT"}, roles)
	assert.Equal(t, mailconv.Path{"SENT"}, p, "other names are kept")
	assert.Equal(t, mailconv.RoleSent, r)
	p, r = TopRole(mailconv.Path{"Work", "Sent"}, roles)
	assert.Equal(t, mailconv.Path{"Work", "Sent"}, p)
	assert.Equal(t, mailconv.RoleNone, r, "only top-level mailboxes have roles")
	_, r = TopRole(mailconv.Path{"Other"}, roles)
	assert.Equal(t, mailconv.RoleNone, r)
}
