package mailconv

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
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
		msg := []any{"name of %d bytes, MaxSegment %d: %q (%d bytes), %d changes", n, lim, got, len(got), len(plan.Changes)}
		over := n > lim
		assert.Equal(t, over, changed, msg...)
		if over {
			assert.LessOrEqual(t, len(got), lim, msg...)
			assert.Contains(t, got, "~", msg...)
		} else {
			assert.Equal(t, name, got, msg...)
		}
	}
}

// Decomposed names (copied from a Mac) are composed (NFC) and reported; a
// composed twin beside one keeps its name and the decomposed one is told
// apart; verify-style re-planning gives the same names.
func TestPlanNamesComposesUnicode(t *testing.T) {
	nfd, nfc := "Re\u0301unions", "R\u00e9unions"
	mbs := []*Mailbox{
		{Path: Path{nfc}},
		{Path: Path{nfd}},
		{Path: Path{"Archive", "Caf" + "e\u0301"}},
	}
	caps := Capabilities{Mixed: true}
	plan := PlanNames(mbs, caps)
	// Path.Equal compares segments; with a non-empty expected Path that is
	// what assert.Equal compares too.
	got := plan.Dest(mbs[0].Path)
	assert.Equal(t, Path{nfc}, got, "composed name changed: %q", got)
	got = plan.Dest(mbs[1].Path)
	assert.Equal(t, Path{nfc + "~2"}, got, "decomposed twin: %q", got)
	got = plan.Dest(mbs[2].Path)
	assert.Equal(t, Path{"Archive", "Caf\u00e9"}, got, "decomposed name: %q", got)
	reasons := map[string]string{}
	for _, ch := range plan.Changes {
		reasons[ch.Source.String()] = strings.Join(ch.Reasons, "; ")
	}
	assert.Contains(t, reasons["Archive/Caf"+"e\u0301"], "NFC", "reasons: %q", reasons)
	assert.Contains(t, reasons[nfd], "NFC", "reasons: %q", reasons)
	assert.NotContains(t, reasons, nfc, "the composed name is reported as changed")
	again := PlanNames(mbs, caps)
	for _, mb := range mbs {
		assert.True(t, again.Dest(mb.Path).Equal(plan.Dest(mb.Path)), "%q planned differently", mb.Path)
	}
}
