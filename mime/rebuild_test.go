package mime

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"
	"golang.org/x/text/encoding/charmap"
)

// Item 20: a stale multipart Content-Type over a flattened body (every
// message of the verified Windows fixture has one).
func TestStaleMultipartContentType(t *testing.T) {
	msg := crlf(`Received: from mail.example.org by pop.example.net; Mon, 13 Dec 2010 05:42:55 -0500
From: Stevan White <stevan@example.org>
To: broccol@example.net
Subject: plain survivor
Date: Mon, 13 Dec 2010 05:42:55 -0500
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="----=_NextPart_000_0007_01CB9AAE.7A4E7A60"
Content-Length: 4242
Lines: 99
X-Persona: <work>

Hello Bob,

the plain part survived.
`)
	out, res := rebuild(t, msg, RebuildOptions{})
	if !res.Rebuilt {
		t.Fatal("not rebuilt")
	}
	h, parts := mustParse(t, out)
	if len(parts) != 1 || parts[0].Type != "text/plain" || parts[0].Params["charset"] != "us-ascii" || parts[0].CTE != "7bit" {
		t.Fatalf("parts: %+v", parts)
	}
	if got, want := string(parts[0].Body), "Hello Bob,\r\n\r\nthe plain part survived.\r\n"; got != want {
		t.Errorf("body %q, want %q", got, want)
	}
	for _, k := range []string{"Content-Length", "Lines"} {
		if h.Has(k) {
			t.Errorf("%s kept", k)
		}
	}
	if h.Get("X-Persona") != "<work>" || h.Get("Received") == "" {
		t.Errorf("other fields lost")
	}
	if n := bytes.Count(out, []byte("MIME-Version:")); n != 1 {
		t.Errorf("%d MIME-Version fields", n)
	}
	if bytes.Contains(out, []byte("NextPart")) {
		t.Error("stale boundary left in the output")
	}
	// Field order is kept: Received, From, To, Subject, Date, X-Persona.
	order := []string{"Received:", "From:", "To:", "Subject:", "Date:", "X-Persona:", "MIME-Version:", "Content-Type:"}
	last := -1
	for _, k := range order {
		i := bytes.Index(out, []byte("\r\n"+k))
		if k == "Received:" {
			i = bytes.Index(out, []byte(k))
		}
		if i <= last {
			t.Errorf("%s out of order", k)
		}
		last = i
	}
	py := pyParse(t, out)
	if len(py.Parts) != 1 || string(py.Parts[0].payload(t)) != "Hello Bob,\r\n\r\nthe plain part survived.\r\n" && string(py.Parts[0].payload(t)) != "Hello Bob,\n\nthe plain part survived.\n" {
		t.Errorf("python: %+v", py)
	}
}

// Item 21 (Windows): the HTML survivor of a multipart/alternative, with the
// <BASE HREF> line Eudora writes for Content-Base.
func TestHTMLSurvivorWindows(t *testing.T) {
	html := "<!DOCTYPE html>\r\n<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1252\"></head>\r\n" +
		"<body><p>Caf\xe9 \x93quoted\x94 \x80 5</p><a href=\"a.html\">a</a>\r\n</body></html>\r\n"
	msg := crlf("From: news@example.com\nSubject: Newsletter\nContent-Type: multipart/alternative;\n\tboundary=\"b1\"\n\n") +
		"<x-html>\r\n<BASE HREF=\"http://www.example.com/news/\">\r\n" + html + "</x-html>\r\n"
	out, res := rebuild(t, msg, RebuildOptions{})
	_, parts := mustParse(t, out)
	if len(parts) != 1 {
		t.Fatalf("%d parts", len(parts))
	}
	p := parts[0]
	if p.Type != "text/html" || p.Params["charset"] != "windows-1252" {
		t.Errorf("type %s %v", p.Type, p.Params)
	}
	if string(p.Body) != html {
		t.Errorf("HTML content changed:\n%q\n%q", p.Body, html)
	}
	if cb := p.Header.Get("Content-Base"); cb != `"http://www.example.com/news/"` {
		t.Errorf("Content-Base %q", cb)
	}
	if p.CTE != "quoted-printable" {
		t.Errorf("CTE %s", p.CTE)
	}
	if len(res.Problems) != 0 {
		t.Errorf("problems: %v", problemCodes(res))
	}
	py := pyParse(t, out)
	if string(py.Parts[0].payload(t)) != html || py.Parts[0].Charset != "windows-1252" {
		t.Errorf("python sees %+v", py.Parts[0])
	}
}

// Item 21 (Mac): <x-html> followed by the x-stuff-for-pete tag on the same
// line; "iso-8859-1/macintosh" means MacRoman bytes (item 34 too).
func TestHTMLSurvivorMacPete(t *testing.T) {
	html := "<html><body>Caf\x8e cr\x8fme</body></html>\r"
	msg := cr("From: x@example.com\nSubject: mac html\nContent-Type: multipart/alternative; boundary=\"b1\"\n\n") +
		"<x-html><!x-stuff-for-pete base=\"http://mac.example.com/\" src=\"\" id=\"0\" charset=\"iso-8859-1/macintosh\">\r" +
		html + "</x-html>\r"
	out, _ := rebuild(t, msg, RebuildOptions{Platform: Mac})
	_, parts := mustParse(t, out)
	p := parts[0]
	if p.Type != "text/html" || p.Params["charset"] != "macintosh" {
		t.Fatalf("type %s %v", p.Type, p.Params)
	}
	if string(p.Body) != toCRLFString(html) {
		t.Errorf("content %q", p.Body)
	}
	if p.Header.Get("Content-Base") != `"http://mac.example.com/"` {
		t.Errorf("Content-Base %q", p.Header.Get("Content-Base"))
	}
	// go-message decodes the MacRoman label.
	mr, err := mail.CreateReader(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	mp, err := mr.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.ReadFrom(mp.Body)
	if !strings.Contains(b.String(), "Café crème") {
		t.Errorf("decoded %q", b.String())
	}
	if bytes.Contains(out, []byte("x-stuff-for-pete")) {
		t.Error("pete tag left in the output")
	}
}

// Item 22: flowed text keeps its trailing spaces; enriched text; Mac glued
// <x-flowed CS> and <x-charset CS>.
func TestFlowedRichCharset(t *testing.T) {
	flowed := "This line is soft-broken and ends with a space \r\nso it flows into this one.\r\n> quoted \r\n>> deeper  \r\n"
	msg := crlf("From: a@example.com\nContent-Type: multipart/mixed; boundary=\"x\"\n\n<x-flowed>\n") + flowed + crlf("</x-flowed>\n")
	out, _ := rebuild(t, msg, RebuildOptions{})
	_, parts := mustParse(t, out)
	if len(parts) != 1 || parts[0].Type != "text/plain" || parts[0].Params["format"] != "flowed" {
		t.Fatalf("parts %+v", parts)
	}
	if string(parts[0].Body) != flowed {
		t.Errorf("flowed text changed: %q", parts[0].Body)
	}
	py := pyParse(t, out)
	if string(py.Parts[0].payload(t)) != flowed {
		t.Errorf("python: trailing spaces lost: %q", py.Parts[0].payload(t))
	}

	rich := "<bold>Hi</bold> there,\r\n<italic>enriched</italic> text.\r\n"
	msg = crlf("From: a@example.com\nContent-Type: multipart/alternative; boundary=\"x\"\n\n<x-rich>\n") + rich + crlf("</x-rich>\n")
	out, _ = rebuild(t, msg, RebuildOptions{})
	_, parts = mustParse(t, out)
	if len(parts) != 1 || parts[0].Type != "text/enriched" || string(parts[0].Body) != rich {
		t.Errorf("enriched: %+v %q", parts, parts[0].Body)
	}

	// Mac: tag glued to the first line, a charset on the tag.
	msg = cr("From: a@example.com\nContent-Type: multipart/alternative; boundary=\"x\"\n\n<x-flowed UTF-8>Gr\xc3\xbc\xc3\x9fe aus \nBerlin.\n</x-flowed>\n<x-charset iso-8859-2>Zaba \xb1\n</x-charset>\n")
	out, _ = rebuild(t, msg, RebuildOptions{Platform: Mac})
	_, parts = mustParse(t, out)
	if len(parts) != 2 {
		t.Fatalf("%d parts", len(parts))
	}
	if parts[0].Params["format"] != "flowed" || parts[0].Params["charset"] != "utf-8" || string(parts[0].Body) != "Gr\xc3\xbc\xc3\x9fe aus \r\nBerlin.\r\n" {
		t.Errorf("mac flowed %v %q", parts[0].Params, parts[0].Body)
	}
	if parts[1].Type != "text/plain" || parts[1].Params["charset"] != "iso-8859-2" || string(parts[1].Body) != "Zaba \xb1\r\n" {
		t.Errorf("x-charset %v %q", parts[1].Params, parts[1].Body)
	}
	py = pyParse(t, out)
	if py.Parts[1].Charset != "iso-8859-2" {
		t.Errorf("python charset %q", py.Parts[1].Charset)
	}
}

// Item 23: several tagged runs and markers in one body: a forwarded
// message inlined with its header, its HTML with an embedded image, an
// attachment, then flowed text.
func TestSeveralRunsAndMarkers(t *testing.T) {
	cid := "img1.0801@example.org"
	html := "<html><body>Report <img src=\"cid:" + cid + "\"></body></html>\r\n"
	intro := "Hi Bob, see below.\r\n\r\n---------- Forwarded message ----------\r\nFrom: Carol <carol@example.org>\r\nSubject: Report\r\nDate: Tue, 14 Dec 2010 12:26:20 +0100\r\n\r\n"
	msg := crlf("From: alice@example.com\nTo: bob@example.com\nSubject: Fwd: Report\nContent-Type: multipart/mixed; boundary=\"outer\"\n\n") +
		intro + "<x-html>\r\n" + html + "</x-html>\r\n\r\n" +
		fmt.Sprintf("Embedded Content: chart.png: 00000001,%08x,00000000,00000000\r\n", EudoraHash(cid)) +
		"\r\nAttachment Converted: \"C:\\Program Files\\Eudora\\attach\\report.pdf\"\r\n" +
		"<x-flowed>\r\nThanks, \r\nCarol\r\n</x-flowed>\r\n"
	png := "\x89PNG\r\n\x1a\n\x00\x00binary"
	pdf := "%PDF-1.4\r\n%\xe2\xe3\xcf\xd3\r\nbinary\x00\x01"
	r := newResolver(map[string]string{"embedded/chart.png": png, "attach/report.pdf": pdf})
	out, res := rebuild(t, msg, RebuildOptions{Resolver: r})
	h, parts := mustParse(t, out)
	if !strings.HasPrefix(h.Get("Content-Type"), "multipart/mixed") {
		t.Errorf("top %s", h.Get("Content-Type"))
	}
	want := []struct{ typ, body string }{
		{"text/plain", intro},
		{"text/html", html},
		{"image/png", png},
		{"application/pdf", pdf},
		{"text/plain", "Thanks, \r\nCarol\r\n"},
	}
	if len(parts) != len(want) {
		t.Fatalf("%d parts, want %d", len(parts), len(want))
	}
	for i, w := range want {
		if parts[i].Type != w.typ || string(parts[i].Body) != w.body {
			t.Errorf("part %d: %s %q, want %s %q", i, parts[i].Type, parts[i].Body, w.typ, w.body)
		}
	}
	if got := parts[2].Parents; len(got) != 2 || got[1] != "multipart/related" {
		t.Errorf("image parents %v", got)
	}
	if parts[2].Header.Get("Content-ID") != "<"+cid+">" || parts[2].Disp != "inline" {
		t.Errorf("image headers: %v", parts[2].Header)
	}
	if parts[3].Disp != "attachment" || parts[3].DParams["filename"] != "report.pdf" {
		t.Errorf("attachment disposition %s %v", parts[3].Disp, parts[3].DParams)
	}
	if len(res.Refs) != 2 || len(res.Problems) != 0 {
		t.Errorf("refs %v problems %v", res.Refs, problemCodes(res))
	}
	py := pyParse(t, out)
	if len(py.Parts) != 5 || string(py.Parts[3].payload(t)) != pdf || py.Parts[2].CID != "<"+cid+">" {
		t.Errorf("python: %+v", py.Parts)
	}
}

// Item 24: marker variants pull their files; the spoof line does not.
func TestAttachmentMarkerVariants(t *testing.T) {
	lines := []string{
		"Attachment Converted: \"c:\\users\\broccol\\appdata\\roaming\\qualcomm\\eudora\\attach\\one.txt\"",
		"Attachment Converted: D:\\Other PC\\EUDORA\\ATTACH\\two.doc",
		"Attachment converted: \"C:\\Eudora\\attach\\three.pdf\"",
		"Pi\xe8ce jointe convertie : \"C:\\Eudora\\attach\\quatre.pdf\"",
		"\x95\x9c\x8c\xb3\x82\xb3\x82\xea\x82\xbd\x93\x59\x95\x74\x83\x74\x83\x40\x83\x43\x83\x8b\x81\x46 \"C:\\Eudora\\attach\\go.xls\"",
	}
	spoof := "#Attachment Converted: \"C:\\Eudora\\attach\\secret.exe\""
	body := "Files:\r\n"
	for _, l := range lines {
		body += "\r\n" + l + "\r\n"
	}
	body += spoof + "\r\n"
	msg := crlf("From: a@example.com\nContent-Type: multipart/mixed; boundary=\"x\"\n\n") + body
	files := map[string]string{
		"attach/one.txt": "line1\nline2\n", "attach/two.doc": "DOC", "attach/three.pdf": "PDF",
		"attach/quatre.pdf": "PDF4", "attach/go.xls": "XLS", "attach/secret.exe": "MZ",
	}
	r := newResolver(files)
	out, res := rebuild(t, msg, RebuildOptions{Resolver: r})
	_, parts := mustParse(t, out)
	if len(parts) != 7 {
		t.Fatalf("%d parts", len(parts))
	}
	wantNames := []string{"one.txt", "two.doc", "three.pdf", "quatre.pdf", "go.xls"}
	for i, n := range wantNames {
		p := parts[i+1]
		if p.DParams["filename"] != n {
			t.Errorf("part %d filename %q, want %q", i+1, p.DParams["filename"], n)
		}
	}
	// Text attachment returned to CRLF.
	if string(parts[1].Body) != "line1\r\nline2\r\n" || parts[1].Type != "text/plain" {
		t.Errorf("text attachment %s %q", parts[1].Type, parts[1].Body)
	}
	if string(parts[0].Body) != "Files:\r\n" {
		t.Errorf("leading text %q", parts[0].Body)
	}
	if string(parts[6].Body) != spoof+"\r\n" {
		t.Errorf("spoof line not kept as text: %q", parts[6].Body)
	}
	if r.opened("attach/secret.exe") != 0 {
		t.Error("spoofed marker opened its file")
	}
	if !hasProblem(res, ProblemSpoofedMarker) || len(res.Refs) != 5 {
		t.Errorf("problems %v refs %d", problemCodes(res), len(res.Refs))
	}
	// HTML spoof form stays in the HTML.
	html := "<p>Attachment Converted&#058; \"C:\\Eudora\\attach\\secret.exe\"</p>\r\n"
	msg = crlf("From: a@example.com\nContent-Type: text/html\n\n<x-html>\n") + "Attachment Converted&#058; \"C:\\Eudora\\attach\\secret.exe\"\r\n" + html + "</x-html>\r\n"
	out, res = rebuild(t, msg, RebuildOptions{Resolver: r})
	_, parts = mustParse(t, out)
	if len(parts) != 1 || string(parts[0].Body) != "Attachment Converted&#058; \"C:\\Eudora\\attach\\secret.exe\"\r\n"+html {
		t.Errorf("html spoof: %+v", parts)
	}
	if r.opened("attach/secret.exe") != 0 || !hasProblem(res, ProblemSpoofedMarker) {
		t.Error("html spoof pulled a file or was not reported")
	}
}

// Item 25: names as Eudora chose them: from the Subject (31 bytes, no
// extension: a PGP signature), Untitled, collision-numbered, extension
// appended by the MIME map (a text/html file).
func TestAttachmentNames(t *testing.T) {
	names := []string{"Appointment reminder from Austi.jpg", "Re meeting tomorrow at the offi", "Untitled", "report1.pdf", "tools.arlut.utexas.edugash2.htm"}
	files := map[string]string{}
	body := "See attached.\r\n"
	for i, n := range names {
		files["attach/"+n] = fmt.Sprintf("content %d\n", i)
		body += "\r\nAttachment Converted: \"C:\\Eudora\\attach\\" + n + "\"\r\n"
	}
	msg := crlf("From: a@example.com\nSubject: Re: meeting tomorrow at the office\nContent-Type: multipart/signed; boundary=\"x\"\n\n") + body
	out, res := rebuild(t, msg, RebuildOptions{Resolver: newResolver(files)})
	_, parts := mustParse(t, out)
	if len(parts) != 6 {
		t.Fatalf("%d parts", len(parts))
	}
	// The two names without extension hold text: typed from the content
	// (issue 13 item 3); they were application/octet-stream before.
	wantTypes := []string{"image/jpeg", "text/plain", "text/plain", "application/pdf", "text/html"}
	for i, n := range names {
		p := parts[i+1]
		if p.DParams["filename"] != n || p.Params["name"] != n || p.Type != wantTypes[i] {
			t.Errorf("%s: %s %v %v", n, p.Type, p.Params, p.DParams)
		}
		want := fmt.Sprintf("content %d\n", i)
		if strings.HasPrefix(p.Type, "text/") {
			want = toCRLFString(want)
		}
		if string(p.Body) != want {
			t.Errorf("%s: body %q", n, p.Body)
		}
	}
	// Item 30: a flattened multipart/signed is flagged.
	if !hasProblem(res, ProblemSigned) {
		t.Errorf("no signed problem: %v", problemCodes(res))
	}
}

// Item 26: embedded content matched by CID hash, two embeds whose names
// Eudora numbered, a Content-Location-only image matched by URL hash, an
// embedded file nothing refers to, and the "Attachment Converted: name:
// hashes" form of a related part without HTML root.
func TestEmbeddedContent(t *testing.T) {
	cid1 := "part1.08010409.03060503@arlut.utexas.edu"
	cid2 := "part2.08010409.03060503@arlut.utexas.edu"
	cid3 := "part3.08010409.03060503@arlut.utexas.edu"
	base := "http://www.example.com/img/"
	html := "<html><body><img src=\"cid:" + cid1 + "\"><img src='cid:" + cid2 + "'>\r\n<img src=\"logo.gif\"><img src=\"cid:" + cid3 + "\"></body></html>\r\n"
	msg := crlf("From: a@example.com\nContent-Type: multipart/related; boundary=\"x\"\n\n") +
		"<x-html>\r\n<BASE HREF=\"" + base + "\">\r\n" + html + "</x-html>\r\n" +
		"\r\nEmbedded Content: kate_halloween.jpg: 00000001,277bfd3a,00000000,00000000\r\n" +
		fmt.Sprintf("\r\nEmbedded Content: kate_halloween1.jpg: 00000001,%08x,00000000,00000000\r\n", EudoraHash(cid2)) +
		fmt.Sprintf("\r\nEmbedded Content: logo.gif: 00000001,00000000,00000000,%08x\r\n", EudoraHash("1"+base+"logo.gif")) +
		fmt.Sprintf("\r\nEmbedded Content: kate_halloween.jpg: 00000001,%08x,00000000,00000000\r\n", EudoraHash(cid3)) +
		"\r\nEmbedded Content: orphan.png: 00000001,12345678,00000000,00000000\r\n"
	files := map[string]string{
		"embedded/kate_halloween.jpg": "JPEG-ONE", "embedded/kate_halloween1.jpg": "JPEG-TWO",
		"embedded/logo.gif": "GIF89a", "embedded/orphan.png": "PNG",
	}
	out, res := rebuild(t, msg, RebuildOptions{Resolver: newResolver(files)})
	_, parts := mustParse(t, out)
	if len(parts) != 6 {
		t.Fatalf("%d parts", len(parts))
	}
	if string(parts[0].Body) != html {
		t.Errorf("html %q", parts[0].Body)
	}
	check := func(i int, cid, loc, body, disp string) {
		t.Helper()
		p := parts[i]
		if got := p.Header.Get("Content-ID"); cid != "" && got != "<"+cid+">" || cid == "" && got != "" {
			t.Errorf("part %d Content-ID %q", i, got)
		}
		if got := p.Header.Get("Content-Location"); got != loc {
			t.Errorf("part %d Content-Location %q", i, got)
		}
		if string(p.Body) != body || p.Disp != disp {
			t.Errorf("part %d %q %s", i, p.Body, p.Disp)
		}
	}
	check(1, cid1, "", "JPEG-ONE", "inline")
	check(2, cid2, "", "JPEG-TWO", "inline")
	check(3, "", base+"logo.gif", "GIF89a", "inline")
	check(4, cid3, "", "JPEG-ONE", "inline") // the same file name under a second Content-ID
	check(5, "", "", "PNG", "attachment")
	for i := 1; i <= 4; i++ {
		if len(parts[i].Parents) != 2 || parts[i].Parents[1] != "multipart/related" {
			t.Errorf("part %d parents %v", i, parts[i].Parents)
		}
	}
	if len(parts[5].Parents) != 1 {
		t.Errorf("orphan parents %v", parts[5].Parents)
	}
	if !hasProblem(res, ProblemEmbeddedUnmatched) {
		t.Errorf("problems %v", problemCodes(res))
	}
	py := pyParse(t, out)
	if py.Parts[1].CID != "<"+cid1+">" || string(py.Parts[3].payload(t)) != "GIF89a" {
		t.Errorf("python %+v", py.Parts)
	}

	// A related part without an HTML root: the file is in Embedded\.
	msg = crlf("From: a@example.com\nContent-Type: multipart/related; boundary=\"x\"\n\nText root.\n\nAttachment Converted: data.bin: 00000001,0badf00d,00000000,00000000\n")
	r := newResolver(map[string]string{"embedded/data.bin": "DATA"})
	out, res = rebuild(t, msg, RebuildOptions{Resolver: r})
	_, parts = mustParse(t, out)
	if len(parts) != 2 || string(parts[1].Body) != "DATA" || parts[1].Disp != "attachment" || r.opened("embedded/data.bin") == 0 {
		t.Errorf("no-root related: %+v", parts)
	}
	if res.Refs[0].Kind != RefEmbedded {
		t.Errorf("ref kind %v", res.Refs[0].Kind)
	}
}

// Item 27: Mac attachment markers: blank type, MacRoman creator bytes,
// HFS '/' names, #hex-shortened names, a missing file; Mac Related parts.
func TestMacAttachments(t *testing.T) {
	cid := "part1.08010409.03060503@arlut.utexas.edu"
	html := "<html><img src=\"cid:" + cid + "\"></html>\r"
	msg := cr("From: a@example.com\nSubject: mac files\nContent-Type: multipart/mixed; boundary=\"x\"\n\nNotes attached.\n") +
		"<x-html><!x-stuff-for-pete base=\"\" src=\"\" id=\"0\" charset=\"UTF-8\">\r" + html + "</x-html>\r" +
		"Related: :Macintosh HD:kate_halloween.jpg:0022466E:277BFD3A:00000000:00000000\r" +
		"Attachment converted: Macintosh HD:notes (    /    ) (00000042)\r" +
		"Attachment converted: Macintosh HD:readme (TEXT/\xa5\x80\x81\x82) (00000043)\r" +
		"Attachment converted: Macintosh HD:tools.arlut.utexas.edu/gash2/ (TEXT/MSIE) (00012345)\r" +
		"Attachment converted: Macintosh HD:IRD Projec REVIEWS sc#D8D4B.xls (XLS8/XCEL) (000D8D4B)\r" +
		"Attachment converted: Macintosh HD:gone.pdf (PDF /CARO) (00000044)\r"
	files := map[string]string{
		"parts/kate_halloween.jpg":               "JPEG",
		"attach/notes":                           "\x00\x01bin",
		"attach/readme":                          "mac\rtext\r",
		"attach/tools.arlut.utexas.edu:gash2:":   "<html>\r</html>\r",
		"attach/IRD Projec REVIEWS sc#D8D4B.xls": "XLS",
	}
	r := newResolver(files)
	out, res := rebuild(t, msg, RebuildOptions{Platform: Mac, Resolver: r})
	_, parts := mustParse(t, out)
	type w struct{ typ, name, body string }
	want := []w{
		{"text/plain", "", "Notes attached.\r\n"},
		{"text/html", "", toCRLFString(html)},
		{"image/jpeg", "kate_halloween.jpg", "JPEG"},
		{"application/octet-stream", "notes", "\x00\x01bin"},
		{"text/plain", "readme", "mac\r\ntext\r\n"},
		{"text/plain", "tools.arlut.utexas.edu/gash2/", "<html>\r\n</html>\r\n"},
		{"application/vnd.ms-excel", "IRD Projec REVIEWS sc#D8D4B.xls", "XLS"},
		{"text/plain", "", "Attachment converted: Macintosh HD:gone.pdf (PDF /CARO) (00000044)\r\n"},
	}
	if len(parts) != len(want) {
		t.Fatalf("%d parts, want %d", len(parts), len(want))
	}
	for i, x := range want {
		p := parts[i]
		if p.Type != x.typ || p.DParams["filename"] != x.name || string(p.Body) != x.body {
			t.Errorf("part %d: %s %q %q, want %s %q %q", i, p.Type, p.DParams["filename"], p.Body, x.typ, x.name, x.body)
		}
	}
	if parts[2].Header.Get("Content-ID") != "<"+cid+">" {
		t.Errorf("related Content-ID %q", parts[2].Header.Get("Content-ID"))
	}
	if !hasProblem(res, ProblemMissingAttachment) {
		t.Errorf("problems %v", problemCodes(res))
	}
	var creator string
	for _, ref := range res.Refs {
		if ref.Name == "readme" {
			creator = ref.MacCreator
		}
	}
	if creator != "\xa5\x80\x81\x82" {
		t.Errorf("creator %q", creator)
	}
}

// Item 28: intact MIME (decoding off, or imported mail) passes through byte
// for byte; so does a plain message with nothing to do.
func TestPassThrough(t *testing.T) {
	cases := map[string]string{
		"multipart": crlf("From: a@example.com\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"XYZ\"\n\n--XYZ\nContent-Type: text/plain\n\nhello\nAttachment Converted: \"C:\\x\\y.pdf\"\n--XYZ--\n"),
		"cte":       crlf("From: a@example.com\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\ncaf=C3=A9 <x-html>\n"),
		"plain":     crlf("From: a@example.com\nSubject: hi\nDate: Mon, 13 Dec 2010 05:42:55 -0500\nContent-Type: text/plain; charset=us-ascii\n\nhello\n"),
		"no-ct":     "From: a@example.com\nSubject: hi\n\nhello\n",
		"utf8":      crlf("From: a@example.com\nContent-Type: text/plain; charset=utf-8\n\ncaf\xc3\xa9\n"),
		"mac-cr":    cr("From: a@example.com\nSubject: hi\n\nhello\nworld\n"),
		"pdf":       crlf("From: a@example.com\nContent-Type: application/pdf\n\n%PDF\n"),
	}
	for name, msg := range cases {
		r := newResolver(map[string]string{"attach/y.pdf": "x"})
		out, res := rebuild(t, msg, RebuildOptions{Resolver: r, Platform: Windows})
		if res.Rebuilt || string(out) != msg {
			t.Errorf("%s: rebuilt=%v, output differs:\n%q", name, res.Rebuilt, out)
		}
		if r.opened("attach/y.pdf") != 0 || res.Refs != nil {
			t.Errorf("%s: intact message pulled a file", name)
		}
	}
	// Not pass-through: 8-bit without a charset; a charset that does not
	// fit; an over-long line; an 8-bit header; a Date to add.
	rebuilt := map[string]string{
		"undeclared": crlf("From: a@example.com\n\ncaf\xe9\n"),
		"bad-utf8":   crlf("From: a@example.com\nContent-Type: text/plain; charset=utf-8\n\ncaf\xe9 \xc3\xa9\n"),
		"long-line":  crlf("From: a@example.com\n\n" + strings.Repeat("x", 999) + "\n"),
		"8bit-hdr":   crlf("From: a@example.com\nSubject: caf\xe9\n\nx\n"),
		"stale":      crlf("From: a@example.com\nContent-Type: multipart/mixed; boundary=\"q\"\n\nx\n"),
	}
	for name, msg := range rebuilt {
		out, res := rebuild(t, msg, RebuildOptions{})
		if !res.Rebuilt {
			t.Errorf("%s: passed through", name)
			continue
		}
		mustParse(t, out)
	}
	out, res := rebuild(t, cases["no-ct"], RebuildOptions{Date: time.Date(2010, 12, 13, 5, 42, 55, 0, time.UTC)})
	if !res.Rebuilt || !bytes.Contains(out, []byte("Date: Mon, 13 Dec 2010 05:42:55 +0000\r\n")) {
		t.Errorf("date not added: %q", out)
	}
}

// Item 29: a sub-part header Eudora kept in the body because of an unknown
// field stays text.
func TestLeftoverSubpartHeader(t *testing.T) {
	body := "Intro text.\r\n\r\nContent-Type: text/plain; charset=\"us-ascii\"\r\nContent-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==\r\nX-Custom: 1\r\n\r\nThe sub-part text.\r\n"
	msg := crlf("From: a@example.com\nContent-Type: multipart/mixed; boundary=\"q\"\n\n") + body
	out, _ := rebuild(t, msg, RebuildOptions{})
	h, parts := mustParse(t, out)
	if len(parts) != 1 || string(parts[0].Body) != body {
		t.Errorf("%+v", parts)
	}
	if h.Get("Content-MD5") != "" || h.Get("X-Custom") != "" {
		t.Error("inline sub-header leaked into the top header")
	}
}

// Item 30: multipart/signed with its signature saved under the Subject's
// name, and an S/MIME signature file.
func TestSigned(t *testing.T) {
	msg := crlf("From: a@example.com\nSubject: Re: meeting\nContent-Type: multipart/signed; micalg=pgp-sha1; protocol=\"application/pgp-signature\"; boundary=\"sig\"\n\n<x-flowed>\nSigned text \n</x-flowed>\n\nAttachment Converted: \"C:\\Eudora\\attach\\Re meeting\"\n\nAttachment Converted: \"C:\\Eudora\\attach\\smime.p7s\"\n")
	sig := "-----BEGIN PGP SIGNATURE-----\r\nabc\r\n-----END PGP SIGNATURE-----\r\n"
	r := newResolver(map[string]string{"attach/Re meeting": sig, "attach/smime.p7s": "\x30\x82\x01"})
	out, res := rebuild(t, msg, RebuildOptions{Resolver: r})
	_, parts := mustParse(t, out)
	if len(parts) != 3 || string(parts[1].Body) != sig || parts[2].Type != "application/pkcs7-signature" {
		t.Errorf("%+v", parts)
	}
	// Issue 13 item 4: the signature is an application/pgp-signature part
	// named like the file Eudora saved it in.
	if parts[1].Type != "application/pgp-signature" || parts[1].Params["name"] != "Re meeting" || parts[1].DParams["filename"] != "Re meeting" {
		t.Errorf("signature part: %s %v %v", parts[1].Type, parts[1].Params, parts[1].DParams)
	}
	if !hasProblem(res, ProblemSigned) {
		t.Errorf("problems %v", problemCodes(res))
	}
}

// Item 31: RFC 2047 words Eudora decoded into raw bytes are encoded again.
func TestHeader8bit(t *testing.T) {
	msg := "From: \"M\xfcller, J\xfcrgen\" <jm@example.de>\r\n" +
		"To: =?iso-2022-jp?b?GyRCJDMkcyRLJEEkTxsoQg==?= <jp@example.jp>,\r\n plain@example.com\r\n" +
		"Cc: Ren\xc3\xa9e Dupont <renee@example.fr> (la r\xc3\xa9ceptionniste)\r\n" +
		"Subject: Caf\xe9 \x96 d\xe9j\xe0 vu, a rather long subject line that must be folded somewhere\r\n" +
		"Message-ID: <abc@example.com>\r\n" +
		"X-Note: \xe9t\xe9\r\n" +
		"Comments: =?koi8-r?b?8NLJ18XU?= caf\xe9 =?koi8-r?b?8NLJ18XU?= and =?koi8-r?b?8NLJ18XU?=\r\n" +
		"Content-Type: multipart/alternative; boundary=\"b\"\r\n\r\nbody\r\n"
	out, _ := rebuild(t, msg, RebuildOptions{})
	for _, line := range strings.Split(string(out), "\r\n") {
		if line == "" {
			break
		}
		if has8(line) {
			t.Errorf("8-bit header line left: %q", line)
		}
		if len(line) > 78 {
			t.Errorf("header line of %d characters: %q", len(line), line)
		}
	}
	mr, err := mail.CreateReader(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	subj, err := mr.Header.Subject()
	if err != nil || subj != "Café – déjà vu, a rather long subject line that must be folded somewhere" {
		t.Errorf("subject %q %v", subj, err)
	}
	from, err := mr.Header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "Müller, Jürgen" || from[0].Address != "jm@example.de" {
		t.Errorf("from %v %v", from, err)
	}
	to, err := mr.Header.AddressList("To")
	if err != nil || len(to) != 2 || to[0].Name != "こんにちは" || to[1].Address != "plain@example.com" {
		t.Errorf("to %v %v", to, err)
	}
	cc, err := mr.Header.AddressList("Cc")
	if err != nil || len(cc) != 1 || cc[0].Name != "Renée Dupont" {
		t.Errorf("cc %v %v", cc, err)
	}
	if note, err := mr.Header.Text("X-Note"); err != nil || note != "été" {
		t.Errorf("X-Note %q %v", note, err)
	}
	// Encoded-words Eudora left alone are kept, not encoded twice.
	if c, err := mr.Header.Text("Comments"); err != nil || c != "Привет café Привет and Привет" {
		t.Errorf("Comments %q %v", c, err)
	}
	py := pyParse(t, out)
	if py.Subject != "Café – déjà vu, a rather long subject line that must be folded somewhere" || py.From != `"Müller, Jürgen" <jm@example.de>` {
		t.Errorf("python: %q %q", py.Subject, py.From)
	}

	// Mac: MacRoman header bytes.
	out, _ = rebuild(t, cr("From: x@example.com\nSubject: Caf\x8e\nContent-Type: multipart/mixed; boundary=\"b\"\n\nbody\n"), RebuildOptions{Platform: Mac})
	mr, err = mail.CreateReader(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if subj, err := mr.Header.Subject(); err != nil || subj != "Café" || !bytes.Contains(out, []byte("=?macintosh?")) {
		t.Errorf("mac subject %q %v", subj, err)
	}
}

// Item 32: a body labelled UTF-8 that holds Windows-1252 bytes from
// Eudora's squeeze table is repaired to UTF-8; an unlabelled HTML run with
// the same mix too. (The 7.x doubled-tail bug is not repaired: a heuristic
// could damage good text.)
func TestMixedUTF8Repair(t *testing.T) {
	stored := "Price: 10\x80 \x97 caf\xc3\xa9 \xe2\x80\x9cok\xe2\x80\x9d\r\n"
	want := "Price: 10€ — café “ok”\r\n"
	msg := crlf("From: a@example.com\nContent-Type: text/plain; charset=utf-8\n\n") + stored
	out, res := rebuild(t, msg, RebuildOptions{})
	_, parts := mustParse(t, out)
	if parts[0].Params["charset"] != "utf-8" || string(parts[0].Body) != want {
		t.Errorf("%v %q", parts[0].Params, parts[0].Body)
	}
	if !hasProblem(res, ProblemCharsetRepaired) {
		t.Errorf("problems %v", problemCodes(res))
	}
	msg = crlf("From: a@example.com\nContent-Type: multipart/alternative; boundary=\"b\"\n\n<x-html>\n") + "<p>" + stored + "</x-html>\r\n"
	out, _ = rebuild(t, msg, RebuildOptions{})
	_, parts = mustParse(t, out)
	if parts[0].Params["charset"] != "utf-8" || string(parts[0].Body) != "<p>"+want {
		t.Errorf("html %v %q", parts[0].Params, parts[0].Body)
	}
	// ISO-8859-15 with 1252 bytes.
	msg = crlf("From: a@example.com\nContent-Type: text/plain; charset=iso-8859-15\n\n") + "\x80 \xa4 \xbd\r\n"
	out, _ = rebuild(t, msg, RebuildOptions{})
	_, parts = mustParse(t, out)
	if parts[0].Params["charset"] != "utf-8" || string(parts[0].Body) != "€ € œ\r\n" {
		t.Errorf("latin-9 %v %q", parts[0].Params, parts[0].Body)
	}
}

// Item 33: non-Latin text whose label was lost keeps its bytes exactly.
func TestNonLatinUnlabelled(t *testing.T) {
	cases := []struct {
		name, text, charset, decoded string
	}{
		{"koi8-r", "\xf0\xd2\xc9\xd7\xc5\xd4, \xcd\xc9\xd2!\r\n", "windows-1252", ""},
		{"shift_jis", "\x82\xb1\x82\xf1\x82\xc9\x82\xbf\x82\xcd\x81\x42\r\n", "windows-1252", ""},
		{"iso-2022-jp", "\x1b$B$3$s$K$A$O\x1b(B\r\n", "iso-2022-jp", "こんにちは\r\n"},
		{"utf-8", "Привет\r\n", "utf-8", "Привет\r\n"},
	}
	for _, tc := range cases {
		msg := crlf("From: a@example.com\nContent-Type: multipart/mixed; boundary=\"b\"\n\n") + tc.text
		out, res := rebuild(t, msg, RebuildOptions{})
		_, parts := mustParse(t, out)
		if string(parts[0].Body) != tc.text || parts[0].Params["charset"] != tc.charset {
			t.Errorf("%s: %v %q", tc.name, parts[0].Params, parts[0].Body)
		}
		if hasProblem(res, ProblemCharsetRepaired) {
			t.Errorf("%s: repaired", tc.name)
		}
		if tc.decoded != "" {
			mr, err := mail.CreateReader(bytes.NewReader(out))
			if err != nil {
				t.Fatal(err)
			}
			p, err := mr.NextPart()
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			b.ReadFrom(p.Body)
			if b.String() != tc.decoded {
				t.Errorf("%s: decoded %q", tc.name, b.String())
			}
		}
	}
}

// Item 34: Mac bodies are MacRoman.
func TestMacRomanBody(t *testing.T) {
	text := "Caf\x8e cr\x8fme br\x9el\x8ee\r"
	msg := cr("From: a@example.com\nContent-Type: text/plain; charset=iso-8859-1\n\n") + text
	out, _ := rebuild(t, msg, RebuildOptions{Platform: Mac})
	_, parts := mustParse(t, out)
	if parts[0].Params["charset"] != "macintosh" || string(parts[0].Body) != toCRLFString(text) {
		t.Errorf("%v %q", parts[0].Params, parts[0].Body)
	}
	dec, _ := charmap.Macintosh.NewDecoder().String(string(parts[0].Body))
	if dec != "Café crème brûlée\r\n" {
		t.Errorf("decoded %q", dec)
	}
	py := pyParse(t, out)
	if py.Parts[0].Charset != "macintosh" {
		t.Errorf("python charset %q", py.Parts[0].Charset)
	}
}

// Item 35: compositions.
func TestCompositionWindows(t *testing.T) {
	html := "<html>\r\n<body>Hi Bob, <b>plans</b> attached.</body>\r\n</html>\r\n"
	msg := crlf("To: bob@example.com\nFrom: Alice <alice@example.com>\nSubject: Plans\nCc: \nBcc:\nX-Attachments: C:\\Docs\\plan.doc; C:\\Docs\\budget.xls; C:\\Docs\\gone.txt;\nIn-Reply-To: \nReferences: \nMessage-Id: <4.2.0.58.20001011133713.00a6e100@mail.example.com>\nX-Eudora-Signature: <Standard>\nX-Persona: <Work>\n\n") + html
	r := newResolver(map[string]string{"attach/plan.doc": "DOC", "attach/budget.xls": "XLS"})
	date := time.Date(2010, 12, 13, 5, 42, 55, 0, time.FixedZone("EST", -5*3600))
	out, res := rebuild(t, msg, RebuildOptions{Composition: true, Resolver: r, Date: date})
	h, parts := mustParse(t, out)
	for _, k := range []string{"Cc", "Bcc", "In-Reply-To", "References"} {
		if h.Has(k) {
			t.Errorf("empty %s kept", k)
		}
	}
	if h.Get("Date") != "Mon, 13 Dec 2010 05:42:55 -0500" {
		t.Errorf("Date %q", h.Get("Date"))
	}
	if !bytes.Contains(out, []byte("\r\nMessage-ID: <4.2.0.58.20001011133713.00a6e100@mail.example.com>\r\n")) {
		t.Error("Message-ID not normalised")
	}
	if h.Get("X-Attachments") != `C:\Docs\gone.txt;` {
		t.Errorf("X-Attachments %q", h.Get("X-Attachments"))
	}
	if h.Get("X-Eudora-Signature") != "<Standard>" {
		t.Error("Eudora field lost")
	}
	if len(parts) != 3 || parts[0].Type != "text/html" || string(parts[0].Body) != html ||
		parts[1].Type != "application/msword" || string(parts[1].Body) != "DOC" || parts[2].DParams["filename"] != "budget.xls" {
		t.Errorf("parts %+v", parts)
	}
	py := pyParse(t, out)
	if len(py.Parts) != 3 || py.Parts[2].Filename != "budget.xls" || string(py.Parts[1].payload(t)) != "DOC" {
		t.Errorf("python %+v", py.Parts)
	}
	if !hasProblem(res, ProblemMissingAttachment) {
		t.Errorf("problems %v", problemCodes(res))
	}

	// Mac entries, Message-Id without brackets, no date given, flowed hint.
	msg = cr("To: bob@example.com\nFrom: alice@example.com\nSubject: notes\nCc: \nX-Attachments: :Macintosh HD:1234:Plan Notes.txt: :Macintosh HD:1234:photo.jpg:\nMessage-Id: abc.123@mac.example.com\n\nSee you \nsoon.\n")
	r = newResolver(map[string]string{"attach/Plan Notes.txt": "a\rb\r", "attach/photo.jpg": "JPG"})
	out, res = rebuild(t, msg, RebuildOptions{Composition: true, Platform: Mac, Resolver: r, Flowed: true})
	h, parts = mustParse(t, out)
	if h.Get("Message-Id") != "<abc.123@mac.example.com>" || h.Has("X-Attachments") || h.Has("Date") {
		t.Errorf("header %v", h)
	}
	if !hasProblem(res, ProblemNoDate) {
		t.Errorf("problems %v", problemCodes(res))
	}
	if len(parts) != 3 || parts[0].Params["format"] != "flowed" || string(parts[0].Body) != "See you \r\nsoon.\r\n" ||
		string(parts[1].Body) != "a\r\nb\r\n" || parts[1].DParams["filename"] != "Plan Notes.txt" || parts[2].Type != "image/jpeg" {
		t.Errorf("mac parts %+v", parts)
	}

	// X-EmbeddedContent: an image the HTML refers to by cid.
	cid := "4.2.0.58.0.20001011@mail.example.com"
	msg = crlf("To: \nFrom: alice@example.com\nSubject: pic\nX-Attachments: \nX-EmbeddedContent: <cid:" + cid + "=C:\\Eudora\\Embedded\\pic.gif>\n\n<html><img src=\"cid:" + cid + "\"></html>\n")
	r = newResolver(map[string]string{"embedded/pic.gif": "GIF"})
	out, _ = rebuild(t, msg, RebuildOptions{Composition: true, Resolver: r, Date: date})
	h, parts = mustParse(t, out)
	if len(parts) != 2 || parts[1].Header.Get("Content-ID") != "<"+cid+">" || len(parts[1].Parents) != 1 || parts[1].Parents[0] != "multipart/related" ||
		h.Has("X-EmbeddedContent") || h.Has("X-Attachments") || h.Has("To") {
		t.Errorf("embedded composition %+v", parts)
	}
}

// Item 36: received mail without Date gets the one the caller derived.
func TestReceivedWithoutDate(t *testing.T) {
	msg := crlf("From: a@example.com\nContent-Type: multipart/alternative; boundary=\"b\"\n\nx\n")
	out, res := rebuild(t, msg, RebuildOptions{Date: time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)})
	h, _ := mustParse(t, out)
	if h.Get("Date") != "Sat, 03 Feb 2001 04:05:06 +0000" || hasProblem(res, ProblemNoDate) {
		t.Errorf("Date %q", h.Get("Date"))
	}
}

// Item 37: NUL padding (Eudora_fix_mbx, crash damage) is dropped from text.
func TestNULPadding(t *testing.T) {
	msg := crlf("From: a@example.com\nContent-Type: multipart/alternative; boundary=\"b\"\n\nHello\n") + "\x00\x00\x00\x00"
	out, res := rebuild(t, msg, RebuildOptions{})
	_, parts := mustParse(t, out)
	if string(parts[0].Body) != "Hello\r\n" || !hasProblem(res, ProblemNULDropped) {
		t.Errorf("%q %v", parts[0].Body, problemCodes(res))
	}
}

// Non-ASCII and long file names use RFC 2231 (with an ASCII fallback);
// go-message's parser and Python both read them back.
func TestNonASCIIFileNames(t *testing.T) {
	long := strings.Repeat("very long name ", 8) + "r\xe9sum\xe9.pdf"
	msg := crlf("From: a@example.com\nContent-Type: multipart/mixed; boundary=\"b\"\n\nx\n") +
		"\r\nAttachment Converted: \"C:\\Eudora\\attach\\Caf\xe9 men\xfc.pdf\"\r\n" +
		"\r\nAttachment Converted: \"C:\\Eudora\\attach\\" + long + "\"\r\n"
	wantLong := strings.Repeat("very long name ", 8) + "résumé.pdf"
	r := newResolver(map[string]string{"attach/Café menü.pdf": "A", "attach/" + wantLong: "B"})
	out, res := rebuild(t, msg, RebuildOptions{Resolver: r})
	if len(res.Problems) != 0 {
		t.Fatalf("problems %v", problemCodes(res))
	}
	_, parts := mustParse(t, out)
	if parts[1].DParams["filename"] != "Café menü.pdf" || parts[2].DParams["filename"] != wantLong {
		t.Errorf("filenames %q %q", parts[1].DParams["filename"], parts[2].DParams["filename"])
	}
	if parts[1].Params["name"] != "Café menü.pdf" {
		t.Errorf("name %q", parts[1].Params["name"])
	}
	for _, line := range strings.Split(string(out), "\r\n") {
		if len(line) > 78 || has8(line) {
			t.Errorf("header line %q", line)
		}
	}
	py := pyParse(t, out)
	if py.Parts[1].Filename != "Café menü.pdf" || py.Parts[2].Filename != wantLong {
		t.Errorf("python filenames %q %q", py.Parts[1].Filename, py.Parts[2].Filename)
	}
}
