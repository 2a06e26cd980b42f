package netaddr

import (
	"context"
	"fmt"

	"github.com/mailconv/mailconv/internal/oauth2file"
	"github.com/mailconv/mailconv/internal/sasl"
)

// The login parameters every network store takes.
const (
	ParamSASL       = "sasl"              // auto, oauthbearer, xoauth2, plain or login
	ParamTokenFile  = "oauth2-token-file" // JSON token file (docs/providers.md)
	DocSASL         = "login mechanism: auto (default: OAUTHBEARER, else XOAUTH2 with a token file; the protocol's password login without), oauthbearer, xoauth2, plain or login"
	DocTokenFile    = "OAuth2 token file (JSON, written by 'mailconv login'): log in with its access token, refreshed when it expires or is refused; no password is needed"
	maxLoginRetries = 1
)

// TokenSource hands out OAuth2 access tokens (implemented by
// oauth2file.Source).
type TokenSource interface {
	// Token returns a token that has not expired.
	Token(ctx context.Context) (string, error)
	// Refused returns a new token after a server refused token.
	Refused(ctx context.Context, token string) (string, error)
}

// Credentials are how a network store logs in: a SASL mode and either a
// password or an OAuth2 token source.
type Credentials struct {
	// Mode is the --sasl mode, as sasl.ParseMode returns it.
	Mode string
	// Password is set when Token is nil.
	Password string
	// Token is set when a token file was given.
	Token TokenSource

	last string // the access token of the last login
}

// ReadCredentials reads the parameters sasl, oauth2-token-file and (when
// no token file is given) the password (see Password).
func ReadCredentials(params map[string]string, passwordParam string) (*Credentials, error) {
	mode, err := sasl.ParseMode(params[ParamSASL])
	if err != nil {
		return nil, fmt.Errorf("parameter %s: %w", ParamSASL, err)
	}
	cr := &Credentials{Mode: mode}
	if f := params[ParamTokenFile]; f != "" {
		src, err := oauth2file.Open(f)
		if err != nil {
			return nil, fmt.Errorf("parameter %s: %w", ParamTokenFile, err)
		}
		cr.Token = src
	} else if cr.Password, err = Password(params, passwordParam); err != nil {
		return nil, err
	}
	if _, err := sasl.Choose(mode, []string{sasl.OAuthBearer, sasl.XOAuth2}, cr.Token != nil); err != nil {
		return nil, err
	}
	return cr, nil
}

// Secret returns the password, or a current access token.
func (cr *Credentials) Secret(ctx context.Context) (string, error) {
	if cr.Token == nil {
		return cr.Password, nil
	}
	return cr.Token.Token(ctx)
}

// Authenticate runs a SASL login with mech: auth performs one exchange
// with the client it is given and returns whether the server refused it
// (refused, with the server's words in err) or the exchange failed
// otherwise. A refused OAuth2 token is refreshed and tried once more.
// The error of a refusal names the mechanism and what the server said.
// refreshed, when not nil, is told of each new access token used: why is
// "expired" or "refused". Credentials are not safe for concurrent logins.
func (cr *Credentials) Authenticate(ctx context.Context, mech, user, host string, port int,
	auth func(sasl.Client) (refused bool, err error), refreshed func(why string)) error {
	secret, err := cr.Secret(ctx)
	if err != nil {
		return fmt.Errorf("%w for %s: %v", ErrAuth, user, err)
	}
	if cr.Token != nil && cr.last != "" && secret != cr.last && refreshed != nil {
		refreshed("expired")
	}
	cr.last = secret
	for try := 0; ; try++ {
		c, err := sasl.New(mech, user, secret, host, port)
		if err != nil {
			return err
		}
		refused, err := auth(c)
		if err == nil {
			return nil
		}
		if !refused {
			return err
		}
		why := err.Error()
		if f, ok := c.(sasl.Failure); ok && f.Failure() != "" {
			why += " (" + f.Failure() + ")"
		}
		if cr.Token == nil || try >= maxLoginRetries {
			return fmt.Errorf("%w for %s at %s:%d with %s: %s", ErrAuth, user, host, port, mech, why)
		}
		if secret, err = cr.Token.Refused(ctx, secret); err != nil {
			return fmt.Errorf("%w for %s at %s:%d with %s: %s; %v", ErrAuth, user, host, port, mech, why, err)
		}
		cr.last = secret
		if refreshed != nil {
			refreshed("refused")
		}
	}
}
