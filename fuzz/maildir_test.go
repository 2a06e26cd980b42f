package fuzz_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/maildir"
)

// FuzzMUTF7 checks the modified UTF-7 codec: decoding never panics, what
// decodes re-encodes to the same bytes (the strict decoder accepts only the
// canonical form), and any valid UTF-8 string survives encode then decode.
func FuzzMUTF7(f *testing.F) {
	for _, s := range []string{"", "INBOX", "&-", "R&AOk-unions", "~peter/mail/&U,BTFw-/&ZeVnLIqe-", "&U,BTFw-&ZeVnLIqe-",
		"&2D3eAA-", "&Jjo", "&AGE-", "tine20&AC4-org", "Réunions", "日本語", "a\x00b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if d, err := mailconv.DecodeMUTF7(s); err == nil {
			if e := mailconv.EncodeMUTF7(d); e != s {
				t.Fatalf("DecodeMUTF7(%q) = %q, which encodes to %q", s, d, e)
			}
		}
		mailconv.DecodeMUTF7Lenient(s)
		if utf8.ValidString(s) {
			e := mailconv.EncodeMUTF7(s)
			if d, err := mailconv.DecodeMUTF7(e); err != nil || d != s {
				t.Fatalf("EncodeMUTF7(%q) = %q, which decodes to %q, %v", s, e, d, err)
			}
		}
	})
}

// FuzzReadTree builds a small maildir from the input and reads it: the
// input is a list of entries "relative/path\x00content\x00" (paths that
// would leave the tree are dropped; a path ending in "/" is a directory).
// Reading must not panic, and every message read must be one of the files
// written.
func FuzzReadTree(f *testing.F) {
	seed := func(entries ...string) []byte { return []byte(strings.Join(entries, "\x00") + "\x00") }
	f.Add(seed("cur/1.a:2,S", "Subject: a\n\nbody\n", "new/2.b", "Date: Sun, 30 May 1999 08:00:00 +0000\n\nx",
		"dovecot-keywords", "0 $Junk\n1 Work\n", "cur/3.c:2,Fab", "x"))
	f.Add(seed(".R&AOk-unions.Comptes rendus/cur/1.x;2,RDF,", "a\n", ".&Jjo/cur/1.y!2,T", "b",
		".a..b/new/1", "c", ".mailconv", "layout=maildir++\nnames=mutf7\nescape=%\n", "tmp/9", "d"))
	f.Add(seed("INBOX/Sub/cur/1.z:2,S", "Received: x; Tue, 1 Jun 1999 10:00:00 +0200\n\ny", "A/B/cur/", "", "A/B/new/5:2,P", ""))
	f.Add(seed(".mailconv", "layout=fs\nnames=utf8\nescape=%\n", "100%25/cur/1:2,S", "z", "%6eew/new/2", "q"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		parts := bytes.Split(data, []byte{0})
		written := map[string]bool{}
		for i := 0; i+1 < len(parts) && i < 40; i += 2 {
			rel := string(parts[i])
			if rel == "" || !filepath.IsLocal(rel) || strings.ContainsAny(rel, "\\") {
				continue
			}
			p := filepath.Join(dir, rel)
			if strings.HasSuffix(rel, "/") {
				os.MkdirAll(p, 0o755)
				continue
			}
			if os.MkdirAll(filepath.Dir(p), 0o755) != nil {
				continue
			}
			if os.WriteFile(p, parts[i+1], 0o644) == nil {
				written[string(parts[i+1])] = true
			}
		}
		for _, layout := range []string{"", "fs"} {
			params := map[string]string{}
			if layout != "" {
				params["layout"] = layout
			}
			ctx := context.Background()
			r, err := maildir.Open(ctx, dir, &mailconv.Options{Params: params, Events: func(mailconv.Event) {}})
			if err != nil {
				continue
			}
			mbs, err := r.Mailboxes(ctx)
			if err != nil {
				r.Close()
				continue
			}
			for _, mb := range mbs {
				mr, err := r.Open(ctx, mb)
				if err != nil {
					continue
				}
				for {
					m, err := mr.Next()
					if err != nil {
						break
					}
					body, err := io.ReadAll(mr)
					if err != nil {
						t.Fatalf("reading %s: %v", m.Source, err)
					}
					if !written[string(body)] {
						t.Fatalf("read %q, which no file holds", body)
					}
				}
				mr.Close()
			}
			r.Close()
		}
	})
}
