package oauth2file

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// ErrLogin: the device authorization grant failed (the user declined, the
// code expired, the endpoint refused the client).
var ErrLogin = errors.New("OAuth2 login")

// Provider holds a provider's endpoints and the scopes that give IMAP and
// POP3 access with a refresh token (see docs/providers.md).
type Provider struct {
	DeviceURL, TokenURL string
	Scopes              []string
}

// Google is Google's (Gmail's, Workspace's) device flow: the full-mail
// scope is the only one that covers IMAP and POP3.
var Google = Provider{
	DeviceURL: "https://oauth2.googleapis.com/device/code",
	TokenURL:  "https://oauth2.googleapis.com/token",
	Scopes:    []string{"https://mail.google.com/"},
}

// Microsoft returns the Microsoft identity platform's device flow for a
// tenant ("common" when empty, "consumers" for Outlook.com only, or the
// organisation's tenant ID or domain), with IMAP and POP3 delegated
// access and offline_access (without which no refresh token is issued).
func Microsoft(tenant string) Provider {
	if tenant == "" {
		tenant = "common"
	}
	base := "https://login.microsoftonline.com/" + url.PathEscape(tenant) + "/oauth2/v2.0/"
	return Provider{
		DeviceURL: base + "devicecode",
		TokenURL:  base + "token",
		Scopes: []string{"https://outlook.office.com/IMAP.AccessAsUser.All",
			"https://outlook.office.com/POP.AccessAsUser.All", "offline_access"},
	}
}

// LoginConfig is what Login needs.
type LoginConfig struct {
	Provider
	// ClientID and ClientSecret identify the application the user
	// registered with the provider (the secret only where the provider
	// issues one to device clients, as Google does).
	ClientID, ClientSecret string
	// HTTPClient is used for both endpoints; nil: a client with a 60 s
	// timeout.
	HTTPClient *http.Client
}

// Prompt is what the user must do to grant access: open VerificationURI
// (or VerificationURIComplete, which holds the code) and enter UserCode.
type Prompt struct {
	VerificationURI, VerificationURIComplete, UserCode string
	Expires                                            time.Time
}

// Login runs the device authorization grant (RFC 8628): it asks the
// device endpoint for a code, hands it to show, then polls the token
// endpoint (waiting longer when told to slow down) until the user has
// granted or denied access, the code expires or ctx ends. The returned
// File holds everything a later refresh needs.
func Login(ctx context.Context, cfg LoginConfig, show func(Prompt)) (*File, error) {
	if cfg.ClientID == "" {
		return nil, fmt.Errorf("%w: no client ID (register an application with the provider, see docs/providers.md)", ErrLogin)
	}
	if cfg.DeviceURL == "" || cfg.TokenURL == "" {
		return nil, fmt.Errorf("%w: the device and token endpoints are needed", ErrLogin)
	}
	conf := &oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, Scopes: cfg.Scopes,
		Endpoint: oauth2.Endpoint{DeviceAuthURL: cfg.DeviceURL, TokenURL: cfg.TokenURL}}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 60 * time.Second}
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, hc)
	da, err := conf.DeviceAuth(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: device authorization at %s: %v", ErrLogin, cfg.DeviceURL, retrieveText(err))
	}
	if da.DeviceCode == "" || da.UserCode == "" || da.VerificationURI == "" {
		return nil, fmt.Errorf("%w: %s answered without device code, user code or verification URI", ErrLogin, cfg.DeviceURL)
	}
	show(Prompt{VerificationURI: da.VerificationURI, VerificationURIComplete: da.VerificationURIComplete, UserCode: da.UserCode, Expires: da.Expiry})
	if !da.Expiry.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, da.Expiry)
		defer cancel()
	}
	t, err := conf.DeviceAccessToken(ctx, da)
	if err != nil {
		return nil, fmt.Errorf("%w: waiting for the grant at %s: %v", ErrLogin, cfg.TokenURL, retrieveText(err))
	}
	if t.AccessToken == "" || strings.ContainsAny(t.AccessToken, "\x00\x01\r\n") {
		return nil, fmt.Errorf("%w: %s returned no usable access token", ErrLogin, cfg.TokenURL)
	}
	return &File{AccessToken: t.AccessToken, TokenType: t.TokenType, RefreshToken: t.RefreshToken, Expiry: t.Expiry,
		TokenURL: cfg.TokenURL, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, Scopes: cfg.Scopes}, nil
}

func retrieveText(err error) string {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.ErrorCode != "" {
		s := re.ErrorCode
		if re.ErrorDescription != "" {
			s += ": " + re.ErrorDescription
		}
		return s
	}
	return err.Error()
}
