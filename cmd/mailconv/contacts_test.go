package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
	return dir
}

func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestContactsCommand(t *testing.T) {
	store := writeTree(t, map[string]string{
		"NNdbase.txt": "alias bob Bob <bob@example.com>\r\nnote bob <phone:555><bp:Y>\r\nalias team bob, c@example.com\r\n",
	})
	out := filepath.Join(t.TempDir(), "book.ldif")
	rep := filepath.Join(t.TempDir(), "report.json")
	code, _, stderr := runCmd(t, "contacts", "--report", rep, store, out)
	require.Equal(t, exitLossy, code, "exit %d: %s", code, stderr)
	require.Contains(t, stderr, "loss addressbook.no-home", "stderr lacks the homeless field: %s", stderr)
	require.Contains(t, stderr, "Boss Protector", "stderr lacks the homeless field: %s", stderr)
	data, _ := os.ReadFile(out)
	require.Contains(t, string(data), "dn: cn=Bob,mail=bob@example.com\n", "ldif:\n%s", data)
	require.Contains(t, string(data), "objectclass: groupOfNames", "ldif:\n%s", data)
	var r struct {
		Totals struct{ Losses int } `json:"totals"`
		Losses []struct{ Code, Detail string }
	}
	raw, _ := os.ReadFile(rep)
	err := json.Unmarshal(raw, &r)
	require.NoError(t, err, "report %s (%v)", raw, err)
	require.Equal(t, 1, r.Totals.Losses, "report %s (%v)", raw, err)
	require.NotEmpty(t, r.Losses, "report %s (%v)", raw, err)
	require.Equal(t, "addressbook.no-home", r.Losses[0].Code, "report %s (%v)", raw, err)
	// The same output again is refused without --force.
	code, _, _ = runCmd(t, "contacts", store, out)
	require.Equal(t, exitFailure, code, "overwrote an existing file: %d", code)
	// vCard from the extension, from LDIF input; a clean book exits 0.
	vcf := filepath.Join(t.TempDir(), "book.vcf")
	clean := writeTree(t, map[string]string{"in.ldif": "dn: cn=A,mail=a@example.com\nobjectclass: top\ncn: A\nmail: a@example.com\n"})
	code, _, stderr = runCmd(t, "contacts", filepath.Join(clean, "in.ldif"), vcf)
	require.Equal(t, exitOK, code, "exit %d: %s", code, stderr)
	data, _ = os.ReadFile(vcf)
	require.True(t, strings.HasPrefix(string(data), "BEGIN:VCARD\r\nVERSION:4.0\r\n"), "vcard:\n%s", data)
	require.Contains(t, string(data), "EMAIL:a@example.com\r\n", "vcard:\n%s", data)
	// Standard output and an explicit format.
	code, stdout, _ := runCmd(t, "contacts", "--format", "vcard", filepath.Join(clean, "in.ldif"), "-")
	require.Equal(t, exitOK, code, "stdout %d %q", code, stdout)
	require.Contains(t, stdout, "FN:A\r\n", "stdout %d %q", code, stdout)
}

func TestContactsUsage(t *testing.T) {
	code, _, _ := runCmd(t, "contacts")
	require.Equal(t, exitUsage, code, "no args: %d", code)
	code, _, _ = runCmd(t, "contacts", "a", "b.txt")
	require.Equal(t, exitUsage, code, "no format: %d", code)
	code, stdout, _ := runCmd(t, "contacts", "--help")
	require.Equal(t, exitOK, code, "help %d %q", code, stdout)
	require.Contains(t, stdout, "Usage: mailconv contacts", "help %d %q", code, stdout)
	require.Contains(t, stdout, "-base-dn", "help %d %q", code, stdout)
	code, _, stderr := runCmd(t, "contacts", filepath.Join(t.TempDir(), "missing"), "x.ldif")
	require.Equal(t, exitFailure, code, "missing source: %d %s", code, stderr)
}

// Issue 13 item 6: --base-dn writes the standard-schema form by default
// (the Thunderbird-only nickname becomes a reported description line);
// --schema mozilla adds Thunderbird's class; another schema is a usage
// error.
func TestContactsLDAPSchema(t *testing.T) {
	store := writeTree(t, map[string]string{"NNdbase.txt": "alias bob Bob <bob@example.com>\r\n"})
	out := filepath.Join(t.TempDir(), "book.ldif")
	code, _, stderr := runCmd(t, "contacts", "--base-dn", "ou=people,dc=example,dc=com", store, out)
	data, _ := os.ReadFile(out)
	require.Equal(t, exitLossy, code, "standard: exit %d\n%s\n%s", code, data, stderr)
	require.NotContains(t, string(data), "mozilla", "standard: exit %d\n%s\n%s", code, data, stderr)
	require.Contains(t, string(data), "description: Nickname: bob", "standard: exit %d\n%s\n%s", code, data, stderr)
	require.Contains(t, stderr, "addressbook.standard-attribute", "standard: exit %d\n%s\n%s", code, data, stderr)
	code, _, stderr = runCmd(t, "contacts", "--force", "--base-dn", "ou=people,dc=example,dc=com", "--schema", "mozilla", store, out)
	data, _ = os.ReadFile(out)
	require.Equal(t, exitOK, code, "mozilla: exit %d\n%s\n%s", code, data, stderr)
	require.Contains(t, string(data), "objectclass: mozillaAbPersonAlpha", "mozilla: exit %d\n%s\n%s", code, data, stderr)
	require.Contains(t, string(data), "mozillaNickname: bob", "mozilla: exit %d\n%s\n%s", code, data, stderr)
	code, _, _ = runCmd(t, "contacts", "--force", "--base-dn", "ou=p,dc=x", "--schema", "nis", store, out)
	require.Equal(t, exitUsage, code, "unknown schema: exit %d", code)
}
