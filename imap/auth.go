package imap

import (
	"context"
	"errors"
	"fmt"

	imapv2 "github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/internal/sasl"
)

// loginer is a connection to log in on: go-imap's client (goLogin) or an
// upload connection (wireLogin). login and authenticate return a server's
// refusal as *imapv2.Error.
type loginer interface {
	caps() imapv2.CapSet
	login(user, password string) error
	authenticate(sc sasl.Client) error
}

// goLogin logs in with go-imap's client.
type goLogin struct{ c *imapclient.Client }

func (l goLogin) caps() imapv2.CapSet { return l.c.Caps() }

func (l goLogin) login(user, password string) error { return l.c.Login(user, password).Wait() }

func (l goLogin) authenticate(sc sasl.Client) error { return l.c.Authenticate(nonEmpty{sc}) }

// login authenticates c (see authenticate).
func (cc *connConfig) login(ctx context.Context, c *imapclient.Client) error {
	return cc.authenticate(ctx, goLogin{c})
}

// authenticate logs in: with the LOGIN command (a password and --sasl
// auto, as always), or with AUTHENTICATE and the mechanism sasl.Choose
// picks from the AUTH= capabilities. A refused OAuth2 token is refreshed
// and tried once more (docs/formats/sasl-oauth2.md).
func (cc *connConfig) authenticate(ctx context.Context, l loginer) error {
	addr := cc.addr.HostPort()
	caps := l.caps()
	mech, err := sasl.Choose(cc.cred.Mode, caps.AuthMechanisms(), cc.cred.Token != nil)
	if err != nil {
		return fmt.Errorf("%w at %s: %v", ErrAuth, addr, err)
	}
	if mech == "" {
		if caps.Has(imapv2.CapLoginDisabled) {
			return fmt.Errorf("%w: %s refuses LOGIN on this connection (LOGINDISABLED)", ErrAuth, addr)
		}
		if err := l.login(cc.addr.User, cc.cred.Password); err != nil {
			var ie *imapv2.Error
			if errors.As(err, &ie) {
				return fmt.Errorf("%w for %s at %s: %s", ErrAuth, cc.addr.User, addr, serverText(ie))
			}
			return fmt.Errorf("%w: login at %s: %v", ErrConnection, addr, err)
		}
		return nil
	}
	return cc.cred.Authenticate(ctx, mech, cc.addr.User, cc.addr.Host, cc.addr.Port, func(sc sasl.Client) (bool, error) {
		err := l.authenticate(sc)
		if err == nil {
			return false, nil
		}
		var ie *imapv2.Error
		if errors.As(err, &ie) {
			return true, errors.New(serverText(ie))
		}
		return false, fmt.Errorf("%w: AUTHENTICATE at %s: %v", ErrConnection, addr, err)
	}, func(why string) {
		cc.emit(mailconv.Event{Kind: mailconv.EventInfo, Code: "imap.token-refreshed",
			Detail: fmt.Sprintf("the OAuth2 access token %s: a new one was fetched from the token endpoint for the login at %s", why, addr)})
	})
}

// nonEmpty answers with the byte 0x01 where the mechanism's answer is
// empty (XOAUTH2 after its error challenge): go-imap writes an empty
// response as "=", which servers such as Dovecot refuse in a continuation
// as bad base64 (a BAD that would hide the real reason); the server fails
// the exchange on any answer there.
type nonEmpty struct{ sasl.Client }

func (n nonEmpty) Next(challenge []byte) ([]byte, error) {
	resp, err := n.Client.Next(challenge)
	if err == nil && resp != nil && len(resp) == 0 {
		resp = []byte{0x01}
	}
	return resp, err
}

// Failure passes on the wrapped client's sasl.Failure.
func (n nonEmpty) Failure() string {
	if f, ok := n.Client.(sasl.Failure); ok {
		return f.Failure()
	}
	return ""
}
