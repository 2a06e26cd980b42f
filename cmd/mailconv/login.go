package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/mailconv/mailconv/internal/netaddr"
	"github.com/mailconv/mailconv/internal/oauth2file"
)

func init() {
	commands["login"] = command{
		summary: "get an OAuth2 token file for IMAP/POP3: mailconv login [options] OUT.json",
		run:     runLogin,
	}
}

const loginSynopsis = `[--provider google|microsoft] --client-id ID [options] OUT.json

Runs the OAuth2 device authorization grant (RFC 8628): prints a web address
and a code to enter there, waits until access is granted, and writes the
token file that --oauth2-token-file takes (mode 0600). The client ID is
that of an application you register with the provider: see
docs/providers.md. OUT.json must not exist unless --force is given.`

// scopeList collects repeated --scope flags.
type scopeList []string

func (s *scopeList) String() string     { return strings.Join(*s, " ") }
func (s *scopeList) Set(v string) error { *s = append(*s, strings.Fields(v)...); return nil }

func runLogin(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("login", loginSynopsis, stderr)
	provider := fs.String("provider", "", "google or microsoft: their endpoints and mail scopes")
	clientID := fs.String("client-id", "", "the OAuth2 client ID of your registered application")
	secretFile := fs.String("client-secret-file", "", "read the client secret (Google's device clients have one) from the first line of `FILE`")
	tenant := fs.String("tenant", "", "Microsoft tenant: common (default), consumers, organizations, or your tenant ID or domain")
	authURL := fs.String("auth-url", "", "authorization endpoint `URL` (recorded only; the device flow does not use it)")
	tokenURL := fs.String("token-url", "", "token endpoint `URL` (overrides the provider's)")
	deviceURL := fs.String("device-url", "", "device authorization endpoint `URL` (overrides the provider's)")
	force := fs.Bool("force", false, "replace OUT.json if it exists")
	var scopes scopeList
	fs.Var(&scopes, "scope", "scope to ask for (repeatable; replaces the provider's)")
	argv, err := parseArgs(fs, args)
	if err != nil {
		return parseExit(err)
	}
	if len(argv) != 1 {
		fs.Usage()
		return exitUsage
	}
	out := argv[0]
	var cfg oauth2file.LoginConfig
	switch strings.ToLower(*provider) {
	case "":
	case "google", "gmail":
		cfg.Provider = oauth2file.Google
	case "microsoft", "outlook", "office365":
		cfg.Provider = oauth2file.Microsoft(*tenant)
	default:
		return exitFor(usageError{fmt.Errorf("--provider %q: want google or microsoft (or give --device-url and --token-url)", *provider)}, stderr)
	}
	_ = authURL // accepted for symmetry with other OAuth2 tools; nothing to do with it here
	if *tokenURL != "" {
		cfg.TokenURL = *tokenURL
	}
	if *deviceURL != "" {
		cfg.DeviceURL = *deviceURL
	}
	if len(scopes) > 0 {
		cfg.Scopes = scopes
	}
	cfg.ClientID = *clientID
	if cfg.ClientID == "" || cfg.TokenURL == "" || cfg.DeviceURL == "" {
		return exitFor(usageError{errors.New("need --client-id and a --provider (or --device-url and --token-url); see docs/providers.md")}, stderr)
	}
	if *secretFile != "" {
		if cfg.ClientSecret, err = netaddr.Password(map[string]string{"f": *secretFile}, "f"); err != nil {
			return exitFor(usageError{fmt.Errorf("--client-secret-file: %w", err)}, stderr)
		}
	}
	if _, err := os.Lstat(out); err == nil && !*force {
		return exitFor(usageError{fmt.Errorf("%s exists (use --force to replace it)", out)}, stderr)
	}
	f, err := oauth2file.Login(ctx, cfg, func(p oauth2file.Prompt) {
		fmt.Fprintf(stderr, "To let mailconv read and write your mail, open\n\n    %s\n\nand enter the code\n\n    %s\n\n", p.VerificationURI, p.UserCode)
		if p.VerificationURIComplete != "" {
			fmt.Fprintf(stderr, "(or open %s, which holds the code)\n", p.VerificationURIComplete)
		}
		if !p.Expires.IsZero() {
			fmt.Fprintf(stderr, "The code is valid until %s. Waiting...\n", p.Expires.Local().Format(time.Kitchen))
		}
	})
	if err != nil {
		return exitFor(err, stderr)
	}
	if err := oauth2file.Write(out, f); err != nil {
		return exitFor(err, stderr)
	}
	fmt.Fprintf(stdout, "token written to %s (give it with --oauth2-token-file)\n", out)
	return exitOK
}
