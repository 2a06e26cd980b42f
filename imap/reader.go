package imap

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	imapv2 "github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/mailconv/mailconv"
)

// Reader reads the mailboxes under an IMAP address, for verification (and
// as a source). It only uses read-only commands (LIST, EXAMINE, FETCH with
// BODY.PEEK), so reading changes nothing on the server, not even \Recent or
// \Seen. It is not safe for concurrent use.
type Reader struct {
	opts  *mailconv.Options
	cc    *connConfig
	c     *imapclient.Client
	info  *ServerInfo
	names map[string]string // path key -> server name
}

// Open connects to the server named by addr (see ParseAddress) and logs in.
func Open(ctx context.Context, addr string, tls bool, opts *mailconv.Options) (*Reader, error) {
	if opts == nil {
		opts = &mailconv.Options{}
	}
	a, err := ParseAddress(addr, tls)
	if err != nil {
		return nil, err
	}
	cc, err := newConnConfig(a, opts)
	if err != nil {
		return nil, err
	}
	r := &Reader{opts: opts, cc: cc, names: map[string]string{}}
	if r.c, err = dial(ctx, cc); err != nil {
		return nil, err
	}
	if r.info, err = probe(ctx, r.c, false, true); err != nil {
		r.c.Close()
		return nil, err
	}
	return r, nil
}

// Info returns what the reader learned about the server (PermanentFlags
// stays empty: finding it out would need a read-write SELECT).
func (r *Reader) Info() *ServerInfo { return r.info }

func pathKey(p mailconv.Path) string { return strings.Join(p, "\x00") }

// Mailboxes lists the mailboxes under the address's prefix (the whole
// account without one), as paths relative to the prefix; INBOX is {"INBOX"}
// when there is no prefix. Special-use mailboxes carry their Role. Missing
// parents are listed as NoSelect folders.
func (r *Reader) Mailboxes(ctx context.Context) ([]*mailconv.Mailbox, error) {
	stop := context.AfterFunc(ctx, func() { r.c.Close() })
	defer stop()
	var lopts *imapv2.ListOptions
	if r.info.caps.Has(imapv2.CapSpecialUse) {
		lopts = &imapv2.ListOptions{ReturnSpecialUse: true}
	}
	all, err := r.c.List("", "*", lopts).Collect()
	if err != nil {
		return nil, connErr(`LIST "" "*"`, err)
	}
	prefix := r.cc.addr.Prefix
	d := r.info.Delimiter
	byKey := map[string]*mailconv.Mailbox{}
	var out []*mailconv.Mailbox
	for _, l := range all {
		var p mailconv.Path
		switch {
		case strings.EqualFold(l.Mailbox, "INBOX"):
			if len(prefix) > 0 {
				continue
			}
			p = mailconv.Path{"INBOX"}
		default:
			name := l.Mailbox
			if r.info.NamespacePrefix != "" {
				if !strings.HasPrefix(name, r.info.NamespacePrefix) {
					continue // another namespace
				}
				name = name[len(r.info.NamespacePrefix):]
			}
			if d == "" {
				p = mailconv.Path{name}
			} else {
				p = strings.Split(name, d)
			}
			if !p.HasPrefix(prefix) || len(p) == len(prefix) {
				continue
			}
			p = p[len(prefix):]
		}
		mb := &mailconv.Mailbox{Path: p, Source: l.Mailbox, Messages: -1, Bytes: -1}
		for _, a := range l.Attrs {
			switch a {
			case imapv2.MailboxAttrNoSelect, imapv2.MailboxAttrNonExistent:
				mb.NoSelect = true
			}
			if role, ok := specialUseRoles[a]; ok {
				mb.Role = role
			}
		}
		if p.IsInbox() {
			mb.Role = mailconv.RoleInbox
		}
		byKey[pathKey(p)] = mb
		r.names[pathKey(p)] = l.Mailbox
		out = append(out, mb)
	}
	// Implied parents.
	for _, mb := range out {
		for q := mb.Path.Parent(); len(q) > 0; q = q.Parent() {
			if byKey[pathKey(q)] == nil {
				parent := &mailconv.Mailbox{Path: append(mailconv.Path(nil), q...), NoSelect: true, Messages: -1, Bytes: -1}
				byKey[pathKey(q)] = parent
				out = append(out, parent)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].Path, out[j].Path
		if a.IsInbox() != b.IsInbox() {
			return a.IsInbox()
		}
		for k := 0; k < len(a) && k < len(b); k++ {
			if a[k] != b[k] {
				return a[k] < b[k]
			}
		}
		return len(a) < len(b)
	})
	return out, nil
}

// Open implements mailconv.Reader. It selects the mailbox read-only and
// lists its messages (UID, flags, INTERNALDATE, size); the octets of each
// are fetched when Next reaches it.
func (r *Reader) Open(ctx context.Context, mb *mailconv.Mailbox) (mailconv.MailboxReader, error) {
	name, ok := r.names[pathKey(mb.Path)]
	if !ok {
		name = mb.Source
	}
	if name == "" || mb.NoSelect {
		return nil, fmt.Errorf("imap: %s is not a selectable mailbox of this reader", mb.Path)
	}
	stop := context.AfterFunc(ctx, func() { r.c.Close() })
	defer stop()
	sel, err := r.c.Select(name, &imapv2.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return nil, connErr("EXAMINE "+name, err)
	}
	mr := &MailboxReader{r: r, ctx: ctx, name: name, uidValidity: sel.UIDValidity}
	if sel.NumMessages == 0 {
		return mr, nil
	}
	var all imapv2.UIDSet
	all.AddRange(1, 0)
	cmd := r.c.Fetch(all, &imapv2.FetchOptions{UID: true, Flags: true, InternalDate: true, RFC822Size: true})
	for {
		msg := cmd.Next()
		if msg == nil {
			break
		}
		buf, err := msg.Collect()
		if err != nil {
			cmd.Close()
			return nil, connErr("FETCH "+name, err)
		}
		mr.list = append(mr.list, serverMsg{uid: buf.UID, flags: buf.Flags, date: buf.InternalDate, size: buf.RFC822Size})
	}
	if err := cmd.Close(); err != nil {
		return nil, connErr("FETCH "+name, err)
	}
	sort.Slice(mr.list, func(i, j int) bool { return mr.list[i].uid < mr.list[j].uid })
	return mr, nil
}

// Close logs out.
func (r *Reader) Close() error {
	select {
	case <-r.c.Closed():
		return nil
	default:
	}
	r.c.Logout().Wait()
	return r.c.Close()
}

type serverMsg struct {
	uid   imapv2.UID
	flags []imapv2.Flag
	date  time.Time
	size  int64
}

// MailboxReader streams the messages of one mailbox in UID order. Each
// Message has ID "UIDVALIDITY:UID" (what MailboxWriter.LastRef returns for
// the copy it appended), the server's flags and keywords (\Recent left
// out), INTERNALDATE as Date (DateServer) and RFC822.SIZE as Size.
type MailboxReader struct {
	r           *Reader
	ctx         context.Context
	name        string
	uidValidity uint32
	list        []serverMsg
	next        int
	msg         mailconv.Message
	cmd         *imapclient.FetchCommand
	body        io.Reader
}

// Next implements mailconv.MailboxReader.
func (mr *MailboxReader) Next() (*mailconv.Message, error) {
	if err := mr.finish(); err != nil {
		return nil, err
	}
	if mr.next >= len(mr.list) {
		return nil, io.EOF
	}
	s := mr.list[mr.next]
	mr.next++
	mr.msg.Reset()
	m := &mr.msg
	m.ID = fmt.Sprintf("%d:%d", mr.uidValidity, s.uid)
	m.Date, m.DateSource = s.date, mailconv.DateServer
	m.Size = s.size
	m.Source = mailconv.Location{File: fmt.Sprintf("%s;UID=%d", mr.name, s.uid), Offset: -1}
	for _, f := range s.flags {
		switch strings.ToLower(string(f)) {
		case `\seen`:
			m.Flags |= mailconv.FlagSeen
		case `\answered`:
			m.Flags |= mailconv.FlagAnswered
		case `\flagged`:
			m.Flags |= mailconv.FlagFlagged
		case `\deleted`:
			m.Flags |= mailconv.FlagDeleted
		case `\draft`:
			m.Flags |= mailconv.FlagDraft
		case `\recent`:
		default:
			if !strings.HasPrefix(string(f), `\`) {
				m.AddKeyword(string(f))
			}
		}
	}
	mr.cmd = mr.r.c.Fetch(imapv2.UIDSetNum(s.uid), &imapv2.FetchOptions{UID: true,
		BodySection: []*imapv2.FetchItemBodySection{{Peek: true}}})
	// One UID, one message: stop at its body, which Read then streams.
	if msg := mr.cmd.Next(); msg != nil {
		for item := msg.Next(); item != nil; item = msg.Next() {
			if b, ok := item.(imapclient.FetchItemDataBodySection); ok && b.Literal != nil {
				mr.body = b.Literal
				break
			}
		}
	}
	if mr.body == nil {
		err := mr.cmd.Close()
		mr.cmd = nil
		if err != nil {
			return nil, connErr("FETCH "+m.Source.File, err)
		}
		return nil, fmt.Errorf("imap: %s: %w: the server sent no body", m.Source.File, mailconv.ErrFormat)
	}
	return m, nil
}

// PeekID returns the ID ("UIDVALIDITY:UID") of the message Next would
// return, without fetching it (mailconv.IDSkipper: a resumed run passes
// over what an earlier run recorded; a new UIDVALIDITY makes every ID new).
func (mr *MailboxReader) PeekID() (string, error) {
	if err := mr.finish(); err != nil {
		return "", err
	}
	if mr.next >= len(mr.list) {
		return "", io.EOF
	}
	return fmt.Sprintf("%d:%d", mr.uidValidity, mr.list[mr.next].uid), nil
}

// Skip passes over the message Next would return, without fetching it.
func (mr *MailboxReader) Skip() error {
	if err := mr.finish(); err != nil {
		return err
	}
	if mr.next >= len(mr.list) {
		return io.EOF
	}
	mr.next++
	return nil
}

// Read implements mailconv.MailboxReader.
func (mr *MailboxReader) Read(p []byte) (int, error) {
	if mr.body == nil {
		return 0, io.EOF
	}
	if err := mr.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := mr.body.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		err = connErr("FETCH "+mr.name, err)
	}
	return n, err
}

// finish drains the current message and ends its FETCH.
func (mr *MailboxReader) finish() error {
	if mr.cmd == nil {
		return nil
	}
	if mr.body != nil {
		io.Copy(io.Discard, mr.body)
	}
	err := mr.cmd.Close()
	mr.cmd, mr.body = nil, nil
	if err != nil {
		return connErr("FETCH "+mr.name, err)
	}
	return nil
}

// Close implements mailconv.MailboxReader.
func (mr *MailboxReader) Close() error { return mr.finish() }

var _ mailconv.Reader = (*Reader)(nil)
var _ mailconv.MailboxReader = (*MailboxReader)(nil)

var _ mailconv.IDSkipper = (*MailboxReader)(nil)
