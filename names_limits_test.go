package mailconv

import (
	"strings"
	"testing"
)

// TestLimitMaxSegment: a folder name of exactly NameRules.MaxSegment bytes
// is kept; one byte longer is shortened (to at most MaxSegment, with "~"
// and a digest) and reported as a change.
func TestLimitMaxSegment(t *testing.T) {
	const lim = 60
	caps := Capabilities{Mixed: true, Names: NameRules{MaxSegment: lim}}
	for _, n := range []int{lim, lim + 1} {
		name := strings.Repeat("n", n)
		plan := PlanNames([]*Mailbox{{Path: Path{name}}}, caps)
		got := plan.Dest(Path{name})[0]
		changed := len(plan.Changes) == 1
		if over := n > lim; over != changed || (over && (len(got) > lim || !strings.Contains(got, "~"))) || (!over && got != name) {
			t.Errorf("name of %d bytes, MaxSegment %d: %q (%d bytes), %d changes", n, lim, got, len(got), len(plan.Changes))
		}
	}
}
