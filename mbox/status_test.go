package mbox

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailconv/mailconv"
)

// Every Status/X-Status letter of docs/formats/mbox-state.md, in both
// fields: the letters are one set, whichever field holds them.
func TestStatusLettersEveryLetterBothFields(t *testing.T) {
	letters := []struct {
		c    string
		want mailconv.Flags
	}{
		{"R", mailconv.FlagSeen},
		{"r", mailconv.FlagAnswered}, // mutt: replied
		{"O", 0},
		{"o", 0},
		{"U", 0}, // Eudora: unread
		{"u", 0},
		{"A", mailconv.FlagAnswered},
		{"a", mailconv.FlagAnswered},
		{"F", mailconv.FlagFlagged},
		{"f", mailconv.FlagFlagged},
		{"D", mailconv.FlagDeleted},
		{"d", mailconv.FlagDeleted}, // GNU mailutils
		{"T", mailconv.FlagDraft},
		{"t", mailconv.FlagDraft},
	}
	for _, l := range letters {
		for _, field := range []string{"Status", "X-Status"} {
			in := "From a@b Mon Jan  1 00:00:00 2001\nSubject: s\n" + field + ": " + l.c + "\n\nbody\n"
			var evs []mailconv.Event
			msgs, _ := readAllFrom(t, strings.NewReader(in), ReaderOptions{Events: func(e mailconv.Event) { evs = appendNotInfo(evs, e) }})
			require.Len(t, msgs, 1)
			got := msgs[0].msg.Flags
			want := l.want
			if field == "X-Status" && !strings.ContainsAny(l.c, "ROo") {
				want |= mailconv.FlagNew // no Status field: never listed
			}
			assert.Equal(t, want, got, "%s: %s", field, l.c)
			assert.Equal(t, "Subject: s\n\nbody\n", string(msgs[0].body), "%s: %s: the state field leaves the octets", field, l.c)
			assert.Empty(t, evs, "%s: %s is a known letter", field, l.c)
		}
	}
}

// GNU mailutils writes every attribute into Status, in its own order
// (O A F R d); others put them in any order and split them across the two
// fields. The union is read.
func TestStatusLettersAnyOrderUnion(t *testing.T) {
	cases := []struct {
		status, xstatus string
		want            mailconv.Flags
	}{
		{"RO", "", mailconv.FlagSeen},
		{"O", "", 0},
		{"ORA", "", mailconv.FlagSeen | mailconv.FlagAnswered},
		{"RAF", "", mailconv.FlagSeen | mailconv.FlagAnswered | mailconv.FlagFlagged},
		{"OAFRd", "", mailconv.FlagSeen | mailconv.FlagAnswered | mailconv.FlagFlagged | mailconv.FlagDeleted},
		{"AR", "FT", mailconv.FlagSeen | mailconv.FlagAnswered | mailconv.FlagFlagged | mailconv.FlagDraft},
		{"OR", "DFAT", mailconv.FlagSeen | mailconv.FlagAnswered | mailconv.FlagFlagged | mailconv.FlagDeleted | mailconv.FlagDraft},
		{"R O", " A ", mailconv.FlagSeen | mailconv.FlagAnswered},
		{"", "A", mailconv.FlagAnswered},
		{"U", "", 0},
	}
	for _, c := range cases {
		in := "From a@b Mon Jan  1 00:00:00 2001\nStatus: " + c.status + "\n"
		if c.xstatus != "" {
			in += "X-Status: " + c.xstatus + "\n"
		}
		in += "\nbody\n"
		msgs, _ := readAllFrom(t, strings.NewReader(in), ReaderOptions{})
		require.Len(t, msgs, 1)
		assert.Equal(t, c.want, msgs[0].msg.Flags, "Status: %q X-Status: %q", c.status, c.xstatus)
	}
}

// A letter with no known meaning is reported as a loss, once per message
// and letter, never silently dropped.
func TestStatusUnknownLetterReported(t *testing.T) {
	in := "From a@b Mon Jan  1 00:00:00 2001\nStatus: RQ\nX-Status: QZ\n\nbody\n"
	var evs []mailconv.Event
	msgs, _ := readAllFrom(t, strings.NewReader(in), ReaderOptions{Events: func(e mailconv.Event) { evs = appendNotInfo(evs, e) }})
	require.Len(t, msgs, 1)
	assert.Equal(t, mailconv.FlagSeen, msgs[0].msg.Flags)
	require.Len(t, evs, 1)
	assert.Equal(t, "mbox.unknown-status-letter", evs[0].Code)
	assert.Equal(t, mailconv.EventLoss, evs[0].Kind)
	assert.Contains(t, evs[0].Detail, `"QZ"`)
}

func appendNotInfo(evs []mailconv.Event, e mailconv.Event) []mailconv.Event {
	if e.Kind == mailconv.EventInfo {
		return evs
	}
	return append(evs, e)
}

// Every keyword-field convention we know (docs/formats/mbox-state.md):
// X-Keywords separated by spaces (Dovecot, c-client), by commas (mox, mu,
// mutt) or both, folded; X-Mozilla-Keys separated by spaces only
// (Thunderbird pads it with spaces; a comma belongs to the key).
func TestKeywordFieldSeparators(t *testing.T) {
	cases := []struct {
		field string
		want  []string
	}{
		{"X-Keywords: $label1 work", []string{"$label1", "work"}},
		{"X-Keywords: milton,john", []string{"milton", "john"}},
		{"X-Keywords: milton, john ,\tjane", []string{"milton", "john", "jane"}},
		{"X-Keywords: a\n b,\n\tc", []string{"a", "b", "c"}},
		{"X-Keywords: dup DUP", []string{"dup"}},
		{"X-Mozilla-Keys: $label2 todo                                        ", []string{"$label2", "todo"}},
		{"X-Mozilla-Keys: a,b c", []string{"a,b", "c"}},
		{"X-Keywords: x\nX-Mozilla-Keys: y", []string{"x", "y"}},
	}
	for _, c := range cases {
		in := "From a@b Mon Jan  1 00:00:00 2001\nStatus: RO\n" + c.field + "\n\nbody\n"
		msgs, _ := readAllFrom(t, strings.NewReader(in), ReaderOptions{})
		require.Len(t, msgs, 1)
		assert.Equal(t, c.want, msgs[0].msg.Keywords, "%q", c.field)
	}
}

// Google Takeout's X-Gmail-Labels: the system labels that carry state, in
// the interface languages we have seen (English, French), quoted or
// RFC 2047 encoded; "Unread" wins over "Opened"; other labels leave the
// state alone.
func TestGmailLabelsEveryStateLabel(t *testing.T) {
	cases := []struct {
		labels string
		want   mailconv.Flags
	}{
		{"Inbox,Opened", mailconv.FlagSeen},
		{"Inbox,Ouvert", mailconv.FlagSeen},
		{"Sent", mailconv.FlagSeen},
		{"=?UTF-8?Q?Messages_envoy=C3=A9s?=", mailconv.FlagSeen},
		{"Starred,Unread", mailconv.FlagFlagged},
		{"Suivis", mailconv.FlagFlagged},
		{"Messages suivis,Opened", mailconv.FlagFlagged | mailconv.FlagSeen},
		{"Draft", mailconv.FlagDraft | mailconv.FlagSeen},
		{"Drafts", mailconv.FlagDraft | mailconv.FlagSeen},
		{"Brouillons", mailconv.FlagDraft | mailconv.FlagSeen},
		{"Opened,Non lus", 0},
		{"\"Opened\",Important,Category Personal", mailconv.FlagSeen},
		{"Inbox,Important", mailconv.FlagNew}, // no state label: as without the field
	}
	for _, c := range cases {
		in := "From 123@xxx Tue Mar 11 01:31:25 +0000 2025\nX-GM-THRID: 1\nX-Gmail-Labels: " + c.labels + "\n\nbody\n"
		msgs, _ := readAllFrom(t, strings.NewReader(in), ReaderOptions{})
		require.Len(t, msgs, 1)
		assert.Equal(t, c.want, msgs[0].msg.Flags, "%q", c.labels)
	}
}
