package applemail_test

import (
	"bytes"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/applemail/applemailtest"
	"github.com/mailconv/mailconv/internal/convtest"
	"github.com/mailconv/mailconv/internal/dovecottest"
)

// The flag bits the generator sets (docs/formats/applemail.md).
const (
	fRead, fDeleted, fAnswered, fFlagged, fDraft = 1 << 0, 1 << 1, 1 << 2, 1 << 4, 1 << 6
	fForwarded, fRedirected, fJunk, fNotJunk     = 1 << 8, 1 << 9, 1 << 24, 1 << 25
	fNoise                                       = 3<<10 | 3<<16 | 1<<23 | 1<<33 // attachments, priority, signed, high bits
)

func gmsg(id int, subj string, flags uint64, atts ...applemailtest.Attachment) applemailtest.Msg {
	return applemailtest.Msg{ID: id, Flags: flags | fNoise, Received: time.Unix(int64(1300000000+id*3600), 0).UTC(),
		Header: fmt.Sprintf("From: a@example.com\nTo: b@example.com\nSubject: %s\nMessage-Id: <%d.%s@example.com>\nDate: Sat, 1 Jan 2005 10:00:00 +0000\n",
			subj, id, strings.ReplaceAll(subj, " ", "-")),
		Text: "Text of " + subj + "\n", Attachments: atts}
}

func binData(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7) ^ seed
	}
	return b
}

// generatedStore is a V10 tree: an IMAP account with INBOX (a partial
// message with base64, quoted-printable and 7bit attachments, a message
// numbered over 1000 in the hashed Data/ tree), Sent Messages, a nested
// Projects/2024 and an .imapmbox; and the local mailboxes (On My Mac).
func generatedStore() applemailtest.Store {
	partial := gmsg(3, "partial", fRead|fFlagged,
		applemailtest.Attachment{Name: "data.bin", Data: binData(5000, 3)},
		applemailtest.Attachment{Name: "notes.txt", Type: "text/plain", Encoding: "quoted-printable",
			Data: []byte("Grüße = equals\nline two with trailing space \n" + strings.Repeat("long line ", 20) + "\n")},
		applemailtest.Attachment{Name: "short.txt", Type: "text/plain", Encoding: "7bit", Data: []byte("Short text.\n")})
	partial.Partial = true
	return applemailtest.Store{Version: 10, Accounts: []applemailtest.Account{
		{Dir: "7A1C0D1E-0000-4000-8000-ABCDEF012345", Mailboxes: []applemailtest.Mailbox{
			{Name: "INBOX", Msgs: []applemailtest.Msg{
				gmsg(1, "plain unread", 0),
				gmsg(2, "read answered", fRead|fAnswered),
				partial,
				gmsg(4, "attached", fRead, applemailtest.Attachment{Name: "kept.bin", Data: binData(300, 9)}),
				gmsg(123456, "hashed", fRead|fForwarded|fRedirected),
			}},
			{Name: "Sent Messages", Msgs: []applemailtest.Msg{gmsg(10, "sent", fRead)}},
			{Name: "Projects", Children: []applemailtest.Mailbox{
				{Name: "2024", Msgs: []applemailtest.Msg{gmsg(20, "project", fRead|fDeleted|fJunk)}},
			}},
			{Name: "Shared", IMAP: true, Msgs: []applemailtest.Msg{gmsg(30, "shared", fDraft|fNotJunk)}},
		}},
		{Dir: "Mailboxes", Mailboxes: []applemailtest.Mailbox{
			{Name: "Archiv Ärger", Msgs: []applemailtest.Msg{gmsg(40, "local", fRead)}},
		}},
	}}
}

// wantFlags is what each generated message's flags word means, by subject.
var wantFlags = map[string][]string{
	"plain unread":  nil,
	"read answered": {`\Answered`, `\Seen`},
	"partial":       {`\Flagged`, `\Seen`},
	"attached":      {`\Seen`},
	"hashed":        {`$Forwarded`, `$Redirected`, `\Seen`},
	"sent":          {`\Seen`},
	"project":       {`$Junk`, `\Deleted`, `\Seen`},
	"shared":        {`$NotJunk`, `\Draft`},
	"local":         {`\Seen`},
}

// TestGeneratedStore is acceptance 1 and 5 for generated stores of both
// layouts (V2: Messages/ in the mailbox; V10: <UUID>/Data/…): folder names
// as the tree gives them, every message with its flags, keywords and
// received date, the partial message rebuilt (attachments decoded by
// go-message equal the stored files); conversion to maildir, verify and
// Dovecot agree.
func TestGeneratedStore(t *testing.T) {
	for _, version := range []int{2, 10} {
		t.Run(fmt.Sprint("V", version), func(t *testing.T) {
			st := generatedStore()
			st.Version = version
			lib := filepath.Join(t.TempDir(), "Mail")
			vdir, err := applemailtest.Write(lib, st)
			require.NoError(t, err)
			assert.Equal(t, 100, detect(t, lib))
			assert.Equal(t, 100, detect(t, vdir))

			ev := &convtest.Events{}
			names, msgs := convtest.ReadAll(t, convtest.Open(t, "applemail", lib, nil, ev))
			assert.Equal(t, []string{
				"7A1C0D1E-0000-4000-8000-ABCDEF012345",
				"7A1C0D1E-0000-4000-8000-ABCDEF012345/INBOX",
				"7A1C0D1E-0000-4000-8000-ABCDEF012345/Projects",
				"7A1C0D1E-0000-4000-8000-ABCDEF012345/Projects/2024",
				"7A1C0D1E-0000-4000-8000-ABCDEF012345/Sent Messages",
				"7A1C0D1E-0000-4000-8000-ABCDEF012345/Shared",
				"On My Mac", "On My Mac/Archiv Ärger",
			}, names)
			assert.Empty(t, ev.List)
			require.Len(t, msgs, len(wantFlags))
			byID := map[string]applemailtest.Msg{}
			for _, a := range st.Accounts {
				var walk func([]applemailtest.Mailbox)
				walk = func(mbs []applemailtest.Mailbox) {
					for _, mb := range mbs {
						for _, m := range mb.Msgs {
							byID[fmt.Sprint(m.ID)] = m
						}
						walk(mb.Children)
					}
				}
				walk(a.Mailboxes)
			}
			for _, m := range msgs {
				g := byID[m.ID]
				subj := mailconv.HeaderValue(m.Body, "Subject")
				assert.Equal(t, wantFlags[subj], nilIfEmpty(flagNames(m)), subj)
				assert.Equal(t, g.Received, m.Date, subj)
				assert.Equal(t, mailconv.DateIndex, m.Source)
				assert.Equal(t, g.Partial, m.Rebuilt, subj)
				// A rebuilt message is also the message the generator
				// would have stored whole.
				assert.Equal(t, string(g.Full()), string(m.Body), subj)
				parts := leafParts(t, m.Body)
				for i, a := range g.Attachments {
					assert.True(t, bytes.Equal(a.Data, parts[fmt.Sprint(i+2)]), "%s: attachment %s", subj, a.Name)
				}
			}

			out, rep := convtest.Convert(t, "applemail", lib, "maildir", nil)
			assert.Equal(t, len(msgs), rep.Totals.MessagesWritten)
			res := convtest.Verify(t, "applemail", lib, nil, "maildir", out)
			if !assert.True(t, res.OK, "%+v", res.Totals) {
				for _, mb := range res.Mailboxes {
					t.Logf("%+v", mb)
				}
			}
			assert.Equal(t, len(msgs), res.Totals.Matched)

			dovecottest.Require(t)
			s := dovecottest.Open(t, out, dovecottest.Config{})
			got := s.Fetch()
			require.Len(t, got, len(msgs))
			dates := map[string]time.Time{}
			for _, m := range msgs {
				dates[mailconv.HeaderValue(m.Body, "Subject")] = m.Date
			}
			for _, d := range got {
				subj := mailconv.HeaderValue(d.Text, "Subject")
				fl := append([]string(nil), d.Flags...)
				sort.Strings(fl)
				assert.Equal(t, wantFlags[subj], nilIfEmpty(fl), subj)
				assert.Equal(t, dates[subj].Unix(), d.Received.Unix(), subj)
			}
		})
	}
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

func detect(t *testing.T, p string) int {
	t.Helper()
	f, ok := mailconv.LookupFormat("applemail")
	require.True(t, ok)
	return f.Detect(p)
}

// TestExportBundle: Apple Mail's exported Name.mbox bundles (an mbox file
// and a table_of_contents) are read as mbox under the bundle's name, alone
// or as a folder of bundles; detection prefers applemail over mbox for
// them.
func TestExportBundle(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "Export")
	b1, err := applemailtest.WriteBundle(dir, "Family", [][]byte{
		[]byte("From: a@example.com\nSubject: one\n\nFrom here on\n"), []byte("Subject: two\n\nbody\n")})
	require.NoError(t, err)
	_, err = applemailtest.WriteBundle(dir, "Work", [][]byte{[]byte("Subject: three\n\nx\n")})
	require.NoError(t, err)

	best, err := mailconv.DetectFormat(b1)
	require.NoError(t, err)
	assert.Equal(t, "applemail", best.Name)
	best, err = mailconv.DetectFormat(dir)
	require.NoError(t, err)
	assert.Equal(t, "applemail", best.Name)

	ev := &convtest.Events{}
	names, msgs := convtest.ReadAll(t, convtest.Open(t, "applemail", b1, nil, ev))
	assert.Equal(t, []string{"Family"}, names)
	require.Len(t, msgs, 2)
	assert.Equal(t, "From: a@example.com\nSubject: one\n\nFrom here on\n", string(msgs[0].Body))
	for _, e := range ev.List {
		assert.Equal(t, mailconv.EventInfo, e.Kind, "%v", e)
		assert.Equal(t, mailconv.Path{"Family"}, e.Mailbox)
	}

	names, msgs = convtest.ReadAll(t, convtest.Open(t, "applemail", dir, nil, nil))
	assert.Equal(t, []string{"Family", "Work"}, names)
	assert.Len(t, msgs, 3)
	out, _ := convtest.Convert(t, "applemail", dir, "maildir", nil)
	res := convtest.Verify(t, "applemail", dir, nil, "maildir", out)
	assert.True(t, res.OK, "%+v", res.Totals)
	assert.Equal(t, 3, res.Totals.Matched)
}
