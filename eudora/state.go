package eudora

import (
	"fmt"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/mime"
)

// Keywords this package sets (docs/formats/eudora.md §3.7).
const (
	// KeywordRedirected marks a message Eudora redirected (it also gets
	// $Forwarded, the nearest registered keyword).
	KeywordRedirected = "$Redirected"
	// KeywordRecovered marks a message whose state Eudora itself lost
	// (state RECOVERED/REBUILT) or that was found by scanning a mailbox
	// whose TOC could not be used.
	KeywordRecovered = "$EudoraRecovered"
	// KeywordDeleted marks a message recovered from bytes no TOC record
	// covers (deleted or transferred before compaction; recover=emit).
	KeywordDeleted = "$EudoraDeleted"
	// KeywordSubmitPending marks a queued composition.
	KeywordSubmitPending = "$SubmitPending"
	// KeywordSubmitted marks a sent composition.
	KeywordSubmitted = "$Submitted"
	// KeywordJunk marks a message the user marked as junk.
	KeywordJunk = "$Junk"
)

// stateInfo is a state's meaning, independent of the platform numbering.
type stateInfo struct {
	flags       mailconv.Flags
	keywords    []string
	composition bool
	known       bool
}

// winStates maps Windows TOC states (summary.h).
var winStates = [winStateLimit]stateInfo{
	WinUnread:     {known: true},
	WinRead:       {flags: mailconv.FlagSeen, known: true},
	WinReplied:    {flags: mailconv.FlagSeen | mailconv.FlagAnswered, known: true},
	WinForwarded:  {flags: mailconv.FlagSeen | mailconv.FlagForwarded, known: true},
	WinRedirect:   {flags: mailconv.FlagSeen | mailconv.FlagForwarded, keywords: []string{KeywordRedirected}, known: true},
	WinUnsendable: {flags: mailconv.FlagSeen | mailconv.FlagDraft, composition: true, known: true},
	WinSendable:   {flags: mailconv.FlagSeen | mailconv.FlagDraft, composition: true, known: true},
	WinQueued:     {flags: mailconv.FlagSeen | mailconv.FlagDraft, keywords: []string{KeywordSubmitPending}, composition: true, known: true},
	WinSent:       {flags: mailconv.FlagSeen, keywords: []string{KeywordSubmitted}, composition: true, known: true},
	WinUnsent:     {flags: mailconv.FlagSeen | mailconv.FlagDraft, composition: true, known: true},
	WinTimeQueued: {flags: mailconv.FlagSeen | mailconv.FlagDraft, keywords: []string{KeywordSubmitPending}, composition: true, known: true},
	WinSpooled:    {flags: mailconv.FlagSeen | mailconv.FlagDraft, keywords: []string{KeywordSubmitPending}, composition: true, known: true},
	WinRecovered:  {flags: mailconv.FlagSeen, keywords: []string{KeywordRecovered}, known: true},
}

// macStates maps Mac TOC states (mailbox.h StateEnum).
var macStates = [macStateLimit]stateInfo{
	0:              {known: true}, // never written; read as unread
	MacUnread:      {known: true},
	MacRead:        {flags: mailconv.FlagSeen, known: true},
	MacReplied:     {flags: mailconv.FlagSeen | mailconv.FlagAnswered, known: true},
	MacRedist:      {flags: mailconv.FlagSeen | mailconv.FlagForwarded, keywords: []string{KeywordRedirected}, known: true},
	MacUnsendable:  {flags: mailconv.FlagSeen | mailconv.FlagDraft, composition: true, known: true},
	MacSendable:    {flags: mailconv.FlagSeen | mailconv.FlagDraft, composition: true, known: true},
	MacQueued:      {flags: mailconv.FlagSeen | mailconv.FlagDraft, keywords: []string{KeywordSubmitPending}, composition: true, known: true},
	MacForwarded:   {flags: mailconv.FlagSeen | mailconv.FlagForwarded, known: true},
	MacSent:        {flags: mailconv.FlagSeen, keywords: []string{KeywordSubmitted}, composition: true, known: true},
	MacUnsent:      {flags: mailconv.FlagSeen | mailconv.FlagDraft, composition: true, known: true},
	MacTimed:       {flags: mailconv.FlagSeen | mailconv.FlagDraft, keywords: []string{KeywordSubmitPending}, composition: true, known: true},
	MacBusySending: {flags: mailconv.FlagSeen | mailconv.FlagDraft, keywords: []string{KeywordSubmitPending}, composition: true, known: true},
	MacMesgErr:     {flags: mailconv.FlagSeen | mailconv.FlagDraft, composition: true, known: true},
	MacRebuilt:     {flags: mailconv.FlagSeen, keywords: []string{KeywordRecovered}, known: true},
}

// state returns what a record's state means. An unknown number gives
// known=false.
func state(p mime.Platform, st uint8) stateInfo {
	if p == mime.Mac {
		if int(st) < len(macStates) {
			return macStates[st]
		}
		return stateInfo{}
	}
	if int(st) < len(winStates) {
		return winStates[st]
	}
	return stateInfo{}
}

// MapRecord sets m's flags and keywords from a TOC record (docs/formats/eudora.md
// §3.7): the state (read, replied, forwarded, redirected as
// $Forwarded + $Redirected, compositions as \Draft with $SubmitPending
// when queued and $Submitted when sent, recovered as $EudoraRecovered), the
// label as $label1…, a manual junk mark as $Junk, and, when the record
// carries them (Windows IMAP caches), the IMAP flags. It returns whether
// the record is a composition, and an error describing an unknown state
// (the flags are then left empty).
func MapRecord(p mime.Platform, r *Record, m *mailconv.Message) (composition bool, err error) {
	si := state(p, r.State)
	if !si.known {
		err = fmt.Errorf("unknown %s message state %d", p, r.State)
	}
	m.Flags |= si.flags
	for _, k := range si.keywords {
		m.AddKeyword(k)
	}
	if p == mime.Windows && r.IMAPFlags&0x1F != 0 {
		// IMAP caches: the server's flags win over the POP-style state.
		m.Flags &^= mailconv.FlagSeen | mailconv.FlagAnswered | mailconv.FlagFlagged | mailconv.FlagDeleted | mailconv.FlagDraft
		for bit, f := range []mailconv.Flags{mailconv.FlagSeen, mailconv.FlagAnswered, mailconv.FlagFlagged, mailconv.FlagDeleted, mailconv.FlagDraft} {
			if r.IMAPFlags&(1<<bit) != 0 {
				m.Flags |= f
			}
		}
	}
	if p == mime.Mac && r.Opts&macOptRedirect != 0 {
		m.Flags |= mailconv.FlagForwarded
		m.AddKeyword(KeywordRedirected)
	}
	if r.Label != 0 && r.Label != 0xFF {
		m.AddKeyword(fmt.Sprintf("$label%d", r.Label))
	}
	if p == mime.Windows && r.Junk&0x80 != 0 {
		m.AddKeyword(KeywordJunk)
	}
	return si.composition, err
}

// priority returns the record's priority on the 1 (highest) … 5 (lowest)
// scale, 0 when unset or normal-by-default.
func (r *Record) priority(p mime.Platform) int {
	if p == mime.Mac {
		if r.Priority == 0 {
			return 0
		}
		v := (min(int(r.Priority), 200) + 20) / 40
		return max(1, min(5, v))
	}
	if r.Priority >= 1 && r.Priority <= 5 {
		return int(r.Priority)
	}
	return 0
}

// html and flowed tell what the record says about the body.
func (r *Record) html(p mime.Platform) bool {
	if p == mime.Mac {
		return r.Opts&macOptHTML != 0
	}
	return r.FlagsEx&winFlagHTMLEx != 0
}

func (r *Record) flowed(p mime.Platform) bool {
	if p == mime.Mac {
		return r.Opts&macOptFlowed != 0
	}
	return r.FlagsEx&winFlagFlowEx != 0
}
