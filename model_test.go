package mailconv

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestPathStringParse(t *testing.T) {
	for _, p := range []Path{{"INBOX"}, {"a", "b/c", `d\e`}, {"Réunions", "Comptes rendus"}} {
		assert.Equal(t, p, ParsePath(p.String()), p.String())
	}
	assert.Equal(t, `a/b\/c`, Path{"a", "b/c"}.String())
	assert.True(t, Path{"inbox"}.IsInbox())
	assert.False(t, Path{"x", "INBOX"}.IsInbox())
	assert.True(t, Path{"a", "b"}.HasPrefix(Path{"a"}))
	assert.Equal(t, Path{"a"}, Path{"a", "b"}.Parent())
}

func TestAddKeyword(t *testing.T) {
	var m Message
	assert.True(t, m.AddKeyword("$forwarded"))
	assert.Equal(t, FlagForwarded, m.Flags)
	assert.True(t, m.AddKeyword("$mdnsent"))
	assert.True(t, m.AddKeyword("$MDNSENT"))
	assert.True(t, m.AddKeyword("work"))
	assert.False(t, m.AddKeyword("two words"))
	assert.False(t, m.AddKeyword(`\Seen`))
	assert.False(t, m.AddKeyword(strings.Repeat("k", MaxKeywordLen+1)))
	assert.True(t, m.AddKeyword(strings.Repeat("k", MaxKeywordLen)))
	assert.Equal(t, []string{"$MDNSent", "work", strings.Repeat("k", MaxKeywordLen)}, m.Keywords)
}

func TestPlanNamesHazards(t *testing.T) {
	mbs := []*Mailbox{
		{Path: Path{"INBOX"}},
		{Path: Path{"Work"}},
		{Path: Path{"work"}},
		{Path: Path{"new"}},
		{Path: Path{" lead"}},
		{Path: Path{"100%41"}},
		{Path: Path{strings.Repeat("é", 200)}},
		{Path: Path{"a.b", "c"}},
		{Path: Path{"Tab\there"}},
	}
	caps := Capabilities{Mixed: true, Names: NameRules{Forbidden: ".", ForbiddenFirst: " ", Reserved: []string{"new"},
		CaseInsensitive: true, MaxSegment: 100}}
	plan := PlanNames(mbs, caps)
	got := map[string]string{}
	for _, mb := range mbs {
		got[mb.Path.String()] = plan.Dest(mb.Path).String()
	}
	long := plan.Dest(Path{strings.Repeat("é", 200)})[0]
	assert.LessOrEqual(t, len(long), 100)
	assert.Contains(t, long, "~")
	assert.Equal(t, map[string]string{
		"INBOX":                  "INBOX",
		"Work":                   "Work",
		"work":                   "work~2",
		"new":                    "%6Eew",
		" lead":                  "%20lead",
		"100%41":                 "100%2541",
		strings.Repeat("é", 200): long,
		"a.b/c":                  "a%2Eb/c",
		"Tab\there":              "Tab%09here",
	}, got)
	// reversible where no collision or shortening happened
	for _, s := range []string{"new", " lead", "100%41", "Tab\there"} {
		assert.Equal(t, s, UnescapeName(plan.Dest(Path{s})[0]))
	}
	// deterministic
	assert.Equal(t, plan.Dest(Path{"work"}), PlanNames(mbs, caps).Dest(Path{"work"}))
	assert.Len(t, plan.Changes, 7)
}

func TestDestinationPlanClose(t *testing.T) {
	assert.NoError(t, DestinationPlan{}.Close(), "a plan without Release closes as a no-op")
	calls := 0
	p := DestinationPlan{Release: func() error { calls++; return ErrUnknownFormat }}
	assert.ErrorIs(t, p.Close(), ErrUnknownFormat, "Close returns Release's error")
	assert.Equal(t, 1, calls)
}

func TestDetectBelow(t *testing.T) {
	if _, done := LookupFormat("test-below"); !done { // -count=N runs this again
		RegisterFormat(Format{Name: "test-below", Open: func(context.Context, string, *Options) (Reader, error) { return nil, nil },
			Detect: func(p string) int {
				if _, err := os.Stat(filepath.Join(p, "MARK")); err == nil {
					return 100
				}
				return 0
			}})
	}
	above := t.TempDir()
	assert.NoError(t, os.Mkdir(filepath.Join(above, "a"), 0o755))
	assert.NoError(t, os.MkdirAll(filepath.Join(above, "b", "MARK"), 0o755))
	sub, f, ok := DetectBelow(above, "")
	assert.True(t, ok)
	assert.Equal(t, filepath.Join(above, "b"), sub)
	assert.Equal(t, "test-below", f.Name)
	_, _, ok = DetectBelow(above, "other")
	assert.False(t, ok, "only restricts the format")
	_, _, ok = DetectBelow(filepath.Join(above, "a"), "")
	assert.False(t, ok, "nothing below")
	_, _, ok = DetectBelow(filepath.Join(above, "missing"), "")
	assert.False(t, ok, "an unreadable directory")
}

func TestHeaderDates(t *testing.T) {
	msg := "Received: from a by b\r\n\twith SMTP; Tue, 2 Jan 2001 10:00:00 +0100\r\n" +
		"Received: from c by a; Mon, 1 Jan 2001 09:00:00 +0000\r\n" +
		"Date: Sun, 31 Dec 2000 23:00:00 -0500\r\n\r\nDate: Fri, 1 Jan 1999 00:00:00 +0000\r\n"
	recv, date := HeaderDates([]byte(msg))
	assert.Equal(t, "2001-01-02T09:00:00Z", recv.UTC().Format(time.RFC3339), "the first (newest) Received, unfolded")
	assert.Equal(t, "2001-01-01T04:00:00Z", date.UTC().Format(time.RFC3339), "the Date of the header, not of the body")

	recv, date = HeaderDates([]byte("Received: by x (no date)\nSubject: s\n\nbody"))
	assert.True(t, recv.IsZero())
	assert.True(t, date.IsZero())

	recv, _ = HeaderDates([]byte("Received: by x (no date)\nReceived: by y; garbage\n" +
		"Received: by z; Mon, 1 Jan 2001 09:00:00 +0000\nDate: Sun, 31 Dec 2000 23:00:00 -0500\n\n"))
	assert.Equal(t, "2001-01-01T09:00:00Z", recv.UTC().Format(time.RFC3339),
		"the first Received whose date parses, not the Date")

	_, ok := ReceivedValue([]byte("from a by b"))
	assert.False(t, ok, "no ';': no date")
	_, ok = ReceivedValue([]byte("from a by b; "))
	assert.False(t, ok, "nothing after ';'")
	tm, ok := ReceivedValue([]byte("from a; not a date"))
	assert.True(t, ok)
	assert.True(t, tm.IsZero(), "an unparseable date is zero")
	assert.True(t, DateValue("  ").IsZero())
	assert.Equal(t, 2004, DateValue(" Thu, 1 Jan 2004 00:00:00 +0000 ").Year())
}
