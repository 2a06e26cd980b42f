package oauth2file

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tokenServer is a token endpoint that hands out at-N for the refresh
// token it knows and rotates the refresh token on every use.
type tokenServer struct {
	mu      sync.Mutex
	n       int
	refresh string
	lastReq map[string]string
}

func (ts *tokenServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	r.ParseForm()
	ts.lastReq = map[string]string{}
	for k := range r.PostForm {
		ts.lastReq[k] = r.PostForm.Get(k)
	}
	if id, sec, ok := r.BasicAuth(); ok {
		ts.lastReq["basic"] = id + ":" + sec
	}
	w.Header().Set("Content-Type", "application/json")
	if r.PostForm.Get("grant_type") != "refresh_token" || r.PostForm.Get("refresh_token") != ts.refresh {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"error":"invalid_grant","error_description":"refresh token revoked"}`)
		return
	}
	ts.n++
	ts.refresh = fmt.Sprintf("rt-%d", ts.n+1)
	json.NewEncoder(w).Encode(map[string]any{"access_token": fmt.Sprintf("at-%d", ts.n+1), "token_type": "Bearer",
		"expires_in": 3600, "refresh_token": ts.refresh})
}

func TestRefreshOnExpiryAndRefusal(t *testing.T) {
	ts := &tokenServer{refresh: "rt-1"}
	hs := httptest.NewServer(ts)
	defer hs.Close()
	path := filepath.Join(t.TempDir(), "tok.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"access_token":"at-1","token_type":"Bearer","refresh_token":"rt-1",
		"expiry":"2020-01-01T00:00:00Z","token_url":"`+hs.URL+`","client_id":"cid","client_secret":"sec","scopes":["a","b"]}`), 0o644))
	src, err := Open(path)
	require.NoError(t, err)
	var refreshed int
	src.OnRefresh = func(time.Time) { refreshed++ }
	tok, err := src.Token(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "at-2", tok, "an expired token is refreshed")
	assert.Equal(t, "rt-1", ts.lastReq["refresh_token"])
	assert.Equal(t, "cid:sec", ts.lastReq["basic"], "the client authenticates as the file says")

	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "the rewritten file is private")
	f, err := Read(path)
	require.NoError(t, err)
	assert.Equal(t, "at-2", f.AccessToken)
	assert.Equal(t, "rt-2", f.RefreshToken, "a rotated refresh token is kept")
	assert.Equal(t, []string{"a", "b"}, f.Scopes)
	assert.WithinDuration(t, time.Now().Add(time.Hour), f.Expiry, time.Minute)
	ents, _ := os.ReadDir(filepath.Dir(path))
	assert.Len(t, ents, 1, "no temporary file is left behind")

	tok, err = src.Token(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "at-2", tok, "a valid token is not refreshed")
	tok, err = src.Refused(context.Background(), "at-2")
	require.NoError(t, err)
	assert.Equal(t, "at-3", tok, "a refused token is refreshed even before its expiry")
	tok, err = src.Refused(context.Background(), "at-2")
	require.NoError(t, err)
	assert.Equal(t, "at-3", tok, "a second connection refused with the old token gets the new one without a refresh")
	assert.Equal(t, 2, refreshed)

	ts.mu.Lock()
	ts.refresh = "revoked"
	ts.mu.Unlock()
	_, err = src.Refused(context.Background(), "at-3")
	assert.ErrorIs(t, err, ErrRefresh)
	assert.Contains(t, err.Error(), "invalid_grant")
	f, err = Read(path)
	require.NoError(t, err)
	assert.Equal(t, "at-3", f.AccessToken, "a failed refresh leaves the file as it was")
}

func TestReadRefusesBadFiles(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"notjson": "access_token=x",
		"empty":   "{}",
		"control": `{"access_token":"a\u0001b"}`,
		"huge":    `{"access_token":"` + strings.Repeat("x", MaxFile) + `"}`,
		"badtime": `{"access_token":"a","expiry":"tomorrow"}`,
	} {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
		_, err := Read(p)
		assert.ErrorIs(t, err, ErrFile, name)
		assert.Contains(t, err.Error(), p, name)
	}
	_, err := Read(filepath.Join(dir, "missing"))
	assert.True(t, errors.Is(err, ErrFile))
	// Without a refresh token an expired token cannot be renewed.
	p := filepath.Join(dir, "norefresh")
	require.NoError(t, os.WriteFile(p, []byte(`{"access_token":"a","expiry":"2020-01-01T00:00:00Z"}`), 0o600))
	src, err := Open(p)
	require.NoError(t, err)
	_, err = src.Token(context.Background())
	assert.ErrorIs(t, err, ErrRefresh)
}
