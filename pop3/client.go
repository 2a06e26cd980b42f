package pop3

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/mailconv/mailconv/internal/netaddr"
)

// Sentinel errors, for errors.Is.
var (
	// ErrAddress: the store address is not a POP3 URL this package takes
	// (the same value as the imap package's).
	ErrAddress = netaddr.ErrAddress
	// ErrPassword: no password was given, or the address carried one.
	ErrPassword = netaddr.ErrPassword
	// ErrAuth: the server refused the user name or password (the same
	// value as the imap package's, as are ErrTLS, ErrConnection and
	// ErrRefused).
	ErrAuth = netaddr.ErrAuth
	// ErrTLS: the TLS handshake failed or STLS is not offered.
	ErrTLS = netaddr.ErrTLS
	// ErrConnection: the connection could not be made or was lost.
	ErrConnection = netaddr.ErrConnection
	// ErrProtocol: the server answered something that is not POP3, or
	// exceeded a limit (line length, number of messages).
	ErrProtocol = errors.New("POP3 protocol error")
	// ErrRefused: the server answered -ERR.
	ErrRefused = netaddr.ErrRefused
)

// MaxLine bounds a response line (RFC 1939 allows 512 octets; servers
// send longer lines in messages, which are streamed, not held).
const MaxLine = 8192

// MaxMessages bounds the number of messages a maildrop listing may hold.
const MaxMessages = 2000000

// Config tells Dial how to connect.
type Config struct {
	// Addr is the server's address.
	Addr *Address
	// Password is the password.
	Password string
	// AllowPlaintext lets a pop3:// connection go on without STLS when
	// the server offers none (meant for loopback test servers).
	AllowPlaintext bool
	// TLS is the TLS configuration (ServerName, RootCAs,
	// InsecureSkipVerify).
	TLS *tls.Config
	// Timeout bounds dialing, login, and each command's response.
	Timeout time.Duration
	// SASL is the login mode (sasl.ParseMode: auto, OAUTHBEARER, XOAUTH2,
	// PLAIN or LOGIN); "" is auto: USER/PASS with a password, OAUTHBEARER
	// or XOAUTH2 with Token.
	SASL string
	// Token, when not nil, supplies the OAuth2 access token; Password is
	// then not used.
	Token TokenSource
	// OnTokenRefresh, when not nil, is told of each new access token used
	// (why: "expired" or "refused").
	OnTokenRefresh func(why string)

	cred *netaddr.Credentials // kept across Dials: the last token used
}

// Client is a POP3 session in the TRANSACTION state. It is not safe for
// concurrent use.
type Client struct {
	conn    net.Conn
	br      *bufio.Reader
	timeout time.Duration
	capa    map[string]string
	inMulti bool
}

// Dial connects, upgrades with STLS for pop3:// (unless the server offers
// none and AllowPlaintext is set), and logs in: with USER/PASS, or with
// AUTH (RFC 5034) as Config.SASL and Config.Token ask.
func Dial(ctx context.Context, cfg *Config) (*Client, error) {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 60 * time.Second
	}
	addr := cfg.Addr.HostPort()
	d := &net.Dialer{Timeout: cfg.Timeout}
	raw, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%w: cannot reach %s: %v", ErrConnection, addr, err)
	}
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	defer stop()
	tcfg := cfg.TLS
	if tcfg == nil {
		tcfg = &tls.Config{ServerName: cfg.Addr.Host}
	}
	conn := raw
	if cfg.Addr.TLS {
		tc := tls.Client(raw, tcfg.Clone())
		if err := tc.HandshakeContext(ctx); err != nil {
			raw.Close()
			return nil, fmt.Errorf("%w: handshake with %s failed: %v", ErrTLS, addr, err)
		}
		conn = tc
	}
	c := &Client{conn: conn, br: bufio.NewReaderSize(conn, 64<<10), timeout: cfg.Timeout}
	if _, err := c.status(); err != nil {
		c.conn.Close()
		return nil, fmt.Errorf("greeting from %s: %w", addr, err)
	}
	c.readCapa()
	if !cfg.Addr.TLS {
		if _, ok := c.capa["STLS"]; ok {
			if _, err := c.cmd("STLS"); err != nil {
				c.conn.Close()
				return nil, fmt.Errorf("%w: STLS at %s: %v", ErrTLS, addr, err)
			}
			tc := tls.Client(raw, tcfg.Clone())
			if err := tc.HandshakeContext(ctx); err != nil {
				raw.Close()
				return nil, fmt.Errorf("%w: handshake with %s failed: %v", ErrTLS, addr, err)
			}
			c.conn = tc
			c.br = bufio.NewReaderSize(tc, 64<<10)
			c.readCapa()
		} else if !cfg.AllowPlaintext {
			c.conn.Close()
			return nil, fmt.Errorf("%w: %s does not offer STLS; use pop3s://, or --allow-plaintext for a loopback test server", ErrTLS, addr)
		}
	}
	if err := c.login(ctx, cfg); err != nil {
		c.conn.Close()
		return nil, err
	}
	return c, nil
}

func authErr(a *Address, err error) error {
	if errors.Is(err, ErrRefused) {
		return fmt.Errorf("%w for %s at %s: %v", ErrAuth, a.User, a.HostPort(), err)
	}
	return err
}

// readCapa asks CAPA; servers without it leave the map empty.
func (c *Client) readCapa() {
	c.capa = map[string]string{}
	if _, err := c.cmd("CAPA"); err != nil {
		return
	}
	for {
		line, err := c.line()
		if err != nil || line == "." {
			return
		}
		k, v, _ := strings.Cut(line, " ")
		c.capa[strings.ToUpper(k)] = v
	}
}

// Capabilities returns the CAPA answer (upper-case names to arguments).
func (c *Client) Capabilities() map[string]string { return c.capa }

// line reads one response line without its CRLF.
func (c *Client) line() (string, error) {
	c.conn.SetReadDeadline(time.Now().Add(c.timeout))
	var b []byte
	for {
		frag, isPrefix, err := c.br.ReadLine()
		if err != nil {
			return "", connErr(err)
		}
		b = append(b, frag...)
		if len(b) > MaxLine {
			return "", fmt.Errorf("%w: response line longer than %d octets", ErrProtocol, MaxLine)
		}
		if !isPrefix {
			return string(b), nil
		}
	}
}

func connErr(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w lost: %v", ErrConnection, err)
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return fmt.Errorf("%w: %v", ErrConnection, err)
	}
	return err
}

// status reads a status line: the text after +OK, or an error for -ERR.
func (c *Client) status() (string, error) {
	l, err := c.line()
	if err != nil {
		return "", err
	}
	switch {
	case strings.HasPrefix(l, "+OK"):
		return strings.TrimPrefix(strings.TrimPrefix(l, "+OK"), " "), nil
	case strings.HasPrefix(l, "-ERR"):
		return "", fmt.Errorf("%w: server said: %s", ErrRefused, l)
	}
	return "", fmt.Errorf("%w: unexpected response %q", ErrProtocol, truncate(l))
}

func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

// cmd sends a command line and reads its status.
func (c *Client) cmd(line string) (string, error) {
	if c.inMulti {
		return "", errors.New("pop3: a multi-line response is still being read")
	}
	if err := c.send(line); err != nil {
		return "", err
	}
	return c.status()
}

// Stat returns the number of messages and their total size.
func (c *Client) Stat() (count int, size int64, err error) {
	s, err := c.cmd("STAT")
	if err != nil {
		return 0, 0, err
	}
	f := strings.Fields(s)
	if len(f) < 2 {
		return 0, 0, fmt.Errorf("%w: STAT answer %q", ErrProtocol, truncate(s))
	}
	n, err1 := strconv.Atoi(f[0])
	sz, err2 := strconv.ParseInt(f[1], 10, 64)
	if err1 != nil || err2 != nil || n < 0 || sz < 0 {
		return 0, 0, fmt.Errorf("%w: STAT answer %q", ErrProtocol, truncate(s))
	}
	return n, sz, nil
}

// Entry is one message of a listing.
type Entry struct {
	// Num is the message number in this session.
	Num int
	// UIDL is the unique id (UIDL), "" when listed by LIST.
	UIDL string
	// Size is the size LIST reports.
	Size int64
}

// UIDL lists the unique ids of every message, in message-number order.
func (c *Client) UIDL() ([]Entry, error) {
	return c.listing("UIDL", func(e *Entry, arg string) error {
		if arg == "" || len(arg) > 70 {
			return fmt.Errorf("%w: UIDL %q", ErrProtocol, truncate(arg))
		}
		for i := 0; i < len(arg); i++ {
			if arg[i] < 0x21 || arg[i] > 0x7e {
				return fmt.Errorf("%w: UIDL %q holds a character outside 0x21-0x7E", ErrProtocol, truncate(arg))
			}
		}
		e.UIDL = arg
		return nil
	})
}

// List lists the sizes of every message.
func (c *Client) List() ([]Entry, error) {
	return c.listing("LIST", func(e *Entry, arg string) error {
		f := strings.Fields(arg)
		if len(f) == 0 {
			return fmt.Errorf("%w: LIST line without size", ErrProtocol)
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("%w: LIST size %q", ErrProtocol, truncate(f[0]))
		}
		e.Size = n
		return nil
	})
}

func (c *Client) listing(cmd string, parse func(*Entry, string) error) ([]Entry, error) {
	if _, err := c.cmd(cmd); err != nil {
		return nil, err
	}
	var out []Entry
	var perr error
	for {
		l, err := c.line()
		if err != nil {
			return nil, err
		}
		if l == "." {
			break
		}
		if perr != nil {
			continue // read to the end to keep the session usable
		}
		num, arg, _ := strings.Cut(l, " ")
		n, err := strconv.Atoi(num)
		if err != nil || n <= 0 {
			perr = fmt.Errorf("%w: %s line %q", ErrProtocol, cmd, truncate(l))
			continue
		}
		if len(out) >= MaxMessages {
			perr = fmt.Errorf("%w: more than %d messages (MaxMessages)", ErrProtocol, MaxMessages)
			continue
		}
		e := Entry{Num: n}
		if err := parse(&e, strings.TrimSpace(arg)); err != nil {
			perr = err
			continue
		}
		out = append(out, e)
	}
	return out, perr
}

// Retr starts retrieving message n. The returned reader yields the message
// octets as the server sends them (CRLF line ends), with the byte-stuffing
// undone, until io.EOF at the terminating line. It must be read to the end
// (or Close called) before the next command.
func (c *Client) Retr(n int) (io.ReadCloser, error) {
	if _, err := c.cmd("RETR " + strconv.Itoa(n)); err != nil {
		return nil, err
	}
	c.inMulti = true
	return &DotReader{r: c.br, bol: true, onEnd: func() { c.inMulti = false }, deadline: func() {
		c.conn.SetReadDeadline(time.Now().Add(c.timeout))
	}}, nil
}

// Dele marks message n for deletion; the server removes it at Quit.
func (c *Client) Dele(n int) error {
	_, err := c.cmd("DELE " + strconv.Itoa(n))
	return err
}

// Quit ends the session; the server then removes the messages marked
// with Dele. It closes the connection.
func (c *Client) Quit() error {
	_, err := c.cmd("QUIT")
	c.conn.Close()
	return err
}

// Close closes the connection without QUIT: messages marked with Dele are
// kept (RFC 1939 section 6).
func (c *Client) Close() error { return c.conn.Close() }

// DotReader undoes the POP3 byte-stuffing of a multi-line response: a line
// starting with "." loses that dot, and the line "." ends the response. It
// streams: lines of any length pass through without being held.
type DotReader struct {
	r        *bufio.Reader
	bol      bool // at the beginning of a line
	done     bool
	onEnd    func()
	deadline func()
}

// newDotReader returns a DotReader on r (for tests and fuzzing).
func newDotReader(r *bufio.Reader) *DotReader { return &DotReader{r: r, bol: true} }

// Read implements io.Reader.
func (d *DotReader) Read(p []byte) (int, error) {
	if d.done {
		return 0, io.EOF
	}
	if d.deadline != nil {
		d.deadline()
	}
	n := 0
	for n < len(p) && !d.done {
		if d.bol {
			b, err := d.r.Peek(1)
			if err != nil {
				return n, d.fail(err)
			}
			if b[0] == '.' {
				b3, _ := d.r.Peek(3) // shorter at the end of the stream
				switch {
				case len(b3) >= 3 && b3[1] == '\r' && b3[2] == '\n':
					d.r.Discard(3)
					d.end()
					continue
				case len(b3) >= 2 && b3[1] == '\n': // ".\n" from a lax server
					d.r.Discard(2)
					d.end()
					continue
				}
				d.r.Discard(1) // a stuffed dot
			}
			d.bol = false
		}
		if d.r.Buffered() == 0 {
			if _, err := d.r.Peek(1); err != nil {
				return n, d.fail(err)
			}
		}
		chunk, _ := d.r.Peek(min(d.r.Buffered(), len(p)-n))
		if i := bytes.IndexByte(chunk, '\n'); i >= 0 {
			chunk = chunk[:i+1]
			d.bol = true
		}
		copy(p[n:], chunk)
		d.r.Discard(len(chunk))
		n += len(chunk)
	}
	if n == 0 && d.done {
		return 0, io.EOF
	}
	return n, nil
}

func (d *DotReader) end() {
	d.done = true
	if d.onEnd != nil {
		d.onEnd()
	}
}

func (d *DotReader) fail(err error) error {
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: the message ended before its terminating line", ErrConnection)
	}
	return connErr(err)
}

// Close reads the rest of the response, so that the session can go on.
func (d *DotReader) Close() error {
	if d.done {
		return nil
	}
	_, err := io.Copy(io.Discard, d)
	return err
}
