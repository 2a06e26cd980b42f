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
	if got := plan.Dest(mbs[0].Path); !got.Equal(Path{nfc}) {
		t.Errorf("composed name changed: %q", got)
	}
	if got := plan.Dest(mbs[1].Path); !got.Equal(Path{nfc + "~2"}) {
		t.Errorf("decomposed twin: %q", got)
	}
	if got := plan.Dest(mbs[2].Path); !got.Equal(Path{"Archive", "Caf\u00e9"}) {
		t.Errorf("decomposed name: %q", got)
	}
	reasons := map[string]string{}
	for _, ch := range plan.Changes {
		reasons[ch.Source.String()] = strings.Join(ch.Reasons, "; ")
	}
	if !strings.Contains(reasons["Archive/Caf"+"e\u0301"], "NFC") || !strings.Contains(reasons[nfd], "NFC") {
		t.Errorf("reasons: %q", reasons)
	}
	if _, ok := reasons[nfc]; ok {
		t.Errorf("the composed name is reported as changed")
	}
	again := PlanNames(mbs, caps)
	for _, mb := range mbs {
		if !again.Dest(mb.Path).Equal(plan.Dest(mb.Path)) {
			t.Errorf("%q planned differently", mb.Path)
		}
	}
}
