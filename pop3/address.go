package pop3

import (
	"fmt"
	"net"
	"net/url"
	"strconv"

	"github.com/mailconv/mailconv/internal/netaddr"
)

// Address is a parsed pop3:// or pop3s:// address: pop3s://USER@HOST[:PORT].
type Address struct {
	// TLS is true for pop3s:// (implicit TLS, port 995); pop3:// uses STLS
	// (port 110).
	TLS bool
	// User is the login name (percent-decoded).
	User string
	// Host and Port locate the server.
	Host string
	Port int
}

// HostPort returns "host:port" for dialing.
func (a *Address) HostPort() string { return net.JoinHostPort(a.Host, strconv.Itoa(a.Port)) }

// String formats the address as a URL (without password).
func (a *Address) String() string {
	scheme := "pop3"
	if a.TLS {
		scheme = "pop3s"
	}
	u := url.URL{Scheme: scheme, User: url.User(a.User), Host: a.HostPort()}
	return u.String()
}

// ParseAddress parses a POP3 address: a whole URL ("pop3s://me@host") or,
// as the format registry hands it over, the part after the scheme's colon
// ("//me@host") with tls telling the scheme. A password in the URL is
// refused.
func ParseAddress(s string, tls bool) (*Address, error) {
	u, err := netaddr.Parse(s, tls, netaddr.Scheme{Plain: "pop3", TLS: "pop3s", PlainPort: 110, TLSPort: 995})
	if err != nil {
		return nil, err
	}
	if u.Path != "" {
		return nil, fmt.Errorf("%w %q: a POP3 address has no folder", ErrAddress, s)
	}
	return &Address{TLS: u.TLS, User: u.User, Host: u.Host, Port: u.Port}, nil
}

// PasswordEnv is the environment variable that holds the password when no
// password file is given (the same as the imap package's).
const PasswordEnv = netaddr.PasswordEnv

// MaxPasswordFile bounds the size of a password file.
const MaxPasswordFile = netaddr.MaxPasswordFile

// Password returns the first line of the file named by the parameter
// password-file when set, else the value of MAILCONV_PASSWORD.
func Password(params map[string]string) (string, error) {
	return netaddr.Password(params, ParamPasswordFile)
}
