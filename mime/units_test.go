package mime

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

// TestEudoraHash checks the two vectors docs/formats/eudora.md §2.8 verified against real
// stores.
func TestEudoraHash(t *testing.T) {
	if h := EudoraHash("part1.08010409.03060503@arlut.utexas.edu"); h != 0x277BFD3A {
		t.Errorf("hash = %#x, want 0x277BFD3A", h)
	}
	if h := EudoraHash(""); h != 1 {
		t.Errorf("hash(\"\") = %d, want 1", h)
	}
	// One bit: "\x01" is 1 mod P, plus one.
	if h := EudoraHash("\x01"); h != 2 {
		t.Errorf("hash(\\x01) = %d, want 2", h)
	}
}

func TestParseMarker(t *testing.T) {
	tests := []struct {
		line string
		p    Platform
		kind MarkerKind
		want Ref
	}{
		{`Attachment Converted: "c:\users\broccol\appdata\roaming\qualcomm\eudora\attach\stevan_white"`, Windows, FileMarker,
			Ref{Kind: RefAttachment, Path: `c:\users\broccol\appdata\roaming\qualcomm\eudora\attach\stevan_white`, Name: "stevan_white"}},
		{`Attachment Converted: D:\Old PC\Eudora\Attach\report 2001.doc`, Windows, FileMarker,
			Ref{Kind: RefAttachment, Path: `D:\Old PC\Eudora\Attach\report 2001.doc`, Name: "report 2001.doc"}},
		{`Attachment converted: "C:\EUDORA\ATTACH\A.PDF"`, Windows, FileMarker,
			Ref{Kind: RefAttachment, Path: `C:\EUDORA\ATTACH\A.PDF`, Name: "A.PDF"}},
		{`ATTACHMENT CONVERTED: "C:\x\b.txt"`, Windows, FileMarker,
			Ref{Kind: RefAttachment, Path: `C:\x\b.txt`, Name: "b.txt"}},
		{"Pi\xe8ce jointe convertie : \"C:\\Eudora\\attach\\facture.pdf\"", Windows, FileMarker,
			Ref{Kind: RefAttachment, Path: `C:\Eudora\attach\facture.pdf`, Name: "facture.pdf"}},
		{"Pi\u00e8ce jointe convertie : \"C:\\Eudora\\attach\\devis.pdf\"", Windows, FileMarker,
			Ref{Kind: RefAttachment, Path: `C:\Eudora\attach\devis.pdf`, Name: "devis.pdf"}},
		{"\x95\x9c\x8c\xb3\x82\xb3\x82\xea\x82\xbd\x93\x59\x95\x74\x83\x74\x83\x40\x83\x43\x83\x8b\x81\x46 \"C:\\Eudora\\attach\\mitsumori.xls\"", Windows, FileMarker,
			Ref{Kind: RefAttachment, Path: `C:\Eudora\attach\mitsumori.xls`, Name: "mitsumori.xls"}},
		{"Attachment Converted: \"C:\\Eudora\\attach\\Caf\xe9.doc\"", Windows, FileMarker,
			Ref{Kind: RefAttachment, Path: "C:\\Eudora\\attach\\Caf\xe9.doc", Name: "Café.doc"}},
		{`Embedded Content: kate_halloween.jpg: 00000001,277bfd3a,00000000,00000000`, Windows, FileMarker,
			Ref{Kind: RefEmbedded, Path: "kate_halloween.jpg", Name: "kate_halloween.jpg", Hashes: [4]uint32{1, 0x277bfd3a, 0, 0}}},
		{`Attachment Converted: chart.gif: 00000002,0000abcd,00000000,1234abcd`, Windows, FileMarker,
			Ref{Kind: RefEmbedded, Path: "chart.gif", Name: "chart.gif", Hashes: [4]uint32{2, 0xabcd, 0, 0x1234abcd}}},
		{`Eudora Information: "C:\Eudora\reginfo.txt"`, Windows, FileMarker,
			Ref{Kind: RefAttachment, Path: `C:\Eudora\reginfo.txt`, Name: "reginfo.txt"}},
		{`Attachment converted: Macintosh HD:Report.pdf (PDF /CARO) (0001A2B3)`, Mac, FileMarker,
			Ref{Kind: RefAttachment, Path: "Macintosh HD:Report.pdf", Name: "Report.pdf", MacType: "PDF ", MacCreator: "CARO", MacFileID: 0x1a2b3}},
		{`Attachment converted: Macintosh HD:notes (    /    ) (00000042)`, Mac, FileMarker,
			Ref{Kind: RefAttachment, Path: "Macintosh HD:notes", Name: "notes", MacType: "    ", MacCreator: "    ", MacFileID: 0x42}},
		{"Attachment converted: HD:r\x8esum\x8e (TEXT/\xa5\xa5\xa5\xa5) (00000010)", Mac, FileMarker,
			Ref{Kind: RefAttachment, Path: "HD:r\x8esum\x8e", Name: "résumé", MacType: "TEXT", MacCreator: "\xa5\xa5\xa5\xa5", MacFileID: 0x10}},
		{`Attachment converted: HD:tools.arlut.utexas.edu/gash2/ (TEXT/MSIE) (00012345)`, Mac, FileMarker,
			Ref{Kind: RefAttachment, Path: "HD:tools.arlut.utexas.edu/gash2/", Name: "tools.arlut.utexas.edu:gash2:", MacType: "TEXT", MacCreator: "MSIE", MacFileID: 0x12345}},
		{`Attachment converted: Macintosh HD:IRD Projec REVIEWS sc#D8D4B.xls (XLS8/XCEL) (000D8D4B)`, Mac, FileMarker,
			Ref{Kind: RefAttachment, Path: "Macintosh HD:IRD Projec REVIEWS sc#D8D4B.xls", Name: "IRD Projec REVIEWS sc#D8D4B.xls", MacType: "XLS8", MacCreator: "XCEL", MacFileID: 0xd8d4b}},
		{`Attachment converted: Mac HD:old file (Type: 'TEXT' Creator: 'ttxt')`, Mac, FileMarker,
			Ref{Kind: RefAttachment, Path: "Mac HD:old file", Name: "old file", MacType: "TEXT", MacCreator: "ttxt"}},
		{`Related: :Macintosh HD:kate_halloween.jpg:0022466E:277BFD3A:00000000:00000000`, Mac, FileMarker,
			Ref{Kind: RefRelated, Path: ":Macintosh HD:kate_halloween.jpg", Name: "kate_halloween.jpg", MacFileID: 0x22466e, Hashes: [4]uint32{0x22466e, 0x277bfd3a, 0, 0}}},
		{`Related: :HD:my%20photo%2Fx.jpg:00000001:00000002:00000003:00000004`, Mac, FileMarker,
			Ref{Kind: RefRelated, Path: ":HD:my%20photo%2Fx.jpg", Name: "my photo:x.jpg", MacFileID: 1, Hashes: [4]uint32{1, 2, 3, 4}}},
		// Spoofs and non-markers.
		{`#Attachment Converted: "c:\eudora\attach\x.exe"`, Windows, SpoofedMarker, Ref{}},
		{`Attachment Converted&#058; "c:\eudora\attach\x.exe"`, Windows, SpoofedMarker, Ref{}},
		{`#Embedded Content: a.jpg: 00000001,00000002,00000000,00000000`, Windows, SpoofedMarker, Ref{}},
		{`Run Plugin:"C:\Eudora\plugin.tmp 1 2"`, Windows, PluginMarker, Ref{}},
		{`Attachment Converted: ""`, Windows, NoMarker, Ref{}},
		{`Attachment Converted:`, Windows, NoMarker, Ref{}},
		{`Embedded Content: no hashes here`, Windows, NoMarker, Ref{}},
		{`Related: this is just a word`, Mac, NoMarker, Ref{}},
		{`RelAted::0:0:0:0`, Mac, NoMarker, Ref{}},                                                                                          // fuzz crasher: nothing before the hashes
		{`AttAChment Converted:000 (Type: ')`, Windows, FileMarker, Ref{Kind: RefAttachment, Path: "000 (Type: ')", Name: "000 (Type: ')"}}, // fuzz crasher: truncated Eudora 1.x tail
		{`Attachments converted: nope`, Windows, NoMarker, Ref{}},
		{` Attachment Converted: "c:\x\indented.txt"`, Windows, NoMarker, Ref{}},
		{`Regards,`, Windows, NoMarker, Ref{}},
		{`EmBedded Content:.:0,0,0,0`, Windows, NoMarker, Ref{}}, // fuzz: "." is no file name
		{`Attachment Converted: "c:\x\.."`, Windows, NoMarker, Ref{}},
	}
	for _, tc := range tests {
		got, kind := ParseMarker(tc.line, tc.p)
		if kind != tc.kind {
			t.Errorf("%q: kind %d, want %d", tc.line, kind, tc.kind)
			continue
		}
		if kind != FileMarker {
			continue
		}
		tc.want.Line = tc.line
		if got != tc.want {
			t.Errorf("%q:\n got %+v\nwant %+v", tc.line, got, tc.want)
		}
	}
}

func TestParseXAttachments(t *testing.T) {
	refs, bad := ParseXAttachments(`C:\Docs\plan.doc; C:\My Documents\budget 2001.xls;`, Windows)
	if len(bad) != 0 || len(refs) != 2 || refs[0].Name != "plan.doc" || refs[1].Name != "budget 2001.xls" || refs[1].Path != `C:\My Documents\budget 2001.xls` {
		t.Errorf("windows: %+v %v", refs, bad)
	}
	refs, bad = ParseXAttachments(`:Macintosh HD:1234:Plan Notes.txt: :Macintosh HD:99:a/b.jpg:`, Mac)
	if len(bad) != 0 || len(refs) != 2 || refs[0].Name != "Plan Notes.txt" || refs[1].Name != "a:b.jpg" || refs[0].Path != ":Macintosh HD:1234:Plan Notes.txt:" {
		t.Errorf("mac: %+v %v", refs, bad)
	}
	refs, bad = ParseXAttachments(`:HD:x:y: :HD:12:ok.txt:`, Mac)
	if len(refs) != 1 || refs[0].Name != "ok.txt" || len(bad) != 1 {
		t.Errorf("mac bad entry: %+v %v", refs, bad)
	}
	if refs, bad := ParseXAttachments("  ", Windows); refs != nil || bad != nil {
		t.Errorf("empty: %v %v", refs, bad)
	}
	refs, bad = ParseXEmbeddedContent(`<cid:4.2.0.58.20001011@mail.x.com=C:\Eudora\Embedded\pic.gif>  <cid:b@x=C:\E\two.png> junk`, Windows)
	if len(refs) != 2 || refs[0].CID != "4.2.0.58.20001011@mail.x.com" || refs[0].Name != "pic.gif" ||
		refs[0].Hashes[1] != EudoraHash("4.2.0.58.20001011@mail.x.com") || refs[1].Name != "two.png" || len(bad) != 1 {
		t.Errorf("embedded: %+v %v", refs, bad)
	}
}

func TestContentTypes(t *testing.T) {
	for ext, want := range map[string]string{".PDF": "application/pdf", "jpg": "image/jpeg", "htm": "text/html", "xyz": ""} {
		if got := TypeByExtension(ext); got != want {
			t.Errorf("TypeByExtension(%q) = %q, want %q", ext, got, want)
		}
	}
	for mt, want := range map[string]string{"TEXT": "text/plain", "PDF ": "application/pdf", "JPEG": "image/jpeg", "    ": "", "zzzz": ""} {
		if got := TypeByMacType(mt); got != want {
			t.Errorf("TypeByMacType(%q) = %q, want %q", mt, got, want)
		}
	}
	if got := contentTypeFor("notes", "TEXT", "", "application/pdf"); got != "text/plain" {
		t.Errorf("mac type fallback: %s", got)
	}
	if got := contentTypeFor("Untitled", "", "", ""); got != "application/octet-stream" {
		t.Errorf("default: %s", got)
	}
	// The content decides before the creator; the creator before the default.
	if got := contentTypeFor("Untitled", "BINA", "MSWD", "image/png"); got != "image/png" {
		t.Errorf("sniffed: %s", got)
	}
	if got := contentTypeFor("Untitled", "    ", "MSWD", "application/octet-stream"); got != "application/msword" {
		t.Errorf("creator: %s", got)
	}
	if got := contentTypeFor("data.bin", "", "", "application/zip"); got != "application/zip" {
		t.Errorf("octet-stream extension: %s", got)
	}
}

// tokens collects all tokens of body.
func tokens(t *testing.T, body string, p Platform, lim Limits) []bodyToken {
	t.Helper()
	tz := newTokenizer(strings.NewReader(body), p, lim)
	var out []bodyToken
	var all bytes.Buffer
	for {
		tok, err := tz.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if tok.Offset != int64(all.Len()) {
			t.Fatalf("token at %d, want %d", tok.Offset, all.Len())
		}
		all.Write(tok.Raw)
		tok.Raw = append([]byte(nil), tok.Raw...)
		out = append(out, tok)
	}
	if all.String() != body {
		t.Fatalf("tokens do not add up to the body:\n%q\n%q", all.String(), body)
	}
	return out
}

func TestTokenizer(t *testing.T) {
	body := crlf("intro\n<x-html>\n<BASE HREF=\"http://b/\">\n<p>x</p>\n</x-html>\n\nAttachment Converted: \"c:\\a\\b.pdf\"\n#Attachment Converted: \"c:\\a\\c.pdf\"\n")
	toks := tokens(t, body, Windows, Limits{})
	type k struct {
		kind tokenKind
		run  runKind
		raw  string
	}
	want := []k{
		{tokText, runNone, "intro\r\n"},
		{tokOpen, runHTML, "<x-html>\r\n"},
		{tokBase, runHTML, "<BASE HREF=\"http://b/\">\r\n"},
		{tokText, runHTML, "<p>x</p>\r\n"},
		{tokClose, runHTML, "</x-html>\r\n"},
		{tokText, runNone, "\r\n"},
		{tokMarker, runNone, "Attachment Converted: \"c:\\a\\b.pdf\"\r\n"},
		{tokText, runNone, "#Attachment Converted: \"c:\\a\\c.pdf\"\r\n"},
	}
	if len(toks) != len(want) {
		t.Fatalf("%d tokens, want %d: %+v", len(toks), len(want), toks)
	}
	for i, w := range want {
		if toks[i].Kind != w.kind || toks[i].Run != w.run || string(toks[i].Raw) != w.raw {
			t.Errorf("token %d = %v %v %q, want %v %v %q", i, toks[i].Kind, toks[i].Run, toks[i].Raw, w.kind, w.run, w.raw)
		}
	}
	if toks[2].Base != "http://b/" || toks[6].Ref.Name != "b.pdf" || toks[7].Marker != SpoofedMarker {
		t.Errorf("base %q ref %+v marker %d", toks[2].Base, toks[6].Ref, toks[7].Marker)
	}

	// Mac: glued tags, pete, CR line ends, x-charset, glued closing tag.
	body = cr("<x-flowed UTF-8>Gr\xc3\xbc\xc3\x9fe \nzweite</x-flowed>\n<x-html><!x-stuff-for-pete base=\"http://m/\" src=\"\" id=\"1\" charset=\"iso-8859-1/macintosh\">\n<b>x</b>\n</x-html>\n<x-charset iso-8859-2>\xb1\n</x-charset>\n")
	toks = tokens(t, body, Mac, Limits{})
	want = []k{
		{tokOpen, runFlowed, "<x-flowed UTF-8>"},
		{tokText, runFlowed, "Gr\xc3\xbc\xc3\x9fe \r"},
		{tokText, runFlowed, "zweite"},
		{tokClose, runFlowed, "</x-flowed>\r"},
		{tokOpen, runHTML, "<x-html><!x-stuff-for-pete base=\"http://m/\" src=\"\" id=\"1\" charset=\"iso-8859-1/macintosh\">\r"},
		{tokText, runHTML, "<b>x</b>\r"},
		{tokClose, runHTML, "</x-html>\r"},
		{tokOpen, runCharset, "<x-charset iso-8859-2>"},
		{tokText, runCharset, "\xb1\r"},
		{tokClose, runCharset, "</x-charset>\r"},
	}
	if len(toks) != len(want) {
		t.Fatalf("mac: %d tokens, want %d: %+v", len(toks), len(want), toks)
	}
	for i, w := range want {
		if toks[i].Kind != w.kind || toks[i].Run != w.run || string(toks[i].Raw) != w.raw {
			t.Errorf("mac token %d = %v %v %q, want %v %v %q", i, toks[i].Kind, toks[i].Run, toks[i].Raw, w.kind, w.run, w.raw)
		}
	}
	if toks[0].Charset != "UTF-8" || toks[4].Base != "http://m/" || toks[4].Charset != "iso-8859-1/macintosh" || toks[7].Charset != "iso-8859-2" {
		t.Errorf("tag attributes: %q %q %q %q", toks[0].Charset, toks[4].Base, toks[4].Charset, toks[7].Charset)
	}

	// Unmatched closing tag and lone CR/LF mixes stay text.
	toks = tokens(t, "a\r\n</x-html>\nb\rc", Windows, Limits{})
	for _, tok := range toks {
		if tok.Kind != tokText {
			t.Errorf("unexpected %v %q", tok.Kind, tok.Raw)
		}
	}
	if len(toks) != 4 {
		t.Errorf("%d lines, want 4", len(toks))
	}
}

// TestTokenizerLongLines: a line longer than MaxLineBytes is cut, the cut
// pieces are never markers, and nothing is lost; a UTF-8 sequence is not
// split.
func TestTokenizerLongLines(t *testing.T) {
	marker := `Attachment Converted: "c:\x\y.pdf"`
	body := marker + "\r\n" + strings.Repeat("é", 20) + "\r\n"
	// Limit exactly the marker length: still a marker.
	toks := tokens(t, body, Windows, Limits{MaxLineBytes: len(marker)})
	if toks[0].Kind != tokMarker {
		t.Errorf("marker at the limit not recognised: %+v", toks[0])
	}
	// One less: the line is cut and stays text.
	toks = tokens(t, body, Windows, Limits{MaxLineBytes: len(marker) - 1})
	if toks[0].Kind != tokText || !toks[0].Cut {
		t.Errorf("over-long marker line: %+v", toks[0])
	}
	for _, tok := range toks {
		if tok.Kind == tokMarker {
			t.Errorf("piece taken for a marker: %q", tok.Raw)
		}
	}
	// A cut never splits "é" (2 bytes) with an odd limit.
	toks = tokens(t, strings.Repeat("é", 20), Windows, Limits{MaxLineBytes: 7})
	for _, tok := range toks {
		if !utf8ValidBytes(tok.Raw) {
			t.Errorf("cut inside a UTF-8 sequence: %q", tok.Raw)
		}
	}
}

func utf8ValidBytes(b []byte) bool { return strings.ToValidUTF8(string(b), "\uFFFD") == string(b) }

// TestTokenizerReadError: an I/O error of the body reader is returned.
func TestTokenizerReadError(t *testing.T) {
	tz := newTokenizer(io.MultiReader(strings.NewReader("line\r\npartial"), errReader{}), Windows, Limits{})
	var err error
	for err == nil {
		_, err = tz.Next()
	}
	if !errors.Is(err, errBoom) {
		t.Fatalf("err = %v, want errBoom", err)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errBoom }
