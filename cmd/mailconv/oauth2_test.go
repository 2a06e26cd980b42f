package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailconv/mailconv/internal/dovecotserver"
	"github.com/mailconv/mailconv/internal/oauth2file"
)

// fakeIdP is an OAuth2 provider for the tests: a token endpoint (refresh
// and device-code grants), a device authorization endpoint (RFC 8628) and
// the introspection endpoint (RFC 7662) that Dovecot's oauth2 passdb asks
// about every token it is given.
type fakeIdP struct {
	mu        sync.Mutex
	srv       *httptest.Server
	user      string
	ttl       time.Duration        // lifetime of the access tokens it issues
	tokens    map[string]time.Time // access token -> expiry
	refresh   string               // the refresh token it takes (rotated at each use)
	n         int
	refreshes int
	polls     []string // answers given to device-code polls
	asked     []string // tokens introspected
}

func newFakeIdP(t *testing.T, user string, ttl time.Duration) *fakeIdP {
	p := &fakeIdP{user: user, ttl: ttl, tokens: map[string]time.Time{}, refresh: "rt-0"}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /introspect", p.introspect)
	mux.HandleFunc("POST /token", p.token)
	mux.HandleFunc("POST /device", p.device)
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

// issue makes a new access token (the caller holds mu).
func (p *fakeIdP) issue() string {
	p.n++
	// As long as Microsoft's (often over 1000 octets): a POP3 AUTH
	// line holds at most 255, so the token goes after the server's
	// empty challenge.
	tok := fmt.Sprintf("at-%d-%d-%s", p.n, time.Now().UnixNano(), strings.Repeat("x", 1500))
	p.tokens[tok] = time.Now().Add(p.ttl)
	return tok
}

// Issue returns a fresh access token and the current refresh token.
func (p *fakeIdP) Issue() (access, refresh string, expiry time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	tok := p.issue()
	return tok, p.refresh, p.tokens[tok]
}

func (p *fakeIdP) introspect(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	tok := r.PostForm.Get("token")
	p.mu.Lock()
	exp, ok := p.tokens[tok]
	p.asked = append(p.asked, tok)
	p.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if !ok || time.Now().After(exp) {
		fmt.Fprint(w, `{"active":"false"}`)
		return
	}
	json.NewEncoder(w).Encode(map[string]string{"active": "true", "username": p.user})
}

func (p *fakeIdP) tokenJSON(w http.ResponseWriter, tok string) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "Bearer",
		"expires_in": int(p.ttl / time.Second), "refresh_token": p.refresh})
}

func oauthError(w http.ResponseWriter, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	fmt.Fprintf(w, `{"error":%q}`, code)
}

func (p *fakeIdP) token(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	p.mu.Lock()
	defer p.mu.Unlock()
	switch r.PostForm.Get("grant_type") {
	case "refresh_token":
		if r.PostForm.Get("refresh_token") != p.refresh || r.PostForm.Get("client_id")+basicUser(r) == "" {
			oauthError(w, "invalid_grant")
			return
		}
		p.refreshes++
		p.refresh = fmt.Sprintf("rt-%d", p.refreshes)
		p.tokenJSON(w, p.issue())
	case "urn:ietf:params:oauth:grant-type:device_code":
		if r.PostForm.Get("device_code") != "dev-code-1" {
			oauthError(w, "invalid_grant")
			return
		}
		// The user takes a while: pending, then the client polls too
		// fast, then the grant.
		answers := []string{"authorization_pending", "slow_down"}
		if len(p.polls) < len(answers) {
			a := answers[len(p.polls)]
			p.polls = append(p.polls, a)
			oauthError(w, a)
			return
		}
		p.polls = append(p.polls, "granted")
		p.tokenJSON(w, p.issue())
	default:
		oauthError(w, "unsupported_grant_type")
	}
}

func basicUser(r *http.Request) string {
	u, _, _ := r.BasicAuth()
	return u
}

func (p *fakeIdP) device(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	if r.PostForm.Get("client_id") != "test-client" {
		oauthError(w, "invalid_client")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"device_code": "dev-code-1", "user_code": "WDJB-MJHT",
		"verification_uri": p.srv.URL + "/activate", "expires_in": 120, "interval": 1})
}

// startOAuth2Dovecot starts a Dovecot whose oauth2 passdb asks idp's
// introspection endpoint about every token (besides the password
// passdb), offering OAUTHBEARER and XOAUTH2.
func startOAuth2Dovecot(t *testing.T, idp *fakeIdP) *dovecotserver.Server {
	dir, err := os.MkdirTemp("", "mailconv-oauth2conf")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	require.NoError(t, os.Chmod(dir, 0o755)) // read by Dovecot's auth process
	conf := filepath.Join(dir, "oauth2.conf.ext")
	require.NoError(t, os.WriteFile(conf, []byte(fmt.Sprintf(
		"introspection_mode = post\nintrospection_url = %s/introspect\nusername_attribute = username\n"+
			"active_attribute = active\nactive_value = true\n", idp.srv.URL)), 0o644))
	return dovecotserver.Start(t, dovecotserver.Config{Extra: fmt.Sprintf(
		"auth_mechanisms = plain login oauthbearer xoauth2\n"+
			"passdb {\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n  args = %s\n}\n", conf)})
}

// writeTokenFile writes a token file as "mailconv login" would.
func writeTokenFile(t *testing.T, idp *fakeIdP, access, refresh string, expiry time.Time) string {
	p := filepath.Join(t.TempDir(), "token.json")
	require.NoError(t, oauth2file.Write(p, &oauth2file.File{AccessToken: access, TokenType: "Bearer", RefreshToken: refresh,
		Expiry: expiry, TokenURL: idp.srv.URL + "/token", ClientID: "test-client"}))
	return p
}

// loginMethods counts Dovecot's successful logins by protocol and SASL
// mechanism ("imap PLAIN", "pop3 XOAUTH2") from its log.
func loginMethods(log string) map[string]int {
	out := map[string]int{}
	for _, m := range regexp.MustCompile(`(imap|pop3)-login: Info: Login: user=<[^>]*>, method=([A-Z0-9-]+)`).FindAllStringSubmatch(log, -1) {
		out[m[1]+" "+m[2]]++
	}
	return out
}

// settledLogins returns loginMethods of srv's log once it equals want, or
// after 10 s: Dovecot's log process writes a login's line after the
// session began, so the last login of a run may reach the file a moment
// after the run ended.
func settledLogins(srv interface{ Log() string }, want map[string]int) map[string]int {
	got := loginMethods(srv.Log())
	for deadline := time.Now().Add(10 * time.Second); !maps.Equal(got, want) && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		got = loginMethods(srv.Log())
	}
	return got
}

func mboxOf(n int, tag string) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "From a@example.org Mon Mar  1 08:00:00 2004\nMessage-ID: <%s-%d@example.org>\nSubject: %s %d\n\nbody %d\n%s\n\n",
			tag, i, tag, i, i, strings.Repeat("filler line for some size\n", i%50))
	}
	return b.String()
}

// Acceptance 1 of issue 15: Dovecot with an oauth2 passdb takes mailconv
// over XOAUTH2 and OAUTHBEARER, for IMAP (destination) and POP3 (source);
// a wrong token fails with a clear message and exit 1. Dovecot's log
// names the mechanism of every login, so the test sees which was used.
func TestOAuth2Login(t *testing.T) {
	idp := newFakeIdP(t, "mailconv", time.Hour)
	srv := startOAuth2Dovecot(t, idp)
	t.Setenv("MAILCONV_PASSWORD", "") // no password anywhere: only the token can log in
	imapURL := "imap://" + srv.User + "@" + srv.IMAPAddr
	popURL := "pop3://" + srv.User + "@" + srv.POP3Addr

	for i, mech := range []string{"xoauth2", "oauthbearer", "auto"} {
		t.Run("imap "+mech, func(t *testing.T) {
			src := filepath.Join(t.TempDir(), "mbox")
			require.NoError(t, os.WriteFile(src, []byte(mboxOf(5, mech)), 0o644))
			at, rt, exp := idp.Issue()
			tf := writeTokenFile(t, idp, at, rt, exp)
			code, _, stderr := runCLI("convert", "--allow-plaintext", "--sasl", mech, "--oauth2-token-file", tf,
				"--journal", filepath.Join(t.TempDir(), "j"), "mbox:"+src, imapURL+"/"+mech)
			require.Equal(t, exitOK, code, stderr)
			out, err := srv.Doveadm(nil, "mailbox status", "messages", mech+".INBOX")
			require.NoError(t, err)
			assert.Equal(t, mech+".INBOX messages=5", strings.TrimSpace(string(out)))
			// two logins a conversion: runCLI verifies each one, logging
			// in the same way
			want := map[string]int{"imap XOAUTH2": 2, "imap OAUTHBEARER": 2}
			if i == 0 {
				want = map[string]int{"imap XOAUTH2": 2}
			}
			if mech == "auto" {
				want["imap OAUTHBEARER"] += 2 // auto prefers OAUTHBEARER
			}
			assert.Equal(t, want, settledLogins(srv, want))
		})
	}

	require.NoError(t, srv.Save("INBOX", []byte("From: a@example.org\r\nMessage-ID: <pop-1@example.org>\r\nSubject: pop\r\n\r\nover POP3\r\n")))
	for _, mech := range []string{"xoauth2", "oauthbearer"} {
		t.Run("pop3 "+mech, func(t *testing.T) {
			at, rt, exp := idp.Issue()
			tf := writeTokenFile(t, idp, at, rt, exp)
			before := loginMethods(srv.Log()) // the subtests before settled theirs
			out := filepath.Join(t.TempDir(), "out")
			code, _, stderr := runCLI("convert", "--allow-plaintext", "--src-sasl", mech, "--src-oauth2-token-file", tf,
				"--journal", filepath.Join(t.TempDir(), "j"), popURL, "maildir:"+out)
			require.Equal(t, exitOK, code, stderr)
			ents, err := os.ReadDir(filepath.Join(out, "cur"))
			require.NoError(t, err)
			assert.Len(t, ents, 1)
			// the conversion's login and that of the verify runCLI runs
			want := maps.Clone(before)
			want["pop3 "+strings.ToUpper(mech)] += 2
			assert.Equal(t, want, settledLogins(srv, want))
		})
	}

	// Acceptance 3: "mailconv login" against the device authorization
	// endpoint (the user is slow: authorization_pending, then slow_down,
	// then the grant) writes a token file that the server takes.
	t.Run("login then upload", func(t *testing.T) {
		tf := filepath.Join(t.TempDir(), "token.json")
		code, out, stderr := runCLI("login", "--client-id", "test-client", "--device-url", idp.srv.URL+"/device",
			"--token-url", idp.srv.URL+"/token", "--scope", "mail", tf)
		require.Equal(t, exitOK, code, stderr)
		assert.Contains(t, stderr, idp.srv.URL+"/activate")
		assert.Contains(t, stderr, "WDJB-MJHT")
		assert.Contains(t, out, tf)
		idp.mu.Lock()
		assert.Equal(t, []string{"authorization_pending", "slow_down", "granted"}, idp.polls)
		idp.mu.Unlock()
		fi, err := os.Stat(tf)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
		f, err := oauth2file.Read(tf)
		require.NoError(t, err)
		assert.Equal(t, idp.srv.URL+"/token", f.TokenURL)
		assert.Equal(t, "test-client", f.ClientID)
		assert.Equal(t, []string{"mail"}, f.Scopes)
		assert.NotEmpty(t, f.RefreshToken)

		code, _, stderr = runCLI("login", "--client-id", "test-client", "--device-url", idp.srv.URL+"/device",
			"--token-url", idp.srv.URL+"/token", tf)
		assert.Equal(t, exitUsage, code, "an existing token file is not replaced without --force")
		assert.Contains(t, stderr, "--force")

		src := filepath.Join(t.TempDir(), "mbox")
		require.NoError(t, os.WriteFile(src, []byte(mboxOf(2, "login")), 0o644))
		code, _, stderr = runCLI("convert", "--allow-plaintext", "--oauth2-token-file", tf,
			"--journal", filepath.Join(t.TempDir(), "j"), "mbox:"+src, imapURL+"/login")
		require.Equal(t, exitOK, code, stderr)
		st, err := srv.Doveadm(nil, "mailbox status", "messages", "login.INBOX")
		require.NoError(t, err)
		assert.Equal(t, "login.INBOX messages=2", strings.TrimSpace(string(st)))
	})

	t.Run("wrong token", func(t *testing.T) {
		bad := writeTokenFile(t, idp, "not-a-token", "", time.Now().Add(time.Hour))
		for _, c := range []struct{ url, mech, want string }{
			{imapURL, "xoauth2", "XOAUTH2"}, {imapURL, "auto", "OAUTHBEARER"}, {popURL, "oauthbearer", "OAUTHBEARER"},
			{popURL, "xoauth2", "XOAUTH2"},
		} {
			args := []string{"convert", "--allow-plaintext", "--sasl", c.mech, "--oauth2-token-file", bad, "--journal", filepath.Join(t.TempDir(), "j")}
			if c.url == popURL {
				args = append(args, c.url, "maildir:"+filepath.Join(t.TempDir(), "out"))
			} else {
				src := filepath.Join(t.TempDir(), "mbox")
				require.NoError(t, os.WriteFile(src, []byte(mboxOf(1, "bad")), 0o644))
				args = append(args, "mbox:"+src, c.url)
			}
			code, _, stderr := runCLI(args...)
			assert.Equal(t, exitFailure, code, stderr)
			assert.Contains(t, stderr, "authentication failed for mailconv at 127.0.0.1", c)
			assert.Contains(t, stderr, "with "+c.want, c)
			assert.Contains(t, stderr, "no refresh_token", c)
			assert.Regexp(t, `server said: (NO|-ERR) \[AUTH`, stderr, "the server's refusal, not a protocol error")
		}
	})
}

// Acceptance 2 of issue 15: access tokens that live three seconds, and
// the server session killed (doveadm kick) while messages are uploaded,
// after the token has expired. mailconv fetches a new token at the token
// endpoint, reconnects and finishes; verify finds every message once; the
// token file was rewritten with mode 0600.
func TestOAuth2TokenExpiryMidRun(t *testing.T) {
	if testing.Short() {
		t.Skip("a long upload")
	}
	const ttl = 3 * time.Second
	idp := newFakeIdP(t, "mailconv", ttl)
	srv := startOAuth2Dovecot(t, idp)
	t.Setenv("MAILCONV_PASSWORD", "")
	src := filepath.Join(t.TempDir(), "Archive")
	const n = 600
	require.NoError(t, os.WriteFile(src, []byte(mboxOf(n, "expiry")), 0o644))
	at, rt, exp := idp.Issue()
	tf := writeTokenFile(t, idp, at, rt, exp)
	dst := "imap://" + srv.User + "@" + srv.IMAPAddr
	journal := filepath.Join(t.TempDir(), "journal")
	rep := filepath.Join(t.TempDir(), "report.json")

	// --max-rate keeps the upload going past the token's life however
	// fast the machine (600 messages take 6 s or more), so that there is a
	// session to kill after the token expired.
	cmd := exec.Command(binary(t), "convert", "--allow-plaintext", "--oauth2-token-file", tf, "--journal", journal,
		"--report", rep, "--progress", "never", "--max-rate", "100", "mbox:"+src, dst)
	cmd.Env = append(os.Environ(), "MAILCONV_PASSWORD=")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	kicks := 0
	var runErr error
wait:
	for {
		select {
		case runErr = <-done:
			break wait
		case <-time.After(700 * time.Millisecond):
		}
		if time.Since(start) < ttl+500*time.Millisecond || kicks >= 3 {
			continue
		}
		out, err := exec.Command("doveadm", "-c", filepath.Join(srv.Dir, "dovecot.conf"), "kick", srv.User).CombinedOutput()
		if err == nil && strings.Contains(string(out), "kicked") { // "USER kicked connections from the following users: ..."
			kicks++
			t.Logf("kicked at %v: %s", time.Since(start).Round(time.Millisecond), strings.TrimSpace(string(out)))
		}
	}
	t.Logf("run took %v", time.Since(start).Round(time.Millisecond))
	require.NoError(t, runErr, stderr.String())
	require.Positive(t, kicks, "the upload ended before a session could be killed; make the source larger")
	idp.mu.Lock()
	refreshes := idp.refreshes
	idp.mu.Unlock()
	assert.Positive(t, refreshes, "the expired token was refreshed at the token endpoint")

	r := readReport(t, rep)
	assert.Equal(t, n, r.Totals.MessagesWritten)
	assert.Positive(t, r.Codes["imap.reconnected"], "the lost session was made again")
	assert.Positive(t, r.Codes["imap.token-refreshed"])

	fi, err := os.Stat(tf)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	f, err := oauth2file.Read(tf)
	require.NoError(t, err)
	assert.NotEqual(t, at, f.AccessToken, "the file holds the refreshed token")
	assert.NotEqual(t, rt, f.RefreshToken, "and the rotated refresh token")

	v := runVerifyJSON(t, "mbox:"+src, dst, "--allow-plaintext", "--oauth2-token-file", tf, "--journal", journal)
	require.Equal(t, exitOK, v.code, v.text)
	assert.Equal(t, n, v.res.Totals.Matched)
	assert.Zero(t, v.res.Totals.Missing)
	assert.Zero(t, v.res.Totals.Duplicates)
	st, err := srv.Doveadm(nil, "mailbox status", "messages", "Archive")
	require.NoError(t, err)
	assert.Equal(t, fmt.Sprintf("Archive messages=%d", n), strings.TrimSpace(string(st)), "no message twice on the server")
}
