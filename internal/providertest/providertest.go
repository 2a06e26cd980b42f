package providertest

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-sasl"
)

// layouts are the services' system mailboxes (English-language accounts)
// and their attributes.
var layouts = map[string]map[string][]imap.MailboxAttr{
	"gmail": {
		"[Gmail]":           {imap.MailboxAttrNoSelect, imap.MailboxAttrHasChildren},
		"[Gmail]/All Mail":  {imap.MailboxAttrAll},
		"[Gmail]/Drafts":    {imap.MailboxAttrDrafts},
		"[Gmail]/Important": {imap.MailboxAttrImportant},
		"[Gmail]/Sent Mail": {imap.MailboxAttrSent},
		"[Gmail]/Spam":      {imap.MailboxAttrJunk},
		"[Gmail]/Starred":   {imap.MailboxAttrFlagged},
		"[Gmail]/Trash":     {imap.MailboxAttrTrash},
	},
	"outlook": {
		"Archive":       {imap.MailboxAttrArchive},
		"Deleted Items": {imap.MailboxAttrTrash},
		"Drafts":        {imap.MailboxAttrDrafts},
		"Junk Email":    {imap.MailboxAttrJunk},
		"Notes":         nil,
		"Outbox":        nil,
		"Sent Items":    {imap.MailboxAttrSent},
		"Tasks":         nil,
	},
}

// Options tune the server.
type Options struct {
	// Provider is the layout: "gmail" (the default) or "outlook".
	Provider string
	// Token, when set, is the access token the server takes with
	// AUTHENTICATE XOAUTH2 (besides the password with LOGIN and PLAIN).
	Token string
	// AppendLimit is announced as APPENDLIMIT=n, and larger APPENDs are
	// refused; 0: none announced, none refused.
	AppendLimit int64
	// NoSpecialUse leaves the special-use attributes out of LIST (as a
	// server without RFC 6154 would); \Noselect stays.
	NoSpecialUse bool
}

// Append is one APPEND the server stored.
type Append struct {
	Mailbox string
	Size    int
	Flags   []imap.Flag
	Body    []byte
}

// Server is a running fake server.
type Server struct {
	// Addr is HOST:PORT on loopback; User and Password log in.
	Addr, User, Password string

	srv      *imapserver.Server
	system   map[string][]imap.MailboxAttr
	mu       sync.Mutex
	names    map[string]bool
	appends  []Append
	created  []string
	refused  []string
	token    string
	badMechs []string
}

// Start serves a fake server until Close.
func Start(o Options) (*Server, error) {
	if o.Provider == "" {
		o.Provider = "gmail"
	}
	system, ok := layouts[o.Provider]
	if !ok {
		return nil, fmt.Errorf("providertest: no layout %q", o.Provider)
	}
	s := &Server{User: "me@example.org", Password: "app-password", names: map[string]bool{"INBOX": true}, system: system}
	if o.Provider == "gmail" {
		s.User = "me@gmail.com"
	}
	mem := imapmemserver.New()
	user := imapmemserver.NewUser(s.User, s.Password)
	for _, n := range append(s.sortedSystem(), "INBOX") {
		if containsAttr(system[n], imap.MailboxAttrNoSelect) {
			continue // listed, never selected
		}
		if err := user.Create(n, nil); err != nil {
			return nil, err
		}
	}
	for n := range system {
		s.names[n] = true
	}
	s.token = o.Token
	mem.AddUser(user)
	s.srv = imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			x := &session{Session: mem.NewSession(), s: s, o: o}
			if o.AppendLimit > 0 {
				return limited{x}, nil, nil
			}
			return x, nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapUIDPlus: {}, imap.CapUnselect: {}},
		InsecureAuth: true,
		Logger:       discard{},
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go s.srv.Serve(ln)
	s.Addr = ln.Addr().String()
	return s, nil
}

// ForTest starts a fake server that stops when the test ends.
func ForTest(t testing.TB, o Options) *Server {
	t.Helper()
	s, err := Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Close stops the server.
func (s *Server) Close() error { return s.srv.Close() }

// Appends returns the APPENDs stored so far, in order.
func (s *Server) Appends() []Append {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Append(nil), s.appends...)
}

// Created returns the mailboxes created so far.
func (s *Server) Created() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.created...)
}

// RefusedMechanisms returns the SASL mechanisms a client tried that the
// server refused.
func (s *Server) RefusedMechanisms() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.badMechs...)
}

// Refused returns the names whose CREATE was refused.
func (s *Server) Refused() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.refused...)
}

func (s *Server) sortedSystem() []string {
	var out []string
	for n := range s.system {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func containsAttr(l []imap.MailboxAttr, a imap.MailboxAttr) bool {
	for _, x := range l {
		if x == a {
			return true
		}
	}
	return false
}

type session struct {
	imapserver.Session
	s *Server
	o Options
}

// List answers from the server's names, with Gmail's attributes on every
// reply (not only with RETURN (SPECIAL-USE)).
func (x *session) List(w *imapserver.ListWriter, ref string, patterns []string, _ *imap.ListOptions) error {
	if len(patterns) == 0 {
		return w.WriteList(&imap.ListData{Attrs: []imap.MailboxAttr{imap.MailboxAttrNoSelect}, Delim: '/'})
	}
	x.s.mu.Lock()
	var names []string
	for n := range x.s.names {
		names = append(names, n)
	}
	x.s.mu.Unlock()
	sort.Strings(names)
	for _, n := range names {
		for _, p := range patterns {
			if imapserver.MatchList(n, '/', ref, p) {
				attrs := x.s.system[n]
				if x.o.NoSpecialUse && !containsAttr(attrs, imap.MailboxAttrNoSelect) {
					attrs = nil
				}
				if err := w.WriteList(&imap.ListData{Mailbox: n, Delim: '/', Attrs: attrs}); err != nil {
					return err
				}
				break
			}
		}
	}
	return nil
}

// Create refuses names under [Gmail]/ (Gmail keeps them for itself).
func (x *session) Create(name string, o *imap.CreateOptions) error {
	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	if x.o.Provider == "gmail" && (strings.HasPrefix(name, "[Gmail]/") || name == "[Gmail]") {
		if x.s.names[name] {
			return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeAlreadyExists, Text: "Duplicate folder name (Failure)"}
		}
		x.s.refused = append(x.s.refused, name)
		return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeCannot, Text: "Invalid folder: " + name + " (Failure)"}
	}
	if err := x.Session.Create(name, o); err != nil {
		return err
	}
	x.s.names[name] = true
	x.s.created = append(x.s.created, name)
	return nil
}

// Delete forgets the name (the probe folder).
func (x *session) Delete(name string) error {
	if err := x.Session.Delete(name); err != nil {
		return err
	}
	x.s.mu.Lock()
	delete(x.s.names, name)
	x.s.mu.Unlock()
	return nil
}

// limited is a session that announces APPENDLIMIT.
type limited struct{ *session }

// AppendLimit implements imapserver.SessionAppendLimit.
func (l limited) AppendLimit() uint32 { return uint32(l.o.AppendLimit) }

type literal struct{ *bytes.Reader }

func (l literal) Size() int64 { return l.Reader.Size() }

// Append enforces APPENDLIMIT and records what it stores.
func (x *session) Append(mailbox string, r imap.LiteralReader, o *imap.AppendOptions) (*imap.AppendData, error) {
	if x.o.AppendLimit > 0 && r.Size() > x.o.AppendLimit {
		io.Copy(io.Discard, r)
		return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeTooBig, Text: "Message too large (Failure)"}
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	d, err := x.Session.Append(mailbox, literal{bytes.NewReader(b)}, o)
	if err == nil {
		x.s.mu.Lock()
		x.s.appends = append(x.s.appends, Append{Mailbox: mailbox, Size: len(b), Flags: o.Flags, Body: b})
		x.s.mu.Unlock()
	}
	return d, err
}

// AuthenticateMechanisms implements imapserver.SessionSASL: XOAUTH2 when
// a token is set, and PLAIN.
func (x *session) AuthenticateMechanisms() []string {
	if x.s.token != "" {
		// OAUTHBEARER is announced (Gmail does) but refused here, so
		// that a test sees which of the two a client chose.
		return []string{sasl.OAuthBearer, "XOAUTH2", sasl.Plain}
	}
	return []string{sasl.Plain}
}

// Authenticate implements imapserver.SessionSASL.
func (x *session) Authenticate(mech string) (sasl.Server, error) {
	switch {
	case mech == sasl.Plain:
		return sasl.NewPlainServer(func(identity, user, password string) error {
			return x.Session.Login(user, password)
		}), nil
	case mech == "XOAUTH2" && x.s.token != "":
		return xoauth2{x}, nil
	}
	x.s.mu.Lock()
	x.s.badMechs = append(x.s.badMechs, mech)
	x.s.mu.Unlock()
	return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Text: "SASL mechanism not supported"}
}

// xoauth2 checks the XOAUTH2 initial response ("user=U\x01auth=Bearer
// T\x01\x01") against the server's token and logs U in.
type xoauth2 struct{ x *session }

func (a xoauth2) Next(resp []byte) ([]byte, bool, error) {
	var user, token string
	for _, f := range strings.Split(string(resp), "\x01") {
		if v, ok := strings.CutPrefix(f, "user="); ok {
			user = v
		}
		if v, ok := strings.CutPrefix(f, "auth=Bearer "); ok {
			token = v
		}
	}
	if token != a.x.s.token {
		return nil, false, &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeAuthenticationFailed, Text: "AUTHENTICATE failed."}
	}
	return nil, true, a.x.Session.Login(user, a.x.s.Password)
}

type discard struct{}

func (discard) Printf(string, ...any) {}
