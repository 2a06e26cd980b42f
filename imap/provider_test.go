package imap_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/imap"
	"github.com/mailconv/mailconv/internal/providertest"
)

// TestResolveProvider: what a preset makes of an address and parameters:
// the preset's host and port when the address names none, an explicit
// host kept (how a user, and the tests, point a preset elsewhere), the
// login it needs, XOAUTH2 preferred with a token file unless the user
// chose, and the errors for an unknown name, a plaintext scheme with the
// preset's host and a query other than provider=.
func TestResolveProvider(t *testing.T) {
	token := filepath.Join(t.TempDir(), "token.json")
	t.Setenv(imap.PasswordEnv, "app-password")
	cases := []struct {
		name     string
		addr     string
		tls      bool
		params   map[string]string
		noPass   bool
		want     string
		wantSASL string
		wantErr  error
		errText  string
	}{
		{name: "gmail fills host", addr: "imaps://me%40gmail.com@/", params: map[string]string{"provider": "gmail"},
			want: "imaps://me%40gmail.com@imap.gmail.com:993/"},
		{name: "query, registry form", addr: "//me@gmail.com@?provider=Gmail", tls: true,
			want: "//me@gmail.com@imap.gmail.com:993/"},
		{name: "alias", addr: "//me@gmail.com@/Old", tls: true, params: map[string]string{"provider": "google"},
			want: "//me@gmail.com@imap.gmail.com:993/Old"},
		{name: "outlook with token prefers XOAUTH2", addr: "imaps://me@example.org@/?provider=outlook",
			params: map[string]string{"oauth2-token-file": token}, want: "imaps://me@example.org@outlook.office365.com:993/", wantSASL: "xoauth2"},
		{name: "user's mechanism wins", addr: "imaps://me@example.org@/", params: map[string]string{"provider": "outlook", "oauth2-token-file": token, "sasl": "oauthbearer"},
			want: "imaps://me@example.org@outlook.office365.com:993/", wantSASL: "oauthbearer"},
		{name: "explicit host wins", addr: "imap://me%40gmail.com@127.0.0.1:1143/?provider=gmail",
			want: "imap://me%40gmail.com@127.0.0.1:1143/"},
		{name: "no provider: unchanged", addr: "imaps://me@host/", want: "imaps://me@host/"},
		{name: "preset host needs TLS", addr: "imap://me@gmail.com@/", params: map[string]string{"provider": "gmail"},
			wantErr: imap.ErrAddress, errText: "use imaps://"},
		{name: "unknown", addr: "imaps://me@gmail.com@/", params: map[string]string{"provider": "gmial"},
			wantErr: mailconv.ErrBadOption, errText: `unknown provider "gmial": did you mean gmail? (providers: gmail, outlook)`},
		{name: "unknown in query", addr: "imaps://me@x@/?provider=outlok",
			wantErr: imap.ErrUnknownProvider, errText: "did you mean outlook?"},
		{name: "mail domain for a host", addr: "imaps://me@gmail.com/", params: map[string]string{"provider": "gmail"},
			wantErr: imap.ErrAddress, errText: "write imaps://me@gmail.com@/"},
		{name: "other query", addr: "imaps://me@x@/?port=1", wantErr: imap.ErrAddress, errText: "?provider=NAME"},
		{name: "query and option differ", addr: "imaps://me@x@/?provider=gmail", params: map[string]string{"provider": "outlook"},
			wantErr: mailconv.ErrBadOption},
		{name: "outlook without token", addr: "imaps://me@x@/", params: map[string]string{"provider": "outlook"},
			wantErr: imap.ErrPassword, errText: "mailconv login --provider microsoft"},
		{name: "gmail without any login", addr: "imaps://me@x@/", params: map[string]string{"provider": "gmail"}, noPass: true,
			wantErr: imap.ErrPassword, errText: "app password"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.noPass {
				t.Setenv(imap.PasswordEnv, "")
			}
			before := len(c.params)
			got, params, prov, err := imap.ResolveProvider(c.addr, c.tls, c.params)
			if len(c.params) != before {
				t.Errorf("the caller's parameters were changed: %v", c.params)
			}
			if c.wantErr != nil {
				if !errors.Is(err, c.wantErr) || !strings.Contains(presetErrText(err), c.errText) {
					t.Fatalf("err = %v, want %v containing %q", err, c.wantErr, c.errText)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("address %q, want %q", got, c.want)
			}
			if prov != nil && params["provider"] != prov.Name {
				t.Errorf("params %v lack provider=%s", params, prov.Name)
			}
			if params["sasl"] != c.wantSASL {
				t.Errorf("sasl %q, want %q", params["sasl"], c.wantSASL)
			}
			if prov != nil {
				if _, err := imap.ParseAddress(got, c.tls); err != nil {
					t.Errorf("the resolved address does not parse: %v", err)
				}
			}
		})
	}
}

func presetErrText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// presetMboxStore writes an mbox tree: name (with "/" for Thunderbird children)
// -> messages.
func presetMboxStore(t *testing.T, boxes map[string][]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, msgs := range boxes {
		segs := strings.Split(name, "/")
		for i := range segs[:len(segs)-1] {
			segs[i] += ".sbd"
		}
		p := filepath.Join(append([]string{dir}, segs...)...)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, m := range msgs {
			b.WriteString("From a@example.org Mon Mar  1 08:00:00 2004\n" + m + "\n")
		}
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func presetMsg(id, extra string) string {
	return "Message-ID: <" + id + "@example.org>\nSubject: " + id + "\n\nbody of " + id + "\n" + extra
}

// TestGmailPreset: an upload with the gmail preset to a fake Gmail whose
// LIST marks [Gmail]/... with special-use attributes, as Gmail's does.
// Sent, Drafts and Trash land in [Gmail]/Sent Mail, Drafts and Trash;
// source mailboxes named like Gmail's system folders ([Gmail]/All Mail,
// [Gmail]/Starred, from a Thunderbird profile that cached a Gmail account)
// go to renamed labels (%5BGmail]/...), reported, so nothing is written
// into All Mail, Starred or Important and no CREATE is refused; a message
// larger than the server's APPENDLIMIT is a reported skip and is never
// sent; the Trash mapping warns that Gmail empties it.
func TestGmailPreset(t *testing.T) {
	srv := providertest.ForTest(t, providertest.Options{AppendLimit: 4000})
	t.Setenv(imap.PasswordEnv, srv.Password)
	big := strings.Repeat("a line of a large attachment\n", 200) // > 4000 octets
	src := presetMboxStore(t, map[string][]string{
		"Inbox":            {presetMsg("in1", ""), presetMsg("in2", "")},
		"Sent":             {presetMsg("sent1", "")},
		"Drafts":           {presetMsg("draft1", "")},
		"Trash":            {presetMsg("trash1", "")},
		"[Gmail]/All Mail": {presetMsg("all1", "")},
		"[Gmail]/Starred":  {presetMsg("star1", "")},
		"Big":              {presetMsg("big1", big), presetMsg("small1", "")},
	})
	addr := "imap://me%40gmail.com@" + srv.Addr + "/"
	rep, err := convert(t, "mbox", src, nil, addr, plainParams("provider", "gmail"))
	if err != nil {
		t.Fatalf("convert: %v\n%s", err, events(rep))
	}
	got := map[string][]string{}
	for _, a := range srv.Appends() {
		got[a.Mailbox] = append(got[a.Mailbox], mailconv.HeaderValue(a.Body, "Subject"))
		if a.Size > 4000 {
			t.Errorf("a message of %d octets was sent to %s", a.Size, a.Mailbox)
		}
	}
	want := map[string][]string{
		"INBOX":              {"in1", "in2"},
		"[Gmail]/Sent Mail":  {"sent1"},
		"[Gmail]/Drafts":     {"draft1"},
		"[Gmail]/Trash":      {"trash1"},
		"%5BGmail]/All Mail": {"all1"},
		"%5BGmail]/Starred":  {"star1"},
		"Big":                {"small1"},
	}
	for box, subjects := range want {
		if strings.Join(got[box], ",") != strings.Join(subjects, ",") {
			t.Errorf("%s holds %v, want %v", box, got[box], subjects)
		}
	}
	if len(got) != len(want) {
		t.Errorf("messages went to %v", got)
	}
	for _, system := range []string{"[Gmail]/All Mail", "[Gmail]/Starred", "[Gmail]/Important"} {
		if len(got[system]) > 0 {
			t.Errorf("uploaded into %s: %v", system, got[system])
		}
	}
	if r := srv.Refused(); len(r) > 0 {
		t.Errorf("CREATE refused for %v", r)
	}
	if len(rep.Skips) != 1 || rep.Skips[0].Code != "imap.too-big" || !strings.Contains(rep.Skips[0].Detail, "APPENDLIMIT") {
		t.Errorf("want one imap.too-big skip:\n%s", events(rep))
	}
	renames := map[string]string{}
	for _, e := range rep.Renames {
		renames[e.Mailbox.String()] = e.Detail
	}
	if !strings.Contains(renames["[Gmail]"], `"[Gmail]" is a reserved name`) ||
		!strings.Contains(renames["[Gmail]/All Mail"], "-> %5BGmail]/All Mail") || !strings.Contains(renames["[Gmail]/Starred"], "-> %5BGmail]/Starred") {
		t.Errorf("the [Gmail]/... source mailboxes were not reported renamed:\n%s", events(rep))
	}
	if rep.Codes["imap.provider-expiring"] != 1 || rep.Codes["imap.provider"] != 1 {
		t.Errorf("want the provider's info and one warning for Trash:\n%s", events(rep))
	}
}

// TestGmailPresetFallbackNames: a server that marks no special-use
// mailbox still gets Sent and Trash into Gmail's [Gmail]/Sent Mail and
// [Gmail]/Trash, which the preset knows by name (they exist on it);
// without the preset they would be ordinary folders "Sent" and "Trash".
func TestGmailPresetFallbackNames(t *testing.T) {
	src := presetMboxStore(t, map[string][]string{"Sent": {presetMsg("s", "")}, "Trash": {presetMsg("t", "")}})
	for _, preset := range []bool{true, false} {
		srv := providertest.ForTest(t, providertest.Options{NoSpecialUse: true})
		t.Setenv(imap.PasswordEnv, srv.Password)
		params := plainParams()
		if preset {
			params["provider"] = "gmail"
		}
		rep, err := convert(t, "mbox", src, nil, "imap://me%40gmail.com@"+srv.Addr, params)
		if err != nil {
			t.Fatalf("convert: %v\n%s", err, events(rep))
		}
		var boxes []string
		for _, a := range srv.Appends() {
			boxes = append(boxes, a.Mailbox)
		}
		want := "[Gmail]/Sent Mail,[Gmail]/Trash"
		if !preset {
			want = "Sent,Trash"
		}
		if strings.Join(boxes, ",") != want {
			t.Errorf("preset %v: appended to %v, want %s", preset, boxes, want)
		}
	}
}

// TestGmailPresetSizeLimit: with no APPENDLIMIT announced and no
// append-limit given, the preset's limit (35651584 octets, what Gmail
// announces) applies: a message of that size is sent, one octet more is
// skipped before it is sent. A server that announces a larger APPENDLIMIT
// wins over the preset: the message one octet over the preset's limit
// goes.
func TestGmailPresetSizeLimit(t *testing.T) {
	const limit = 35651584
	head := "Subject: big\r\n\r\n"
	line := strings.Repeat("x", 98) + "\r\n"
	body := head + strings.Repeat(line, (limit-len(head))/len(line)+1)
	for _, c := range []struct {
		announced int64
		sizes     []int
		want      string // the limit reported
	}{
		{0, []int{limit, limit + 1}, "35651584 octets, the preset's"},
		{limit + 100, []int{limit + 1}, "the server's APPENDLIMIT"},
	} {
		srv := providertest.ForTest(t, providertest.Options{AppendLimit: c.announced})
		t.Setenv(imap.PasswordEnv, srv.Password)
		addr, params, _, err := imap.ResolveProvider("imap://me%40gmail.com@"+srv.Addr+"/?provider=gmail", false, plainParams())
		if err != nil {
			t.Fatal(err)
		}
		var sent []int
		for _, size := range c.sizes {
			rep, err := uploadOne(t, addr, params, &mailconv.Message{ID: "big", Size: -1}, body[:size])
			var skip *mailconv.SkipError
			switch {
			case errors.As(err, &skip) && skip.Code == "imap.too-big":
			case err != nil:
				t.Fatalf("APPENDLIMIT %d, %d octets: %v", c.announced, size, err)
			default:
				sent = append(sent, size)
			}
			if !strings.Contains(events(rep), "largest message "+c.want) {
				t.Errorf("APPENDLIMIT %d: the limit in force is not reported as %q:\n%s", c.announced, c.want, events(rep))
			}
		}
		var got []int
		for _, a := range srv.Appends() {
			got = append(got, a.Size)
		}
		if fmt.Sprint(got) != fmt.Sprint(sent) || fmt.Sprint(sent) != fmt.Sprint(c.sizes[:1]) {
			t.Errorf("APPENDLIMIT %d: sent %v, the server has %v, want only %v", c.announced, sent, got, c.sizes[:1])
		}
	}
}

// TestGmailPresetPrefix: an address prefix inside Gmail's system folder is
// refused before any mailbox is created (only the probe's folder, deleted
// again, comes before).
func TestGmailPresetPrefix(t *testing.T) {
	srv := providertest.ForTest(t, providertest.Options{})
	t.Setenv(imap.PasswordEnv, srv.Password)
	f, _ := mailconv.LookupFormat("imap")
	_, err := f.Create(context.Background(), "//me%40gmail.com@"+srv.Addr+"/%5BGmail%5D/Old", &mailconv.Options{Params: plainParams("provider", "gmail")})
	if !errors.Is(err, imap.ErrAddress) || !strings.Contains(presetErrText(err), "system folder") {
		t.Fatalf("err = %v", err)
	}
	for _, c := range srv.Created() {
		if !strings.HasPrefix(c, "mailconv-probe-") {
			t.Errorf("created %q", c)
		}
	}
	if r := srv.Refused(); len(r) > 0 {
		t.Errorf("CREATE refused for %v", r)
	}
}

// TestOutlookPreset: an upload with the outlook preset and a token file to
// a fake Microsoft 365 (its English folder names; "Notes", "Tasks" and
// "Outbox" listed as Exchange lists them). The login is XOAUTH2 although
// the server also announces OAUTHBEARER (which it refuses here): the
// preset prefers what Microsoft documents. Sent, Drafts, Trash and Junk
// land in Sent Items, Drafts, Deleted Items and Junk Email; a source
// mailbox "Notes" is renamed (Exchange's notes folder is no place for
// mail), at any level. With LIST marking no special-use mailbox, the
// usual names are found all the same.
func TestOutlookPreset(t *testing.T) {
	token := filepath.Join(t.TempDir(), "token.json")
	if err := os.WriteFile(token, []byte(`{"access_token":"tok-365","token_type":"Bearer"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(imap.PasswordEnv, "")
	src := presetMboxStore(t, map[string][]string{
		"Inbox": {presetMsg("in1", "")}, "Sent": {presetMsg("sent1", "")}, "Drafts": {presetMsg("draft1", "")}, "Trash": {presetMsg("trash1", "")},
		"Junk": {presetMsg("junk1", "")}, "Notes": {presetMsg("note1", "")}, "Projects/Notes": {presetMsg("pnote1", "")},
	})
	want := map[string][]string{
		"INBOX": {"in1"}, "Sent Items": {"sent1"}, "Drafts": {"draft1"}, "Deleted Items": {"trash1"},
		"Junk Email": {"junk1"}, "%4Eotes": {"note1"}, "Projects/%4Eotes": {"pnote1"},
	}
	for _, marked := range []bool{true, false} {
		srv := providertest.ForTest(t, providertest.Options{Provider: "outlook", Token: "tok-365", NoSpecialUse: !marked})
		rep, err := convert(t, "mbox", src, nil, "imap://me%40example.org@"+srv.Addr+"/?provider=outlook",
			plainParams("oauth2-token-file", token))
		if err != nil {
			t.Fatalf("special-use marked %v: %v\n%s", marked, err, events(rep))
		}
		got := map[string][]string{}
		for _, a := range srv.Appends() {
			got[a.Mailbox] = append(got[a.Mailbox], mailconv.HeaderValue(a.Body, "Subject"))
		}
		if len(got) != len(want) {
			t.Errorf("special-use marked %v: messages went to %v", marked, got)
		}
		for box, subjects := range want {
			if strings.Join(got[box], ",") != strings.Join(subjects, ",") {
				t.Errorf("special-use marked %v: %s holds %v, want %v", marked, box, got[box], subjects)
			}
		}
		if m := srv.RefusedMechanisms(); len(m) > 0 {
			t.Errorf("the client tried %v before XOAUTH2", m)
		}
	}
}
