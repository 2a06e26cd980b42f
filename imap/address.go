package imap

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/internal/netaddr"
)

// Sentinel errors, for errors.Is.
var (
	// ErrAddress: the store address is not an IMAP URL this package takes
	// (the same value as the pop3 package's).
	ErrAddress = netaddr.ErrAddress
	// ErrPassword: no password was given, or the address carried one.
	ErrPassword = netaddr.ErrPassword
	// ErrAuth: the server refused the user name or password (the same
	// value as the pop3 package's, as are ErrTLS, ErrConnection and
	// ErrRefused).
	ErrAuth = netaddr.ErrAuth
	// ErrTLS: the TLS handshake failed (certificate not trusted, name
	// mismatch, no common protocol) or STARTTLS is not offered.
	ErrTLS = netaddr.ErrTLS
	// ErrConnection: the connection could not be made or was lost.
	ErrConnection = netaddr.ErrConnection
	// ErrQuota: the server refused a message because the account is over
	// its quota. Nothing is lost: free space and run again to resume.
	ErrQuota = errors.New("over quota")
	// ErrRefused: the server refused a command for a reason not covered
	// above.
	ErrRefused = netaddr.ErrRefused
)

// Address is a parsed imap:// or imaps:// store address:
// imaps://USER@HOST[:PORT][/PREFIX].
type Address struct {
	// TLS is true for imaps:// (implicit TLS, port 993 by default);
	// imap:// uses STARTTLS (port 143).
	TLS bool
	// User is the login name (percent-decoded: "me%40example.com" is
	// "me@example.com").
	User string
	// Host and Port locate the server.
	Host string
	Port int
	// Prefix is the folder under which every mailbox is placed, as
	// Unicode segments (the URL path split at "/", percent-decoded); nil
	// for the top of the account.
	Prefix mailconv.Path
}

// String formats the address back as a URL (without password).
func (a *Address) String() string {
	scheme := "imap"
	if a.TLS {
		scheme = "imaps"
	}
	u := url.URL{Scheme: scheme, User: url.User(a.User), Host: net.JoinHostPort(a.Host, strconv.Itoa(a.Port))}
	if len(a.Prefix) > 0 {
		u.Path = "/" + strings.Join(a.Prefix, "/")
	}
	return u.String()
}

// HostPort returns "host:port" for dialing.
func (a *Address) HostPort() string { return net.JoinHostPort(a.Host, strconv.Itoa(a.Port)) }

// ParseAddress parses an IMAP store address. s is either a whole URL
// ("imaps://me@host/Old") or, as the format registry hands it over, the part
// after the scheme's colon ("//me@host/Old") with tls telling which scheme
// it was. A password in the URL ("me:secret@host") is refused: passwords
// come from the environment or a file, never from the command line.
func ParseAddress(s string, tls bool) (*Address, error) {
	u, err := netaddr.Parse(s, tls, netaddr.Scheme{Plain: "imap", TLS: "imaps", PlainPort: 143, TLSPort: 993})
	if err != nil {
		return nil, err
	}
	a := &Address{TLS: u.TLS, User: u.User, Host: u.Host, Port: u.Port}
	if u.Path != "" {
		for _, seg := range strings.Split(u.Path, "/") {
			if seg == "" {
				return nil, fmt.Errorf("%w: empty folder name in prefix %q", ErrAddress, u.Path)
			}
			a.Prefix = append(a.Prefix, seg)
		}
	}
	return a, nil
}

// PasswordEnv is the environment variable that holds the password when no
// password file is given.
const PasswordEnv = netaddr.PasswordEnv

// MaxPasswordFile bounds the size of a password file.
const MaxPasswordFile = netaddr.MaxPasswordFile

// Password returns the password: the first line of the file named by the
// parameter password-file when set, else the value of MAILCONV_PASSWORD.
// It is an error when neither is set or the password is empty.
func Password(params map[string]string) (string, error) {
	return netaddr.Password(params, ParamPasswordFile)
}
