package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
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
	if code != exitLossy {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "loss addressbook.no-home") || !strings.Contains(stderr, "Boss Protector") {
		t.Fatalf("stderr lacks the homeless field: %s", stderr)
	}
	data, _ := os.ReadFile(out)
	if !bytes.Contains(data, []byte("dn: cn=Bob,mail=bob@example.com\n")) || !bytes.Contains(data, []byte("objectclass: groupOfNames")) {
		t.Fatalf("ldif:\n%s", data)
	}
	var r struct {
		Totals struct{ Losses int } `json:"totals"`
		Losses []struct{ Code, Detail string }
	}
	raw, _ := os.ReadFile(rep)
	if err := json.Unmarshal(raw, &r); err != nil || r.Totals.Losses != 1 || r.Losses[0].Code != "addressbook.no-home" {
		t.Fatalf("report %s (%v)", raw, err)
	}
	// The same output again is refused without --force.
	if code, _, _ := runCmd(t, "contacts", store, out); code != exitFailure {
		t.Fatalf("overwrote an existing file: %d", code)
	}
	// vCard from the extension, from LDIF input; a clean book exits 0.
	vcf := filepath.Join(t.TempDir(), "book.vcf")
	clean := writeTree(t, map[string]string{"in.ldif": "dn: cn=A,mail=a@example.com\nobjectclass: top\ncn: A\nmail: a@example.com\n"})
	code, _, stderr = runCmd(t, "contacts", filepath.Join(clean, "in.ldif"), vcf)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	data, _ = os.ReadFile(vcf)
	if !strings.HasPrefix(string(data), "BEGIN:VCARD\r\nVERSION:4.0\r\n") || !strings.Contains(string(data), "EMAIL:a@example.com\r\n") {
		t.Fatalf("vcard:\n%s", data)
	}
	// Standard output and an explicit format.
	code, stdout, _ := runCmd(t, "contacts", "--format", "vcard", filepath.Join(clean, "in.ldif"), "-")
	if code != exitOK || !strings.Contains(stdout, "FN:A\r\n") {
		t.Fatalf("stdout %d %q", code, stdout)
	}
}

func TestContactsUsage(t *testing.T) {
	if code, _, _ := runCmd(t, "contacts"); code != exitUsage {
		t.Fatalf("no args: %d", code)
	}
	if code, _, _ := runCmd(t, "contacts", "a", "b.txt"); code != exitUsage {
		t.Fatalf("no format: %d", code)
	}
	code, stdout, _ := runCmd(t, "contacts", "--help")
	if code != exitOK || !strings.Contains(stdout, "Usage: mailconv contacts") || !strings.Contains(stdout, "-base-dn") {
		t.Fatalf("help %d %q", code, stdout)
	}
	if code, _, stderr := runCmd(t, "contacts", filepath.Join(t.TempDir(), "missing"), "x.ldif"); code != exitFailure {
		t.Fatalf("missing source: %d %s", code, stderr)
	}
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
	if code != exitLossy || bytes.Contains(data, []byte("mozilla")) || !bytes.Contains(data, []byte("description: Nickname: bob")) ||
		!strings.Contains(stderr, "addressbook.standard-attribute") {
		t.Fatalf("standard: exit %d\n%s\n%s", code, data, stderr)
	}
	code, _, stderr = runCmd(t, "contacts", "--force", "--base-dn", "ou=people,dc=example,dc=com", "--schema", "mozilla", store, out)
	data, _ = os.ReadFile(out)
	if code != exitOK || !bytes.Contains(data, []byte("objectclass: mozillaAbPersonAlpha")) || !bytes.Contains(data, []byte("mozillaNickname: bob")) {
		t.Fatalf("mozilla: exit %d\n%s\n%s", code, data, stderr)
	}
	if code, _, _ := runCmd(t, "contacts", "--force", "--base-dn", "ou=p,dc=x", "--schema", "nis", store, out); code != exitUsage {
		t.Fatalf("unknown schema: exit %d", code)
	}
}
