package mailconv

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The names Windows refuses are escaped when the plan is for a Windows
// target (pure Go: runs on every system), each change is reported, and
// UnescapeName gives the source name back.
func TestPlanNamesWindowsTarget(t *testing.T) {
	names := []string{
		"INBOX", "CON", "nul", "Nul.txt", "aux .old", "COM1", "LPT9", "COM²",
		"COM10", "CONSOLE", "Re: news?", `a<b>c"d|e*f`, "Trailing.", "Trailing ",
		"Work", "work", "ok.name",
	}
	mbs := make([]*Mailbox, len(names))
	for i, n := range names {
		mbs[i] = &Mailbox{Path: Path{n}}
	}
	base := NameRules{Forbidden: "/", ForbiddenFirst: ".", MaxSegment: 240}
	plan := PlanNames(mbs, Capabilities{Mixed: true, Names: LocalNames(base, "windows")})
	got := map[string]string{}
	for _, n := range names {
		got[n] = plan.Dest(Path{n}).String()
	}
	assert.Equal(t, map[string]string{
		"INBOX":       "INBOX",
		"CON":         "%43ON",
		"nul":         "%6Eul",
		"Nul.txt":     "%4Eul.txt",
		"aux .old":    "%61ux .old",
		"COM1":        "%43OM1",
		"LPT9":        "%4CPT9",
		"COM²":        "%43OM²",
		"COM10":       "COM10",
		"CONSOLE":     "CONSOLE",
		"Re: news?":   "Re%3A news%3F",
		`a<b>c"d|e*f`: "a%3Cb%3Ec%22d%7Ce%2Af",
		"Trailing.":   "Trailing%2E",
		"Trailing ":   "Trailing%20",
		"Work":        "Work",
		"work":        "work~2", // NTFS: the same folder as "Work"
		"ok.name":     "ok.name",
	}, got)
	for _, n := range names {
		if d := got[n]; n != "work" {
			assert.Equal(t, n, UnescapeName(d), "unescaping %q", d)
		}
	}
	reasons := map[string]string{}
	for _, c := range plan.Changes {
		reasons[c.Source.String()] = strings.Join(c.Reasons, "; ")
	}
	assert.Len(t, plan.Changes, 12)
	assert.Contains(t, reasons["CON"], `"CON" is a reserved name`)
	assert.Contains(t, reasons["Nul.txt"], `"NUL" is a reserved name`)
	assert.Contains(t, reasons["Re: news?"], "escaped")
	assert.Contains(t, reasons["work"], "collides")

	// The same list for a Linux target changes only what the base rules
	// refuse: nothing here.
	linux := PlanNames(mbs, Capabilities{Mixed: true, Names: LocalNames(base, "linux")})
	assert.Empty(t, linux.Changes)
	// macOS: case-insensitive only.
	mac := PlanNames(mbs, Capabilities{Mixed: true, Names: LocalNames(base, "darwin")})
	require.Len(t, mac.Changes, 1)
	assert.Equal(t, Path{"work~2"}, mac.Changes[0].Destination)
}

// WindowsNames does not change the rules it is given (their Reserved slice
// is shared by other plans).
func TestWindowsNamesKeepsBase(t *testing.T) {
	reserved := make([]string, 1, 10)
	reserved[0] = "new"
	base := NameRules{Forbidden: "/:", Reserved: reserved}
	w := WindowsNames(base)
	assert.Equal(t, []string{"new"}, base.Reserved)
	assert.Equal(t, "/:", base.Forbidden)
	assert.Equal(t, 1, strings.Count(w.Forbidden, ":"))
	assert.Contains(t, w.Reserved, "new")
	assert.Contains(t, w.Reserved, "LPT1")
}

func TestParseTargetOS(t *testing.T) {
	for in, want := range map[string]string{"": "plan9", "Windows": "windows", "macos": "darwin", "darwin": "darwin", "unix": "linux", "linux": "linux"} {
		got, err := ParseTargetOS(in, "plan9")
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	_, err := ParseTargetOS("dos", "linux")
	assert.True(t, errors.Is(err, ErrUnsupported), "%v", err)
}

func TestWindowsReserved(t *testing.T) {
	for name, want := range map[string]bool{"CON": true, "con.txt": true, "LPT9.a.b": true, "COM³": true, "aux .x": true,
		"COM0": false, "CONSOLE": false, ".CON": false, "xNUL": false, "": false} {
		assert.Equal(t, want, WindowsReserved(name), name)
	}
}
