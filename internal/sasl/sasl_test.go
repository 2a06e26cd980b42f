package sasl

import (
	"errors"
	"testing"
)

func TestChoose(t *testing.T) {
	both := []string{"PLAIN", "OAUTHBEARER", "XOAUTH2"}
	for _, c := range []struct {
		mode    string
		offered []string
		token   bool
		want    string
		err     bool
	}{
		{Auto, both, true, OAuthBearer, false},
		{Auto, []string{"xoauth2"}, true, XOAuth2, false},
		{Auto, []string{"PLAIN"}, true, "", true},
		{Auto, both, false, "", false},
		{XOAuth2, both, true, XOAuth2, false},
		{XOAuth2, nil, true, XOAuth2, false},
		{XOAuth2, both, false, "", true},
		{Plain, both, true, "", true},
		{Login, nil, false, Login, false},
		{"CRAM-MD5", both, false, "", true},
	} {
		got, err := Choose(c.mode, c.offered, c.token)
		if got != c.want || (err != nil) != c.err {
			t.Errorf("Choose(%s, %v, %v) = %q, %v", c.mode, c.offered, c.token, got, err)
		}
		if err != nil && !errors.Is(err, ErrMechanism) {
			t.Errorf("error %v is not ErrMechanism", err)
		}
	}
	for in, want := range map[string]string{"": Auto, "Auto": Auto, "oauthbearer": OAuthBearer, "xoauth2": XOAuth2, "plain": Plain, "LOGIN": Login} {
		if got, err := ParseMode(in); err != nil || got != want {
			t.Errorf("ParseMode(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseMode("gssapi"); !errors.Is(err, ErrMechanism) {
		t.Errorf("ParseMode(gssapi): %v", err)
	}
}

// The wire forms, byte for byte as RFC 7628 section 3.1 (OAUTHBEARER),
// RFC 4616 (PLAIN) and Google's XOAUTH2 description give them.
func TestWire(t *testing.T) {
	c, _ := New(OAuthBearer, "a,b=c@x", "tok", "mail.example.org", 143)
	mech, ir, _ := c.Start()
	if mech != "OAUTHBEARER" || string(ir) != "n,a=a=2Cb=3Dc@x,\x01host=mail.example.org\x01port=143\x01auth=Bearer tok\x01\x01" {
		t.Errorf("OAUTHBEARER %s %q", mech, ir)
	}
	resp, err := c.Next([]byte(`{"status":"invalid_token","scope":"mail"}`))
	if err != nil || string(resp) != "\x01" || c.(Failure).Failure() != "status invalid_token, scope mail" {
		t.Errorf("OAUTHBEARER error challenge: %q %v %q", resp, err, c.(Failure).Failure())
	}
	c, _ = New(XOAuth2, "me@x", "tok", "", 0)
	_, ir, _ = c.Start()
	if string(ir) != "user=me@x\x01auth=Bearer tok\x01\x01" {
		t.Errorf("XOAUTH2 %q", ir)
	}
	resp, _ = c.Next([]byte("not json"))
	if len(resp) != 0 || resp == nil || c.(Failure).Failure() != "not json" {
		t.Errorf("XOAUTH2 error challenge: %q %q", resp, c.(Failure).Failure())
	}
	c, _ = New(Plain, "me", "pw", "", 0)
	if _, ir, _ = c.Start(); string(ir) != "\x00me\x00pw" {
		t.Errorf("PLAIN %q", ir)
	}
	c, _ = New(Login, "me", "pw", "", 0)
	if _, ir, _ = c.Start(); ir != nil {
		t.Errorf("LOGIN initial response %q", ir)
	}
	r1, _ := c.Next([]byte("Username:"))
	r2, _ := c.Next([]byte("Password:"))
	if _, err := c.Next(nil); string(r1) != "me" || string(r2) != "pw" || err == nil {
		t.Errorf("LOGIN %q %q %v", r1, r2, err)
	}
}
