package mailconv

import (
	"fmt"
	"hash/fnv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// NamePlan maps the mailboxes of a source onto names a destination accepts.
// It is deterministic: the same mailbox list and rules always give the same
// plan, so that any tool (a Sieve script writer, a resumed run) can compute
// the names a conversion used. Build one with PlanNames.
type NamePlan struct {
	// Mailboxes are the destination mailboxes to create, parents before
	// children. A source mailbox that had to be split (messages and
	// children where the destination cannot mix them) appears twice: as a
	// NoSelect folder under its own name and as a sibling holding its
	// messages.
	Mailboxes []*Mailbox
	// Changes lists every source mailbox whose name changed, with why.
	Changes []NameChange

	dest  map[string]Path   // source path key -> destination path of its messages
	bySrc map[*Mailbox]Path // source mailbox -> destination path of its messages
}

// NameChange records one renamed mailbox.
type NameChange struct {
	Source      Path     `json:"source"`
	Destination Path     `json:"destination"`
	Reasons     []string `json:"reasons"`
	// SameNameAs is set when the source mailbox has the same name as an
	// earlier one of the same source (two files that decode to one name,
	// such as "Inbox" and "INBOX", or "Work" and "Work.mbox"): it names
	// that mailbox's source file. The later one is told apart by a suffix.
	SameNameAs string `json:"same_name_as,omitempty"`
}

// Dest returns the destination path that receives the messages of source
// mailbox p, or nil when p was not in the planned list.
func (np *NamePlan) Dest(p Path) Path {
	return np.dest[pathKey(p)]
}

// DestOf returns the destination path that receives the messages of source
// mailbox mb (one of the list the plan was made from). Unlike Dest it tells
// apart two source mailboxes with the same name.
func (np *NamePlan) DestOf(mb *Mailbox) Path {
	if d, ok := np.bySrc[mb]; ok {
		return d
	}
	return np.Dest(mb.Path)
}

// SameNames finds the selectable source mailboxes whose name an earlier
// selectable one already has (two files of a store that decode to one
// mailbox name): it maps each to that earlier mailbox. A name that differs
// only in the case of INBOX is the same name. See
// docs/formats/same-name-mailboxes.md.
func SameNames(mbs []*Mailbox) map[*Mailbox]*Mailbox {
	var twins map[*Mailbox]*Mailbox
	first := make(map[string]*Mailbox, len(mbs))
	for _, mb := range mbs {
		if mb.NoSelect {
			continue
		}
		k := pathKey(mb.Path)
		if mb.Path.IsInbox() {
			k = "INBOX"
		}
		if f, dup := first[k]; dup {
			if twins == nil {
				twins = map[*Mailbox]*Mailbox{}
			}
			twins[mb] = f
			continue
		}
		first[k] = mb
	}
	return twins
}

// twinReason is the reason recorded for a source mailbox renamed because an
// earlier one has its name.
func twinReason(mb, first *Mailbox) string {
	if first.Source != "" && mb.Source != "" {
		return fmt.Sprintf("source %q has the same mailbox name as %q: told apart by a suffix", mb.Source, first.Source)
	}
	return "another source mailbox has the same name: told apart by a suffix"
}

func pathKey(p Path) string { return strings.Join(p, "\x00") }

// EscapeChar is the character used to escape characters a destination cannot
// hold in a mailbox name: each such character becomes '%' followed by the
// upper-case hex of its UTF-8 bytes ("OS/2" becomes "OS%2F2"). A '%' that
// would otherwise read as an escape is itself escaped, so that UnescapeName
// restores the original name.
const EscapeChar = '%'

// MixedSuffix is appended to the name of the sibling mailbox that receives the
// messages of a mailbox that also has children, when the destination cannot
// hold both in one mailbox.
const MixedSuffix = " (messages)"

// PlanNames maps mbs (as returned by a Reader, parents before children) onto
// names that follow caps.Names, splitting mixed mailboxes when caps.Mixed is
// false. Name changes are part of the plan; Convert reports them.
func PlanNames(mbs []*Mailbox, caps Capabilities) *NamePlan {
	np := &NamePlan{dest: make(map[string]Path, len(mbs)), bySrc: make(map[*Mailbox]Path, len(mbs))}
	rules := caps.Names
	twins := SameNames(mbs)

	// Which source paths have children?
	hasChildren := make(map[string]bool)
	for _, mb := range mbs {
		for p := mb.Path.Parent(); len(p) > 0; p = p.Parent() {
			hasChildren[pathKey(p)] = true
		}
	}

	// mapped holds the destination path of every source folder node, so
	// that children follow their parent's new name.
	mapped := make(map[string]Path, len(mbs))
	// taken holds, per destination parent, the sibling names in use (in
	// collision-key form).
	taken := make(map[string]map[string]bool)
	claim := func(parent Path, name string) string {
		key := pathKey(parent)
		set := taken[key]
		if set == nil {
			set = make(map[string]bool)
			taken[key] = set
		}
		ck := name
		if rules.CaseInsensitive {
			ck = strings.ToLower(name)
		}
		if !set[ck] {
			set[ck] = true
			return name
		}
		for n := 2; ; n++ {
			cand := fitSegment(fmt.Sprintf("%s~%d", name, n), rules)
			ck := cand
			if rules.CaseInsensitive {
				ck = strings.ToLower(cand)
			}
			if !set[ck] {
				set[ck] = true
				return cand
			}
		}
	}

	// Resolve a source path's parent to the destination parent, creating
	// implicit parents that the source list did not include.
	var destOf func(p Path) Path
	destOf = func(p Path) Path {
		if len(p) == 0 {
			return nil
		}
		if d, ok := mapped[pathKey(p)]; ok {
			return d
		}
		parent := destOf(p.Parent())
		seg, _ := safeSegment(p.Name(), rules)
		d := parent.Child(claim(parent, seg))
		mapped[pathKey(p)] = d
		np.Mailboxes = append(np.Mailboxes, &Mailbox{Path: d, NoSelect: true, Messages: -1, Bytes: -1})
		return d
	}

	for _, mb := range mbs {
		var reasons []string
		parent := destOf(mb.Path.Parent())
		var d Path
		twin := twins[mb]
		if twin != nil {
			reasons = append(reasons, twinReason(mb, twin))
		}
		if mb.Path.IsInbox() {
			d = Path{claim(nil, "INBOX")}
		} else {
			seg, why := safeSegment(mb.Path.Name(), rules)
			reasons = append(reasons, why...)
			if fit := fitPath(parent, seg, rules); fit != seg {
				seg = fit
				reasons = append(reasons, "whole folder path too long for the destination: last name shortened, with a hash of the full name")
			}
			name := claim(parent, seg)
			if name != seg && twin == nil {
				reasons = append(reasons, "name collides with a sibling in the destination")
			}
			d = parent.Child(name)
		}
		if len(mb.Path) > 1 && !d.Parent().Equal(mb.Path.Parent()) && len(reasons) == 0 {
			reasons = append(reasons, "parent folder renamed")
		}
		if twin == nil {
			mapped[pathKey(mb.Path)] = d
		}
		folder := *mb
		folder.Path = d
		msgDest := d
		if !caps.Mixed && !mb.NoSelect && hasChildren[pathKey(mb.Path)] {
			// The folder keeps the name (for its children); the messages go
			// to a sibling.
			folder.NoSelect = true
			np.Mailboxes = append(np.Mailboxes, &folder)
			sib := *mb
			sibName := claim(parent, fitSegment(d.Name()+MixedSuffix, rules))
			sib.Path = parent.Child(sibName)
			np.Mailboxes = append(np.Mailboxes, &sib)
			msgDest = sib.Path
			reasons = append(reasons, "mailbox holds messages and sub-mailboxes, which the destination cannot mix: its messages go to a sibling")
		} else {
			np.Mailboxes = append(np.Mailboxes, &folder)
		}
		if twin == nil {
			np.dest[pathKey(mb.Path)] = msgDest
		}
		np.bySrc[mb] = msgDest
		if !msgDest.Equal(mb.Path) {
			if len(reasons) == 0 {
				reasons = []string{"parent folder renamed"}
			}
			ch := NameChange{Source: mb.Path, Destination: msgDest, Reasons: reasons}
			if twin != nil {
				ch.SameNameAs = twin.Source
			}
			np.Changes = append(np.Changes, ch)
		}
	}
	return np
}

// safeSegment applies the rules to one name segment.
func safeSegment(s string, r NameRules) (string, []string) {
	var reasons []string
	if utf8.ValidString(s) && !norm.NFC.IsNormalString(s) {
		// A name copied from a Mac (decomposed "e" + accent): composed,
		// as IMAP servers and clients expect (RFC 5198), so that it does
		// not stand beside a twin that only looks the same.
		s = norm.NFC.String(s)
		reasons = append(reasons, "Unicode name composed (NFC)")
	}
	var b strings.Builder
	escaped := false
	for i, c := range s {
		bad := false
		switch {
		case c == utf8.RuneError && !validAt(s, i):
			bad = true
		case unicode.IsControl(c):
			bad = true
		case strings.ContainsRune(r.Forbidden, c):
			bad = true
		case i == 0 && strings.ContainsRune(r.ForbiddenFirst, c):
			bad = true
		case i+utf8.RuneLen(c) == len(s) && strings.ContainsRune(r.ForbiddenLast, c):
			bad = true
		case c == EscapeChar && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			bad = true
		}
		if bad {
			escaped = true
			if c == utf8.RuneError {
				fmt.Fprintf(&b, "%c%02X", EscapeChar, s[i])
				continue
			}
			var buf [utf8.UTFMax]byte
			n := utf8.EncodeRune(buf[:], c)
			for _, x := range buf[:n] {
				fmt.Fprintf(&b, "%c%02X", EscapeChar, x)
			}
			continue
		}
		b.WriteRune(c)
	}
	out := b.String()
	if escaped {
		reasons = append(reasons, "characters the destination cannot hold were escaped")
	}
	if out == "" {
		out = fmt.Sprintf("%c00", EscapeChar)
		reasons = append(reasons, "empty name")
	}
	for _, res := range r.Reserved {
		if r.isReserved(out, res) {
			first, size := utf8.DecodeRuneInString(out)
			var buf [utf8.UTFMax]byte
			n := utf8.EncodeRune(buf[:], first)
			var e strings.Builder
			for _, x := range buf[:n] {
				fmt.Fprintf(&e, "%c%02X", EscapeChar, x)
			}
			out = e.String() + out[size:]
			reasons = append(reasons, fmt.Sprintf("%q is a reserved name in the destination", res))
			break
		}
	}
	if fit := fitSegment(out, r); fit != out {
		out = fit
		reasons = append(reasons, "name too long for the destination: shortened, with a hash of the full name")
	}
	return out, reasons
}

func validAt(s string, i int) bool {
	r, size := utf8.DecodeRuneInString(s[i:])
	return !(r == utf8.RuneError && size == 1)
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// fitSegment shortens s to r.MaxSegment units, ending it with "~" and eight
// hex digits of a hash of the full name so that distinct long names stay
// distinct.
func fitSegment(s string, r NameRules) string {
	if r.MaxSegment <= 0 {
		return s
	}
	measure := r.SegmentLen
	if measure == nil {
		measure = func(x string) int { return len(x) }
	}
	if measure(s) <= r.MaxSegment {
		return s
	}
	h := fnv.New32a()
	h.Write([]byte(s))
	suffix := fmt.Sprintf("~%08x", h.Sum32())
	runes := []rune(s)
	for n := len(runes); n > 0; n-- {
		cand := string(runes[:n]) + suffix
		if measure(cand) <= r.MaxSegment {
			return cand
		}
	}
	return suffix
}

// fitPath shortens seg, the last segment under parent, so that the whole
// path fits r.MaxPath, keeping a hash of the full name.
func fitPath(parent Path, seg string, r NameRules) string {
	if r.MaxPath <= 0 || r.PathLen == nil || r.PathLen(parent.Child(seg)) <= r.MaxPath {
		return seg
	}
	h := fnv.New32a()
	h.Write([]byte(seg))
	suffix := fmt.Sprintf("~%08x", h.Sum32())
	runes := []rune(seg)
	for n := len(runes) - 1; n > 0; n-- {
		cand := string(runes[:n]) + suffix
		if r.PathLen(parent.Child(cand)) <= r.MaxPath {
			return cand
		}
	}
	return suffix
}

// UnescapeName reverses the escaping PlanNames applies to a name segment.
func UnescapeName(s string) string {
	if !strings.ContainsRune(s, EscapeChar) {
		return s
	}
	var b []byte
	for i := 0; i < len(s); i++ {
		if s[i] == EscapeChar && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		b = append(b, s[i])
	}
	return string(b)
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// NameHazard describes a mailbox name that needs attention.
type NameHazard struct {
	Path    Path     `json:"path"`
	Hazards []string `json:"hazards"`
	// Destination and Changes: the name in the target and why it changed
	// (only with a target).
	Destination Path     `json:"destination,omitempty"`
	Changes     []string `json:"changes,omitempty"`
}

// NameHazards lists the mailboxes of mbs whose names commonly break a
// migration, with what is wrong with each; mixed are the paths that hold
// both messages and sub-mailboxes.
func NameHazards(mbs []*Mailbox, mixed []Path) []NameHazard {
	isMixed := map[string]bool{}
	for _, p := range mixed {
		isMixed[pathKey(p)] = true
	}
	siblings := map[string][]string{} // parent key + lower name -> names
	for _, mb := range mbs {
		k := pathKey(mb.Path.Parent()) + "\x00" + strings.ToLower(mb.Path.Name())
		siblings[k] = append(siblings[k], mb.Path.Name())
	}
	twins := SameNames(mbs)
	var out []NameHazard
	for _, mb := range mbs {
		name := mb.Path.Name()
		var hz []string
		add := func(s string) { hz = append(hz, s) }
		if first := twins[mb]; first != nil {
			add(twinReason(mb, first))
		}
		for _, r := range name {
			if r >= utf8.RuneSelf {
				add("non-ASCII characters")
				break
			}
		}
		for _, c := range []struct{ ch, what string }{{"/", "'/'"}, {".", "'.'"}, {"&", "'&'"}, {"%", "'%'"}, {"\\", "'\\'"}} {
			if strings.Contains(name, c.ch) {
				add("contains " + c.what)
			}
		}
		if strings.IndexFunc(name, unicode.IsControl) >= 0 {
			add("control characters")
		}
		if name != strings.TrimSpace(name) {
			add("leading or trailing white space")
		}
		if len(name) > 255 {
			add(fmt.Sprintf("long name (%d bytes)", len(name)))
		}
		if len(mb.Path) > 1 && strings.EqualFold(name, "INBOX") {
			add("reserved name INBOX below the top level")
		}
		k := pathKey(mb.Path.Parent()) + "\x00" + strings.ToLower(name)
		for _, other := range siblings[k] {
			if other != name {
				add("differs only in case from " + strconvQuote(other))
			}
		}
		if isMixed[pathKey(mb.Path)] {
			add("holds messages and sub-mailboxes")
		}
		if len(hz) > 0 {
			out = append(out, NameHazard{Path: mb.Path, Hazards: hz})
		}
	}
	return out
}

func strconvQuote(s string) string { return fmt.Sprintf("%q", s) }
