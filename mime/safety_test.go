package mime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
	"strings"
	"testing"
)

// A file that cannot be used never disappears: the marker line (with the
// blank line Eudora put before it) stays in the text, and the problem is
// recorded with its code.
func TestUnusableFilesStayAsText(t *testing.T) {
	body := "Before.\r\n\r\nAttachment Converted: \"C:\\Eudora\\attach\\missing.pdf\"\r\n\r\nAttachment Converted: \"C:\\Eudora\\attach\\evil\"\r\n\r\nAttachment Converted: \"C:\\Eudora\\attach\\broken.doc\"\r\n\r\nAttachment Converted: \"C:\\Eudora\\attach\\ok.txt\"\r\nAfter.\r\n"
	msg := crlf("From: a@example.com\nContent-Type: multipart/mixed; boundary=\"b\"\n\n") + body
	r := newResolver(map[string]string{"attach/ok.txt": "fine"})
	r.refuse["evil"] = true
	res := &failingResolver{memResolver: r, fail: "broken.doc"}
	out, result := rebuild(t, msg, RebuildOptions{Resolver: res})
	_, parts := mustParse(t, out)
	wantText := "Before.\r\n\r\nAttachment Converted: \"C:\\Eudora\\attach\\missing.pdf\"\r\n\r\nAttachment Converted: \"C:\\Eudora\\attach\\evil\"\r\n\r\nAttachment Converted: \"C:\\Eudora\\attach\\broken.doc\"\r\n"
	if len(parts) != 3 || string(parts[0].Body) != wantText || string(parts[1].Body) != "fine" || string(parts[2].Body) != "After.\r\n" {
		t.Fatalf("parts: %d %q", len(parts), parts[0].Body)
	}
	for _, c := range []string{ProblemMissingAttachment, ProblemOutsideRoot, ProblemUnreadableAttachment} {
		if !hasProblem(result, c) {
			t.Errorf("no %s in %v", c, problemCodes(result))
		}
	}
	for _, p := range result.Problems {
		if p.Ref == nil || p.Offset <= 0 || !strings.HasPrefix(msg[p.Offset:], "Attachment Converted:") {
			t.Errorf("problem %s does not point at its marker: %+v", p.Code, p)
		}
	}
	if len(result.Refs) != 4 {
		t.Errorf("%d refs", len(result.Refs))
	}

	// No resolver: every reference is missing, the body is all text.
	out, result = rebuild(t, msg, RebuildOptions{})
	_, parts = mustParse(t, out)
	if len(parts) != 1 || string(parts[0].Body) != body {
		t.Errorf("nil resolver: %q", parts[0].Body)
	}
	if n := len(result.Problems); n != 4 {
		t.Errorf("%d problems", n)
	}
}

type failingResolver struct {
	*memResolver
	fail string
}

func (f *failingResolver) Open(ref Ref) (io.ReadCloser, int64, error) {
	if ref.Name == f.fail {
		return nil, 0, fmt.Errorf("permission denied: %w", fs.ErrPermission)
	}
	return f.memResolver.Open(ref)
}

// A marker inside a tagged run pulls its file; the run goes on around it.
// If the file is missing the line stays in place in the HTML.
func TestMarkerInsideRun(t *testing.T) {
	msg := crlf("From: a@example.com\nContent-Type: text/html\n\n<x-html>\n<p>one</p>\nAttachment Converted: \"C:\\Eudora\\attach\\x.pdf\"\n<p>two</p>\n</x-html>\n")
	out, _ := rebuild(t, msg, RebuildOptions{Resolver: newResolver(map[string]string{"attach/x.pdf": "PDF"})})
	_, parts := mustParse(t, out)
	if len(parts) != 2 || string(parts[0].Body) != "<p>one</p>\r\n<p>two</p>\r\n" || string(parts[1].Body) != "PDF" {
		t.Errorf("%+v", parts)
	}
	out, _ = rebuild(t, msg, RebuildOptions{})
	_, parts = mustParse(t, out)
	if len(parts) != 1 || string(parts[0].Body) != "<p>one</p>\r\nAttachment Converted: \"C:\\Eudora\\attach\\x.pdf\"\r\n<p>two</p>\r\n" {
		t.Errorf("missing: %+v", parts)
	}
}

// The <meta> charset is rewritten when the label differs from it.
func TestMetaCharsetRewritten(t *testing.T) {
	html := "<html><head><meta charset=\"iso-8859-1\"></head><body>caf\xc3\xa9</body></html>\r\n"
	msg := crlf("From: a@example.com\nContent-Type: multipart/alternative; boundary=\"b\"\n\n<x-html>\n") + html + "</x-html>\r\n"
	out, _ := rebuild(t, msg, RebuildOptions{})
	_, parts := mustParse(t, out)
	want := strings.Replace(html, "iso-8859-1", "utf-8", 1)
	if parts[0].Params["charset"] != "utf-8" || string(parts[0].Body) != want {
		t.Errorf("%v %q", parts[0].Params, parts[0].Body)
	}
}

// Limits, each tested at its value and one below.
func TestLimits(t *testing.T) {
	t.Run("MaxHeaderBytes", func(t *testing.T) {
		hdr := "From: a@example.com\r\nSubject: caf\xe9\r\n\r\n"
		msg := hdr + "x\r\n"
		_, res := rebuild(t, msg, RebuildOptions{Limits: Limits{MaxHeaderBytes: len(hdr)}})
		if !res.Rebuilt || hasProblem(res, ProblemLimit) {
			t.Errorf("at the limit: rebuilt=%v %v", res.Rebuilt, problemCodes(res))
		}
		out, res := rebuild(t, msg, RebuildOptions{Limits: Limits{MaxHeaderBytes: len(hdr) - 1}})
		if res.Rebuilt || !hasProblem(res, ProblemLimit) || string(out) != msg {
			t.Errorf("over the limit: rebuilt=%v %v", res.Rebuilt, problemCodes(res))
		}
		if _, err := ScanRefs(strings.NewReader("X-Big: "+strings.Repeat("a", DefaultMaxHeaderBytes)+"\r\n\r\n"), Windows); !errors.Is(err, errLimit) {
			t.Errorf("ScanRefs: %v", err)
		}
	})
	t.Run("MaxLineBytes", func(t *testing.T) {
		line := "Attachment Converted: \"C:\\Eudora\\attach\\a.pdf\""
		msg := crlf("From: a@example.com\nContent-Type: multipart/mixed; boundary=\"b\"\n\n") + line + "\r\n"
		r := newResolver(map[string]string{"attach/a.pdf": "PDF"})
		out, _ := rebuild(t, msg, RebuildOptions{Resolver: r, Limits: Limits{MaxLineBytes: len(line)}})
		if _, parts := mustParse(t, out); len(parts) != 1 || string(parts[0].Body) != "PDF" {
			t.Errorf("at the limit: %+v", parts)
		}
		out, _ = rebuild(t, msg, RebuildOptions{Resolver: r, Limits: Limits{MaxLineBytes: len(line) - 1}})
		if _, parts := mustParse(t, out); len(parts) != 1 || string(parts[0].Body) != line+"\r\n" {
			t.Errorf("over the limit: %+v", parts)
		}
	})
	t.Run("MaxParts", func(t *testing.T) {
		// Three parts: html, attachment, flowed.
		msg := crlf("From: a@example.com\nContent-Type: multipart/mixed; boundary=\"b\"\n\n<x-html>\n<p>a</p>\n</x-html>\nAttachment Converted: \"C:\\E\\a.pdf\"\n<x-flowed>\nrest \n</x-flowed>\n")
		r := newResolver(map[string]string{"attach/a.pdf": "PDF"})
		out, res := rebuild(t, msg, RebuildOptions{Resolver: r, Limits: Limits{MaxParts: 3}})
		if _, parts := mustParse(t, out); len(parts) != 3 || hasProblem(res, ProblemLimit) {
			t.Errorf("at the limit: %d parts %v", len(parts), problemCodes(res))
		}
		out, res = rebuild(t, msg, RebuildOptions{Resolver: r, Limits: Limits{MaxParts: 2}})
		_, parts := mustParse(t, out)
		if len(parts) != 3 || !hasProblem(res, ProblemLimit) || string(parts[2].Body) != "<x-flowed>\r\nrest \r\n</x-flowed>\r\n" || parts[2].Params["format"] != "" {
			t.Errorf("over the limit: %d parts %v %q", len(parts), problemCodes(res), parts[len(parts)-1].Body)
		}
	})
	t.Run("MaxNesting", func(t *testing.T) {
		msg := crlf("From: a@example.com\nContent-Type: multipart/mixed; boundary=\"b\"\n\n<x-flowed>\nouter \n<x-html>\n<p>in</p>\n</x-html>\n</x-flowed>\n")
		out, res := rebuild(t, msg, RebuildOptions{Limits: Limits{MaxNesting: 2}})
		if _, parts := mustParse(t, out); len(parts) != 2 || parts[1].Type != "text/html" || hasProblem(res, ProblemLimit) {
			t.Errorf("at the limit: %+v %v", parts, problemCodes(res))
		}
		out, res = rebuild(t, msg, RebuildOptions{Limits: Limits{MaxNesting: 1}})
		_, parts := mustParse(t, out)
		if len(parts) != 1 || !hasProblem(res, ProblemLimit) || string(parts[0].Body) != "outer \r\n<x-html>\r\n<p>in</p>\r\n</x-html>\r\n" {
			t.Errorf("over the limit: %+v %v", parts, problemCodes(res))
		}
	})
	t.Run("MaxAttachments", func(t *testing.T) {
		msg := crlf("From: a@example.com\nContent-Type: multipart/mixed; boundary=\"b\"\n\nx\n\nAttachment Converted: \"C:\\E\\a.pdf\"\n\nAttachment Converted: \"C:\\E\\b.pdf\"\n")
		r := newResolver(map[string]string{"attach/a.pdf": "A", "attach/b.pdf": "B"})
		out, res := rebuild(t, msg, RebuildOptions{Resolver: r, Limits: Limits{MaxAttachments: 2}})
		if _, parts := mustParse(t, out); len(parts) != 3 || hasProblem(res, ProblemLimit) {
			t.Errorf("at the limit: %d %v", len(parts), problemCodes(res))
		}
		r = newResolver(map[string]string{"attach/a.pdf": "A", "attach/b.pdf": "B"})
		out, res = rebuild(t, msg, RebuildOptions{Resolver: r, Limits: Limits{MaxAttachments: 1}})
		_, parts := mustParse(t, out)
		if len(parts) != 3 || !hasProblem(res, ProblemLimit) || string(parts[2].Body) != "\r\nAttachment Converted: \"C:\\E\\b.pdf\"\r\n" || r.opened("attach/b.pdf") != 0 {
			t.Errorf("over the limit: %d %v %q", len(parts), problemCodes(res), parts[len(parts)-1].Body)
		}
	})
	t.Run("MaxMemoryBytes", func(t *testing.T) {
		msg := crlf("From: a@example.com\nContent-Type: multipart/mixed; boundary=\"b\"\n\nhello\n")
		dir := t.TempDir()
		// A plain io.Reader (not an io.ReaderAt) so that spooling applies.
		for _, lim := range []int64{int64(len(msg)), int64(len(msg)) - 1} {
			res, err := Rebuild(context.Background(), io.MultiReader(strings.NewReader(msg)), RebuildOptions{TempDir: dir, Limits: Limits{MaxMemoryBytes: lim}})
			if err != nil {
				t.Fatal(err)
			}
			ents, _ := os.ReadDir(dir)
			spooled := len(ents) == 1
			if spooled != (lim < int64(len(msg))) {
				t.Errorf("limit %d: spooled=%v", lim, spooled)
			}
			out, err := io.ReadAll(res)
			if err != nil {
				t.Fatal(err)
			}
			if _, parts := mustParse(t, out); string(parts[0].Body) != "hello\r\n" {
				t.Errorf("limit %d: %q", lim, parts[0].Body)
			}
			res.Close()
			if ents, _ := os.ReadDir(dir); len(ents) != 0 {
				t.Errorf("temp file left after Close")
			}
		}
	})
}

// Close in the middle of reading closes the open attachment and removes the
// spool file; no goroutine is left behind.
func TestCloseMidway(t *testing.T) {
	before := runtime.NumGoroutine()
	big := strings.Repeat("0123456789", 100000)
	r := newResolver(map[string]string{"attach/big.bin": big})
	msg := crlf("From: a@example.com\nContent-Type: multipart/mixed; boundary=\"b\"\n\ntext\n\nAttachment Converted: \"C:\\E\\big.bin\"\n")
	dir := t.TempDir()
	res, err := Rebuild(context.Background(), io.MultiReader(strings.NewReader(msg)), RebuildOptions{Resolver: r, TempDir: dir, Limits: Limits{MaxMemoryBytes: 10}})
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	for i := 0; i < 10; i++ {
		if _, err := io.ReadFull(res, buf); err != nil {
			t.Fatal(err)
		}
	}
	if r.open != 1 {
		t.Errorf("%d files open while reading the attachment", r.open)
	}
	if err := res.Close(); err != nil {
		t.Fatal(err)
	}
	if r.open != 0 {
		t.Errorf("%d files open after Close", r.open)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Error("spool file left")
	}
	if _, err := res.Read(buf); err == nil {
		t.Error("read after Close succeeded")
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("goroutines: %d before, %d after", before, n)
	}
}

// A cancelled context stops Rebuild and reading.
func TestContextCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	msg := crlf("From: a@example.com\nContent-Type: multipart/mixed; boundary=\"b\"\n\nx\n")
	res, err := Rebuild(ctx, strings.NewReader(msg), RebuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := io.ReadAll(res); !errors.Is(err, context.Canceled) {
		t.Errorf("read after cancel: %v", err)
	}
	res.Close()
	if _, err := Rebuild(ctx, strings.NewReader(msg), RebuildOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Rebuild with a cancelled context: %v", err)
	}
}

// A read error of the message is returned, wrapped.
func TestReadError(t *testing.T) {
	_, err := Rebuild(context.Background(), io.MultiReader(strings.NewReader("From: a\r\n"), errReader{}), RebuildOptions{})
	if !errors.Is(err, errBoom) {
		t.Errorf("err = %v", err)
	}
}

// The output is a function of the input: same bytes twice.
func TestDeterministic(t *testing.T) {
	msg := crlf("From: a@example.com\nContent-Type: multipart/mixed; boundary=\"b\"\n\nx\n\nAttachment Converted: \"C:\\E\\a.pdf\"\n")
	r := newResolver(map[string]string{"attach/a.pdf": "A"})
	a, _ := rebuild(t, msg, RebuildOptions{Resolver: r})
	b, _ := rebuild(t, msg, RebuildOptions{Resolver: r})
	if !bytes.Equal(a, b) {
		t.Error("two runs differ")
	}
}

// ScanRefs finds what Rebuild reports.
func TestScanRefs(t *testing.T) {
	msg := crlf("From: a@example.com\nX-Attachments: C:\\D\\x.doc;\nContent-Type: multipart/mixed; boundary=\"b\"\n\n<x-html>\n<img src=\"cid:a@b\">\n</x-html>\nEmbedded Content: p.gif: 00000001,00000002,00000000,00000000\n\nAttachment Converted: \"C:\\E\\a.pdf\"\n#Attachment Converted: \"C:\\E\\no.pdf\"\n")
	refs, err := ScanRefs(strings.NewReader(msg), Windows)
	if err != nil {
		t.Fatal(err)
	}
	if len(refs) != 3 || refs[0].Name != "x.doc" || refs[1].Name != "p.gif" || refs[2].Name != "a.pdf" {
		t.Errorf("%+v", refs)
	}
	_, res := rebuild(t, msg, RebuildOptions{})
	if len(res.Refs) != 2 || res.Refs[0] != refs[1] || res.Refs[1] != refs[2] {
		t.Errorf("Rebuild refs %+v", res.Refs)
	}
	intact := crlf("Content-Type: multipart/mixed; boundary=\"b\"\n\n--b\n\nAttachment Converted: \"C:\\E\\a.pdf\"\n--b--\n")
	if refs, err := ScanRefs(strings.NewReader(intact), Windows); err != nil || refs != nil {
		t.Errorf("intact: %v %v", refs, err)
	}
}

// Problems are capped.
func TestProblemsCapped(t *testing.T) {
	msg := crlf("From: a@example.com\nContent-Type: multipart/mixed; boundary=\"b\"\n\n") + strings.Repeat("#Attachment Converted: \"c:\\x\"\r\n", 1000)
	_, res := rebuild(t, msg, RebuildOptions{})
	if len(res.Problems) != maxProblems+1 || res.Problems[maxProblems].Code != ProblemTruncated {
		t.Errorf("%d problems, last %+v", len(res.Problems), res.Problems[len(res.Problems)-1])
	}
}

// Malformed header lines are kept under a name of their own.
func TestMalformedHeader(t *testing.T) {
	msg := "From: a@example.com\r\n>From bogus line\r\nSubject: s\r\n\r\nbody\r\n"
	out, res := rebuild(t, msg, RebuildOptions{})
	h, _ := mustParse(t, out)
	if h.Get("X-Mailconv-Unparsed-Header") != ">From bogus line" || h.Get("Subject") != "s" || !hasProblem(res, ProblemMalformedHeader) {
		t.Errorf("%q %v", out, problemCodes(res))
	}
	// No header at all: the first line is body text.
	msg = "just text\r\nAttachment Converted: \"C:\\E\\a.pdf\"\r\n"
	out, _ = rebuild(t, msg, RebuildOptions{})
	if _, parts := mustParse(t, out); string(parts[0].Body) != msg {
		t.Errorf("no header: %q", parts[0].Body)
	}
}
