package pop3

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mailconv/mailconv/internal/netaddr"
	"github.com/mailconv/mailconv/internal/sasl"
)

// The login parameters (Options.Params keys), the same as the imap
// package's.
const (
	ParamSASL      = netaddr.ParamSASL
	ParamTokenFile = netaddr.ParamTokenFile
)

// TokenSource hands out OAuth2 access tokens and renews a refused one
// (Config.Token).
type TokenSource = netaddr.TokenSource

// maxAuthLine is the longest AUTH command line with its initial response
// (RFC 5034 section 4: 255 octets); a longer initial response is sent
// after the server's empty challenge instead.
const maxAuthLine = 255

// maxAuthSteps bounds the challenges of one exchange.
const maxAuthSteps = 8

// login logs in with USER/PASS (a password and SASL mode auto) or with
// AUTH (RFC 5034) and the mechanism sasl.Choose picks from the SASL
// capability; a refused OAuth2 token is refreshed and tried once more.
func (c *Client) login(ctx context.Context, cfg *Config) error {
	if cfg.cred == nil {
		cfg.cred = &netaddr.Credentials{Mode: cfg.SASL, Password: cfg.Password, Token: cfg.Token}
		if cfg.cred.Mode == "" {
			cfg.cred.Mode = sasl.Auto
		}
	}
	cr := cfg.cred
	mech, err := sasl.Choose(cr.Mode, strings.Fields(strings.ToUpper(c.capa["SASL"])), cr.Token != nil)
	if err != nil {
		return fmt.Errorf("%w at %s: %v", ErrAuth, cfg.Addr.HostPort(), err)
	}
	if mech == "" {
		if _, err := c.cmd("USER " + cfg.Addr.User); err != nil {
			return authErr(cfg.Addr, err)
		}
		if _, err := c.cmd("PASS " + cr.Password); err != nil {
			return authErr(cfg.Addr, err)
		}
		return nil
	}
	return cr.Authenticate(ctx, mech, cfg.Addr.User, cfg.Addr.Host, cfg.Addr.Port, c.auth, cfg.OnTokenRefresh)
}

// auth runs one AUTH exchange. refused is true when the server answered
// -ERR (err then holds its words).
func (c *Client) auth(sc sasl.Client) (refused bool, err error) {
	mech, ir, err := sc.Start()
	if err != nil {
		return false, err
	}
	line := "AUTH " + mech
	pending := ir
	if ir != nil {
		enc := "="
		if len(ir) > 0 {
			enc = base64.StdEncoding.EncodeToString(ir)
		}
		if len(line)+1+len(enc) <= maxAuthLine {
			line += " " + enc
			pending = nil
		}
	}
	if err := c.send(line); err != nil {
		return false, err
	}
	for step := 0; ; step++ {
		l, err := c.line()
		if err != nil {
			return false, err
		}
		switch {
		case strings.HasPrefix(l, "+OK"):
			return false, nil
		case strings.HasPrefix(l, "-ERR"):
			return true, fmt.Errorf("server said: %s", truncate(l))
		case strings.HasPrefix(l, "+") && step < maxAuthSteps:
		default:
			c.cancelAuth()
			return false, fmt.Errorf("%w: unexpected answer to AUTH %s: %q", ErrProtocol, mech, truncate(l))
		}
		ch := strings.TrimSpace(l[1:])
		var resp []byte
		if pending != nil && ch == "" {
			resp, pending = pending, nil
		} else {
			dec, err := base64.StdEncoding.DecodeString(ch)
			if err != nil {
				c.cancelAuth()
				return false, fmt.Errorf("%w: AUTH %s challenge is not base64", ErrProtocol, mech)
			}
			if resp, err = sc.Next(dec); err != nil {
				c.cancelAuth()
				return false, err
			}
		}
		if err := c.send(base64.StdEncoding.EncodeToString(resp)); err != nil {
			return false, err
		}
	}
}

// cancelAuth ends an exchange with "*" (the server answers -ERR).
func (c *Client) cancelAuth() {
	if c.send("*") == nil {
		c.line()
	}
}

// send writes one line.
func (c *Client) send(line string) error {
	c.conn.SetWriteDeadline(time.Now().Add(c.timeout))
	if _, err := io.WriteString(c.conn, line+"\r\n"); err != nil {
		return connErr(err)
	}
	return nil
}
