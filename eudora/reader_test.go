package eudora_test

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/eudora"
	"github.com/mailconv/mailconv/eudora/eudoratest"
)

func inbox(msgs ...eudoratest.Msg) *eudoratest.Store {
	return &eudoratest.Store{Root: eudoratest.Folder{Mailboxes: []*eudoratest.Mailbox{{Name: "In", Msgs: msgs}}}}
}

func storedOf(l *eudoratest.Layout, box string, live bool) []string {
	var out []string
	for _, m := range l.Box(box).Msgs {
		if !live || !m.Deleted {
			out = append(out, string(m.Stored))
		}
	}
	return out
}

// §7 items 14 and acceptance 4: deleted-before-compaction bytes are not
// emitted; recover=list reports them; recover=emit emits them, marked.
func TestDeletedBeforeCompaction(t *testing.T) {
	st := inbox(
		eudoratest.Msg{Raw: msg("kept 1", "one\r\n"), State: eudora.WinRead},
		eudoratest.Msg{Raw: msg("deleted 1", "gone\r\n"), Deleted: true},
		eudoratest.Msg{Raw: msg("deleted 2", "gone too\r\n"), Deleted: true},
		eudoratest.Msg{Raw: msg("kept 2", "two\r\n"), State: eudora.WinReplied},
		eudoratest.Msg{Raw: msg("deleted 3", "at the end\r\n"), Deleted: true},
	)
	dir := t.TempDir()
	l, err := st.Write(dir)
	if err != nil {
		t.Fatal(err)
	}
	// Default: only the TOC's messages.
	s, ev := open(t, dir, eudora.Config{Raw: true})
	msgs, det := readBox(t, s, "INBOX")
	if !equalStrings(bodies(msgs), storedOf(l, "In.mbx", true)) {
		t.Fatalf("bodies %q", bodies(msgs))
	}
	for _, m := range msgs {
		if strings.Contains(m.Body, "deleted") {
			t.Fatalf("deleted message emitted: %q", m.Body)
		}
	}
	if det.UncoveredRanges != 2 || det.UncoveredBytes == 0 || det.TOC != "used" {
		t.Errorf("details %+v", det)
	}
	if !ev.has("eudora.deleted-bytes") {
		t.Error("uncovered bytes not reported")
	}
	// recover=list: one event per range, nothing more emitted.
	s, ev = open(t, dir, eudora.Config{Raw: true, Recover: eudora.RecoverList})
	msgs, _ = readBox(t, s, "INBOX")
	if len(msgs) != 2 || len(ev.code("eudora.deleted-bytes")) != 2 {
		t.Fatalf("list: %d messages, events %v", len(msgs), ev.code("eudora.deleted-bytes"))
	}
	// recover=emit: the three deleted messages follow, in file order, with
	// $EudoraDeleted, split at their separators.
	s, _ = open(t, dir, eudora.Config{Raw: true, Recover: eudora.RecoverEmit})
	msgs, det = readBox(t, s, "INBOX")
	if len(msgs) != 5 {
		t.Fatalf("emit: %d messages", len(msgs))
	}
	all := l.Box("In.mbx").Msgs
	wantBodies := []string{string(all[0].Stored), string(all[3].Stored), string(all[1].Stored), string(all[2].Stored), string(all[4].Stored)}
	if !equalStrings(bodies(msgs), wantBodies) {
		t.Fatalf("emit bodies %q", bodies(msgs))
	}
	for i, m := range msgs {
		if del := m.HasKeyword("$EudoraDeleted"); del != (i >= 2) {
			t.Errorf("message %d: $EudoraDeleted %v", i, del)
		}
		if i >= 2 && (m.Flags != 0 || !strings.HasPrefix(m.ID, "deleted:") || m.Source.Offset != all[[]int{0, 3, 1, 2, 4}[i]].Offset) {
			t.Errorf("recovered %d: %+v", i, m.Message)
		}
	}
	if det.Recovered != 3 {
		t.Errorf("details %+v", det)
	}
}

// §7 item 15: TOC order differs from file order (a sorted mailbox).
func TestTOCOrder(t *testing.T) {
	st := inbox(
		eudoratest.Msg{Raw: msg("a", "a\r\n")},
		eudoratest.Msg{Raw: msg("b", "b\r\n")},
		eudoratest.Msg{Raw: msg("c", "c\r\n")},
	)
	st.Root.Mailboxes[0].Order = []int{2, 0, 1}
	s, l, _ := build(t, st, eudora.Config{Raw: true})
	msgs, _ := readBox(t, s, "INBOX")
	all := storedOf(l, "In.mbx", true)
	if !equalStrings(bodies(msgs), []string{all[2], all[0], all[1]}) {
		t.Fatalf("order %q", bodies(msgs))
	}
	if msgs[0].ID != fmt.Sprintf("toc:%d:%d", l.Box("In.mbx").Msgs[2].Offset, l.Box("In.mbx").Msgs[2].Length) {
		t.Errorf("ID %s", msgs[0].ID)
	}
}

// §7 item 8: body lines starting "From " that fail the strict test do not
// split; one that passes was escaped with '>' (received) or ' '
// (composed) by Eudora and stays as stored.
func TestBodyFromLines(t *testing.T) {
	body := "From the desk of the editor\r\n" +
		">From ???@??? Mon Dec 13 18:45:29 2010\r\n" +
		" From ???@??? Mon Dec 13 18:45:29 2010\r\n" +
		"From here to there\r\n"
	st := inbox(eudoratest.Msg{Raw: msg("froms", body)}, eudoratest.Msg{Raw: msg("next", "x\r\n")})
	st.Root.Mailboxes[0].TOC = eudoratest.TOCNone // force the scanner
	s, l, _ := build(t, st, eudora.Config{Raw: true})
	msgs, det := readBox(t, s, "INBOX")
	if det.TOC != "scanned" || det.Reason != "no TOC" {
		t.Errorf("details %+v", det)
	}
	if !equalStrings(bodies(msgs), storedOf(l, "In.mbx", false)) {
		t.Fatalf("split wrongly: %q", bodies(msgs))
	}
}

// §7 item 9: separators not written by Eudora (imported mailboxes): real
// addresses, two-digit years, a zone; and item 36: a message without Date:
// takes the separator's local time in the configured zone.
func TestSeparatorVariantsAndDates(t *testing.T) {
	st := inbox(
		eudoratest.Msg{Raw: "Subject: no date\r\n\r\nx\r\n", Separator: "From joe@example.com Tue Dec 14 12:26:20 2010"},
		eudoratest.Msg{Raw: "Subject: two digit\r\n\r\ny\r\n", Separator: "From ???@??? Mon Dec 13 18:45:29 99"},
		eudoratest.Msg{Raw: "Subject: zone\r\nDate: Mon 13 Dec 1999 18:45:29 -0500\r\n\r\nz\r\n", Separator: "From ???@??? Mon Dec 13 18:45:29 CST 2010"},
	)
	st.Root.Mailboxes[0].TOC = eudoratest.TOCNone
	chicago, _ := time.LoadLocation("America/Chicago")
	s, l, ev := build(t, st, eudora.Config{Raw: true, Zone: chicago})
	msgs, _ := readBox(t, s, "INBOX")
	if !equalStrings(bodies(msgs), storedOf(l, "In.mbx", false)) {
		t.Fatalf("bodies %q", bodies(msgs))
	}
	if msgs[0].Sender != "joe@example.com" || !msgs[0].Date.Equal(time.Date(2010, 12, 14, 18, 26, 20, 0, time.UTC)) || msgs[0].DateSource != mailconv.DateEnvelope {
		t.Errorf("msg 0: %+v", msgs[0].Message)
	}
	if msgs[1].Date.Year() != 1999 || msgs[1].DateSource != mailconv.DateEnvelope {
		t.Errorf("msg 1: %+v", msgs[1].Message)
	}
	if !msgs[2].Date.Equal(time.Date(1999, 12, 13, 23, 45, 29, 0, time.UTC)) || msgs[2].DateSource != mailconv.DateHeader {
		t.Errorf("msg 2: %v %v", msgs[2].Date, msgs[2].DateSource)
	}
	if ev.has("eudora.zone-assumed") {
		t.Error("zone configured, yet reported as assumed")
	}
	// Without a zone: UTC, reported once.
	s, ev = open(t, l.Dir, eudora.Config{Raw: true})
	msgs, _ = readBox(t, s, "INBOX")
	if !msgs[0].Date.Equal(time.Date(2010, 12, 14, 12, 26, 20, 0, time.UTC)) || len(ev.code("eudora.zone-assumed")) != 1 {
		t.Errorf("no zone: %v %v", msgs[0].Date, ev.code("eudora.zone-assumed"))
	}
}

// §7 item 17 through the reader: a message whose Date: header the reader
// cannot parse but Eudora could takes the TOC seconds, corrected with the
// configured zone; a message without Date: takes the TOC seconds as they
// are (Eudora computed them with mktime from the separator).
func TestTOCDates(t *testing.T) {
	st := inbox(
		eudoratest.Msg{Raw: "Subject: good date\r\nDate: Sun, 12 Dec 2010 23:42:55 -0600\r\n\r\nx\r\n", Seconds: 1292240575, TZMinutes: -360},
		eudoratest.Msg{Raw: "Subject: odd date\r\nDate: sometime on 12/12/2010\r\n\r\nx\r\n", Seconds: 1292240575, TZMinutes: -360},
		eudoratest.Msg{Raw: "Subject: no date\r\n\r\nx\r\n", Seconds: 1292218975},
	)
	want := time.Date(2010, 12, 13, 5, 42, 55, 0, time.UTC)
	chicago, _ := time.LoadLocation("America/Chicago")
	s, l, _ := build(t, st, eudora.Config{Raw: true, Zone: chicago})
	msgs, _ := readBox(t, s, "INBOX")
	for i, m := range msgs {
		if !m.Date.Equal(want) {
			t.Errorf("msg %d: %v (%v), want %v", i, m.Date.UTC(), m.DateSource, want)
		}
	}
	if msgs[0].DateSource != mailconv.DateHeader || msgs[1].DateSource != mailconv.DateIndex || msgs[2].DateSource != mailconv.DateIndex {
		t.Errorf("sources %v %v %v", msgs[0].DateSource, msgs[1].DateSource, msgs[2].DateSource)
	}
	// Without the zone, the biased TOC date is not used: the separator
	// (read as UTC, reported) is.
	s, _ = open(t, l.Dir, eudora.Config{Raw: true})
	msgs, _ = readBox(t, s, "INBOX")
	if msgs[1].DateSource != mailconv.DateEnvelope {
		t.Errorf("no zone: %v", msgs[1].DateSource)
	}
}

// §7 item 10: no blank line before the next separator; last message
// without a final line end.
func TestNoBlankLineNoFinalNewline(t *testing.T) {
	for _, scan := range []bool{false, true} {
		st := inbox(
			eudoratest.Msg{Raw: msg("tight", "no blank line follows") + "\r\n"},
			eudoratest.Msg{Raw: msg("last", "no final newline")},
		)
		if scan {
			st.Root.Mailboxes[0].TOC = eudoratest.TOCNone
		}
		s, l, _ := build(t, st, eudora.Config{Raw: true})
		msgs, _ := readBox(t, s, "INBOX")
		if !equalStrings(bodies(msgs), storedOf(l, "In.mbx", false)) {
			t.Errorf("scan=%v: %q", scan, bodies(msgs))
		}
	}
}

// §7 item 11: messages whose separator is malformed are split by the TOC
// (a scan would merge them); a record whose separator is gone is a
// fragment; a record a few bytes off is moved to its separator.
func TestTOCSplitsDamage(t *testing.T) {
	st := inbox(
		eudoratest.Msg{Raw: msg("one", "1\r\n")},
		eudoratest.Msg{Raw: msg("malformed separator", "2\r\n"), Separator: "From nobody at all"},
		eudoratest.Msg{Raw: msg("fragment", "3\r\n"), NoSeparator: true},
		eudoratest.Msg{Raw: msg("off by two", "4\r\n"), Before: "\r\n", RecOffsetDelta: -2, RecLengthDelta: 2},
		eudoratest.Msg{Raw: msg("last", "5\r\n")},
	)
	s, l, ev := build(t, st, eudora.Config{Raw: true})
	msgs, det := readBox(t, s, "INBOX")
	want := storedOf(l, "In.mbx", false)
	// The fragment has no separator: all its bytes are the message.
	if !equalStrings(bodies(msgs), want) {
		t.Fatalf("bodies\n%q\nwant\n%q", bodies(msgs), want)
	}
	if det.TOC != "used" || det.Fragments != 1 || det.Adjusted != 1 {
		t.Errorf("details %+v", det)
	}
	if !ev.has("eudora.fragment") || !ev.has("eudora.toc-offset-adjusted") {
		t.Errorf("events %v", ev.all)
	}
	// Scanning the same mailbox merges the malformed one into its
	// predecessor, as Eudora's rebuild does.
	os.Remove(filepath.Join(l.Dir, "In.toc"))
	s, _ = open(t, l.Dir, eudora.Config{Raw: true})
	msgs, _ = readBox(t, s, "INBOX")
	if len(msgs) != 3 {
		t.Errorf("scan found %d messages", len(msgs))
	}
}

// §7 item 12: NUL bytes, lone LF in a CRLF file, lone CR, 0x1A at the end.
func TestOddBytes(t *testing.T) {
	st := inbox(
		eudoratest.Msg{Raw: "Subject: nul\r\n\r\nbefore\x00\x00after\r\n"},
		eudoratest.Msg{Raw: "Subject: lone lf\r\n\r\nline\nnext\r\n"},
		eudoratest.Msg{Raw: "Subject: lone cr\r\n\r\nline\rFrom ???@??? Mon Dec 13 18:45:29 2010\rnext\r\n"},
	)
	st.Root.Mailboxes[0].Trailer = "\x1a"
	for _, scan := range []bool{false, true} {
		if scan {
			st.Root.Mailboxes[0].TOC = eudoratest.TOCNone
		}
		s, l, ev := build(t, st, eudora.Config{Raw: true})
		msgs, det := readBox(t, s, "INBOX")
		stored := storedOf(l, "In.mbx", false)
		if scan {
			// A lone CR ends a line for Eudora's scanner too: the separator
			// after it starts a message.
			if len(msgs) != 4 || !strings.HasPrefix(msgs[3].Body, "next") {
				t.Fatalf("scan: %q", bodies(msgs))
			}
			continue
		}
		want := []string{strings.ReplaceAll(stored[0], "\x00", ""), stored[1], stored[2]}
		if !equalStrings(bodies(msgs), want) {
			t.Fatalf("bodies %q", bodies(msgs))
		}
		if det.NULsDropped != 2 {
			t.Errorf("NULs dropped %d", det.NULsDropped)
		}
		if e := ev.code("eudora.nul-dropped"); len(e) != 1 || e[0].Message != msgs[0].ID {
			t.Errorf("NUL events %v", e)
		}
		if det.UncoveredRanges != 0 {
			t.Errorf("0x1A counted as deleted bytes: %+v", det)
		}
	}
}

// §7 item 13: a TOC is used when structurally valid whatever its mtime;
// a wrong stored mailbox size or record count makes the reader scan.
func TestTOCStale(t *testing.T) {
	base := func() *eudoratest.Store {
		return inbox(
			eudoratest.Msg{Raw: msg("one", "1\r\n"), State: eudora.WinReplied},
			eudoratest.Msg{Raw: msg("deleted", "x\r\n"), Deleted: true},
			eudoratest.Msg{Raw: msg("two", "2\r\n"), State: eudora.WinForwarded},
		)
	}
	// Old mtime: noted, TOC still used.
	st := base()
	dir := t.TempDir()
	l, _ := st.Write(dir)
	old := time.Now().Add(-48 * time.Hour)
	os.Chtimes(filepath.Join(dir, "In.toc"), old, old)
	s, ev := open(t, dir, eudora.Config{Raw: true})
	msgs, det := readBox(t, s, "INBOX")
	if det.TOC != "used" || len(msgs) != 2 || !ev.has("eudora.toc-older") {
		t.Errorf("mtime: %+v %d %v", det, len(msgs), ev.all)
	}

	// Stored size wrong (the mailbox was truncated): scan; records that
	// match a scanned message keep their state, others are RECOVERED.
	st = base()
	bad := uint32(99999)
	st.Root.Mailboxes[0].MbxSize = &bad
	s, l, ev = build(t, st, eudora.Config{Raw: true})
	msgs, det = readBox(t, s, "INBOX")
	if det.TOC != "scanned" || !strings.Contains(det.Reason, "truncated") || det.Salvaged != 2 || len(msgs) != 3 {
		t.Fatalf("size: %+v, %d messages", det, len(msgs))
	}
	if msgs[0].Flags != mailconv.FlagSeen|mailconv.FlagAnswered || msgs[2].Flags != mailconv.FlagSeen|mailconv.FlagForwarded {
		t.Errorf("salvaged states %v %v", msgs[0].Flags, msgs[2].Flags)
	}
	if !msgs[1].HasKeyword("$EudoraRecovered") || msgs[1].Flags != mailconv.FlagSeen {
		t.Errorf("unsalvaged: %v %v", msgs[1].Flags, msgs[1].Keywords)
	}
	if !ev.has("eudora.scanned") {
		t.Error("no eudora.scanned event")
	}
	_ = l

	// Count mismatch.
	st = base()
	n := 7
	st.Root.Mailboxes[0].Count = &n
	s, _, _ = build(t, st, eudora.Config{Raw: true})
	_, det = readBox(t, s, "INBOX")
	if det.TOC != "scanned" || !strings.Contains(det.Reason, "claims 7 records") {
		t.Errorf("count: %+v", det)
	}

	// Mailbox grew after the TOC was written: TOC used, the tail scanned
	// and its messages marked recovered.
	st = base()
	st.Root.Mailboxes[0].Msgs = append(st.Root.Mailboxes[0].Msgs, eudoratest.Msg{Raw: msg("new", "arrived later\r\n"), Deleted: true})
	dir = t.TempDir()
	l, _ = st.Write(dir)
	// Rewrite the stored size as it was before the last message.
	tocPath := filepath.Join(dir, "In.toc")
	b, _ := os.ReadFile(tocPath)
	binary.LittleEndian.PutUint32(b[96:], uint32(l.Box("In.mbx").Msgs[3].Offset+1))
	os.WriteFile(tocPath, b, 0o644)
	s, _ = open(t, dir, eudora.Config{Raw: true})
	msgs, det = readBox(t, s, "INBOX")
	if det.TOC != "used+tail" || len(msgs) != 3 || !strings.Contains(msgs[2].Body, "arrived later") || !msgs[2].HasKeyword("$EudoraRecovered") {
		t.Errorf("grew: %+v %q", det, bodies(msgs))
	}
	if det.UncoveredRanges != 1 { // the deleted message stays deleted
		t.Errorf("grew: uncovered %+v", det)
	}
}

// §7 item 16: older TOC versions and a zero "mailbox size" field.
func TestTOCVersionsInStore(t *testing.T) {
	for _, v := range []uint16{0x0030, 0x2E31} {
		st := inbox(eudoratest.Msg{Raw: msg("v", "v\r\n"), State: eudora.WinRead})
		st.Root.Mailboxes[0].TOCVersion = v
		zero := uint32(0)
		st.Root.Mailboxes[0].MbxSize = &zero
		s, _, _ := build(t, st, eudora.Config{Raw: true})
		msgs, det := readBox(t, s, "INBOX")
		if det.TOC != "used" || len(msgs) != 1 || msgs[0].Flags != mailconv.FlagSeen {
			t.Errorf("version %#x: %+v %+v", v, det, msgs)
		}
	}
}

// §7 item 18: Out with SENT, QUEUED, UNSENT; without its TOC every message
// becomes unsendable (a draft).
func TestOutStates(t *testing.T) {
	comp := func(s string) string {
		return "To: a@b\r\nFrom: me@here\r\nSubject: " + s + "\r\nCc: \r\nBcc: \r\nX-Attachments: \r\n\r\nbody\r\n"
	}
	st := &eudoratest.Store{Root: eudoratest.Folder{Mailboxes: []*eudoratest.Mailbox{
		{Name: "In"},
		{Name: "Out", Msgs: []eudoratest.Msg{
			{Raw: comp("sent"), State: eudora.WinSent},
			{Raw: comp("queued"), State: eudora.WinQueued},
			{Raw: comp("unsent"), State: eudora.WinUnsent},
		}},
	}}}
	s, l, _ := build(t, st, eudora.Config{Raw: true})
	msgs, _ := readBox(t, s, "Out")
	S, D := mailconv.FlagSeen, mailconv.FlagDraft
	if msgs[0].Flags != S || !msgs[0].HasKeyword("$Submitted") || msgs[1].Flags != S|D || !msgs[1].HasKeyword("$SubmitPending") || msgs[2].Flags != S|D {
		t.Errorf("states: %v %v / %v %v / %v", msgs[0].Flags, msgs[0].Keywords, msgs[1].Flags, msgs[1].Keywords, msgs[2].Flags)
	}
	os.Remove(filepath.Join(l.Dir, "Out.toc"))
	s, _ = open(t, l.Dir, eudora.Config{Raw: true})
	msgs, _ = readBox(t, s, "Out")
	for i, m := range msgs {
		if m.Flags != S|D || m.HasKeyword("$EudoraRecovered") {
			t.Errorf("rebuilt Out %d: %v %v", i, m.Flags, m.Keywords)
		}
	}
}

// §7 item 37: a mailbox repaired in place by Eudora_fix_mbx: same size,
// damaged bytes replaced by NULs, TOC mtime touched. The TOC still applies;
// the NULs are dropped.
func TestFixMbxAltered(t *testing.T) {
	st := inbox(
		eudoratest.Msg{Raw: msg("one", "good\r\n"), State: eudora.WinRead},
		eudoratest.Msg{Raw: msg("two", "damaged part here\r\n"), State: eudora.WinRead},
	)
	dir := t.TempDir()
	l, _ := st.Write(dir)
	mbx := filepath.Join(dir, "In.mbx")
	b, _ := os.ReadFile(mbx)
	m1 := l.Box("In.mbx").Msgs[1]
	i := int(m1.Offset+m1.Length) - len("damaged part here\r\n")
	copy(b[i:], make([]byte, len("damaged part")))
	os.WriteFile(mbx, b, 0o644)
	future := time.Now().Add(time.Hour)
	os.Chtimes(filepath.Join(dir, "In.toc"), future, future)
	s, _ := open(t, dir, eudora.Config{Raw: true})
	msgs, det := readBox(t, s, "INBOX")
	if det.TOC != "used" || len(msgs) != 2 || !strings.HasSuffix(msgs[1].Body, "\r\n\r\n here\r\n") || det.NULsDropped != int64(len("damaged part")) {
		t.Fatalf("%+v %q", det, bodies(msgs))
	}
}

// A separator line longer than the reader's look-ahead is still removed
// whole.
func TestLongSeparatorLine(t *testing.T) {
	long := "From someone@example.com Mon Dec 13 18:45:29 2010 " + strings.Repeat("x", 3000)
	st := inbox(eudoratest.Msg{Raw: msg("long sep", "body\r\n"), Separator: long})
	for _, raw := range []bool{true, false} {
		s, l, _ := build(t, st, eudora.Config{Raw: raw})
		msgs, _ := readBox(t, s, "INBOX")
		if len(msgs) != 1 || strings.Contains(msgs[0].Body, "xxxx") {
			t.Fatalf("raw=%v: %q", raw, bodies(msgs))
		}
		if raw && msgs[0].Body != storedOf(l, "In.mbx", false)[0] {
			t.Errorf("body %q", msgs[0].Body)
		}
	}
}
