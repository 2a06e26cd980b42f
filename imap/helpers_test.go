package imap_test

import (
	"bytes"
	"context"
	"io"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/imap"
	"github.com/mailconv/mailconv/internal/dovecotserver"
	_ "github.com/mailconv/mailconv/mbox"
	"github.com/mailconv/mailconv/migrate"
	_ "github.com/mailconv/mailconv/pop3"
)

// server starts a Dovecot and sets the password environment variable.
func server(t *testing.T, cfg dovecotserver.Config) *dovecotserver.Server {
	t.Helper()
	s := dovecotserver.Start(t, cfg)
	t.Setenv(imap.PasswordEnv, s.Password)
	return s
}

// plainAddr is the imap:// address of s with plaintext allowed.
func plainAddr(s *dovecotserver.Server, prefix string) string {
	a := "imap://" + s.User + "@" + s.IMAPAddr
	if prefix != "" {
		a += "/" + prefix
	}
	return a
}

// plainParams allows plaintext (for servers without TLS).
func plainParams(extra ...string) map[string]string {
	p := map[string]string{imap.ParamAllowPlaintext: "true"}
	for i := 0; i+1 < len(extra); i += 2 {
		p[extra[i]] = extra[i+1]
	}
	return p
}

// srcMsg is one source message as read independently of the imap package.
type srcMsg struct {
	id       string
	flags    mailconv.Flags
	keywords []string
	date     time.Time
	body     []byte
}

// readStore reads every message of a store.
func readStore(t *testing.T, format, path string, params map[string]string) map[string][]srcMsg {
	t.Helper()
	f, ok := mailconv.LookupFormat(format)
	if !ok {
		t.Fatalf("format %s not registered", format)
	}
	ctx := context.Background()
	r, err := f.Open(ctx, path, &mailconv.Options{Params: params})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	mbs, err := r.Mailboxes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]srcMsg{}
	for _, mb := range mbs {
		if mb.NoSelect {
			out[mb.Path.String()] = nil
			continue
		}
		mr, err := r.Open(ctx, mb)
		if err != nil {
			t.Fatal(err)
		}
		list := []srcMsg{}
		for {
			m, err := mr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(mr)
			if err != nil {
				t.Fatal(err)
			}
			kw := append([]string(nil), m.Keywords...)
			sort.Strings(kw)
			list = append(list, srcMsg{id: m.ID, flags: m.Flags, keywords: kw, date: m.Date, body: body})
		}
		mr.Close()
		out[mb.Path.String()] = list
	}
	return out
}

// toCRLF is the test's own line-end normalization: LF, CR and CRLF become
// CRLF; NULs are dropped.
func toCRLF(b []byte) []byte {
	var out bytes.Buffer
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '\r':
			out.WriteString("\r\n")
			if i+1 < len(b) && b[i+1] == '\n' {
				i++
			}
		case '\n':
			out.WriteString("\r\n")
		case 0:
		default:
			out.WriteByte(b[i])
		}
	}
	return out.Bytes()
}

// convert runs mailconv.Convert from a registered source into an IMAP
// address.
func convert(t *testing.T, srcFormat, src string, srcParams map[string]string, dst string, dstParams map[string]string) (*migrate.Report, error) {
	t.Helper()
	ctx := context.Background()
	rep := &migrate.Report{}
	f, _ := mailconv.LookupFormat(srcFormat)
	r, err := f.Open(ctx, src, &mailconv.Options{Params: srcParams, Events: rep.Add})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	df, d := mailconv.SplitAddress(dst)
	g, ok := mailconv.LookupFormat(df)
	if !ok {
		t.Fatalf("no format for %s", dst)
	}
	w, err := g.Create(ctx, d, &mailconv.Options{Params: dstParams, Events: rep.Add})
	if err != nil {
		return rep, err
	}
	rep, err = migrate.Convert(ctx, r, w, migrate.ConvertOptions{Report: rep})
	if cerr := w.Close(); err == nil && cerr != nil {
		err = cerr
	}
	return rep, err
}

func flagNames(f mailconv.Flags, kw []string) []string {
	var out []string
	if f != 0 {
		out = strings.Fields((f &^ mailconv.FlagNew).String())
	}
	out = append(out, kw...)
	sort.Strings(out)
	return out
}

func events(rep *migrate.Report) string {
	var b strings.Builder
	for _, l := range [][]mailconv.Event{rep.Skips, rep.Losses, rep.Renames, rep.Warnings, rep.Infos} {
		for _, e := range l {
			b.WriteString(e.String() + "\n")
		}
	}
	return b.String()
}

// gmailCaps makes Dovecot announce what Gmail announces after login
// (docs/providers.md) as far as Dovecot has it: LITERAL- instead of
// LITERAL+, no MULTIAPPEND. A message over 4096 octets then goes as a
// synchronizing literal, one round trip each.
const gmailCaps = "imap_capability = IMAP4rev1 UNSELECT IDLE NAMESPACE ID CHILDREN UIDPLUS ENABLE MOVE CONDSTORE ESEARCH LIST-EXTENDED LIST-STATUS LITERAL- SPECIAL-USE\n"
