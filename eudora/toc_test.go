package eudora_test

import (
	"bytes"
	"errors"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/eudora"
	"github.com/mailconv/mailconv/eudora/eudoratest"
	"github.com/mailconv/mailconv/mime"
)

func parse(t *testing.T, b []byte, p mime.Platform) (*eudora.TOC, error) {
	t.Helper()
	return eudora.ParseTOC(bytes.NewReader(b), int64(len(b)), p, "x.toc", eudora.TOCOptions{Text: true})
}

func TestParseWinTOC(t *testing.T) {
	b := eudoratest.WinTOC(eudoratest.WinHeader{Name: "Boîte", Type: 4, NextID: 3, MbxSizePlus1: 22673, Count: -1},
		[]eudoratest.WinRecord{
			{Offset: 0, Length: 2177, Seconds: 1292240575, State: 1, Flags: 0x8000, Priority: 3, DateString: "11:42 PM 12/12/2010",
				Who: "Jonathan Abbey", Subject: "Email Attachment Test", ID: 1, TZMinutes: -360, SizeKB: 3, Label: 4, FlagsEx: 0x0042},
			{Offset: 2177, Length: 500, State: 4, Priority: 5, ID: 2, IMAPFlags: 0x3, Junk: 0x85},
		})
	if len(b) != 104+2*218 {
		t.Fatalf("builder wrote %d bytes", len(b))
	}
	toc, err := parse(t, b, mime.Windows)
	if err != nil {
		t.Fatal(err)
	}
	if toc.Version != 0x31 || toc.Name != "Boîte" || toc.NextID != 3 || toc.MboxSizePlus1 != 22673 || len(toc.Records) != 2 {
		t.Fatalf("header: %+v", toc)
	}
	r := toc.Records[0]
	if r.Offset != 0 || r.Length != 2177 || r.Seconds != 1292240575 || r.State != 1 || r.Flags != 0x8000 || r.Priority != 3 ||
		r.DateString != "11:42 PM 12/12/2010" || r.Who != "Jonathan Abbey" || r.Subject != "Email Attachment Test" ||
		r.ID != 1 || r.TZMinutes != -360 || r.Label != 4 || r.FlagsEx != 0x42 {
		t.Errorf("record 0: %+v", r)
	}
	r = toc.Records[1]
	if r.Offset != 2177 || r.State != 4 || r.IMAPFlags != 3 || r.Junk != 0x85 || r.Index != 1 {
		t.Errorf("record 1: %+v", r)
	}
}

func TestParseWinTOCDamage(t *testing.T) {
	good := eudoratest.WinTOC(eudoratest.WinHeader{Count: -1}, make([]eudoratest.WinRecord, 3))
	cases := map[string][]byte{
		"short header":   good[:50],
		"truncated":      good[:len(good)-10],
		"padded":         append(append([]byte(nil), good...), 0),
		"count mismatch": eudoratest.WinTOC(eudoratest.WinHeader{Count: 5}, make([]eudoratest.WinRecord, 3)),
		"version":        eudoratest.WinTOC(eudoratest.WinHeader{Version: 0x0099, Count: -1}, nil),
		// A header claiming 10^6 records (low 16 bits) in a 2 KB file.
		"million claimed": eudoratest.WinTOC(eudoratest.WinHeader{Count: 1000000}, make([]eudoratest.WinRecord, 9)),
	}
	for name, b := range cases {
		_, err := parse(t, b, mime.Windows)
		var pe *mailconv.ParseError
		if !errors.As(err, &pe) || !errors.Is(err, mailconv.ErrFormat) {
			t.Errorf("%s: want a ParseError wrapping ErrFormat, got %v", name, err)
		} else if pe.File != "x.toc" {
			t.Errorf("%s: error names %q", name, pe.File)
		}
	}
}

func TestParseTOCLimits(t *testing.T) {
	b := eudoratest.WinTOC(eudoratest.WinHeader{Count: -1}, make([]eudoratest.WinRecord, 10))
	_, err := eudora.ParseTOC(bytes.NewReader(b), int64(len(b)), mime.Windows, "x.toc", eudora.TOCOptions{Limits: eudora.Limits{MaxTOCRecords: 9}})
	var le *mailconv.LimitError
	if !errors.As(err, &le) || le.Name != "MaxTOCRecords" {
		t.Fatalf("want LimitError MaxTOCRecords, got %v", err)
	}
	// A size claimed by the caller far beyond the data: the count comes
	// from the size, but nothing is allocated for records that are not
	// there (reading fails at the first missing record).
	var ms0, ms1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	claimed := int64(104 + 218*1000000)
	hdr := eudoratest.WinTOC(eudoratest.WinHeader{Count: 1000000 & 0xFFFF}, nil)
	_, err = eudora.ParseTOC(bytes.NewReader(hdr), claimed, mime.Windows, "x.toc", eudora.TOCOptions{})
	runtime.ReadMemStats(&ms1)
	if err == nil {
		t.Fatal("a TOC shorter than its claimed size parsed")
	}
	// Records are allocated as they are read, not from the claimed count.
	if d := ms1.TotalAlloc - ms0.TotalAlloc; d > 1<<20 {
		t.Fatalf("allocated %d bytes for a TOC with no records", d)
	}
}

func TestWinTOCVersions(t *testing.T) {
	for _, v := range []uint16{0x0030, 0x0031, 0x2E31, 0x002A} {
		b := eudoratest.WinTOC(eudoratest.WinHeader{Version: v, MbxSizePlus1: 0, Count: -1}, []eudoratest.WinRecord{{Offset: 0, Length: 10, State: 1}})
		toc, err := parse(t, b, mime.Windows)
		if err != nil {
			t.Errorf("version %#x: %v", v, err)
			continue
		}
		if toc.Version != v || toc.MboxSizePlus1 != 0 || len(toc.Records) != 1 {
			t.Errorf("version %#x: %+v", v, toc)
		}
	}
}

// The one real Eudora TOC we may ship: a Mac In.toc from 1996 (minor
// version 0), from emory-libraries/eulcommon (see testdata/eulcommon).
// Their test asserts offsets 0/1732, length 1732, body offset 955, who
// "Somebody " and subject "Welcome"; we check the same and more.
func TestMacTOCFixture(t *testing.T) {
	b, err := os.ReadFile("testdata/eulcommon/In.toc")
	if err != nil {
		t.Fatal(err)
	}
	toc, err := parse(t, b, mime.Mac)
	if err != nil {
		t.Fatal(err)
	}
	if toc.Version != 1 || toc.MinorVersion != 0 || toc.Name != "In" || len(toc.Records) != 2 {
		t.Fatalf("header: %+v", toc)
	}
	// The count field at 262 holds 0x0073 in this old TOC: the size rules.
	if toc.ClaimedCount != 0x73 || len(toc.Notes) == 0 {
		t.Errorf("claimed count %d, notes %v", toc.ClaimedCount, toc.Notes)
	}
	r0, r1 := toc.Records[0], toc.Records[1]
	if r0.Offset != 0 || r0.Length != 1732 || r0.BodyOffset != 955 || r0.State != eudora.MacRead || r0.Who != "Somebody " || r0.Subject != "Welcome" {
		t.Errorf("record 0: %+v", r0)
	}
	if r1.Offset != 1732 || r1.Length != 2339 || r1.BodyOffset != 850 {
		t.Errorf("record 1: %+v", r1)
	}
	// Seconds at 46 are valid in the old layout too: they agree with the
	// old date strings ("16:6:96 …", "23:6:96 …", day:month:year).
	if got := eudora.MacTime(r0.Seconds); !got.Equal(time.Date(1996, 6, 16, 7, 37, 2, 0, time.UTC)) {
		t.Errorf("record 0 date %v", got)
	}
	if got := eudora.MacTime(r1.Seconds); got.Day() != 23 || got.Month() != 6 || got.Year() != 1996 {
		t.Errorf("record 1 date %v", got)
	}
	if !strings.HasPrefix(r0.DateString, "16:6:96") || !strings.HasPrefix(r1.DateString, "23:6:96") {
		t.Errorf("date strings %q %q", r0.DateString, r1.DateString)
	}
	if r0.TZMinutes != 60 {
		t.Errorf("zone %d", r0.TZMinutes)
	}
}

func TestMacTOC(t *testing.T) {
	// Empty TOC: 498 bytes, one placeholder record, no message.
	empty := eudoratest.MacTOC(eudoratest.MacHeader{Name: "Trash", Count: -1}, nil)
	if len(empty) != 498 {
		t.Fatalf("empty TOC %d bytes", len(empty))
	}
	toc, err := parse(t, empty, mime.Mac)
	if err != nil || len(toc.Records) != 0 {
		t.Fatalf("empty: %v %+v", err, toc)
	}
	// Current layout: UTF-8 summary flag, label bits 14–17, priority,
	// REBUILT state.
	b := eudoratest.MacTOC(eudoratest.MacHeader{Name: "Réunions", Count: -1, Which: 6220}, []eudoratest.MacRecord{
		{Offset: 0, Length: 100, State: eudora.MacRebuilt, Flags: 1<<31 | 5<<14 | 1<<13, Priority: 40, Who: "Zoë", Subject: "Café", Opts: 0x880800, Seconds: 3000000000, Arrival: 3000000100},
		{Offset: 100, Length: 50, State: eudora.MacUnread},
	})
	if len(b) != 278+2*220 {
		t.Fatalf("builder wrote %d bytes", len(b))
	}
	toc, err = parse(t, b, mime.Mac)
	if err != nil {
		t.Fatal(err)
	}
	if toc.Name != "Réunions" || toc.Kind != 6220 || toc.MinorVersion != 9 {
		t.Errorf("header %+v", toc)
	}
	r := toc.Records[0]
	if r.Label != 5 || r.Priority != 40 || r.State != eudora.MacRebuilt || r.Opts != 0x880800 || r.Arrival != 3000000100 {
		t.Errorf("record: %+v", r)
	}
	// The builder writes MacRoman; with the UTF-8 flag set the bytes are
	// not valid UTF-8 and are read as MacRoman.
	if r.Who != "Zoë" || r.Subject != "Café" {
		t.Errorf("strings %q %q", r.Who, r.Subject)
	}
	// Mac header count must match the size (minor >= 6).
	bad := eudoratest.MacTOC(eudoratest.MacHeader{Count: 7}, make([]eudoratest.MacRecord, 2))
	if _, err := parse(t, bad, mime.Mac); !errors.Is(err, mailconv.ErrFormat) {
		t.Errorf("count mismatch accepted: %v", err)
	}
	if _, err := parse(t, b[:400], mime.Mac); !errors.Is(err, mailconv.ErrFormat) {
		t.Errorf("short TOC accepted: %v", err)
	}
}

func TestMacTOCUTF8Flag(t *testing.T) {
	b := eudoratest.MacTOC(eudoratest.MacHeader{Count: -1}, []eudoratest.MacRecord{{Offset: 0, Length: 10, Flags: 1 << 31}})
	// Write raw UTF-8 bytes into the who field (Pascal at 278+78).
	who := []byte("Zoë Ünïcode")
	b[278+78] = byte(len(who))
	copy(b[278+79:], who)
	toc, err := parse(t, b, mime.Mac)
	if err != nil {
		t.Fatal(err)
	}
	if toc.Records[0].Who != "Zoë Ünïcode" {
		t.Errorf("who %q", toc.Records[0].Who)
	}
}

// §7 item 17: fixture message 0 has Date "Sun, 12 Dec 2010 23:42:55 -0600"
// (true UTC 1292218975) and TOC seconds 1292240575, written by a PC on US
// Central time.
func TestWinTOCTimeFixture(t *testing.T) {
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2010, 12, 13, 5, 42, 55, 0, time.UTC)
	if got := eudora.WinTOCTime(1292240575, chicago); !got.Equal(want) {
		t.Errorf("WinTOCTime = %v, want %v", got, want)
	}
	if got := eudora.WinTOCTime(1292240575, time.FixedZone("", -6*3600)); !got.Equal(want) {
		t.Errorf("fixed zone: %v", got)
	}
	// Without the zone the stored value is 6 hours late.
	if time.Unix(1292240575, 0).Equal(want) {
		t.Error("the bias vanished")
	}
	// Summer time: Chicago is −5h.
	summer := time.Date(2010, 7, 1, 12, 0, 0, 0, time.UTC)
	if got := eudora.WinTOCTime(uint32(summer.Unix()+5*3600), chicago); !got.Equal(summer) {
		t.Errorf("summer: %v", got)
	}
}

func TestMapRecord(t *testing.T) {
	type want struct {
		flags mailconv.Flags
		kw    string
		comp  bool
	}
	S, A, D, F := mailconv.FlagSeen, mailconv.FlagAnswered, mailconv.FlagDraft, mailconv.FlagForwarded
	win := map[uint8]want{
		eudora.WinUnread:     {0, "", false},
		eudora.WinRead:       {S, "", false},
		eudora.WinReplied:    {S | A, "", false},
		eudora.WinForwarded:  {S | F, "", false},
		eudora.WinRedirect:   {S | F, "$Redirected", false},
		eudora.WinUnsendable: {S | D, "", true},
		eudora.WinSendable:   {S | D, "", true},
		eudora.WinQueued:     {S | D, "$SubmitPending", true},
		eudora.WinSent:       {S, "$Submitted", true},
		eudora.WinUnsent:     {S | D, "", true},
		eudora.WinTimeQueued: {S | D, "$SubmitPending", true},
		eudora.WinSpooled:    {S | D, "$SubmitPending", true},
		eudora.WinRecovered:  {S, "$EudoraRecovered", false},
	}
	mac := map[uint8]want{
		eudora.MacUnread:      {0, "", false},
		eudora.MacRead:        {S, "", false},
		eudora.MacReplied:     {S | A, "", false},
		eudora.MacRedist:      {S | F, "$Redirected", false},
		eudora.MacUnsendable:  {S | D, "", true},
		eudora.MacSendable:    {S | D, "", true},
		eudora.MacQueued:      {S | D, "$SubmitPending", true},
		eudora.MacForwarded:   {S | F, "", false},
		eudora.MacSent:        {S, "$Submitted", true},
		eudora.MacUnsent:      {S | D, "", true},
		eudora.MacTimed:       {S | D, "$SubmitPending", true},
		eudora.MacBusySending: {S | D, "$SubmitPending", true},
		eudora.MacMesgErr:     {S | D, "", true},
		eudora.MacRebuilt:     {S, "$EudoraRecovered", false},
	}
	for p, table := range map[mime.Platform]map[uint8]want{mime.Windows: win, mime.Mac: mac} {
		for st, w := range table {
			var m mailconv.Message
			comp, err := eudora.MapRecord(p, &eudora.Record{State: st}, &m)
			if err != nil || m.Flags != w.flags || comp != w.comp || strings.Join(m.Keywords, " ") != w.kw {
				t.Errorf("%v state %d: flags %v kw %v comp %v err %v; want %+v", p, st, m.Flags, m.Keywords, comp, err, w)
			}
		}
	}
	var m mailconv.Message
	if _, err := eudora.MapRecord(mime.Windows, &eudora.Record{State: 13}, &m); err == nil {
		t.Error("state 13 accepted on Windows")
	}
	// Labels, manual junk, IMAP flags (which win over the state).
	m = mailconv.Message{}
	eudora.MapRecord(mime.Windows, &eudora.Record{State: eudora.WinRead, Label: 7, Junk: 0x80 | 40, IMAPFlags: 0x04 | 0x02}, &m)
	if m.Flags != mailconv.FlagAnswered|mailconv.FlagFlagged || !m.HasKeyword("$label7") || !m.HasKeyword("$Junk") {
		t.Errorf("label/junk/imap: %v %v", m.Flags, m.Keywords)
	}
	// Mac redirect opt bit 25 on a forwarded message.
	m = mailconv.Message{}
	eudora.MapRecord(mime.Mac, &eudora.Record{State: eudora.MacRead, Opts: 1 << 25, Label: 3}, &m)
	if m.Flags != S|F || !m.HasKeyword("$Redirected") || !m.HasKeyword("$label3") {
		t.Errorf("mac redirect: %v %v", m.Flags, m.Keywords)
	}
}
