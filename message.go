package mailconv

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Flags is the set of per-message state bits every format maps into.
//
// The first five are the IMAP system flags. FlagForwarded is the registered
// keyword $Forwarded (RFC 5550), kept as a flag because nearly every source
// format has a native bit for it. FlagNew records that no client ever noticed
// the message: an mbox message without a Status header, a maildir message in
// new/. IMAP cannot set it (it is the server-managed \Recent), so it only
// survives file-to-file conversions.
type Flags uint8

// The flag bits.
const (
	FlagSeen Flags = 1 << iota
	FlagAnswered
	FlagFlagged
	FlagDeleted
	FlagDraft
	FlagForwarded
	FlagNew

	// AllFlags is the union of every flag bit.
	AllFlags = FlagSeen | FlagAnswered | FlagFlagged | FlagDeleted | FlagDraft | FlagForwarded | FlagNew
)

var flagNames = [...]string{`\Seen`, `\Answered`, `\Flagged`, `\Deleted`, `\Draft`, `$Forwarded`, `$New`}

// String returns the flags as a space-separated list of IMAP names, for
// reports and messages ("\Seen \Answered $Forwarded"). FlagNew appears as
// "$New", a name used only for display.
func (f Flags) String() string {
	var parts []string
	for i, name := range flagNames {
		if f&(1<<i) != 0 {
			parts = append(parts, name)
		}
	}
	return strings.Join(parts, " ")
}

// MarshalText implements encoding.TextMarshaler (used by the JSON report).
func (f Flags) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

// DateSource tells where a message's internal date came from. Readers pick
// the most authoritative source they have; reports show it so that a user can
// judge how far to trust a date.
type DateSource uint8

// The date sources, from least to most specific.
const (
	DateUnknown  DateSource = iota // no date was found; Date is zero
	DateHeader                     // the message's own Date: header
	DateReceived                   // the newest Received: header
	DateEnvelope                   // an mbox From_ line or an equivalent separator
	DateFileTime                   // a file's modification time (maildir convention)
	DateIndex                      // a store index such as a Eudora TOC or an emlx plist
	DateServer                     // an IMAP INTERNALDATE
)

var dateSourceNames = [...]string{"unknown", "date-header", "received-header", "envelope", "file-time", "index", "server"}

// String returns a short lower-case name for the source.
func (s DateSource) String() string {
	if int(s) < len(dateSourceNames) {
		return dateSourceNames[s]
	}
	return "DateSource(" + strconv.Itoa(int(s)) + ")"
}

// MarshalText implements encoding.TextMarshaler.
func (s DateSource) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Location is a place in a source store, used in errors and reports.
// Offset is a byte offset into File, or -1 when a whole file is meant.
// In JSON an unknown offset is left out ({"file": "In.mbx"}).
type Location struct {
	File   string `json:"file"`
	Offset int64  `json:"offset"`
}

// locationJSON is Location in JSON: the offset only when it is known.
type locationJSON struct {
	File   string `json:"file"`
	Offset *int64 `json:"offset,omitempty"`
}

// MarshalJSON leaves out an unknown (negative) offset.
func (l Location) MarshalJSON() ([]byte, error) {
	v := locationJSON{File: l.File}
	if l.Offset >= 0 {
		v.Offset = &l.Offset
	}
	return json.Marshal(v)
}

// UnmarshalJSON reads a location; a missing offset is -1 (unknown).
func (l *Location) UnmarshalJSON(b []byte) error {
	var v locationJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	l.File, l.Offset = v.File, -1
	if v.Offset != nil {
		l.Offset = *v.Offset
	}
	return nil
}

// String formats the location as "file:offset" (or just "file").
func (l Location) String() string {
	if l.Offset < 0 {
		return l.File
	}
	return l.File + ":" + strconv.FormatInt(l.Offset, 10)
}

// Message is one message of a store: its metadata. The raw RFC 5322 octets
// are not part of the struct; they are streamed from the MailboxReader that
// returned the Message (see MailboxReader), exactly as stored, line endings
// included, so that a message is never required to be in memory as a whole.
type Message struct {
	// ID identifies the message within its mailbox in the source store and
	// stays the same across runs over an unchanged source (an mbox From_
	// line offset, a maildir unique name, a Eudora TOC record). Journals use
	// it, with a content digest, to resume and to convert incrementally.
	ID string

	// Flags holds the system flags, $Forwarded and the "new" state.
	Flags Flags

	// Keywords holds the other keywords ($label1, $Junk, $MDNSent, user
	// tags), without duplicates (compared case-insensitively). Use
	// AddKeyword to add one.
	Keywords []string

	// Date is the internal (received) date; zero when unknown.
	Date time.Time
	// DateSource tells where Date came from.
	DateSource DateSource

	// Sender is the envelope sender (mbox From_ line, Return-Path), or ""
	// when unknown.
	Sender string

	// Size is the number of octets the body stream will yield, or -1 when
	// the reader cannot know it without reading the whole message.
	Size int64

	// Source is where the message starts in the source store.
	Source Location

	// Rebuilt is set when the streamed octets are not the stored octets but
	// a reconstruction (a Eudora message put back into MIME). Verification
	// compares such messages by their metadata, not byte for byte.
	Rebuilt bool
}

// registered keywords, by lower-case spelling, with their canonical spelling
// (IANA "IMAP and JMAP Keywords"). Servers and clients disagree on case;
// writing the registered spelling avoids endless re-synchronisation.
var canonicalKeywords = map[string]string{
	"$forwarded":       "$Forwarded",
	"$mdnsent":         "$MDNSent",
	"$submitpending":   "$SubmitPending",
	"$submitted":       "$Submitted",
	"$junk":            "$Junk",
	"$notjunk":         "$NotJunk",
	"$phishing":        "$Phishing",
	"$important":       "$Important",
	"$hasattachment":   "$HasAttachment",
	"$hasnoattachment": "$HasNoAttachment",
	"$mailflagbit0":    "$MailFlagBit0",
	"$mailflagbit1":    "$MailFlagBit1",
	"$mailflagbit2":    "$MailFlagBit2",
	"$muted":           "$Muted",
	"$followed":        "$Followed",
	"$memo":            "$Memo",
	"$hasmemo":         "$HasMemo",
	"$autosent":        "$AutoSent",
	"$unsubscribed":    "$Unsubscribed",
	"$canunsubscribe":  "$CanUnsubscribe",
	"$imported":        "$Imported",
	"$istrusted":       "$IsTrusted",
	"$maskedemail":     "$MaskedEmail",
	"$new":             "$New",
	"$notify":          "$Notify",
}

// CanonicalKeyword returns the registered spelling of a keyword whose name
// is registered with IANA (for example "$mdnsent" becomes "$MDNSent"), and
// the keyword unchanged otherwise.
func CanonicalKeyword(k string) string {
	if c, ok := canonicalKeywords[strings.ToLower(k)]; ok {
		return c
	}
	return k
}

// ValidKeyword reports whether k can be an IMAP keyword: a non-empty atom
// (RFC 3501 atom-char, no backslash) of at most MaxKeywordLen bytes.
func ValidKeyword(k string) bool {
	if k == "" || len(k) > MaxKeywordLen {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c <= ' ' || c >= 0x7f {
			return false
		}
		switch c {
		case '(', ')', '{', '%', '*', '"', '\\', ']':
			return false
		}
	}
	return true
}

// MaxKeywordLen bounds the length of a keyword. Longer words read from a
// source are reported and not carried.
const MaxKeywordLen = 200

// AddKeyword adds keyword k to m, unless m already has it (compared
// case-insensitively). $Forwarded sets FlagForwarded instead. The registered
// spelling is used for registered keywords. It returns false, and changes
// nothing, when k is not a valid keyword (see ValidKeyword).
func (m *Message) AddKeyword(k string) bool {
	if !ValidKeyword(k) {
		return false
	}
	k = CanonicalKeyword(k)
	if k == "$Forwarded" {
		m.Flags |= FlagForwarded
		return true
	}
	if m.HasKeyword(k) {
		return true
	}
	m.Keywords = append(m.Keywords, k)
	return true
}

// HasKeyword reports whether m has keyword k (case-insensitive).
func (m *Message) HasKeyword(k string) bool {
	for _, have := range m.Keywords {
		if strings.EqualFold(have, k) {
			return true
		}
	}
	return false
}

// Reset clears m for reuse by a reader that recycles its Message value.
func (m *Message) Reset() {
	kw := m.Keywords[:0]
	*m = Message{Keywords: kw, Size: -1}
}

// Path is a mailbox's place in the folder tree, as Unicode segments from the
// root: {"Archive", "2019", "Réunions"}. Encodings (modified UTF-7, Maildir++
// dots, file-system escaping) are applied only by format packages. The inbox
// is the one-segment path {"INBOX"} (compare with IsInbox).
type Path []string

// String joins the segments with "/" for display. A segment that itself
// contains "/" or "\" has those characters escaped with a backslash, so that
// the result is unambiguous.
func (p Path) String() string {
	var b strings.Builder
	for i, s := range p {
		if i > 0 {
			b.WriteByte('/')
		}
		if strings.ContainsAny(s, `/\`) {
			s = strings.NewReplacer(`\`, `\\`, `/`, `\/`).Replace(s)
		}
		b.WriteString(s)
	}
	return b.String()
}

// MarshalText implements encoding.TextMarshaler.
func (p Path) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// ParsePath is the inverse of Path.String.
func ParsePath(s string) Path {
	if s == "" {
		return nil
	}
	var p Path
	var seg strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && i+1 < len(s):
			i++
			seg.WriteByte(s[i])
		case c == '/':
			p = append(p, seg.String())
			seg.Reset()
		default:
			seg.WriteByte(c)
		}
	}
	return append(p, seg.String())
}

// Equal reports whether p and q have the same segments.
func (p Path) Equal(q Path) bool {
	if len(p) != len(q) {
		return false
	}
	for i := range p {
		if p[i] != q[i] {
			return false
		}
	}
	return true
}

// HasPrefix reports whether q is p or an ancestor of p.
func (p Path) HasPrefix(q Path) bool {
	return len(q) <= len(p) && p[:len(q)].Equal(q)
}

// Child returns a new path with name appended.
func (p Path) Child(name string) Path {
	c := make(Path, len(p), len(p)+1)
	copy(c, p)
	return append(c, name)
}

// Parent returns the path without its last segment (nil for a top-level
// path).
func (p Path) Parent() Path {
	if len(p) <= 1 {
		return nil
	}
	return p[: len(p)-1 : len(p)-1]
}

// Name returns the last segment, or "" for the root.
func (p Path) Name() string {
	if len(p) == 0 {
		return ""
	}
	return p[len(p)-1]
}

// IsInbox reports whether p names the inbox: a single segment equal to
// "INBOX" in any case.
func (p Path) IsInbox() bool { return len(p) == 1 && strings.EqualFold(p[0], "INBOX") }

// Role is a mailbox's special use, from the source's system mailboxes (Eudora
// In/Out/Trash/Junk, Thunderbird's special folders) or RFC 6154 attributes.
// Writers use it to place mail in the target's own special folders.
type Role uint8

// The roles.
const (
	RoleNone      Role = iota
	RoleInbox          // incoming mail (Eudora In, mbox INBOX)
	RoleSent           // sent mail
	RoleDrafts         // unsent compositions
	RoleOutbox         // Eudora Out: queued, unsent and sent compositions together
	RoleTrash          // deleted mail
	RoleJunk           // spam
	RoleArchive        // archived mail
	RoleTemplates      // templates / stationery
)

var roleNames = [...]string{"", "inbox", "sent", "drafts", "outbox", "trash", "junk", "archive", "templates"}

// String returns the role's lower-case name ("" for RoleNone).
func (r Role) String() string {
	if int(r) < len(roleNames) {
		return roleNames[r]
	}
	return fmt.Sprintf("Role(%d)", int(r))
}

// MarshalText implements encoding.TextMarshaler.
func (r Role) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// Mailbox describes one mailbox (or folder) of a store.
type Mailbox struct {
	// Path is the mailbox's place in the tree.
	Path Path
	// Role is its special use, if any.
	Role Role
	// NoSelect is set for a pure folder that cannot hold messages in the
	// source (a Eudora .fol directory, a maildir parent that is not itself a
	// maildir). Such entries exist so that empty folders survive.
	NoSelect bool
	// Source names the file or directory that holds the mailbox.
	Source string
	// Messages is the message count when the reader knows it cheaply, or
	// -1.
	Messages int
	// Bytes is the size of the mailbox's data when known cheaply, or -1.
	Bytes int64
}

// UnmarshalText implements encoding.TextUnmarshaler (see ParsePath).
func (p *Path) UnmarshalText(b []byte) error {
	*p = ParsePath(string(b))
	return nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (f *Flags) UnmarshalText(b []byte) error {
	*f = 0
	for _, name := range strings.Fields(string(b)) {
		found := false
		for i, n := range flagNames {
			if strings.EqualFold(n, name) {
				*f |= 1 << i
				found = true
			}
		}
		if !found {
			return fmt.Errorf("unknown flag %q", name)
		}
	}
	return nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *DateSource) UnmarshalText(b []byte) error {
	return unmarshalName(b, dateSourceNames[:], (*uint8)(s), "date source")
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (r *Role) UnmarshalText(b []byte) error {
	return unmarshalName(b, roleNames[:], (*uint8)(r), "role")
}

func unmarshalName(b []byte, names []string, dst *uint8, what string) error {
	for i, n := range names {
		if n == string(b) {
			*dst = uint8(i)
			return nil
		}
	}
	return fmt.Errorf("unknown %s %q", what, b)
}
