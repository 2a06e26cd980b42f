package imap

import (
	"context"
	"fmt"
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
	fetch fetchConfig
	c     *imapclient.Client
	info  *ServerInfo
	names map[string]string // path key -> server name
}

// Open connects to the server named by addr (see ParseAddress) and logs in.
func Open(ctx context.Context, addr string, tls bool, opts *mailconv.Options) (*Reader, error) {
	opts, cc, err := setup(addr, tls, opts)
	if err != nil {
		return nil, err
	}
	r := &Reader{opts: opts, cc: cc, names: map[string]string{}}
	if r.fetch, err = newFetchConfig(opts.Params); err != nil {
		return nil, err
	}
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
// lists its messages (UID, flags, INTERNALDATE, size); their octets are
// fetched in pipelined batches as Next reaches them (see MailboxReader).
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
	// EXAMINE and the listing go out together: one round trip for both.
	// A server runs them in order; when EXAMINE fails, no mailbox is
	// selected and the listing fails too (RFC 3501 section 6.3.1).
	selCmd := r.c.Select(name, &imapv2.SelectOptions{ReadOnly: true})
	var all imapv2.UIDSet
	all.AddRange(1, 0)
	cmd := r.c.Fetch(all, &imapv2.FetchOptions{UID: true, Flags: true, InternalDate: true, RFC822Size: true})
	sel, err := selCmd.Wait()
	if err != nil {
		cmd.Close()
		return nil, connErr("EXAMINE "+name, err)
	}
	mr := &MailboxReader{r: r, ctx: ctx, path: mb.Path, name: name, uidValidity: sel.UIDValidity, cfg: r.fetch,
		stopCtx: func() bool { return true }}
	if sel.NumMessages == 0 {
		cmd.Close() // whatever a server answers for 1:* in an empty mailbox
		return mr, nil
	}
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
	mr.state = make([]uint8, len(mr.list))
	// A cancelled run drops the connection rather than wait for answers.
	mr.stopCtx = context.AfterFunc(ctx, func() { r.c.Close() })
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

var _ mailconv.Reader = (*Reader)(nil)
