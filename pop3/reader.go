package pop3

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/internal/netaddr"
)

// The parameters this package takes (Options.Params keys).
const (
	ParamPasswordFile      = "password-file"
	ParamAllowPlaintext    = "allow-plaintext"
	ParamInsecure          = "insecure-skip-verify"
	ParamCAFile            = "ca-file"
	ParamTimeout           = "timeout"
	ParamDeleteAfterVerify = "delete-after-verify"
	ParamMaxHeader         = "max-header-bytes"
)

// DefaultMaxHeader is how much of a message's header is held in memory to
// find its date (parameter max-header-bytes).
const DefaultMaxHeader = 256 << 10

// Reader reads a POP3 maildrop as one mailbox, INBOX. It never deletes
// anything while reading; DeleteVerified removes messages afterwards, and
// only when the reader was opened with delete-after-verify.
type Reader struct {
	cfg         *Config
	opts        *mailconv.Options
	c           *Client
	deleteAfter bool
	maxHeader   int
	entries     []Entry
	count       int
	size        int64
}

// Open connects to the POP3 server named by addr (see ParseAddress), logs
// in and lists the maildrop with UIDL (a server without UIDL is refused:
// without stable identities a run could not be resumed, nor messages
// deleted safely).
func Open(ctx context.Context, addr string, tls bool, opts *mailconv.Options) (*Reader, error) {
	if opts == nil {
		opts = &mailconv.Options{}
	}
	a, err := ParseAddress(addr, tls)
	if err != nil {
		return nil, err
	}
	cfg := &Config{Addr: a, Timeout: 60 * time.Second}
	p := opts.Params
	cred, err := netaddr.ReadCredentials(p, ParamPasswordFile)
	if err != nil {
		return nil, err
	}
	cfg.SASL, cfg.Password, cfg.Token = cred.Mode, cred.Password, cred.Token
	cfg.OnTokenRefresh = func(why string) {
		opts.Emit(mailconv.Event{Kind: mailconv.EventInfo, Code: "pop3.token-refreshed",
			Detail: fmt.Sprintf("the OAuth2 access token %s: a new one was fetched from the token endpoint for the login at %s", why, a.HostPort())})
	}
	if cfg.AllowPlaintext, err = netaddr.Bool(p, ParamAllowPlaintext, false); err != nil {
		return nil, err
	}
	insecure, err := netaddr.Bool(p, ParamInsecure, false)
	if err != nil {
		return nil, err
	}
	if cfg.TLS, err = netaddr.TLSConfig(a.Host, insecure, p[ParamCAFile], ParamCAFile); err != nil {
		return nil, err
	}
	if cfg.Timeout, err = netaddr.Duration(p, ParamTimeout, cfg.Timeout); err != nil {
		return nil, err
	}
	r := &Reader{cfg: cfg, opts: opts, maxHeader: DefaultMaxHeader}
	if r.deleteAfter, err = netaddr.Bool(p, ParamDeleteAfterVerify, false); err != nil {
		return nil, err
	}
	if v := p[ParamMaxHeader]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1024 {
			return nil, fmt.Errorf("parameter %s: %q is not a number of at least 1024", ParamMaxHeader, v)
		}
		r.maxHeader = n
	}
	if r.c, err = Dial(ctx, cfg); err != nil {
		return nil, err
	}
	if r.count, r.size, err = r.c.Stat(); err != nil {
		r.c.Close()
		return nil, err
	}
	if r.entries, err = r.c.UIDL(); err != nil {
		r.c.Close()
		if errors.Is(err, ErrRefused) {
			return nil, fmt.Errorf("pop3: %s does not support UIDL, which resuming and deleting safely need: %w", a.HostPort(), err)
		}
		return nil, err
	}
	sizes, err := r.c.List()
	if err != nil {
		r.c.Close()
		return nil, err
	}
	bySize := map[int]int64{}
	for _, e := range sizes {
		bySize[e.Num] = e.Size
	}
	seen := map[string]bool{}
	for i := range r.entries {
		e := &r.entries[i]
		e.Size = bySize[e.Num]
		if seen[e.UIDL] {
			r.c.Close()
			return nil, fmt.Errorf("%w: UIDL %q given to two messages", ErrProtocol, e.UIDL)
		}
		seen[e.UIDL] = true
	}
	return r, nil
}

// DeleteAfterVerify tells whether the reader was opened with
// delete-after-verify, which DeleteVerified requires.
func (r *Reader) DeleteAfterVerify() bool { return r.deleteAfter }

// Mailboxes implements mailconv.Reader: the maildrop is one mailbox, INBOX.
func (r *Reader) Mailboxes(ctx context.Context) ([]*mailconv.Mailbox, error) {
	return []*mailconv.Mailbox{{Path: mailconv.Path{"INBOX"}, Role: mailconv.RoleInbox,
		Source: r.cfg.Addr.String(), Messages: len(r.entries), Bytes: r.size}}, nil
}

// Open implements mailconv.Reader.
func (r *Reader) Open(ctx context.Context, mb *mailconv.Mailbox) (mailconv.MailboxReader, error) {
	if !mb.Path.IsInbox() {
		return nil, fmt.Errorf("pop3: a maildrop has only INBOX, not %s", mb.Path)
	}
	return &MailboxReader{r: r, ctx: ctx}, nil
}

// Close ends the session without QUIT, so that nothing the session did can
// change the maildrop.
func (r *Reader) Close() error {
	if r.c == nil {
		return nil
	}
	err := r.c.Close()
	r.c = nil
	return err
}

// DeleteVerified deletes the messages whose UIDLs are given — the ones
// verification proved to be in the destination — and returns how many it
// deleted. It works only on a reader opened with delete-after-verify; it
// ends the reading session and opens a new one, marks the messages with
// DELE and commits with QUIT. UIDLs no longer on the server are ignored.
func (r *Reader) DeleteVerified(ctx context.Context, uidls []string) (int, error) {
	if !r.deleteAfter {
		return 0, fmt.Errorf("pop3: deleting needs the parameter %s (--delete-after-verify)", ParamDeleteAfterVerify)
	}
	if len(uidls) == 0 {
		return 0, nil
	}
	r.Close()
	c, err := Dial(ctx, r.cfg)
	if err != nil {
		return 0, err
	}
	list, err := c.UIDL()
	if err != nil {
		c.Close()
		return 0, err
	}
	want := make(map[string]bool, len(uidls))
	for _, u := range uidls {
		want[u] = true
	}
	n := 0
	for _, e := range list {
		if err := ctx.Err(); err != nil {
			c.Close() // no QUIT: nothing is deleted
			return 0, err
		}
		if want[e.UIDL] {
			if err := c.Dele(e.Num); err != nil {
				c.Close()
				return 0, fmt.Errorf("DELE %d (UIDL %s): %w; nothing was deleted", e.Num, e.UIDL, err)
			}
			n++
		}
	}
	if err := c.Quit(); err != nil {
		return 0, fmt.Errorf("QUIT (commit of %d deletions): %w", n, err)
	}
	return n, nil
}

// MailboxReader streams the maildrop's messages in message-number order.
// Each Message has the UIDL as ID, no flags, Size -1 (LIST sizes are not
// reliable enough to promise), and as Date the newest Received: header's
// date (DateReceived), else the Date: header (DateHeader).
type MailboxReader struct {
	r    *Reader
	ctx  context.Context
	next int
	msg  mailconv.Message
	body io.ReadCloser
	rd   io.Reader
}

// Next implements mailconv.MailboxReader.
func (mr *MailboxReader) Next() (*mailconv.Message, error) {
	if err := mr.finish(); err != nil {
		return nil, err
	}
	if err := mr.ctx.Err(); err != nil {
		return nil, err
	}
	if mr.next >= len(mr.r.entries) {
		return nil, io.EOF
	}
	if mr.r.c == nil {
		return nil, errors.New("pop3: reader is closed")
	}
	e := mr.r.entries[mr.next]
	mr.next++
	stop := context.AfterFunc(mr.ctx, func() { mr.r.c.Close() })
	defer stop()
	body, err := mr.r.c.Retr(e.Num)
	if err != nil {
		return nil, fmt.Errorf("RETR %d (UIDL %s): %w", e.Num, e.UIDL, err)
	}
	mr.body = body
	// Read the header (bounded) for the date; the octets are then
	// streamed from the start.
	br := bufio.NewReaderSize(body, 64<<10)
	hdr, err := readHeader(br, mr.r.maxHeader)
	if err != nil {
		return nil, fmt.Errorf("RETR %d (UIDL %s): %w", e.Num, e.UIDL, err)
	}
	mr.rd = io.MultiReader(bytes.NewReader(hdr), br)
	mr.msg.Reset()
	m := &mr.msg
	m.ID = e.UIDL
	m.Size = -1
	m.Source = mailconv.Location{File: mr.r.cfg.Addr.String() + ";UIDL=" + e.UIDL, Offset: -1}
	m.Date, m.DateSource = headerDate(hdr)
	return m, nil
}

// readHeader returns the header lines (up to and including the blank
// line), or the first max bytes when the header is longer.
func readHeader(br *bufio.Reader, max int) ([]byte, error) {
	var hdr []byte
	for len(hdr) < max {
		line, err := br.ReadSlice('\n')
		hdr = append(hdr, line...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF {
			return hdr, nil
		}
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimRight(line, "\r\n")) == 0 {
			break
		}
	}
	return hdr, nil
}

// headerDate finds the received date: the first (newest) Received:
// field's date, else the Date: field's (mailconv.HeaderDates).
func headerDate(hdr []byte) (time.Time, mailconv.DateSource) {
	received, date := mailconv.HeaderDates(hdr)
	return mailconv.ChooseDate("received", time.Time{}, received, date)
}

// PeekID returns the UIDL of the message Next would return, without
// retrieving it (mailconv.IDSkipper: a resumed run passes over what an
// earlier run recorded).
func (mr *MailboxReader) PeekID() (string, error) {
	if err := mr.finish(); err != nil {
		return "", err
	}
	if mr.next >= len(mr.r.entries) {
		return "", io.EOF
	}
	return mr.r.entries[mr.next].UIDL, nil
}

// Skip passes over the message Next would return, without retrieving it.
func (mr *MailboxReader) Skip() error {
	if err := mr.finish(); err != nil {
		return err
	}
	if mr.next >= len(mr.r.entries) {
		return io.EOF
	}
	mr.next++
	return nil
}

// Read implements mailconv.MailboxReader.
func (mr *MailboxReader) Read(p []byte) (int, error) {
	if mr.rd == nil {
		return 0, io.EOF
	}
	return mr.rd.Read(p)
}

func (mr *MailboxReader) finish() error {
	if mr.body == nil {
		return nil
	}
	err := mr.body.Close()
	mr.body, mr.rd = nil, nil
	return err
}

// Close implements mailconv.MailboxReader.
func (mr *MailboxReader) Close() error { return mr.finish() }

var _ mailconv.Reader = (*Reader)(nil)
var _ mailconv.MailboxReader = (*MailboxReader)(nil)
var _ mailconv.IDSkipper = (*MailboxReader)(nil)
