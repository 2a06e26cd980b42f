package netaddr

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParams(t *testing.T) {
	p := map[string]string{"a": "yes", "b": "Off", "c": "maybe", "d": "90s", "e": "-1s"}
	for key, want := range map[string]bool{"a": true, "b": false, "missing": true} {
		got, err := Bool(p, key, true)
		assert.NoError(t, err, "Bool(%s) = %v, %v", key, got, err)
		assert.Equal(t, want, got, "Bool(%s) = %v, %v", key, got, err)
	}
	_, err := Bool(p, "c", false)
	assert.Error(t, err, "Bool accepted maybe")
	d, err := Duration(p, "d", time.Second)
	assert.NoError(t, err, "Duration = %v, %v", d, err)
	assert.Equal(t, 90*time.Second, d, "Duration = %v, %v", d, err)
	d, err = Duration(p, "missing", time.Second)
	assert.NoError(t, err, "default Duration = %v, %v", d, err)
	assert.Equal(t, time.Second, d, "default Duration = %v, %v", d, err)
	_, err = Duration(p, "e", time.Second)
	assert.Error(t, err, "negative duration accepted")
}

func TestTLSConfig(t *testing.T) {
	cfg, err := TLSConfig("h", true, "", "ca-file")
	require.NoError(t, err, "%+v %v", cfg, err)
	require.Equal(t, "h", cfg.ServerName, "%+v %v", cfg, err)
	require.True(t, cfg.InsecureSkipVerify, "%+v %v", cfg, err)
	require.Nil(t, cfg.RootCAs, "%+v %v", cfg, err)
	bad := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(bad, []byte("not a certificate"), 0o600)
	_, err = TLSConfig("h", false, bad, "ca-file")
	assert.Error(t, err, "a file without PEM certificates accepted")
	_, err = TLSConfig("h", false, bad+".missing", "ca-file")
	assert.ErrorIs(t, err, os.ErrNotExist, "missing file: %v", err)
}
