package netaddr

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestParams(t *testing.T) {
	p := map[string]string{"a": "yes", "b": "Off", "c": "maybe", "d": "90s", "e": "-1s"}
	for key, want := range map[string]bool{"a": true, "b": false, "missing": true} {
		if got, err := Bool(p, key, true); err != nil || got != want {
			t.Errorf("Bool(%s) = %v, %v", key, got, err)
		}
	}
	if _, err := Bool(p, "c", false); err == nil {
		t.Error("Bool accepted maybe")
	}
	if d, err := Duration(p, "d", time.Second); err != nil || d != 90*time.Second {
		t.Errorf("Duration = %v, %v", d, err)
	}
	if d, err := Duration(p, "missing", time.Second); err != nil || d != time.Second {
		t.Errorf("default Duration = %v, %v", d, err)
	}
	if _, err := Duration(p, "e", time.Second); err == nil {
		t.Error("negative duration accepted")
	}
}

func TestTLSConfig(t *testing.T) {
	cfg, err := TLSConfig("h", true, "", "ca-file")
	if err != nil || cfg.ServerName != "h" || !cfg.InsecureSkipVerify || cfg.RootCAs != nil {
		t.Fatalf("%+v %v", cfg, err)
	}
	bad := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(bad, []byte("not a certificate"), 0o600)
	if _, err := TLSConfig("h", false, bad, "ca-file"); err == nil {
		t.Error("a file without PEM certificates accepted")
	}
	if _, err := TLSConfig("h", false, bad+".missing", "ca-file"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}
