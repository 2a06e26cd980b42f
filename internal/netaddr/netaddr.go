// Package netaddr parses the addresses of network stores (imap://, imaps://,
// pop3://, pop3s://) and finds their password, the same way for every
// protocol: a user is required, a password in the URL is refused (it would
// end up in shell histories and process lists), the password comes from the
// environment or a file.
package netaddr

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
)

// Sentinel errors, wrapped by what Parse and Password return.
var (
	ErrAddress  = errors.New("bad address")
	ErrPassword = errors.New("password")
)

// PasswordEnv is the environment variable that holds the password when no
// password file is given.
const PasswordEnv = "MAILCONV_PASSWORD"

// MaxPasswordFile bounds the size of a password file.
const MaxPasswordFile = 4096

// Scheme describes one protocol's pair of URL schemes.
type Scheme struct {
	Plain, TLS         string // "imap", "imaps"
	PlainPort, TLSPort int    // 143, 993
}

// URL is a parsed store address.
type URL struct {
	TLS  bool
	User string
	Host string
	Port int
	// Path is the URL path without its leading and trailing slashes.
	Path string
}

// Parse parses s, either a whole URL ("imaps://me@host/Old") or, as the
// format registry hands it over, the part after the scheme's colon
// ("//me@host/Old") with tls telling which scheme it was.
func Parse(s string, tls bool, sc Scheme) (URL, error) {
	switch {
	case strings.HasPrefix(s, sc.TLS+"://"):
		s, tls = s[len(sc.TLS)+1:], true
	case strings.HasPrefix(s, sc.Plain+"://"):
		s, tls = s[len(sc.Plain)+1:], false
	}
	if !strings.HasPrefix(s, "//") {
		return URL{}, fmt.Errorf("%w %q: want %s://USER@HOST[:PORT]", ErrAddress, s, sc.TLS)
	}
	scheme := sc.Plain
	if tls {
		scheme = sc.TLS
	}
	full := scheme + ":" + s
	u, err := url.Parse(full)
	if err != nil {
		return URL{}, fmt.Errorf("%w: %v", ErrAddress, err)
	}
	if u.User == nil || u.User.Username() == "" {
		return URL{}, fmt.Errorf("%w %s: no user name (%s://USER@HOST)", ErrAddress, full, sc.TLS)
	}
	if _, has := u.User.Password(); has {
		return URL{}, fmt.Errorf("%w: the address holds a password; give it in the environment variable %s or with --password-file, never on the command line", ErrPassword, PasswordEnv)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return URL{}, fmt.Errorf("%w %s: query and fragment are not allowed", ErrAddress, full)
	}
	a := URL{TLS: tls, User: u.User.Username(), Host: u.Hostname(), Port: sc.PlainPort, Path: strings.Trim(u.Path, "/")}
	if tls {
		a.Port = sc.TLSPort
	}
	if !ValidHost(a.Host) {
		return URL{}, fmt.Errorf("%w %s: bad or missing host %q", ErrAddress, full, a.Host)
	}
	if strings.ContainsAny(a.User, "\r\n") {
		return URL{}, fmt.Errorf("%w: the user name holds a line break", ErrAddress)
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n <= 0 || n > 65535 {
			return URL{}, fmt.Errorf("%w: bad port %q", ErrAddress, p)
		}
		a.Port = n
	}
	return a, nil
}

// Password returns the first line of the file named by params[fileParam]
// when set, else the value of PasswordEnv. It is an error when neither is
// set, or the password is empty or holds a line break.
func Password(params map[string]string, fileParam string) (string, error) {
	p := ""
	if f := params[fileParam]; f != "" {
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

// ValidHost accepts a DNS name or an IP address (an IPv6 address is given
// in brackets in the URL).
func ValidHost(h string) bool {
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
