package pop3

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
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
	switch {
	case strings.HasPrefix(s, "pop3s://"):
		s, tls = s[len("pop3s:"):], true
	case strings.HasPrefix(s, "pop3://"):
		s, tls = s[len("pop3:"):], false
	}
	if !strings.HasPrefix(s, "//") {
		return nil, fmt.Errorf("%w %q: want pop3s://USER@HOST[:PORT]", ErrAddress, s)
	}
	scheme := "pop3"
	if tls {
		scheme = "pop3s"
	}
	u, err := url.Parse(scheme + ":" + s)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrAddress, err)
	}
	if u.User == nil || u.User.Username() == "" {
		return nil, fmt.Errorf("%w %s: no user name (pop3s://USER@HOST)", ErrAddress, scheme+":"+s)
	}
	if _, has := u.User.Password(); has {
		return nil, fmt.Errorf("%w: the address holds a password; give it in the environment variable %s or with --password-file, never on the command line", ErrPassword, PasswordEnv)
	}
	if strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%w %s: a POP3 address has no folder, query or fragment", ErrAddress, scheme+":"+s)
	}
	a := &Address{TLS: tls, User: u.User.Username(), Host: u.Hostname(), Port: 110}
	if !validHost(a.Host) {
		return nil, fmt.Errorf("%w %s: bad or missing host %q", ErrAddress, scheme+":"+s, a.Host)
	}
	if strings.ContainsAny(a.User, "\r\n") {
		return nil, fmt.Errorf("%w: the user name holds a line break", ErrAddress)
	}
	if tls {
		a.Port = 995
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n <= 0 || n > 65535 {
			return nil, fmt.Errorf("%w: bad port %q", ErrAddress, p)
		}
		a.Port = n
	}
	return a, nil
}

// PasswordEnv is the environment variable that holds the password when no
// password file is given (the same as the imap package's).
const PasswordEnv = "MAILCONV_PASSWORD"

// MaxPasswordFile bounds the size of a password file.
const MaxPasswordFile = 4096

// Password returns the first line of the file named by the parameter
// password-file when set, else the value of MAILCONV_PASSWORD.
func Password(params map[string]string) (string, error) {
	p := ""
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
		p = strings.TrimSuffix(line, "\r")
		if p == "" {
			return "", fmt.Errorf("%w file %s is empty", ErrPassword, f)
		}
	} else if p = os.Getenv(PasswordEnv); p == "" {
		return "", fmt.Errorf("%w: none given: set the environment variable %s or use --password-file", ErrPassword, PasswordEnv)
	}
	if strings.ContainsAny(p, "\r\n") {
		return "", fmt.Errorf("%w holds a line break", ErrPassword)
	}
	return p, nil
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
