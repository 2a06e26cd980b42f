package mime

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
)

// BenchmarkRebuild rebuilds a typical received HTML message: a 100 KB
// Windows-1252 HTML body with one embedded image (256 KB) and one
// attachment (1 MB). Bytes counted: stored message plus files.
func BenchmarkRebuild(b *testing.B) {
	cid := "part1.08010409.03060503@arlut.utexas.edu"
	var html strings.Builder
	html.WriteString("<html><body><img src=\"cid:" + cid + "\">\r\n")
	for html.Len() < 100<<10 {
		html.WriteString("<p>Caf\xe9 cr\xe8me, a paragraph of newsletter text with \x93quotes\x94 and more words.</p>\r\n")
	}
	html.WriteString("</body></html>\r\n")
	msg := crlf("Received: from a by b; Mon, 13 Dec 2010 05:42:55 -0500\nFrom: \"M\xfcller\" <m@example.de>\nSubject: Newsletter \x96 December\nContent-Type: multipart/alternative; boundary=\"x\"\n\n") +
		"<x-html>\r\n" + html.String() + "</x-html>\r\n\r\n" +
		fmt.Sprintf("Embedded Content: pic.jpg: 00000001,%08x,00000000,00000000\r\n", EudoraHash(cid)) +
		"\r\nAttachment Converted: \"C:\\Eudora\\attach\\report.pdf\"\r\n"
	img := strings.Repeat("\xff\xd8\xff\xe0JFIF", 256<<10/8)
	pdf := strings.Repeat("%PDF-1.4 binary \x00\x01\x02", 1<<20/19)
	r := newResolver(map[string]string{"embedded/pic.jpg": img, "attach/report.pdf": pdf})
	b.SetBytes(int64(len(msg) + len(img) + len(pdf)))
	b.ReportAllocs()
	for b.Loop() {
		res, err := Rebuild(context.Background(), strings.NewReader(msg), RebuildOptions{Resolver: r})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, res); err != nil {
			b.Fatal(err)
		}
		res.Close()
	}
}

// BenchmarkTokenizer measures the body tokenizer alone on plain text.
func BenchmarkTokenizer(b *testing.B) {
	body := strings.Repeat("An ordinary line of text in a stored Eudora message body.\r\n", 20000)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		tz := newTokenizer(strings.NewReader(body), Windows, Limits{})
		for {
			if _, err := tz.Next(); err != nil {
				break
			}
		}
	}
}

// BenchmarkSniffText sniffs a 1 MB extension-less text attachment, the
// costly case: every byte is checked. Bytes counted: the file.
func BenchmarkSniffText(b *testing.B) {
	data := strings.Repeat("Gr\xc3\xbc\xc3\x9fe aus Berlin, a line of an extension-less text attachment.\r\n", 1<<20/72)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		s, err := SniffContentType(strings.NewReader(data), "windows-1252")
		if err != nil || s.Charset != "utf-8" {
			b.Fatal(s, err)
		}
	}
}
