package mime

import (
	"bytes"
	"image/png"
	"testing"
)

// TestAttachmentTypedByContent: detached files whose name has no useful
// extension (Eudora named them after a bare MIME name or the Subject) are
// typed from their content (issue 13 item 3); names and Mac types still
// win when they say something; a Mac creator code is the last resort. The
// output is checked with go-message and with Python's email package.
func TestAttachmentTypedByContent(t *testing.T) {
	pngData := encoded(t, func(b *bytes.Buffer) error { return png.Encode(b, testImage()) })
	sig := "-----BEGIN PGP SIGNATURE-----\r\n\r\niD8DBQE+abc=\r\n-----END PGP SIGNATURE-----\r\n"
	files := map[string]string{
		"attach/stevan_white":          "Hello Stevan,\r\nthe caf\xe9 is open.\r\n",
		"attach/Email Attachment Test": sig,
		"attach/picture":               string(pngData),
		"attach/data.bin":              string(pngData),
		"attach/notes.txt":             "%PDF-1.4 is how a PDF starts\r\n",
		"attach/blob":                  "\x00\x01\x02\x03",
		"attach/utf":                   "Gr\xc3\xbc\xc3\x9fe\r\n",
	}
	var body string
	for _, n := range []string{"stevan_white", "Email Attachment Test", "picture", "data.bin", "notes.txt", "blob", "utf"} {
		body += "\r\nAttachment Converted: \"C:\\Eudora\\attach\\" + n + "\"\r\n"
	}
	msg := crlf("From: a@example.com\nSubject: files\nContent-Type: multipart/mixed; boundary=\"x\"\n\nSee attached.\n") + body
	out, _ := rebuild(t, msg, RebuildOptions{Resolver: newResolver(files)})
	_, parts := mustParse(t, out)
	want := []struct{ typ, charset, name string }{
		{"text/plain", "windows-1252", ""},
		{"text/plain", "windows-1252", "stevan_white"},
		{"application/pgp-signature", "", "Email Attachment Test"},
		{"image/png", "", "picture"},
		{"image/png", "", "data.bin"},
		{"text/plain", "", "notes.txt"},
		{"application/octet-stream", "", "blob"},
		{"text/plain", "utf-8", "utf"},
	}
	if len(parts) != len(want) {
		t.Fatalf("%d parts", len(parts))
	}
	for i, w := range want[1:] {
		p := parts[i+1]
		if p.Type != w.typ || p.Params["charset"] != w.charset || p.DParams["filename"] != w.name {
			t.Errorf("part %d: %s charset %q %q, want %s %q %q", i+1, p.Type, p.Params["charset"], p.DParams["filename"], w.typ, w.charset, w.name)
		}
		if want := files["attach/"+w.name]; string(p.Body) != want {
			t.Errorf("%s: body %q, want %q", w.name, p.Body, want)
		}
	}
	py := pyParse(t, out)
	if len(py.Parts) != len(want) {
		t.Fatalf("python sees %d parts", len(py.Parts))
	}
	for i, w := range want[1:] {
		p := py.Parts[i+1]
		if p.Type != w.typ || p.Charset != w.charset || p.Filename != w.name {
			t.Errorf("python part %d: %s %q %q", i+1, p.Type, p.Charset, p.Filename)
		}
	}
}

// TestMacCreatorType: with a blank Finder type and content no rule knows,
// the creator code decides.
func TestMacCreatorType(t *testing.T) {
	msg := cr("From: a@example.com\nSubject: mac\nContent-Type: multipart/mixed; boundary=\"x\"\n\nHere.\n") +
		"Attachment converted: Macintosh HD:Letter (    /MSWD) (00000042)\r" +
		"Attachment converted: Macintosh HD:Memo (    /MSWD) (00000043)\r"
	files := map[string]string{"attach/Letter": "\x00\x01\xfe\x37word5", "attach/Memo": "Plain memo\r"}
	out, _ := rebuild(t, msg, RebuildOptions{Platform: Mac, Resolver: newResolver(files)})
	_, parts := mustParse(t, out)
	if len(parts) != 3 || parts[1].Type != "application/msword" || parts[2].Type != "text/plain" || parts[2].Params["charset"] != "us-ascii" {
		for _, p := range parts {
			t.Logf("%s %v", p.Type, p.Params)
		}
		t.Fatal("unexpected parts")
	}
}

// TestSignedAscSignature: in a flattened multipart/signed, a signature
// saved as signature.asc (an extension that says text/plain) is still an
// application/pgp-signature part named signature.asc (issue 13 item 4); in
// an ordinary message the same file keeps the extension's type.
func TestSignedAscSignature(t *testing.T) {
	sig := "-----BEGIN PGP SIGNATURE-----\r\n\r\niD8DBQE+abc=\r\n-----END PGP SIGNATURE-----\r\n"
	for _, top := range []string{"multipart/signed; protocol=\"application/pgp-signature\"; micalg=pgp-sha1", "multipart/mixed"} {
		msg := crlf("From: a@example.com\nSubject: s\nContent-Type: " + top + "; boundary=\"x\"\n\nSigned.\n\nAttachment Converted: \"C:\\Eudora\\attach\\signature.asc\"\n")
		out, res := rebuild(t, msg, RebuildOptions{Resolver: newResolver(map[string]string{"attach/signature.asc": sig})})
		_, parts := mustParse(t, out)
		want, signed := "text/plain", hasProblem(res, ProblemSigned)
		if top != "multipart/mixed" {
			want = "application/pgp-signature"
			if !signed {
				t.Errorf("signed message without %s", ProblemSigned)
			}
		}
		if len(parts) != 2 || parts[1].Type != want || parts[1].DParams["filename"] != "signature.asc" || string(parts[1].Body) != sig {
			t.Errorf("%s: %+v", top, parts)
		}
	}
}
