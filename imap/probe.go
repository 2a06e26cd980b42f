package imap

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"

	imapv2 "github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/mailconv/mailconv"
)

// ServerInfo is what the writer learned about the server before the first
// APPEND. Writer.Info returns it; it is also reported as an info event
// ("imap.server").
type ServerInfo struct {
	// Capabilities lists the server's capabilities after login, sorted.
	Capabilities []string `json:"capabilities"`
	// Delimiter is the hierarchy delimiter of the personal namespace
	// ("" for a flat server).
	Delimiter string `json:"delimiter"`
	// NamespacePrefix is the personal namespace's prefix ("INBOX." on a
	// Courier-style server, usually "").
	NamespacePrefix string `json:"namespace_prefix,omitempty"`
	// UTF8Accept: the server offers UTF8=ACCEPT (names are still sent in
	// modified UTF-7, which every server takes).
	UTF8Accept bool `json:"utf8_accept,omitempty"`
	// UIDPlus: APPEND answers with APPENDUID (message references and
	// read-back checks).
	UIDPlus bool `json:"uidplus"`
	// LiteralPlus: the server takes non-synchronizing literals.
	LiteralPlus bool `json:"literal_plus,omitempty"`
	// LiteralMinus: the server takes non-synchronizing literals of up to
	// 4096 octets (LITERAL-, RFC 7888; implied by LITERAL+).
	LiteralMinus bool `json:"literal_minus,omitempty"`
	// MultiAppend: the server offers MULTIAPPEND: pipelined messages go
	// several to an APPEND (see the package documentation).
	MultiAppend bool `json:"multiappend,omitempty"`
	// SpecialUse maps roles to the server's special-use mailboxes (full
	// server names, decoded).
	SpecialUse map[string]string `json:"special_use,omitempty"`
	// PermanentFlags are the flags INBOX can store permanently.
	PermanentFlags []string `json:"permanent_flags"`
	// Keywords tells whether new keywords can be created (\* in
	// PERMANENTFLAGS).
	Keywords bool `json:"keywords"`
	// AppendLimit is the largest message the server takes, from
	// APPENDLIMIT=n (0: not announced).
	AppendLimit int64 `json:"append_limit,omitempty"`
	// Mixed tells whether a mailbox can hold messages and children, and
	// MixedEvidence how that was learned.
	Mixed         bool   `json:"mixed"`
	MixedEvidence string `json:"mixed_evidence"`
	// Forbidden and ForbiddenFirst are the characters the server refused
	// in a name segment (besides the delimiter), as the probe found.
	Forbidden      string `json:"forbidden,omitempty"`
	ForbiddenFirst string `json:"forbidden_first,omitempty"`
	// Probed tells whether the probe folder was created to learn Mixed and
	// the forbidden characters.
	Probed bool `json:"probed"`

	roles map[mailconv.Role]string
	caps  imapv2.CapSet
	attrs map[string][]imapv2.MailboxAttr // LIST: every mailbox's attributes
}

// specialUseRoles are the roles mapped onto SPECIAL-USE mailboxes.
var specialUseRoles = map[imapv2.MailboxAttr]mailconv.Role{
	imapv2.MailboxAttrSent:    mailconv.RoleSent,
	imapv2.MailboxAttrDrafts:  mailconv.RoleDrafts,
	imapv2.MailboxAttrTrash:   mailconv.RoleTrash,
	imapv2.MailboxAttrJunk:    mailconv.RoleJunk,
	imapv2.MailboxAttrArchive: mailconv.RoleArchive,
}

// probeChars are the characters the active probe tries in a name.
const probeChars = `./\*%`

// probe learns the server's rules. With active set it creates a folder
// (and deletes it again) to test mixed mailboxes and name characters. With
// readOnly set it changes nothing at all on the server: no SELECT of INBOX
// (which would clear \Recent), so PERMANENTFLAGS stays unknown.
func probe(ctx context.Context, c *imapclient.Client, active, readOnly bool) (*ServerInfo, error) {
	caps := c.Caps()
	info := &ServerInfo{caps: caps, roles: map[mailconv.Role]string{}, SpecialUse: map[string]string{}, attrs: map[string][]imapv2.MailboxAttr{}}
	for cp := range caps {
		info.Capabilities = append(info.Capabilities, string(cp))
	}
	sort.Strings(info.Capabilities)
	info.UTF8Accept = caps.Has(imapv2.CapUTF8Accept)
	info.UIDPlus = caps.Has(imapv2.CapUIDPlus)
	info.LiteralPlus = caps.Has(imapv2.CapLiteralPlus)
	info.LiteralMinus = caps.Has(imapv2.CapLiteralMinus)
	info.MultiAppend = caps.Has(imapv2.CapMultiAppend)
	if lim, ok := caps.AppendLimit(); ok && lim != nil {
		info.AppendLimit = int64(*lim)
	}

	gotNS := false
	if caps.Has(imapv2.CapNamespace) {
		ns, err := c.Namespace().Wait()
		if err != nil {
			return nil, connErr("NAMESPACE", err)
		}
		if len(ns.Personal) > 0 {
			info.NamespacePrefix = ns.Personal[0].Prefix
			if ns.Personal[0].Delim != 0 {
				info.Delimiter = string(ns.Personal[0].Delim)
			}
			gotNS = true
		}
	}
	if !gotNS {
		l, err := c.List("", "", nil).Collect()
		if err != nil {
			return nil, connErr(`LIST "" ""`, err)
		}
		if len(l) > 0 && l[0].Delim != 0 {
			info.Delimiter = string(l[0].Delim)
		}
	}

	var lopts *imapv2.ListOptions
	if caps.Has(imapv2.CapSpecialUse) {
		lopts = &imapv2.ListOptions{ReturnSpecialUse: true}
	}
	all, err := c.List("", "*", lopts).Collect()
	if err != nil {
		return nil, connErr(`LIST "" "*"`, err)
	}
	mixedSeen, noInferiors := "", ""
	for _, l := range all {
		info.attrs[l.Mailbox] = l.Attrs
		noselect := false
		children := false
		for _, a := range l.Attrs {
			switch a {
			case imapv2.MailboxAttrNoSelect, imapv2.MailboxAttrNonExistent:
				noselect = true
			case imapv2.MailboxAttrHasChildren:
				children = true
			case imapv2.MailboxAttrNoInferiors:
				if !strings.EqualFold(l.Mailbox, "INBOX") && noInferiors == "" {
					noInferiors = l.Mailbox
				}
			}
			if role, ok := specialUseRoles[a]; ok {
				if _, dup := info.roles[role]; !dup {
					info.roles[role] = l.Mailbox
					info.SpecialUse[role.String()] = l.Mailbox
				}
			}
		}
		if children && !noselect && mixedSeen == "" {
			mixedSeen = l.Mailbox
		}
	}
	switch {
	case mixedSeen != "":
		info.Mixed, info.MixedEvidence = true, fmt.Sprintf("mailbox %q holds messages and has children", mixedSeen)
	case noInferiors != "":
		info.Mixed, info.MixedEvidence = false, fmt.Sprintf("mailbox %q is \\Noinferiors", noInferiors)
	default:
		info.Mixed, info.MixedEvidence = true, "assumed (the IMAP model allows it; nothing on the server says otherwise)"
	}

	if readOnly {
		return info, nil
	}
	sel, err := c.Select("INBOX", nil).Wait()
	if err != nil {
		return nil, connErr("SELECT INBOX", err)
	}
	for _, f := range sel.PermanentFlags {
		info.PermanentFlags = append(info.PermanentFlags, string(f))
		if f == imapv2.FlagWildcard {
			info.Keywords = true
		}
	}
	if caps.Has(imapv2.CapUnselect) {
		if err := c.Unselect().Wait(); err != nil {
			return nil, connErr("UNSELECT", err)
		}
	}

	if active && info.Delimiter != "" {
		if err := activeProbe(ctx, c, info); err != nil {
			return nil, err
		}
	}
	return info, nil
}

// activeProbe creates a folder with a child and a few oddly named
// children, looks at what the server made of them, and deletes them.
func activeProbe(ctx context.Context, c *imapclient.Client, info *ServerInfo) error {
	var rnd [6]byte
	rand.Read(rnd[:])
	d := info.Delimiter
	parent := info.NamespacePrefix + "mailconv-probe-" + hex.EncodeToString(rnd[:])
	if err := c.Create(parent, nil).Wait(); err != nil {
		return connErr("CREATE "+parent+" (probe; parameter probe=no skips it)", err)
	}
	info.Probed = true
	var created []string
	defer func() {
		// Children first, then the parent.
		for i := len(created) - 1; i >= 0; i-- {
			c.Delete(created[i]).Wait()
		}
		c.Delete(parent).Wait()
	}()
	child := parent + d + "child"
	if err := c.Create(child, nil).Wait(); err != nil {
		var ie *imapv2.Error
		if !errors.As(err, &ie) {
			return connErr("CREATE "+child+" (probe)", err)
		}
		info.Mixed, info.MixedEvidence = false, "the server refused a child under a new mailbox: "+serverText(ie)
	} else {
		created = append(created, child)
		l, err := c.List("", parent, nil).Collect()
		if err != nil {
			return connErr("LIST (probe)", err)
		}
		sel := len(l) == 1
		for _, x := range l {
			for _, a := range x.Attrs {
				if a == imapv2.MailboxAttrNoSelect || a == imapv2.MailboxAttrNonExistent {
					sel = false
				}
			}
		}
		if sel {
			info.Mixed, info.MixedEvidence = true, "probe: a new mailbox stays selectable with a child"
		} else {
			info.Mixed, info.MixedEvidence = false, "probe: a mailbox with a child is not selectable"
		}
	}
	for _, ch := range probeChars {
		if string(ch) == d {
			continue
		}
		name := parent + d + "a" + string(ch) + "b"
		if err := c.Create(name, nil).Wait(); err != nil {
			var ie *imapv2.Error
			if !errors.As(err, &ie) {
				return connErr("CREATE (probe)", err)
			}
			info.Forbidden += string(ch)
			continue
		}
		created = append(created, name)
	}
	name := parent + d + "~a"
	if err := c.Create(name, nil).Wait(); err != nil {
		var ie *imapv2.Error
		if !errors.As(err, &ie) {
			return connErr("CREATE (probe)", err)
		}
		info.ForbiddenFirst += "~"
	} else {
		created = append(created, name)
	}
	return ctx.Err()
}

// capabilities turns the probe into the writer's Capabilities.
func (info *ServerInfo) capabilities() mailconv.Capabilities {
	var flags mailconv.Flags
	for _, f := range info.PermanentFlags {
		switch strings.ToLower(f) {
		case `\seen`:
			flags |= mailconv.FlagSeen
		case `\answered`:
			flags |= mailconv.FlagAnswered
		case `\flagged`:
			flags |= mailconv.FlagFlagged
		case `\deleted`:
			flags |= mailconv.FlagDeleted
		case `\draft`:
			flags |= mailconv.FlagDraft
		case `$forwarded`:
			flags |= mailconv.FlagForwarded
		}
	}
	if info.Keywords {
		flags |= mailconv.FlagForwarded
	}
	forbidden := info.Delimiter + info.Forbidden
	if !info.Probed {
		// Without the probe, stay on the safe side.
		forbidden += probeChars
	}
	return mailconv.Capabilities{
		Flags:    flags,
		Keywords: info.Keywords || len(info.allowedKeywords()) > 0,
		Dates:    true,
		Mixed:    info.Mixed,
		Names: mailconv.NameRules{
			Forbidden:      uniqueChars(forbidden),
			ForbiddenFirst: info.ForbiddenFirst + boolStr(!info.Probed, "~"),
			SegmentLen:     func(s string) int { return len(mailconv.EncodeMUTF7(s)) },
		},
	}
}

// allowedKeywords lists the keywords PERMANENTFLAGS names (without \*).
func (info *ServerInfo) allowedKeywords() []string {
	var out []string
	for _, f := range info.PermanentFlags {
		if !strings.HasPrefix(f, `\`) {
			out = append(out, f)
		}
	}
	return out
}

func boolStr(b bool, s string) string {
	if b {
		return s
	}
	return ""
}

func uniqueChars(s string) string {
	var b strings.Builder
	for _, c := range s {
		if !strings.ContainsRune(b.String(), c) {
			b.WriteRune(c)
		}
	}
	return b.String()
}
