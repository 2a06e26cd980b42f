package mbox

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailconv/mailconv"
)

// target-os=windows gives the tree Windows' name rules (escaped by
// PlanNames), and nothing else; an unknown system is refused.
func TestTargetOSNameRules(t *testing.T) {
	f, ok := mailconv.LookupFormat("mbox")
	require.True(t, ok)
	ctx := context.Background()
	caps, err := f.Capabilities(ctx, t.TempDir(), &mailconv.Options{Params: map[string]string{"target-os": "windows"}})
	require.NoError(t, err)
	plan := mailconv.PlanNames([]*mailconv.Mailbox{{Path: mailconv.Path{"AUX"}}, {Path: mailconv.Path{"a|b"}}, {Path: mailconv.Path{"Inbox.sbd"}}}, caps)
	assert.Equal(t, mailconv.Path{"%41UX"}, plan.Dest(mailconv.Path{"AUX"}))
	assert.Equal(t, mailconv.Path{"a%7Cb"}, plan.Dest(mailconv.Path{"a|b"}))
	assert.Equal(t, mailconv.Path{"Inbox.sbd"}, plan.Dest(mailconv.Path{"Inbox.sbd"}))
	assert.True(t, caps.Names.CaseInsensitive)

	caps, err = f.Capabilities(ctx, t.TempDir(), &mailconv.Options{Params: map[string]string{"target-os": "linux"}})
	require.NoError(t, err)
	assert.Empty(t, mailconv.PlanNames([]*mailconv.Mailbox{{Path: mailconv.Path{"AUX"}}, {Path: mailconv.Path{"a|b"}}}, caps).Changes)

	_, err = f.Capabilities(ctx, t.TempDir(), &mailconv.Options{Params: map[string]string{"target-os": "vms"}})
	assert.True(t, errors.Is(err, mailconv.ErrUnsupported), "%v", err)
}
