package mbox

import (
	"bytes"
	"fmt"
	"mime"
	"strconv"
	"strings"

	"github.com/mailconv/mailconv"
)

// metadata header kinds. These headers hold mailbox state, not message
// content: they are consumed into metadata and (unless Verbatim) not
// repeated in the message octets.
const (
	metaNone = iota
	metaStatus
	metaXStatus
	metaXKeywords
	metaMozStatus
	metaMozStatus2
	metaMozKeys
	metaContentLength
	metaXUID
	metaXIMAP     // X-IMAP (pseudo-message marker) and X-IMAPbase
	metaXIMAPBase // X-IMAPbase
	metaTrace     // X-Mailconv-Mbox: the variant mailconv wrote
)

// traceHeader names the variant in files this package writes with
// X-Mozilla-Status fields (WriterOptions.MozillaStatus), whose evidence
// would otherwise read as Thunderbird's mboxo.
const (
	traceHeader  = "X-Mailconv-Mbox"
	traceVariant = "mboxrd"
)

// metaKind returns the metadata kind of header field name (any case).
func metaKind(name []byte) int {
	switch len(name) {
	case 5:
		if bytes.EqualFold(name, []byte("x-uid")) {
			return metaXUID
		}
	case 6:
		if bytes.EqualFold(name, []byte("status")) {
			return metaStatus
		}
		if bytes.EqualFold(name, []byte("x-imap")) {
			return metaXIMAP
		}
	case 8:
		if bytes.EqualFold(name, []byte("x-status")) {
			return metaXStatus
		}
	case 10:
		if bytes.EqualFold(name, []byte("x-keywords")) {
			return metaXKeywords
		}
		if bytes.EqualFold(name, []byte("x-imapbase")) {
			return metaXIMAPBase
		}
	case 14:
		if bytes.EqualFold(name, []byte("content-length")) {
			return metaContentLength
		}
		if bytes.EqualFold(name, []byte("x-mozilla-keys")) {
			return metaMozKeys
		}
	case 15:
		if bytes.EqualFold(name, []byte(traceHeader)) {
			return metaTrace
		}
	case 16:
		if bytes.EqualFold(name, []byte("x-mozilla-status")) {
			return metaMozStatus
		}
	case 17:
		if bytes.EqualFold(name, []byte("x-mozilla-status2")) {
			return metaMozStatus2
		}
	}
	return metaNone
}

// Thunderbird nsMsgMessageFlags bits that carry state.
const (
	mozRead           = 0x0001
	mozReplied        = 0x0002
	mozMarked         = 0x0004
	mozExpunged       = 0x0008
	mozQueued         = 0x0800
	mozForwarded      = 0x1000
	mozRedirected     = 0x2000
	mozPriorities     = 0xE000
	mozIMAPDeleted    = 0x00200000
	mozMDNNeeded      = 0x00400000
	mozMDNSent        = 0x00800000
	mozTemplate       = 0x01000000
	mozLabels         = 0x0E000000
	mozLabelShift     = 25
	mozStatusHeader   = "X-Mozilla-Status"
	mozStatus2Header  = "X-Mozilla-Status2"
	mozKeysHeader     = "X-Mozilla-Keys"
	mozKeysReserve    = 80 // Thunderbird pads X-Mozilla-Keys so tags can be set in place
	mdnRequestedKwd   = "$MDNRequested"
	redirectedKeyword = "$Redirected"
	templateKeyword   = "$Template"
)

// state accumulates the metadata headers of one message.
type state struct {
	status, xstatus     bool
	statusVal           string
	xstatusVal          string
	moz, moz2           bool
	mozVal, moz2Val     uint32
	keywords            []string
	contentLength       int64 // -1: none
	ximap               bool  // X-IMAP: the UW/Dovecot pseudo-message marker
	ximapBase           bool
	badKeywords         []string
	unparsedMetaHeaders []string
	gmail               bool // an X-Gmail-Labels field told the state
	gmailFlags          mailconv.Flags
	unknownLetters      string // Status/X-Status letters with no meaning here
	trace               bool   // X-Mailconv-Mbox: mboxrd
}

func (s *state) reset() {
	kw, bad := s.keywords[:0], s.badKeywords[:0]
	*s = state{keywords: kw, badKeywords: bad, contentLength: -1, unparsedMetaHeaders: s.unparsedMetaHeaders[:0]}
}

// add interprets one metadata field; value has its line breaks unfolded.
func (s *state) add(kind int, name string, value []byte) {
	v := strings.TrimSpace(string(value))
	switch kind {
	case metaStatus:
		s.status = true
		s.statusVal += v
	case metaXStatus:
		s.xstatus = true
		s.xstatusVal += v
	case metaXKeywords:
		// X-Keywords is whitespace-separated (Dovecot); mox, mu and mutt
		// write commas.
		s.keywords = appendKeywordList(s.keywords, v, true)
	case metaMozKeys:
		// Thunderbird separates keys with spaces; a comma can be part of
		// a key.
		s.keywords = appendKeywordList(s.keywords, v, false)
	case metaMozStatus:
		if n, err := strconv.ParseUint(v, 16, 32); err == nil {
			s.moz, s.mozVal = true, uint32(n)
		} else {
			s.unparsedMetaHeaders = append(s.unparsedMetaHeaders, name)
		}
	case metaMozStatus2:
		if n, err := strconv.ParseUint(v, 16, 32); err == nil {
			s.moz2, s.moz2Val = true, uint32(n)
		} else {
			s.unparsedMetaHeaders = append(s.unparsedMetaHeaders, name)
		}
	case metaContentLength:
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
			s.contentLength = n
		}
	case metaXIMAP:
		s.ximap = true
	case metaXIMAPBase:
		s.ximapBase = true
	case metaTrace:
		s.trace = strings.EqualFold(v, traceVariant)
	}
}

// appendKeywordList appends the words of a keyword field: separated by
// white space, and by commas when commas is set.
func appendKeywordList(dst []string, v string, commas bool) []string {
	return append(dst, strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == '\t' || (commas && r == ',') })...)
}

// Gmail's system labels that carry state, as Google Takeout writes them in
// X-Gmail-Labels (English and French interfaces). Other labels (Inbox,
// Important, Category …, the user's own) stay in the header, which is
// kept in the message: they are not folders or keywords here.
var gmailState = map[string]mailconv.Flags{
	"opened": mailconv.FlagSeen, "ouvert": mailconv.FlagSeen,
	"sent": mailconv.FlagSeen, "messages envoyés": mailconv.FlagSeen,
	"starred": mailconv.FlagFlagged, "suivis": mailconv.FlagFlagged, "messages suivis": mailconv.FlagFlagged,
	"draft": mailconv.FlagDraft | mailconv.FlagSeen, "drafts": mailconv.FlagDraft | mailconv.FlagSeen,
	"brouillons": mailconv.FlagDraft | mailconv.FlagSeen,
	"unread":     0, "non lus": 0,
}

// gmailLabels reads the state labels of an X-Gmail-Labels value (comma
// separated, possibly RFC 2047 encoded). "Unread" wins over "Opened".
func (s *state) gmailLabels(value []byte) {
	v := string(value)
	if strings.Contains(v, "=?") {
		if d, err := new(mime.WordDecoder).DecodeHeader(v); err == nil {
			v = d
		}
	}
	unread := false
	for _, l := range strings.Split(v, ",") {
		l = strings.ToLower(strings.Trim(strings.TrimSpace(l), `"`))
		f, ok := gmailState[l]
		if !ok {
			continue
		}
		s.gmail = true
		if l == "unread" || l == "non lus" {
			unread = true
		}
		s.gmailFlags |= f
	}
	if unread {
		s.gmailFlags &^= mailconv.FlagSeen
	}
}

// statusLetter maps one letter of a Status or X-Status field to flags. The
// two fields are read as one set of letters, in any order, because
// producers disagree on which letter goes where (GNU mailutils writes every
// attribute into Status; c-client, mutt, Python and Dovecot split them).
// Upper and lower case mean the same except for 'r', which mutt reads as
// "replied" in Status next to 'R' for "read". 'O' and 'U' tell that a
// client listed the message (it is not new) and set no flag. The table,
// with the producers of each letter, is in docs/formats/mbox-state.md.
func statusLetter(c byte) (mailconv.Flags, bool) {
	switch c {
	case 'R':
		return mailconv.FlagSeen, true
	case 'r', 'A', 'a':
		return mailconv.FlagAnswered, true
	case 'F', 'f':
		return mailconv.FlagFlagged, true
	case 'D', 'd':
		return mailconv.FlagDeleted, true
	case 'T', 't':
		return mailconv.FlagDraft, true
	case 'O', 'o', 'U', 'u':
		return 0, true
	}
	return 0, false
}

// expunged reports whether Thunderbird marked the message as expunged: it is
// gone for the user and only waits for compaction.
func (s *state) expunged() bool { return s.moz && s.mozVal&mozExpunged != 0 }

// apply sets m's flags and keywords from the accumulated headers.
func (s *state) apply(m *mailconv.Message) {
	if !s.status && !s.moz && !strings.ContainsAny(s.xstatusVal, "ROo") {
		if s.gmail {
			// A Google export: the labels tell the state (a message
			// Gmail listed is not new).
			m.Flags |= s.gmailFlags
		} else {
			// Absence of Status means a message no client has listed.
			m.Flags |= mailconv.FlagNew
		}
	}
	for _, v := range [...]string{s.statusVal, s.xstatusVal} {
		for i := 0; i < len(v); i++ {
			c := v[i]
			if c == ' ' || c == '\t' {
				continue
			}
			if f, ok := statusLetter(c); ok {
				m.Flags |= f
			} else if !strings.ContainsRune(s.unknownLetters, rune(c)) {
				s.unknownLetters += string(rune(c))
			}
		}
	}
	if s.moz {
		v := s.mozVal
		if v&mozRead != 0 {
			m.Flags |= mailconv.FlagSeen
		}
		if v&mozReplied != 0 {
			m.Flags |= mailconv.FlagAnswered
		}
		if v&mozMarked != 0 {
			m.Flags |= mailconv.FlagFlagged
		}
		if v&mozForwarded != 0 {
			m.Flags |= mailconv.FlagForwarded
		}
		// 0x2000 shares bits with the legacy priority field; it means
		// "redirected" only when the other priority bits are clear.
		if v&mozPriorities == mozRedirected {
			m.Flags |= mailconv.FlagForwarded
			m.AddKeyword(redirectedKeyword)
		}
		if v&mozExpunged != 0 {
			m.Flags |= mailconv.FlagDeleted
		}
	}
	if s.moz2 {
		v := s.moz2Val
		if v&mozIMAPDeleted != 0 {
			m.Flags |= mailconv.FlagDeleted
		}
		if v&mozMDNNeeded != 0 {
			m.AddKeyword(mdnRequestedKwd)
		}
		if v&mozMDNSent != 0 {
			m.AddKeyword("$MDNSent")
		}
		if v&mozTemplate != 0 {
			m.AddKeyword(templateKeyword)
		}
		if l := (v & mozLabels) >> mozLabelShift; l != 0 {
			m.AddKeyword(fmt.Sprintf("$label%d", l))
		}
	}
	for _, k := range s.keywords {
		if !m.AddKeyword(k) {
			s.badKeywords = append(s.badKeywords, k)
		}
	}
}

// appendStatusHeaders appends the Status/X-Status/X-Keywords lines (and the
// X-Mozilla-* lines when moz is set) describing m, each ended with eol.
func appendStatusHeaders(dst []byte, m *mailconv.Message, eol []byte, status, moz bool) []byte {
	f := m.Flags
	if status {
		if f&mailconv.FlagNew == 0 || f&mailconv.FlagSeen != 0 {
			dst = append(dst, "Status: "...)
			if f&mailconv.FlagSeen != 0 {
				dst = append(dst, 'R')
			}
			dst = append(dst, 'O')
			dst = append(dst, eol...)
		}
		if f&(mailconv.FlagAnswered|mailconv.FlagFlagged|mailconv.FlagDeleted|mailconv.FlagDraft) != 0 {
			dst = append(dst, "X-Status: "...)
			if f&mailconv.FlagAnswered != 0 {
				dst = append(dst, 'A')
			}
			if f&mailconv.FlagFlagged != 0 {
				dst = append(dst, 'F')
			}
			if f&mailconv.FlagDeleted != 0 {
				dst = append(dst, 'D')
			}
			if f&mailconv.FlagDraft != 0 {
				dst = append(dst, 'T')
			}
			dst = append(dst, eol...)
		}
		if f&mailconv.FlagForwarded != 0 || len(m.Keywords) > 0 {
			dst = append(dst, "X-Keywords:"...)
			if f&mailconv.FlagForwarded != 0 {
				dst = append(dst, " $Forwarded"...)
			}
			for _, k := range m.Keywords {
				dst = append(dst, ' ')
				dst = append(dst, k...)
			}
			dst = append(dst, eol...)
		}
	}
	if moz {
		var v, v2 uint32
		if f&mailconv.FlagSeen != 0 {
			v |= mozRead
		}
		if f&mailconv.FlagAnswered != 0 {
			v |= mozReplied
		}
		if f&mailconv.FlagFlagged != 0 {
			v |= mozMarked
		}
		if f&mailconv.FlagForwarded != 0 {
			v |= mozForwarded
		}
		if f&mailconv.FlagDeleted != 0 {
			v2 |= mozIMAPDeleted
		}
		keys := make([]string, 0, len(m.Keywords))
		for _, k := range m.Keywords {
			switch {
			case strings.EqualFold(k, "$MDNSent"):
				v2 |= mozMDNSent
			case strings.EqualFold(k, mdnRequestedKwd):
				v2 |= mozMDNNeeded
			case strings.EqualFold(k, templateKeyword):
				v2 |= mozTemplate
			case strings.EqualFold(k, redirectedKeyword):
				v |= mozRedirected
			default:
				keys = append(keys, k)
			}
		}
		dst = fmt.Appendf(dst, "%s: %04x", mozStatusHeader, v)
		dst = append(dst, eol...)
		dst = fmt.Appendf(dst, "%s: %08x", mozStatus2Header, v2)
		dst = append(dst, eol...)
		line := strings.Join(keys, " ")
		dst = append(dst, mozKeysHeader+": "...)
		dst = append(dst, line...)
		for i := len(line); i < mozKeysReserve; i++ {
			dst = append(dst, ' ')
		}
		dst = append(dst, eol...)
		dst = append(dst, traceHeader+": "+traceVariant...)
		dst = append(dst, eol...)
	}
	return dst
}
