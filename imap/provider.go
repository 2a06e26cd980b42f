package imap

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"

	imapv2 "github.com/emersion/go-imap/v2"

	"github.com/mailconv/mailconv"
)

// ParamProvider names a provider preset (see Provider): "gmail" or
// "outlook". It may also be given in the address, imaps://USER@/?provider=NAME.
const ParamProvider = "provider"

// Provider is the preset of one mail provider's IMAP service: where it is,
// how it takes logins, which of its mailboxes are its system ones, and the
// limits it documents. The values and their public sources are in
// docs/providers.md.
type Provider struct {
	// Name is what --provider takes ("gmail", "outlook"); Aliases are
	// other names taken for it ("google", "microsoft": the names 'mailconv
	// login --provider' takes).
	Name    string
	Aliases []string
	// Title names the service in messages.
	Title string
	// Host and Port are the IMAP server (implicit TLS), used when the
	// address names no host.
	Host string
	Port int
	// MailDomains are the service's own mail domains: an address whose
	// host is one of them ("imaps://me@gmail.com") meant the account
	// me@gmail.com, not a server, and is refused with the right spelling.
	MailDomains []string
	// Login is the --provider of 'mailconv login' that gets a token file
	// for this service.
	Login string
	// OAuthOnly: the service refuses password logins over IMAP, so a token
	// file is required.
	OAuthOnly bool
	// MaxMessage is the largest message sent when the server announces no
	// APPENDLIMIT and the parameter append-limit is not given; larger
	// ones are reported skips.
	MaxMessage int64
	// BytesPerDay is the documented daily IMAP upload limit (0: none
	// documented); the command line makes it the default of
	// --max-bytes-per-day.
	BytesPerDay int64
	// SpecialNames are the usual names of the service's special-use
	// mailboxes, taken for a role when LIST marks no mailbox with the
	// role's attribute but one of this name exists.
	SpecialNames map[mailconv.Role]string
	// NoUpload are the attributes of mailboxes that are views or markers,
	// never folders to upload into (Gmail's \All, \Flagged, \Important).
	NoUpload []imapv2.MailboxAttr
	// Reserved are name segments the service keeps for itself; a source
	// mailbox of that name is renamed (reported) by the name plan.
	Reserved []string
	// Expiring are roles whose mailbox the service empties by itself
	// (Gmail deletes messages in Trash and Spam after 30 days); mapping a
	// source mailbox there is reported as a warning.
	Expiring []mailconv.Role
}

// presets returns the presets, made anew at each call (nothing global can
// be changed through them); see docs/providers.md for the sources.
func presets() []Provider {
	return []Provider{
		{
			Name: "gmail", Aliases: []string{"google", "googlemail"}, Title: "Gmail",
			Host: "imap.gmail.com", Port: 993, Login: "google", MailDomains: []string{"gmail.com", "googlemail.com"},
			MaxMessage:  35651584,  // the APPENDLIMIT Gmail announces
			BytesPerDay: 500000000, // 500 MB of IMAP upload a day
			SpecialNames: map[mailconv.Role]string{
				mailconv.RoleSent: "[Gmail]/Sent Mail", mailconv.RoleDrafts: "[Gmail]/Drafts",
				mailconv.RoleTrash: "[Gmail]/Trash", mailconv.RoleJunk: "[Gmail]/Spam",
			},
			NoUpload: []imapv2.MailboxAttr{imapv2.MailboxAttrAll, imapv2.MailboxAttrFlagged, imapv2.MailboxAttrImportant},
			Reserved: []string{"[Gmail]", "[Google Mail]"},
			Expiring: []mailconv.Role{mailconv.RoleTrash, mailconv.RoleJunk},
		},
		{
			Name: "outlook", Aliases: []string{"microsoft", "office365", "microsoft365", "hotmail"}, Title: "Microsoft 365 / Outlook.com",
			Host: "outlook.office365.com", Port: 993, Login: "microsoft", OAuthOnly: true,
			MailDomains: []string{"outlook.com", "hotmail.com", "live.com", "msn.com"},
			MaxMessage:  35 << 20, // Exchange Online's default message size limit, 35 MB
			SpecialNames: map[mailconv.Role]string{
				mailconv.RoleSent: "Sent Items", mailconv.RoleDrafts: "Drafts", mailconv.RoleTrash: "Deleted Items",
				mailconv.RoleJunk: "Junk Email", mailconv.RoleArchive: "Archive",
			},
			// Exchange's folders for other items than mail, and the outbox
			// (a queue of mail to send, not a folder to keep mail in).
			Reserved: []string{"Calendar", "Contacts", "Tasks", "Notes", "Journal", "Outbox"},
		},
	}
}

// Providers returns the presets, sorted by name.
func Providers() []Provider {
	out := presets()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// ErrUnknownProvider is matched (errors.Is) by an *UnknownProviderError.
var ErrUnknownProvider = errors.New("unknown provider")

// UnknownProviderError is returned for a provider name that is no preset.
// It matches ErrUnknownProvider and mailconv.ErrBadOption (a usage error).
type UnknownProviderError struct {
	Name    string   // the name given
	Closest string   // the preset nearest to Name, or ""
	Known   []string // the presets' names
}

// Error names the closest preset and the known ones.
func (e *UnknownProviderError) Error() string {
	s := fmt.Sprintf("unknown provider %q", e.Name)
	if e.Closest != "" {
		s += ": did you mean " + e.Closest + "?"
	}
	return s + " (providers: " + strings.Join(e.Known, ", ") + ")"
}

// Is makes errors.Is true for ErrUnknownProvider and mailconv.ErrBadOption.
func (e *UnknownProviderError) Is(target error) bool {
	return target == ErrUnknownProvider || target == mailconv.ErrBadOption
}

// LookupProvider returns the preset of name (or of one of its aliases),
// case-insensitively; any other name is an *UnknownProviderError.
func LookupProvider(name string) (*Provider, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	var known, all []string
	list := Providers()
	for i := range list {
		p := &list[i]
		if n == p.Name || presetHas(p.Aliases, n) {
			return p, nil
		}
		known = append(known, p.Name)
		all = append(all, p.Name)
		all = append(all, p.Aliases...)
	}
	e := &UnknownProviderError{Name: name, Known: known}
	if c := mailconv.ClosestName(n, all); c != "" {
		p, _ := LookupProvider(c)
		e.Closest = p.Name
	}
	return nil, e
}

func presetHas(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ResolveProvider applies the provider preset an IMAP address asks for,
// by the query ?provider=NAME (the only query an address may carry) or
// by params[ParamProvider], and returns the address and parameters to
// hand to Create or Open (the format registry does this itself; a library
// caller of Create or Open calls it first). Without a provider it returns
// addr and params as they are (and nil).
//
// The preset sets:
//   - the host and port, when the address names no host
//     (imaps://me%40gmail.com@/ or imaps://me@gmail.com@/); an address
//     that names a host keeps it, its port and its scheme: that is how a
//     user points a preset at another server (a test server, a proxy).
//     With the preset's host the address must be imaps:// (TLS).
//   - the login: a token file is required when the service takes no
//     passwords (outlook), and without a token file and without a
//     password the error says how to get one; with a token file and no
//     mechanism chosen (sasl auto), XOAUTH2, which both services document.
//
// The returned params hold provider, so that Create applies the rest of
// the preset (Writer.Provider): special-use names, reserved names, the
// message size limit.
func ResolveProvider(addr string, tls bool, params map[string]string) (string, map[string]string, *Provider, error) {
	base, query, hasQuery := strings.Cut(addr, "?")
	name := params[ParamProvider]
	if hasQuery {
		q, err := url.ParseQuery(query)
		if err != nil || len(q) != 1 || len(q[ParamProvider]) != 1 {
			return "", nil, nil, fmt.Errorf("%w %s: the only query an address takes is ?%s=NAME", ErrAddress, addr, ParamProvider)
		}
		qn := q.Get(ParamProvider)
		if name != "" && !strings.EqualFold(name, qn) {
			return "", nil, nil, mailconv.BadOption(fmt.Errorf("provider %q in the address and %q in the options differ", qn, name))
		}
		name = qn
	}
	if name == "" {
		return addr, params, nil, nil
	}
	prov, err := LookupProvider(name)
	if err != nil {
		return "", nil, nil, err
	}
	out := make(map[string]string, len(params)+2)
	for k, v := range params {
		out[k] = v
	}
	out[ParamProvider] = prov.Name

	switch {
	case strings.HasPrefix(base, FormatIMAPS+"://"):
		tls = true
	case strings.HasPrefix(base, FormatIMAP+"://"):
		tls = false
	}
	resolved, preset, err := prov.fillHost(base)
	if err != nil {
		return "", nil, nil, err
	}
	if preset && !tls {
		return "", nil, nil, fmt.Errorf("%w %s: %s takes IMAP over TLS: use imaps://", ErrAddress, addr, prov.Title)
	}
	if err := prov.checkLogin(out); err != nil {
		return "", nil, nil, err
	}
	return resolved, out, prov, nil
}

// fillHost puts the preset's host and port into an address that names no
// host; preset tells whether it did. An address whose host is one of the
// service's mail domains is refused: the user meant an account.
func (p *Provider) fillHost(addr string) (string, bool, error) {
	i := strings.Index(addr, "//")
	if i < 0 {
		return addr, false, nil // ParseAddress says what is wrong
	}
	scheme, rest := addr[:i], addr[i+2:]
	authority, path, _ := strings.Cut(rest, "/")
	at := strings.LastIndexByte(authority, '@')
	if at < 0 {
		return addr, false, nil // no user: ParseAddress says so
	}
	if host := authority[at+1:]; host != "" {
		user := authority[:at]
		if h := strings.ToLower(host); presetHas(p.MailDomains, h) && !strings.Contains(user, "@") && !strings.Contains(user, "%40") {
			return "", false, fmt.Errorf("%w %s: %s is a mail domain, not a server: for the account %s@%s write imaps://%s@/ (the preset's server, %s)",
				ErrAddress, addr, host, user, h, authority, p.Host)
		}
		return addr, false, nil // the host named wins
	}
	host := net.JoinHostPort(p.Host, strconv.Itoa(p.Port))
	return scheme + "//" + authority + host + "/" + path, true, nil
}

// checkLogin refuses, before any connection, a login the service cannot
// take, and prefers XOAUTH2 with a token file.
func (p *Provider) checkLogin(params map[string]string) error {
	hasToken := params[ParamTokenFile] != ""
	login := fmt.Sprintf("mailconv login --provider %s --client-id ID token.json (docs/providers.md), then --oauth2-token-file token.json", p.Login)
	switch {
	case !hasToken && p.OAuthOnly:
		return fmt.Errorf("%w: %s takes only OAuth2 logins over IMAP (no passwords): get a token file with %s", ErrPassword, p.Title, login)
	case !hasToken && params[ParamPasswordFile] == "" && os.Getenv(PasswordEnv) == "":
		return fmt.Errorf("%w: none given for %s: log in with OAuth2 (required for Google Workspace): %s; "+
			"or, for a consumer account, create an app password and give it in %s or with --password-file",
			ErrPassword, p.Title, login, PasswordEnv)
	}
	if hasToken {
		if m := strings.ToLower(params[ParamSASL]); m == "" || m == "auto" {
			params[ParamSASL] = "xoauth2"
		}
	}
	return nil
}

// providerOf returns the preset named by params, or nil.
func providerOf(params map[string]string) (*Provider, error) {
	if params[ParamProvider] == "" {
		return nil, nil
	}
	return LookupProvider(params[ParamProvider])
}

// withProvider is ResolveProvider for the format registry's functions.
func withProvider(path string, tls bool, opts *mailconv.Options) (string, *mailconv.Options, error) {
	var params map[string]string
	if opts != nil {
		params = opts.Params
	}
	p, params, prov, err := ResolveProvider(path, tls, params)
	if err != nil || prov == nil {
		return p, opts, err
	}
	o := mailconv.Options{}
	if opts != nil {
		o = *opts
	}
	o.Params = params
	return p, &o, nil
}

// Provider returns the preset the writer applies, or nil.
func (w *Writer) Provider() *Provider { return w.prov }

// applyProvider applies the rest of the preset after the probe: the
// special-use names LIST did not mark, the mailboxes never uploaded into
// and the reserved names (renamed by the name plan), and the message size
// limit when neither the server nor the parameter append-limit gives one.
func (w *Writer) applyProvider(a *Address) error {
	prov, err := providerOf(w.opts.Params)
	if err != nil || prov == nil {
		return err
	}
	w.prov = prov
	info := w.info
	d := info.Delimiter
	if d == "" {
		d = "/"
	}
	reserved := append([]string(nil), prov.Reserved...)
	for _, name := range presetSortedKeys(info.attrs) {
		for _, at := range info.attrs[name] {
			if presetHasAttr(prov.NoUpload, at) {
				first, _, _ := strings.Cut(strings.TrimPrefix(name, info.NamespacePrefix), d)
				reserved = append(reserved, first)
			}
		}
	}
	reserved = presetUniqueFold(reserved)
	if len(a.Prefix) > 0 && presetHasFold(reserved, a.Prefix[0]) {
		return fmt.Errorf("%w: the prefix %q is a system folder of %s: choose another folder", ErrAddress, a.Prefix[0], prov.Title)
	}
	w.caps.Names.Reserved = append(w.caps.Names.Reserved, reserved...)
	for _, role := range []mailconv.Role{mailconv.RoleSent, mailconv.RoleDrafts, mailconv.RoleTrash, mailconv.RoleJunk, mailconv.RoleArchive} {
		name, ok := prov.SpecialNames[role]
		if _, mapped := info.roles[role]; mapped || !ok {
			continue
		}
		if attrs, exists := info.attrs[name]; exists && !presetHasAttr(attrs, imapv2.MailboxAttrNoSelect) {
			info.roles[role] = name
			info.SpecialUse[role.String()] = name
		}
	}
	limit := "the server's APPENDLIMIT"
	if w.opts.Params[ParamAppendLimit] != "" {
		limit = "the parameter " + ParamAppendLimit
	} else if info.AppendLimit == 0 {
		w.limit = prov.MaxMessage
		limit = fmt.Sprintf("%d octets, the preset's", prov.MaxMessage)
	}
	w.opts.Emit(mailconv.Event{Kind: mailconv.EventInfo, Code: "imap.provider",
		Detail: fmt.Sprintf("provider %s (%s): largest message %s; names kept for the server: %s",
			prov.Name, prov.Title, limit, strings.Join(reserved, ", "))})
	return nil
}

// providerNote warns when a source mailbox goes to a mailbox the service
// empties by itself (Gmail's Trash and Spam).
func (w *Writer) providerNote(mb *mailconv.Mailbox, name string) {
	if w.prov == nil || mb.NoSelect {
		return
	}
	for _, role := range w.prov.Expiring {
		if target, ok := w.info.roles[role]; ok && target == name {
			w.opts.Emit(mailconv.Event{Kind: mailconv.EventWarning, Code: "imap.provider-expiring", Mailbox: mb.Path,
				Detail: fmt.Sprintf("%s goes to %q, which %s empties by itself after 30 days; "+
					"to keep these messages, run with --dst-opt special-use=no (an ordinary folder of the same name)", mb.Path, name, w.prov.Title)})
		}
	}
}

func presetHasAttr(list []imapv2.MailboxAttr, a imapv2.MailboxAttr) bool {
	for _, x := range list {
		if strings.EqualFold(string(x), string(a)) {
			return true
		}
	}
	return false
}

func presetHasFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func presetUniqueFold(list []string) []string {
	var out []string
	for _, s := range list {
		if s != "" && !presetHasFold(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func presetSortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
