package oauth2file

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// MaxFile bounds the size of a token file.
const MaxFile = 64 << 10

// EarlyRefresh is how long before its expiry an access token is refreshed
// (so that it does not expire between the check and the login).
const EarlyRefresh = time.Second

// Sentinel errors, for errors.Is.
var (
	// ErrFile: the token file cannot be read, is not the JSON this
	// package writes, or lacks a field a refresh needs.
	ErrFile = errors.New("OAuth2 token file")
	// ErrRefresh: the token endpoint refused or failed the refresh (the
	// refresh token was revoked or expired: run "mailconv login" again).
	ErrRefresh = errors.New("OAuth2 token refresh")
)

// File is the content of a token file.
type File struct {
	// AccessToken is the bearer token sent to the mail server.
	AccessToken string `json:"access_token"`
	// TokenType is "Bearer".
	TokenType string `json:"token_type,omitempty"`
	// RefreshToken gets a new access token from TokenURL.
	RefreshToken string `json:"refresh_token,omitempty"`
	// Expiry is when AccessToken stops working (RFC 3339); zero: unknown.
	Expiry time.Time `json:"expiry,omitzero"`
	// TokenURL is the provider's token endpoint.
	TokenURL string `json:"token_url,omitempty"`
	// ClientID and ClientSecret identify the application registered with
	// the provider (a public client has no secret).
	ClientID     string `json:"client_id,omitempty"`
	ClientSecret string `json:"client_secret,omitempty"`
	// Scopes are the scopes asked for.
	Scopes []string `json:"scopes,omitempty"`
}

// Read reads and checks a token file.
func Read(path string) (*File, error) {
	fd, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFile, err)
	}
	defer fd.Close()
	b, err := io.ReadAll(io.LimitReader(fd, MaxFile+1))
	if err != nil {
		return nil, fmt.Errorf("%w %s: %v", ErrFile, path, err)
	}
	if len(b) > MaxFile {
		return nil, fmt.Errorf("%w %s: larger than %d bytes", ErrFile, path, MaxFile)
	}
	var f File
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%w %s: %v", ErrFile, path, err)
	}
	if f.AccessToken == "" && f.RefreshToken == "" {
		return nil, fmt.Errorf("%w %s: neither access_token nor refresh_token", ErrFile, path)
	}
	if strings.ContainsAny(f.AccessToken, "\x00\x01\r\n") {
		return nil, fmt.Errorf("%w %s: access_token holds a control character", ErrFile, path)
	}
	return &f, nil
}

// Write replaces the file at path with f atomically: a temporary file in
// the same directory, mode 0600, written and synced, then renamed over
// path. A crash leaves the old file or the new one, never half of one.
func Write(path string, f *File) error {
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("%w: %v", ErrFile, err)
	}
	name := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(name)
		}
	}()
	if err := tmp.Chmod(0o600); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		return fmt.Errorf("%w: %v", ErrFile, err)
	}
	if _, err := tmp.Write(b); err != nil {
		return fmt.Errorf("%w: %v", ErrFile, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("%w: %v", ErrFile, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("%w: %v", ErrFile, err)
	}
	if err := os.Rename(name, path); err != nil {
		return fmt.Errorf("%w: %v", ErrFile, err)
	}
	ok = true
	if d, err := os.Open(dir); err == nil {
		d.Sync() // the rename itself; not possible everywhere, and not needed for correctness
		d.Close()
	}
	return nil
}

// Source hands out the access token of a token file and refreshes it when
// it expires or a server refuses it, rewriting the file. It is safe for
// concurrent use (several connections share one).
type Source struct {
	path string
	mu   sync.Mutex
	f    *File
	// HTTPClient is used for the token endpoint; nil: http.DefaultClient
	// with a 60 s timeout.
	HTTPClient *http.Client
	// Now returns the current time; nil: time.Now.
	Now func() time.Time
	// OnRefresh, if set, is called after each refresh with the new
	// expiry.
	OnRefresh func(expiry time.Time)
}

// Open reads the token file at path.
func Open(path string) (*Source, error) {
	f, err := Read(path)
	if err != nil {
		return nil, err
	}
	return &Source{path: path, f: f}, nil
}

// Path returns the token file's path.
func (s *Source) Path() string { return s.path }

func (s *Source) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Token returns a usable access token: the file's, or a new one from the
// token endpoint when the file's has expired (or expires within
// EarlyRefresh).
func (s *Source) Token(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.f
	if f.AccessToken != "" && (f.Expiry.IsZero() || s.now().Add(EarlyRefresh).Before(f.Expiry)) {
		return f.AccessToken, nil
	}
	return s.refreshLocked(ctx)
}

// Refused tells the source that a server refused token (as Token returned
// it) and returns a new one from the token endpoint; when the token was
// already replaced (another connection refreshed it first), the newer one
// is returned without asking the endpoint again.
func (s *Source) Refused(ctx context.Context, token string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f.AccessToken != "" && s.f.AccessToken != token {
		return s.f.AccessToken, nil
	}
	return s.refreshLocked(ctx)
}

func (s *Source) refreshLocked(ctx context.Context) (string, error) {
	f := s.f
	if f.RefreshToken == "" || f.TokenURL == "" || f.ClientID == "" {
		return "", fmt.Errorf("%w: the access token in %s expired or was refused, and the file has no refresh_token, token_url and client_id to get a new one; run \"mailconv login\" again", ErrRefresh, s.path)
	}
	conf := &oauth2.Config{ClientID: f.ClientID, ClientSecret: f.ClientSecret, Scopes: f.Scopes,
		Endpoint: oauth2.Endpoint{TokenURL: f.TokenURL}}
	hc := s.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 60 * time.Second}
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, hc)
	t, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: f.RefreshToken}).Token()
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			return "", fmt.Errorf("%w at %s: %s %s (run \"mailconv login\" again if the refresh token was revoked)", ErrRefresh, f.TokenURL, re.ErrorCode, re.ErrorDescription)
		}
		return "", fmt.Errorf("%w at %s: %v", ErrRefresh, f.TokenURL, err)
	}
	if t.AccessToken == "" || strings.ContainsAny(t.AccessToken, "\x00\x01\r\n") {
		return "", fmt.Errorf("%w at %s: the endpoint returned no usable access token", ErrRefresh, f.TokenURL)
	}
	nf := *f
	nf.AccessToken = t.AccessToken
	if t.TokenType != "" {
		nf.TokenType = t.TokenType
	}
	if t.RefreshToken != "" {
		nf.RefreshToken = t.RefreshToken
	}
	nf.Expiry = t.Expiry
	if err := Write(s.path, &nf); err != nil {
		return "", fmt.Errorf("saving the refreshed token: %w", err)
	}
	s.f = &nf
	if s.OnRefresh != nil {
		s.OnRefresh(nf.Expiry)
	}
	return nf.AccessToken, nil
}
