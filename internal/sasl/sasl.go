package sasl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Mechanism names as they appear on the wire, and the mode names the
// command line takes (lower case).
const (
	Auto        = "auto"
	OAuthBearer = "OAUTHBEARER"
	XOAuth2     = "XOAUTH2"
	Plain       = "PLAIN"
	Login       = "LOGIN"
)

// ErrMechanism: the mode is not known, the server offers no mechanism the
// mode allows, or the mode needs a credential that was not given.
var ErrMechanism = errors.New("SASL mechanism")

// Client is the client side of one SASL exchange. Its method set is the
// one github.com/emersion/go-sasl defines, so that go-imap's
// Client.Authenticate takes it.
type Client interface {
	// Start returns the mechanism name and the initial response.
	Start() (mech string, ir []byte, err error)
	// Next answers a server challenge.
	Next(challenge []byte) (response []byte, err error)
}

// Failure is implemented by the OAuth2 clients: after a refused exchange
// it returns what the server said in its error challenge (RFC 7628
// section 3.2.2: a JSON object with "status", "scope",
// "openid-configuration"), or "" when it sent none.
type Failure interface {
	Failure() string
}

// ParseMode checks a --sasl value (auto, oauthbearer, xoauth2, plain,
// login; any case) and returns it as Auto or a mechanism name.
func ParseMode(s string) (string, error) {
	switch strings.ToUpper(s) {
	case "", "AUTO":
		return Auto, nil
	case OAuthBearer, XOAuth2, Plain, Login:
		return strings.ToUpper(s), nil
	}
	return "", fmt.Errorf("%w %q: want auto, oauthbearer, xoauth2, plain or login", ErrMechanism, s)
}

// IsOAuth tells whether mech takes an OAuth2 access token.
func IsOAuth(mech string) bool { return mech == OAuthBearer || mech == XOAuth2 }

// Choose picks the mechanism for mode (as ParseMode returns it) among the
// ones the server offers (offered: upper-case names, from IMAP's AUTH=
// capabilities or POP3's SASL capability). With token set (an OAuth2
// access token is at hand) auto picks OAUTHBEARER when offered, else
// XOAUTH2; without, auto returns "": the protocol's own password login
// (IMAP LOGIN, POP3 USER/PASS), as before SASL was supported. An explicit
// mechanism is used even when not announced (some servers do not list
// every mechanism they take), but it must match the credential.
func Choose(mode string, offered []string, token bool) (string, error) {
	has := func(m string) bool {
		for _, o := range offered {
			if strings.EqualFold(o, m) {
				return true
			}
		}
		return false
	}
	switch mode {
	case Auto, "":
		if !token {
			return "", nil
		}
		switch {
		case has(OAuthBearer):
			return OAuthBearer, nil
		case has(XOAuth2):
			return XOAuth2, nil
		}
		return "", fmt.Errorf("%w: an OAuth2 token was given but the server offers neither OAUTHBEARER nor XOAUTH2 (it offers %v)", ErrMechanism, offered)
	case OAuthBearer, XOAuth2:
		if !token {
			return "", fmt.Errorf("%w %s needs an OAuth2 token (--oauth2-token-file)", ErrMechanism, mode)
		}
		return mode, nil
	case Plain, Login:
		if token {
			return "", fmt.Errorf("%w %s takes a password, but an OAuth2 token file was given", ErrMechanism, mode)
		}
		return mode, nil
	}
	return "", fmt.Errorf("%w %q is not known", ErrMechanism, mode)
}

// New returns the client of mech for user. secret is the password (PLAIN,
// LOGIN) or the access token (OAUTHBEARER, XOAUTH2); host and port are
// what OAUTHBEARER tells the server it connected to.
func New(mech, user, secret, host string, port int) (Client, error) {
	switch mech {
	case OAuthBearer:
		return &oauthBearer{user: user, token: secret, host: host, port: port}, nil
	case XOAuth2:
		return &xoauth2{user: user, token: secret}, nil
	case Plain:
		return &plain{user: user, pass: secret}, nil
	case Login:
		return &login{user: user, pass: secret}, nil
	}
	return nil, fmt.Errorf("%w %q is not known", ErrMechanism, mech)
}

// oauthBearer is RFC 7628's OAUTHBEARER: a GS2 header naming the
// authorization identity, then key=value pairs separated by 0x01.
type oauthBearer struct {
	user, token string
	host        string
	port        int
	failure     string
}

// gs2Name escapes a GS2 saslname (RFC 5801 section 4): "," and "=" are
// written =2C and =3D.
func gs2Name(s string) string {
	return strings.NewReplacer("=", "=3D", ",", "=2C").Replace(s)
}

func (c *oauthBearer) Start() (string, []byte, error) {
	var b bytes.Buffer
	b.WriteString("n,a=" + gs2Name(c.user) + ",\x01")
	if c.host != "" {
		b.WriteString("host=" + c.host + "\x01")
	}
	if c.port > 0 {
		b.WriteString("port=" + strconv.Itoa(c.port) + "\x01")
	}
	b.WriteString("auth=Bearer " + c.token + "\x01\x01")
	return OAuthBearer, b.Bytes(), nil
}

// Next receives the error challenge of a refused token and answers with
// the single 0x01 the RFC requires, after which the server fails the
// exchange.
func (c *oauthBearer) Next(challenge []byte) ([]byte, error) {
	c.failure = failureText(challenge)
	return []byte{0x01}, nil
}

func (c *oauthBearer) Failure() string { return c.failure }

// xoauth2 is Google's and Microsoft's XOAUTH2: "user=U^Aauth=Bearer T^A^A".
type xoauth2 struct {
	user, token string
	failure     string
}

func (c *xoauth2) Start() (string, []byte, error) {
	return XOAuth2, []byte("user=" + c.user + "\x01auth=Bearer " + c.token + "\x01\x01"), nil
}

// Next receives the error challenge (a JSON object) and answers with an
// empty response, after which the server fails the exchange.
func (c *xoauth2) Next(challenge []byte) ([]byte, error) {
	c.failure = failureText(challenge)
	return []byte{}, nil
}

func (c *xoauth2) Failure() string { return c.failure }

// failureText renders an OAuth2 error challenge for a message: its status
// (and scope) when it is the JSON object the RFC describes, else the text
// itself, bounded.
func failureText(ch []byte) string {
	var v struct {
		Status string `json:"status"`
		Scope  string `json:"scope"`
	}
	if json.Unmarshal(ch, &v) == nil && v.Status != "" {
		s := "status " + v.Status
		if v.Scope != "" {
			s += ", scope " + v.Scope
		}
		return s
	}
	s := strings.ToValidUTF8(string(ch), "?")
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// plain is RFC 4616's PLAIN, without an authorization identity.
type plain struct{ user, pass string }

func (c *plain) Start() (string, []byte, error) {
	return Plain, []byte("\x00" + c.user + "\x00" + c.pass), nil
}

func (c *plain) Next([]byte) ([]byte, error) {
	return nil, fmt.Errorf("%w PLAIN: unexpected challenge", ErrMechanism)
}

// login is the LOGIN mechanism (draft-murchison-sasl-login): the server
// asks for the user name, then the password.
type login struct {
	user, pass string
	step       int
}

func (c *login) Start() (string, []byte, error) { return Login, nil, nil }

func (c *login) Next(challenge []byte) ([]byte, error) {
	c.step++
	switch c.step {
	case 1:
		return []byte(c.user), nil
	case 2:
		return []byte(c.pass), nil
	}
	return nil, fmt.Errorf("%w LOGIN: unexpected third challenge", ErrMechanism)
}
