package netaddr

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/mailconv/mailconv"
)

// Sentinel errors of the network stores, shared so that one errors.Is
// test covers IMAP and POP3 alike.
var (
	ErrAuth       = errors.New("authentication failed")
	ErrTLS        = errors.New("TLS")
	ErrConnection = errors.New("connection")
	ErrRefused    = errors.New("refused by the server")
)

// Bool reads a yes/no parameter (1/true/yes/on, 0/false/no/off); def when
// it is absent or empty.
func Bool(params map[string]string, key string, def bool) (bool, error) {
	v, ok := params[key]
	if !ok || v == "" {
		return def, nil
	}
	switch strings.ToLower(v) {
	case "1", "true", "yes", "on":
		return true, nil
	case "0", "false", "no", "off":
		return false, nil
	}
	return def, mailconv.BadOption(fmt.Errorf("parameter %s: %q is not yes or no", key, v))
}

// Duration reads a positive Go duration parameter; def when it is absent
// or empty.
func Duration(params map[string]string, key string, def time.Duration) (time.Duration, error) {
	v := params[key]
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return def, mailconv.BadOption(fmt.Errorf("parameter %s: %q is not a duration", key, v))
	}
	return d, nil
}

// TLSConfig is the client TLS configuration for host: TLS 1.2 at least,
// certificates verified unless insecure, the PEM certificates of caFile
// (the parameter caParam) trusted besides the system's.
func TLSConfig(host string, insecure bool, caFile, caParam string) (*tls.Config, error) {
	cfg := &tls.Config{ServerName: host, InsecureSkipVerify: insecure, MinVersion: tls.VersionTLS12}
	if caFile == "" {
		return cfg, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("parameter %s: %w", caParam, err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("parameter %s: no PEM certificate in %s", caParam, caFile)
	}
	cfg.RootCAs = pool
	return cfg, nil
}
