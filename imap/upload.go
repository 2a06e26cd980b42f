package imap

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	imapv2 "github.com/emersion/go-imap/v2"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/internal/sasl"
)

// upConn is the upload connection: an IMAP connection of the Writer's own,
// besides go-imap's, on which this package writes APPEND commands itself
// so that their literals go without waiting (LITERAL+ / LITERAL-, RFC
// 7888) and several messages go in one command (MULTIAPPEND, RFC 3502).
// go-imap's client sends every literal over 4096 octets as a
// synchronizing one (a round trip each) and has no MULTIAPPEND; since it
// owns its connection's reader, the APPENDs cannot share that connection
// (docs/formats/imap-append.md). Only greeting, CAPABILITY, STARTTLS,
// LOGIN / AUTHENTICATE, APPEND, NOOP and LOGOUT are spoken here; every
// response line is read with a length bound (maxRespLine).
type upConn struct {
	conn    net.Conn
	br      *bufio.Reader
	bw      *bufio.Writer
	timeout time.Duration // for each read and write
	seq     uint64
	caps    imapv2.CapSet
	stash   map[string]*wireResp // tagged answers read while waiting for another
	bye     string               // the last untagged BYE
	err     error                // sticky: once set the connection is not used again
	capsSet int                  // times the capabilities were set
	used    time.Time            // last answer read
}

func newUpConn(c net.Conn, timeout time.Duration) *upConn {
	u := &upConn{conn: c, timeout: timeout, stash: map[string]*wireResp{}, used: time.Now()}
	u.br = bufio.NewReaderSize(deadlineReader{u}, 16<<10)
	u.bw = bufio.NewWriterSize(deadlineWriter{u}, 64<<10)
	return u
}

// deadlineReader and deadlineWriter give each read and write on the
// connection the command timeout, so that a server that stops answering
// (or reading) fails the connection instead of hanging the upload.
type deadlineReader struct{ u *upConn }
type deadlineWriter struct{ u *upConn }

func (d deadlineReader) Read(p []byte) (int, error) {
	if d.u.timeout > 0 {
		d.u.conn.SetReadDeadline(time.Now().Add(d.u.timeout))
	}
	return d.u.conn.Read(p)
}

func (d deadlineWriter) Write(p []byte) (int, error) {
	if d.u.timeout > 0 {
		d.u.conn.SetWriteDeadline(time.Now().Add(d.u.timeout))
	}
	return d.u.conn.Write(p)
}

// fail marks the connection unusable and closes it.
func (u *upConn) fail(err error) error {
	if u.err == nil {
		u.err = err
		u.conn.Close()
	}
	return u.err
}

// failWrite is fail for an error writing: the server may have answered
// (and said BYE, with a back-off hint) before it stopped reading, so what
// it sent is read first, for a short while, and its answers kept.
func (u *upConn) failWrite(err error) error {
	if u.err != nil {
		return u.err
	}
	u.timeout = 200 * time.Millisecond
	for len(u.stash) < maxStash {
		r, rerr := u.readResp()
		if rerr != nil {
			break
		}
		if r.kind == 't' {
			u.stash[r.tag] = r
		}
	}
	u.err = nil
	return u.fail(err)
}

// close ends the connection (LOGOUT first when it is still good, without
// waiting long for the answer).
func (u *upConn) close() {
	if u.err == nil {
		u.timeout = 2 * time.Second
		if tag, err := u.command("LOGOUT"); err == nil {
			u.wait(tag)
		}
	}
	u.fail(net.ErrClosed)
}

// readResp reads one response, its literals included, within maxRespLine
// octets, and parses it. Untagged BYE text is remembered, and CAPABILITY
// data (untagged, or in an OK's response code) updates the capabilities.
func (u *upConn) readResp() (*wireResp, error) {
	if u.err != nil {
		return nil, u.err
	}
	var buf []byte
	for {
		chunk, err := u.br.ReadSlice('\n')
		if len(buf)+len(chunk) > maxRespLine {
			return nil, u.fail(fmt.Errorf("%w: a server response longer than %d octets", ErrConnection, maxRespLine))
		}
		buf = append(buf, chunk...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			if err == io.EOF && u.bye != "" {
				err = fmt.Errorf("%w (the server said %s)", io.ErrUnexpectedEOF, u.bye)
			}
			return nil, u.fail(err)
		}
		n, ok := literalAtEnd(buf)
		if !ok {
			break
		}
		if n > int64(maxRespLine-len(buf)) {
			return nil, u.fail(fmt.Errorf("%w: a server response longer than %d octets", ErrConnection, maxRespLine))
		}
		lit := make([]byte, n)
		if _, err := io.ReadFull(u.br, lit); err != nil {
			return nil, u.fail(err)
		}
		buf = append(buf, lit...)
	}
	line := strings.TrimRight(string(buf), "\r\n")
	r, err := parseResponse(line)
	if err != nil {
		return nil, u.fail(err)
	}
	u.used = time.Now()
	switch {
	case r.kind == '*' && r.typ == "BYE":
		u.bye = r.byeText()
	case r.kind == '*' && r.typ == "" && strings.HasPrefix(strings.ToUpper(r.data), "CAPABILITY "):
		u.setCaps(r.data[len("CAPABILITY "):])
	}
	if r.code == "CAPABILITY" {
		u.setCaps(r.args)
	}
	return r, nil
}

func (u *upConn) setCaps(list string) {
	u.capsSet++
	u.caps = imapv2.CapSet{}
	for _, c := range strings.Fields(list) {
		u.caps[imapv2.Cap(strings.ToUpper(c))] = struct{}{}
	}
}

// wait reads responses until the tagged answer to tag (answers to other
// tags read meanwhile are kept for their own wait).
func (u *upConn) wait(tag string) (*wireResp, error) {
	if r, ok := u.stash[tag]; ok {
		delete(u.stash, tag)
		return r, nil
	}
	if err := u.bw.Flush(); err != nil {
		u.failWrite(err)
		if r, ok := u.stash[tag]; ok {
			delete(u.stash, tag)
			return r, nil
		}
		return nil, u.err
	}
	for {
		r, err := u.readResp()
		if err != nil {
			return nil, err
		}
		switch r.kind {
		case 't':
			if r.tag == tag {
				return r, nil
			}
			if len(u.stash) >= maxStash {
				return nil, u.fail(fmt.Errorf("%w: too many answers to commands not waited for", ErrConnection))
			}
			u.stash[r.tag] = r
		case '+':
			return nil, u.fail(fmt.Errorf("%w: the server asked for a continuation no command was waiting for", ErrConnection))
		}
	}
}

// continued waits for the continuation request of a synchronizing
// literal of the command tag. When the server answers the command
// instead (it refused it before the literal), that answer is returned.
func (u *upConn) continued(tag string) (*wireResp, error) {
	if err := u.bw.Flush(); err != nil {
		return nil, u.failWrite(err)
	}
	for {
		r, err := u.readResp()
		if err != nil {
			return nil, err
		}
		switch {
		case r.kind == '+':
			return nil, nil
		case r.kind == 't' && r.tag == tag:
			return r, nil
		case r.kind == 't':
			if len(u.stash) >= maxStash {
				return nil, u.fail(fmt.Errorf("%w: too many answers to commands not waited for", ErrConnection))
			}
			u.stash[r.tag] = r
		}
	}
}

// command writes a command without arguments needing literals and
// returns its tag (the answer is read by wait).
func (u *upConn) command(cmd string) (string, error) {
	if u.err != nil {
		return "", u.err
	}
	tag := u.nextTag()
	if _, err := u.bw.WriteString(tag + " " + cmd + "\r\n"); err != nil {
		return "", u.failWrite(err)
	}
	return tag, nil
}

func (u *upConn) nextTag() string {
	u.seq++
	return "U" + strconv.FormatUint(u.seq, 10)
}

// run sends a command and waits for its answer; a NO or BAD is returned
// as *imapv2.Error.
func (u *upConn) run(cmd string) (*wireResp, error) {
	tag, err := u.command(cmd)
	if err != nil {
		return nil, err
	}
	r, err := u.wait(tag)
	if err != nil {
		return nil, err
	}
	if r.typ != "OK" {
		return r, r.imapErr()
	}
	return r, nil
}

// literal writes a literal's announcement and octets: non-synchronizing
// with LITERAL+, and with LITERAL- up to 4096 octets; otherwise
// synchronizing, waiting for the server's continuation request. refused
// is the server's answer to the command when it refused it instead.
func (u *upConn) literal(tag string, data []byte) (refused *wireResp, err error) {
	n := len(data)
	if u.caps.Has(imapv2.CapLiteralPlus) || (n <= 4096 && u.caps.Has(imapv2.CapLiteralMinus)) {
		if _, err := fmt.Fprintf(u.bw, "{%d+}\r\n", n); err != nil {
			return nil, u.failWrite(err)
		}
	} else {
		if _, err := fmt.Fprintf(u.bw, "{%d}\r\n", n); err != nil {
			return nil, u.failWrite(err)
		}
		if r, err := u.continued(tag); err != nil || r != nil {
			return r, err
		}
	}
	if _, err := u.bw.Write(data); err != nil {
		return nil, u.failWrite(err)
	}
	return nil, nil
}

// astring writes s as a quoted string, or as a literal when it cannot be
// quoted (8-bit, CR, LF, NUL).
func (u *upConn) astring(tag, s string) (*wireResp, error) {
	if quotable(s) {
		if _, err := u.bw.WriteString(quote(s)); err != nil {
			return nil, u.failWrite(err)
		}
		return nil, nil
	}
	return u.literal(tag, []byte(s))
}

func quotable(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == 0 || c == '\r' || c == '\n' || c >= 0x80 {
			return false
		}
	}
	return true
}

func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// appendItem is one message of an APPEND command.
type appendItem struct {
	flags []imapv2.Flag
	date  time.Time
	data  []byte
}

// appendMsgs writes an APPEND of the messages to mailbox (MULTIAPPEND
// when there are more than one: the caller checks the capability) and
// returns its tag; the answer is read with wait. refused is set when the
// server answered before the last literal (a synchronizing literal it
// would not take).
func (u *upConn) appendMsgs(mailbox string, items []appendItem) (tag string, refused *wireResp, err error) {
	if u.err != nil {
		return "", nil, u.err
	}
	tag = u.nextTag()
	if _, err := u.bw.WriteString(tag + " APPEND "); err != nil {
		return "", nil, u.failWrite(err)
	}
	if r, err := u.astring(tag, mailconv.EncodeMUTF7(mailbox)); err != nil || r != nil {
		return tag, r, err
	}
	for _, it := range items {
		var b strings.Builder
		b.WriteString(" (")
		for i, f := range it.flags {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(string(f))
		}
		b.WriteString(") ")
		if !it.date.IsZero() {
			b.WriteString(`"` + it.date.Format("_2-Jan-2006 15:04:05 -0700") + `" `)
		}
		if _, err := u.bw.WriteString(b.String()); err != nil {
			return "", nil, u.failWrite(err)
		}
		if r, err := u.literal(tag, it.data); err != nil || r != nil {
			return tag, r, err
		}
	}
	if _, err := u.bw.WriteString("\r\n"); err != nil {
		return "", nil, u.failWrite(err)
	}
	// Out now, not when the buffer fills or an answer is awaited: the
	// server works on it while the caller reads the next messages (a
	// slow source, such as an IMAP one, would otherwise hold up to 64 KiB
	// of commands back).
	if err := u.bw.Flush(); err != nil {
		return "", nil, u.failWrite(err)
	}
	return tag, nil, nil
}

// dialUpload opens an upload connection as dial does go-imap's: TLS or
// STARTTLS (plaintext only when allowed), then the same login.
func dialUpload(ctx context.Context, cc *connConfig) (*upConn, error) {
	ctx, cancel := context.WithTimeout(ctx, cc.timeout)
	defer cancel()
	addr := cc.addr.HostPort()
	raw, err := cc.connect(ctx, &net.Dialer{Timeout: cc.timeout})
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	defer stop()
	var conn net.Conn = raw
	handshake := func() error {
		tc := tls.Client(raw, cc.tls.Clone())
		if err := tc.HandshakeContext(ctx); err != nil {
			raw.Close()
			return tlsError(addr, err)
		}
		conn = tc
		return nil
	}
	if cc.addr.TLS {
		if err := handshake(); err != nil {
			return nil, err
		}
	}
	u := newUpConn(conn, cc.timeout)
	fail := func(err error) (*upConn, error) {
		u.fail(err)
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrConnection, addr, ctx.Err())
		}
		return nil, err
	}
	g, err := u.readResp()
	if err != nil {
		return fail(fmt.Errorf("%w: no greeting from %s: %v", ErrConnection, addr, err))
	}
	if g.kind != '*' || (g.typ != "OK" && g.typ != "PREAUTH") {
		return fail(fmt.Errorf("%w: %s greeted with %s", ErrConnection, addr, g.byeText()))
	}
	if u.caps == nil {
		if _, err := u.run("CAPABILITY"); err != nil {
			return fail(fmt.Errorf("%w: CAPABILITY at %s: %v", ErrConnection, addr, err))
		}
	}
	if !cc.addr.TLS && g.typ != "PREAUTH" {
		switch {
		case u.caps.Has(imapv2.CapStartTLS):
			if _, err := u.run("STARTTLS"); err != nil {
				return fail(fmt.Errorf("%w: STARTTLS at %s: %v", ErrTLS, addr, err))
			}
			if u.br.Buffered() > 0 {
				return fail(fmt.Errorf("%w: STARTTLS at %s: data after the answer (injection?)", ErrTLS, addr))
			}
			if err := handshake(); err != nil {
				return fail(err)
			}
			u = newUpConn(conn, cc.timeout)
			if _, err := u.run("CAPABILITY"); err != nil {
				return fail(fmt.Errorf("%w: CAPABILITY at %s: %v", ErrConnection, addr, err))
			}
		case !cc.allowPlaintext:
			return fail(fmt.Errorf("%w: %s does not offer STARTTLS; use imaps://, or --allow-plaintext for a loopback test server", ErrTLS, addr))
		}
	}
	if g.typ != "PREAUTH" {
		before := u.capsSet
		if err := cc.authenticate(ctx, wireLogin{u}); err != nil {
			return fail(err)
		}
		// The capabilities may change with the login; servers that
		// say so in the answer (Dovecot) save a round trip.
		if u.capsSet == before {
			if _, err := u.run("CAPABILITY"); err != nil {
				return fail(fmt.Errorf("%w: CAPABILITY at %s: %v", ErrConnection, addr, err))
			}
		}
	}
	return u, nil
}

// wireLogin logs in on an upload connection (see loginer).
type wireLogin struct{ u *upConn }

func (l wireLogin) caps() imapv2.CapSet { return l.u.caps }

func (l wireLogin) login(user, password string) error {
	u := l.u
	tag := u.nextTag()
	if _, err := u.bw.WriteString(tag + " LOGIN "); err != nil {
		return u.failWrite(err)
	}
	r, err := u.astring(tag, user)
	if err == nil && r == nil {
		u.bw.WriteByte(' ')
		r, err = u.astring(tag, password)
	}
	if err == nil && r == nil {
		if _, err = u.bw.WriteString("\r\n"); err != nil {
			return u.failWrite(err)
		}
		r, err = u.wait(tag)
	}
	if err != nil {
		return err
	}
	if r.typ != "OK" {
		return r.imapErr()
	}
	return nil
}

// authenticate runs AUTHENTICATE (RFC 9051 section 6.2.2), with the
// initial response on the command line when the server offers SASL-IR.
// An empty response goes as the byte 0x01, as nonEmpty explains.
func (l wireLogin) authenticate(sc sasl.Client) error {
	u := l.u
	sc = nonEmpty{sc}
	mech, ir, err := sc.Start()
	if err != nil {
		return err
	}
	tag := u.nextTag()
	cmd := tag + " AUTHENTICATE " + mech
	if ir != nil && u.caps.Has(imapv2.CapSASLIR) {
		enc := base64.StdEncoding.EncodeToString(ir)
		if enc == "" {
			enc = "="
		}
		cmd += " " + enc
		ir = nil
	}
	if _, err := u.bw.WriteString(cmd + "\r\n"); err != nil {
		return u.failWrite(err)
	}
	for {
		if err := u.bw.Flush(); err != nil {
			return u.failWrite(err)
		}
		r, err := u.readResp()
		if err != nil {
			return err
		}
		switch {
		case r.kind == 't' && r.tag == tag:
			if r.typ != "OK" {
				return r.imapErr()
			}
			return nil
		case r.kind == '+':
			var resp []byte
			if ir != nil {
				resp, ir = ir, nil
			} else {
				ch, derr := base64.StdEncoding.DecodeString(r.text)
				if derr == nil {
					resp, derr = sc.Next(ch)
				}
				if derr != nil {
					u.bw.WriteString("*\r\n") // cancel; the server answers BAD
					continue
				}
			}
			if _, err := u.bw.WriteString(base64.StdEncoding.EncodeToString(resp) + "\r\n"); err != nil {
				return u.failWrite(err)
			}
		}
	}
}

// errNotSent marks messages of a batch that could not be sent because no
// upload connection could be made: they go the one-at-a-time way.
var errNotSent = errors.New("not sent: no upload connection")
