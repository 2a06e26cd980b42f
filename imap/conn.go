package imap

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	imapv2 "github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/internal/netaddr"
)

// The parameters this package takes (Options.Params keys).
const (
	ParamPasswordFile   = "password-file"        // file holding the password (first line)
	ParamAllowPlaintext = "allow-plaintext"      // "true": imap:// may go without STARTTLS
	ParamInsecure       = "insecure-skip-verify" // "true": do not verify the server certificate
	ParamCAFile         = "ca-file"              // PEM file of certificates to trust besides the system's
	ParamTimeout        = "timeout"              // dial and command timeout, a Go duration
	ParamAppendLimit    = "append-limit"         // largest message to send, bytes; overrides APPENDLIMIT
	ParamSpoolMemory    = "spool-memory"         // bytes of a message kept in memory before spooling to a file
	ParamSpoolDir       = "spool-dir"            // directory for spool files (default os.TempDir)
	ParamSpecialUse     = "special-use"          // "auto" (default), "yes" or "no": map roles onto SPECIAL-USE mailboxes
	ParamProbe          = "probe"                // "yes" (default) or "no": create and delete a probe folder to learn the name rules
	ParamDedup          = "dedup"                // "yes" (default) or "no": do not append a message the mailbox already holds
	ParamSubscribe      = "subscribe"            // "yes" (default) or "no": subscribe created mailboxes
	ParamCheck          = "check"                // "yes" (default) or "no": read back flags, dates and sizes after appending
	ParamSASL           = netaddr.ParamSASL      // login mechanism: auto, oauthbearer, xoauth2, plain or login
	ParamTokenFile      = netaddr.ParamTokenFile // OAuth2 token file (JSON); no password is needed with it
)

// connConfig is what dialing needs.
type connConfig struct {
	addr           *Address
	cred           *netaddr.Credentials
	allowPlaintext bool
	tls            *tls.Config
	timeout        time.Duration
	events         func(mailconv.Event)
}

func intParam(params map[string]string, key string, def int64) (int64, error) {
	v, ok := params[key]
	if !ok || v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return def, fmt.Errorf("parameter %s: %q is not a non-negative number", key, v)
	}
	return n, nil
}

// setup is the start Open and Create share: the default options, the
// address (tls tells the scheme when addr has none) and the connection
// parameters.
func setup(addr string, tls bool, opts *mailconv.Options) (*mailconv.Options, *connConfig, error) {
	if opts == nil {
		opts = &mailconv.Options{}
	}
	a, err := ParseAddress(addr, tls)
	if err != nil {
		return nil, nil, err
	}
	cc, err := newConnConfig(a, opts)
	if err != nil {
		return nil, nil, err
	}
	return opts, cc, nil
}

// newConnConfig reads the connection parameters.
func newConnConfig(addr *Address, opts *mailconv.Options) (*connConfig, error) {
	params := opts.Params
	cc := &connConfig{addr: addr, timeout: 60 * time.Second}
	if opts != nil {
		cc.events = opts.Events
	}
	var err error
	if cc.allowPlaintext, err = netaddr.Bool(params, ParamAllowPlaintext, false); err != nil {
		return nil, err
	}
	insecure, err := netaddr.Bool(params, ParamInsecure, false)
	if err != nil {
		return nil, err
	}
	if cc.timeout, err = netaddr.Duration(params, ParamTimeout, cc.timeout); err != nil {
		return nil, err
	}
	if cc.tls, err = netaddr.TLSConfig(addr.Host, insecure, params[ParamCAFile], ParamCAFile); err != nil {
		return nil, err
	}
	if cc.cred, err = netaddr.ReadCredentials(params, ParamPasswordFile); err != nil {
		return nil, err
	}
	return cc, nil
}

func (cc *connConfig) emit(e mailconv.Event) {
	if cc.events != nil {
		cc.events(e)
	}
}

// isLoopback tells whether host names this machine.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// tlsError wraps a handshake failure.
func tlsError(addr string, err error) error {
	return fmt.Errorf("%w: handshake with %s failed: %v (check the certificate, or use --insecure-skip-verify only for a test server)", ErrTLS, addr, err)
}

// isTLSError tells whether err comes from certificate verification or the
// handshake.
func isTLSError(err error) bool {
	var ce *tls.CertificateVerificationError
	var ue x509.UnknownAuthorityError
	var he x509.HostnameError
	var ie x509.CertificateInvalidError
	var re tls.RecordHeaderError
	var ae tls.AlertError
	return errors.As(err, &ce) || errors.As(err, &ue) || errors.As(err, &he) || errors.As(err, &ie) ||
		errors.As(err, &re) || errors.As(err, &ae) || strings.Contains(err.Error(), "tls: ")
}

// connect opens the TCP connection to the server.
func (cc *connConfig) connect(ctx context.Context, d *net.Dialer) (net.Conn, error) {
	raw, err := d.DialContext(ctx, "tcp", cc.addr.HostPort())
	if err != nil {
		return nil, fmt.Errorf("%w: cannot reach %s: %v", ErrConnection, cc.addr.HostPort(), err)
	}
	return raw, nil
}

// dial connects and logs in, honouring ctx for the whole exchange.
func dial(ctx context.Context, cc *connConfig) (*imapclient.Client, error) {
	c, _, err := dialWatch(ctx, cc)
	return c, err
}

// dialWatch is dial that also returns the connection's BYE watcher (nil
// for STARTTLS, where the client library wraps the connection itself).
func dialWatch(ctx context.Context, cc *connConfig) (_ *imapclient.Client, bye *byeConn, _ error) {
	ctx, cancel := context.WithTimeout(ctx, cc.timeout)
	defer cancel()
	addr := cc.addr.HostPort()
	d := &net.Dialer{Timeout: cc.timeout}
	raw, err := cc.connect(ctx, d)
	if err != nil {
		return nil, nil, err
	}
	// Close the connection if ctx ends during the setup.
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	defer stop()
	copts := &imapclient.Options{TLSConfig: cc.tls.Clone(), Dialer: d}
	var c *imapclient.Client
	switch {
	case cc.addr.TLS:
		tc := tls.Client(raw, cc.tls.Clone())
		if err := tc.HandshakeContext(ctx); err != nil {
			raw.Close()
			return nil, nil, tlsError(addr, err)
		}
		bye = newByeConn(tc)
		c = imapclient.New(bye, copts)
	default:
		// Look at the greeting's capabilities first: STARTTLS when the
		// server offers it, plaintext only when allowed.
		bye = newByeConn(raw)
		plain := imapclient.New(bye, copts)
		if err := plain.WaitGreeting(); err != nil {
			plain.Close()
			return nil, nil, fmt.Errorf("%w: no greeting from %s: %v", ErrConnection, addr, err)
		}
		caps := plain.Caps()
		if len(caps) == 0 {
			if caps, err = plain.Capability().Wait(); err != nil {
				plain.Close()
				return nil, nil, fmt.Errorf("%w: CAPABILITY at %s: %v", ErrConnection, addr, err)
			}
		}
		if !caps.Has(imapv2.CapStartTLS) {
			if !cc.allowPlaintext {
				plain.Close()
				return nil, nil, fmt.Errorf("%w: %s does not offer STARTTLS; use imaps://, or --allow-plaintext for a loopback test server", ErrTLS, addr)
			}
			if !isLoopback(cc.addr.Host) {
				cc.emit(mailconv.Event{Kind: mailconv.EventWarning, Code: "imap.plaintext",
					Detail: fmt.Sprintf("%s offers no STARTTLS: the password and all mail travel unencrypted (--allow-plaintext)", addr)})
			}
			c = plain
			break
		}
		plain.Close()
		bye = nil
		raw, err = cc.connect(ctx, d)
		if err != nil {
			return nil, nil, err
		}
		stop2 := context.AfterFunc(ctx, func() { raw.Close() })
		defer stop2()
		c, err = imapclient.NewStartTLS(raw, copts)
		if err != nil {
			raw.Close()
			if isTLSError(err) {
				return nil, nil, tlsError(addr, err)
			}
			return nil, nil, fmt.Errorf("%w: STARTTLS at %s: %v", ErrTLS, addr, err)
		}
	}
	if err := c.WaitGreeting(); err != nil {
		c.Close()
		return nil, nil, fmt.Errorf("%w: no greeting from %s: %v", ErrConnection, addr, err)
	}
	if c.State() == imapv2.ConnStateNotAuthenticated {
		if err := cc.login(ctx, c); err != nil {
			c.Close()
			if ctx.Err() != nil {
				return nil, nil, fmt.Errorf("%w: %s: %v", ErrConnection, addr, ctx.Err())
			}
			return nil, nil, err
		}
	}
	// The capabilities may change after login; ask again.
	if _, err := c.Capability().Wait(); err != nil {
		c.Close()
		return nil, nil, fmt.Errorf("%w: CAPABILITY at %s: %v", ErrConnection, addr, err)
	}
	return c, bye, nil
}

// serverText formats a server's status response for a message to a user.
func serverText(e *imapv2.Error) string {
	s := string(e.Type)
	if e.Code != "" {
		s += " [" + string(e.Code) + "]"
	}
	if e.Text != "" {
		s += " " + e.Text
	}
	return "server said: " + s
}

// connErr classifies an error of a command on an established connection.
func connErr(what string, err error) error {
	if err == nil {
		return nil
	}
	var ie *imapv2.Error
	if errors.As(err, &ie) {
		if ie.Code == imapv2.ResponseCodeOverQuota {
			return fmt.Errorf("%s: %w (%s); nothing was lost: free space on the server and run the same command again to resume", what, ErrQuota, serverText(ie))
		}
		return fmt.Errorf("%s: %w: %s", what, ErrRefused, serverText(ie))
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) || isNetErr(err) {
		return fmt.Errorf("%s: %w lost: %v; run the same command again to resume", what, ErrConnection, err)
	}
	return fmt.Errorf("%s: %w: %v", what, ErrConnection, err)
}

func isNetErr(err error) bool {
	var ne net.Error
	var oe *net.OpError
	return errors.As(err, &ne) || errors.As(err, &oe)
}
