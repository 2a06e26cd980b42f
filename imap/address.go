package imap

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/mailconv/mailconv"
)

// Sentinel errors, for errors.Is.
var (
	// ErrAddress: the store address is not an IMAP URL this package takes.
	ErrAddress = errors.New("bad IMAP address")
	// ErrPassword: no password was given, or the address carried one.
	ErrPassword = errors.New("password")
	// ErrAuth: the server refused the user name or password.
	ErrAuth = errors.New("authentication failed")
	// ErrTLS: the TLS handshake failed (certificate not trusted, name
	// mismatch, no common protocol) or STARTTLS is not offered.
	ErrTLS = errors.New("TLS")
	// ErrConnection: the connection could not be made or was lost.
	ErrConnection = errors.New("connection")
	// ErrQuota: the server refused a message because the account is over
	// its quota. Nothing is lost: free space and run again to resume.
	ErrQuota = errors.New("over quota")
	// ErrRefused: the server refused a command for a reason not covered
	// above.
	ErrRefused = errors.New("refused by the server")
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
	switch {
	case strings.HasPrefix(s, "imaps://"):
		s, tls = s[len("imaps:"):], true
	case strings.HasPrefix(s, "imap://"):
		s, tls = s[len("imap:"):], false
	}
	if !strings.HasPrefix(s, "//") {
		return nil, fmt.Errorf("%w %q: want imaps://USER@HOST[:PORT][/PREFIX]", ErrAddress, s)
	}
	scheme := "imap"
	if tls {
		scheme = "imaps"
	}
	u, err := url.Parse(scheme + ":" + s)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrAddress, err)
	}
	if u.User == nil || u.User.Username() == "" {
		return nil, fmt.Errorf("%w %s: no user name (imaps://USER@HOST)", ErrAddress, scheme+":"+s)
	}
	if _, has := u.User.Password(); has {
		return nil, fmt.Errorf("%w: the address holds a password; give it in the environment variable %s or with --password-file, never on the command line", ErrPassword, PasswordEnv)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%w %s: query and fragment are not allowed", ErrAddress, scheme+":"+s)
	}
	a := &Address{TLS: tls, User: u.User.Username(), Host: u.Hostname()}
	if !validHost(a.Host) {
		return nil, fmt.Errorf("%w %s: bad or missing host %q", ErrAddress, scheme+":"+s, a.Host)
	}
	a.Port = 143
	if tls {
		a.Port = 993
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n <= 0 || n > 65535 {
			return nil, fmt.Errorf("%w: bad port %q", ErrAddress, p)
		}
		a.Port = n
	}
	path := strings.Trim(u.Path, "/")
	if path != "" {
		for _, seg := range strings.Split(path, "/") {
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
const PasswordEnv = "MAILCONV_PASSWORD"

// MaxPasswordFile bounds the size of a password file.
const MaxPasswordFile = 4096

// Password returns the password: the first line of the file named by the
// parameter password-file when set, else the value of MAILCONV_PASSWORD.
// It is an error when neither is set or the password is empty.
func Password(params map[string]string) (string, error) {
	if f := params[ParamPasswordFile]; f != "" {
		fi, err := os.Stat(f)
		if err != nil {
			return "", fmt.Errorf("%w file: %v", ErrPassword, err)
		}
		if fi.Size() > MaxPasswordFile {
			return "", fmt.Errorf("%w file %s: larger than %d bytes", ErrPassword, f, MaxPasswordFile)
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return "", fmt.Errorf("%w file: %v", ErrPassword, err)
		}
		line, _, _ := strings.Cut(string(b), "\n")
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			return "", fmt.Errorf("%w file %s is empty", ErrPassword, f)
		}
		return line, nil
	}
	if p := os.Getenv(PasswordEnv); p != "" {
		return p, nil
	}
	return "", fmt.Errorf("%w: none given: set the environment variable %s or use --password-file", ErrPassword, PasswordEnv)
}

// validHost accepts a DNS name or an IP address (IPv6 given in brackets in
// the URL).
func validHost(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	if strings.Contains(h, ":") {
		return net.ParseIP(h) != nil
	}
	for _, c := range h {
		if c <= ' ' || c == 0x7f || strings.ContainsRune("/@?#[]%\\\"<>", c) {
			return false
		}
	}
	return true
}
