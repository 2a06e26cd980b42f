package netaddr

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var imapScheme = Scheme{Plain: "imap", TLS: "imaps", PlainPort: 143, TLSPort: 993}

func TestParse(t *testing.T) {
	u, err := Parse("imaps://me%40corp@mail.example.org/Old/2019", false, imapScheme)
	require.NoError(t, err)
	assert.Equal(t, URL{TLS: true, User: "me@corp", Host: "mail.example.org", Port: 993, Path: "Old/2019"}, u)
	u, err = Parse("//me@[::1]:1143", false, imapScheme)
	require.NoError(t, err)
	assert.Equal(t, URL{User: "me", Host: "::1", Port: 1143}, u)
	for _, bad := range []string{"//mail.example.org", "//me@", "//me@host:0", "//me@host:99999", "//me@host?x=1",
		"//me@host#f", "http://me@host", "//me@ho st", "//me%0d%0a@host", "//me@::1"} {
		_, err := Parse(bad, false, imapScheme)
		assert.True(t, errors.Is(err, ErrAddress), "%s: %v", bad, err)
	}
	_, err = Parse("imap://me:secret@host", false, imapScheme)
	assert.True(t, errors.Is(err, ErrPassword), "a password in the URL is refused")
}

func TestPassword(t *testing.T) {
	t.Setenv(PasswordEnv, "from-env")
	p, err := Password(nil, "password-file")
	require.NoError(t, err)
	assert.Equal(t, "from-env", p)
	f := filepath.Join(t.TempDir(), "pw")
	require.NoError(t, os.WriteFile(f, []byte("from-file\r\nignored\n"), 0o600))
	p, err = Password(map[string]string{"password-file": f}, "password-file")
	require.NoError(t, err)
	assert.Equal(t, "from-file", p)
	require.NoError(t, os.WriteFile(f, make([]byte, MaxPasswordFile+1), 0o600))
	_, err = Password(map[string]string{"password-file": f}, "password-file")
	assert.ErrorIs(t, err, ErrPassword)
	t.Setenv(PasswordEnv, "")
	_, err = Password(nil, "password-file")
	assert.ErrorIs(t, err, ErrPassword)
	t.Setenv(PasswordEnv, "a\nb")
	_, err = Password(nil, "password-file")
	assert.ErrorIs(t, err, ErrPassword)
}
