package extras

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailconv/mailconv"
)

func store(t *testing.T, files map[string]string) string {
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

func read(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestExportWindows(t *testing.T) {
	dir := store(t, map[string]string{
		"SIGS/Standard.TXT": "-- \r\nJos\xe9 M\xfcller\r\n",
		"SIGS/Fancy.txt":    "<x-html>\r\n<b>Bold</b> sig\r\n</x-html>\r\n",
		"SIGS/a:b?.txt":     "odd name\r\n",
		"signatur.pce":      "old standard, already migrated\r\n",
		"Signatur.ALT":      "old alternate\r\n",
		"Stationery/Meeting.sta": "To: \r\nFrom: \r\nSubject: Weekly meeting\r\nCc: \r\nX-Attachments: \r\n\r\n" +
			"<html>Agenda:</html>\r\n",
	})
	out := t.TempDir()
	var ev []mailconv.Event
	got, err := Export(context.Background(), dir, out, &Options{Events: func(e mailconv.Event) { ev = append(ev, e) }})
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, e := range got {
		files = append(files, e.File)
	}
	if strings.Join(files, "|") != "Signatures/a_b_.txt|Signatures/Fancy.html|Signatures/Standard.txt|Signatures/Alternate.txt|Stationery/Meeting.html" {
		t.Fatalf("files %v", files)
	}
	if s := read(t, filepath.Join(out, "Signatures/Standard.txt")); s != "-- \r\nJosé Müller\r\n" {
		t.Fatalf("standard %q", s)
	}
	if s := read(t, filepath.Join(out, "Signatures/Fancy.html")); s != "<b>Bold</b> sig\r\n" {
		t.Fatalf("fancy %q", s)
	}
	if s := read(t, filepath.Join(out, "Signatures/Alternate.txt")); s != "old alternate\r\n" {
		t.Fatalf("alternate %q", s)
	}
	if s := read(t, filepath.Join(out, "Stationery/Meeting.html")); s != "<html>Agenda:</html>\r\n" {
		t.Fatalf("stationery body %q", s)
	}
	if s := read(t, filepath.Join(out, "Stationery/Meeting.headers.txt")); s != "Subject: Weekly meeting\r\n" {
		t.Fatalf("stationery headers %q", s)
	}
	if len(ev) != 1 || ev[0].Code != "extras.stationery-headers" {
		t.Fatalf("events %v", ev)
	}
	// A second export into the same directory overwrites nothing.
	again, err := Export(context.Background(), dir, out, nil)
	if err != nil {
		t.Fatal(err)
	}
	if again[2].File != "Signatures/Standard (2).txt" {
		t.Fatalf("second export %v", again[2].File)
	}
}

func TestExportMacAndLimits(t *testing.T) {
	dir := store(t, map[string]string{
		"Signature Folder/Signature":   "Caf\x8e\rsecond line\r",
		"Signature Folder/._Signature": "\x00\x05\x16\x07",
		"Signature Folder/Huge":        strings.Repeat("x", 100),
		"Stationery Folder/Note":       "plain stationery without headers\r",
	})
	out := t.TempDir()
	var ev []mailconv.Event
	got, err := Export(context.Background(), dir, out, &Options{MaxFileBytes: 50, Events: func(e mailconv.Event) { ev = append(ev, e) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].File != "Signatures/Signature.txt" || got[1].File != "Stationery/Note.txt" {
		t.Fatalf("%+v", got)
	}
	if s := read(t, filepath.Join(out, got[0].File)); s != "Café\nsecond line\n" {
		t.Fatalf("%q", s)
	}
	if len(ev) != 1 || ev[0].Code != "extras.too-large" {
		t.Fatalf("events %v", ev)
	}
}

func TestSafeName(t *testing.T) {
	for in, want := range map[string]string{"../../etc/passwd": ".._.._etc_passwd", "..": "unnamed", "CON": "_CON", "a\x00b": "a_b", " x. ": "x",
		"lpt7.txt": "_lpt7.txt", "COM9": "_COM9", "Nul .sig": "_Nul .sig", "x . .": "x", "CONSOLE": "CONSOLE"} {
		if got := safeName(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}
