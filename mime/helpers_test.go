package mime

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	stdmime "mime"
	"mime/quotedprintable"
	"os"
	"os/exec"
	"path"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // charset decoding for the go-message walk
	"github.com/emersion/go-message/textproto"
	"github.com/mailconv/mailconv"
)

// memResolver serves files from an in-memory tree laid out like a Eudora
// folder: attach/<Name> for attachments, embedded/<Name> for embedded files,
// parts/<Name> for Mac related parts. Names holding "/" or ".." are refused
// as outside the root, as the eudora package's resolver must.
type memResolver struct {
	fs     fstest.MapFS
	refuse map[string]bool
	mu     sync.Mutex
	opens  map[string]int
	open   int // currently open files
}

func newResolver(files map[string]string) *memResolver {
	m := &memResolver{fs: fstest.MapFS{}, opens: map[string]int{}, refuse: map[string]bool{}}
	for p, data := range files {
		m.fs[p] = &fstest.MapFile{Data: []byte(data)}
	}
	return m
}

type countingCloser struct {
	io.Reader
	m *memResolver
}

func (c *countingCloser) Close() error {
	c.m.mu.Lock()
	c.m.open--
	c.m.mu.Unlock()
	return nil
}

func (m *memResolver) Open(ref Ref) (io.ReadCloser, int64, error) {
	if strings.Contains(ref.Name, "/") || ref.Name == ".." || m.refuse[ref.Name] {
		return nil, 0, fmt.Errorf("resolve %q: %w", ref.Path, mailconv.ErrOutsideRoot)
	}
	dir := "attach"
	switch ref.Kind {
	case RefEmbedded:
		dir = "embedded"
	case RefRelated:
		dir = "parts"
	}
	p := path.Join(dir, ref.Name)
	m.mu.Lock()
	m.opens[p]++
	m.mu.Unlock()
	data, err := fs.ReadFile(m.fs, p)
	if err != nil {
		return nil, 0, fmt.Errorf("resolve %q: %w", ref.Path, fs.ErrNotExist)
	}
	m.mu.Lock()
	m.open++
	m.mu.Unlock()
	return &countingCloser{bytes.NewReader(data), m}, int64(len(data)), nil
}

func (m *memResolver) opened(p string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.opens[p]
}

// rebuild runs Rebuild and reads the whole output.
func rebuild(t testing.TB, msg string, opts RebuildOptions) ([]byte, *Result) {
	t.Helper()
	res, err := Rebuild(context.Background(), strings.NewReader(msg), opts)
	if err != nil {
		t.Fatalf("Rebuild: %v", err)
	}
	out, err := io.ReadAll(res)
	if err != nil {
		t.Fatalf("reading result: %v", err)
	}
	if err := res.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if m, ok := opts.Resolver.(*memResolver); ok && m.open != 0 {
		t.Fatalf("%d resolver files left open", m.open)
	}
	return out, res
}

// rawPart is a leaf of the output: its header and its body decoded from
// its transfer encoding only (bytes, not charset-converted).
type rawPart struct {
	Header    textproto.Header
	Type      string
	Params    map[string]string
	Disp      string
	DParams   map[string]string
	Body      []byte
	Parents   []string // media types of the containers, outermost first
	CTE       string
	EncodedIn []byte // the body as encoded in the message
}

// mustParse checks the output with go-message (walking every part, reading
// every body through its charset decoder) and returns the leaves, decoded by
// an independent walk over go-message's textproto layer.
func mustParse(t testing.TB, out []byte) (textproto.Header, []rawPart) {
	t.Helper()
	return parseOutput(t, out, false)
}

// parseOutput is mustParse; with unknownCharsetOK a charset go-message does
// not know is not an error (the fuzz targets' arbitrary labels).
func parseOutput(t testing.TB, out []byte, unknownCharsetOK bool) (textproto.Header, []rawPart) {
	t.Helper()
	tolerated := func(err error) bool { return unknownCharsetOK && message.IsUnknownCharset(err) }
	ent, err := message.Read(bytes.NewReader(out))
	if err != nil && !tolerated(err) {
		t.Fatalf("go-message cannot read the output: %v\n%s", err, out)
	}
	err = ent.Walk(func(path []int, e *message.Entity, err error) error {
		if err != nil && !tolerated(err) {
			return err
		}
		if e.MultipartReader() == nil {
			if _, err := io.ReadAll(e.Body); err != nil {
				return fmt.Errorf("part %v: %w", path, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("go-message walk: %v\n%s", err, out)
	}
	br := bufio.NewReader(bytes.NewReader(out))
	h, err := textproto.ReadHeader(br)
	if err != nil {
		t.Fatal(err)
	}
	var parts []rawPart
	walkRaw(t, h, br, nil, &parts)
	return h, parts
}

func walkRaw(t testing.TB, h textproto.Header, body io.Reader, parents []string, parts *[]rawPart) {
	t.Helper()
	mt, params, err := stdmime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		t.Fatalf("Content-Type %q: %v", h.Get("Content-Type"), err)
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := textproto.NewMultipartReader(body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatalf("multipart: %v", err)
			}
			walkRaw(t, p.Header, p, append(append([]string(nil), parents...), mt), parts)
		}
	}
	enc, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	cte := strings.ToLower(h.Get("Content-Transfer-Encoding"))
	var dec []byte
	switch cte {
	case "base64":
		for _, l := range strings.Split(string(enc), "\r\n") {
			if len(l) > 76 {
				t.Fatalf("base64 line of %d characters", len(l))
			}
		}
		dec, err = io.ReadAll(base64.NewDecoder(base64.StdEncoding, bytes.NewReader(enc)))
	case "quoted-printable":
		dec, err = io.ReadAll(quotedprintable.NewReader(bytes.NewReader(enc)))
	case "", "7bit", "8bit":
		dec = enc
	default:
		t.Fatalf("unexpected CTE %q", cte)
	}
	if err != nil {
		t.Fatalf("decoding %s: %v", cte, err)
	}
	p := rawPart{Header: h, Type: mt, Params: params, Body: dec, Parents: parents, CTE: cte, EncodedIn: enc}
	if cd := h.Get("Content-Disposition"); cd != "" {
		p.Disp, p.DParams, err = stdmime.ParseMediaType(cd)
		if err != nil {
			t.Fatalf("Content-Disposition %q: %v", cd, err)
		}
	}
	*parts = append(*parts, p)
}

// pyPart is what Python's email package sees in one leaf.
type pyPart struct {
	Type     string   `json:"type"`
	Charset  string   `json:"charset"`
	Filename string   `json:"filename"`
	CID      string   `json:"cid"`
	Disp     string   `json:"disp"`
	Payload  string   `json:"payload"` // base64 of get_payload(decode=True)
	Defects  []string `json:"defects"`
}

type pyMessage struct {
	Subject string   `json:"subject"`
	From    string   `json:"from"`
	Parts   []pyPart `json:"parts"`
	Defects []string `json:"defects"`
}

const pyScript = `
import sys, json, base64, email
from email import policy
m = email.message_from_bytes(sys.stdin.buffer.read(), policy=policy.default)
parts = []
for p in m.walk():
    if p.is_multipart():
        continue
    payload = p.get_payload(decode=True) or b""
    parts.append({"type": p.get_content_type(), "charset": p.get_content_charset() or "",
        "filename": p.get_filename() or "", "cid": p.get("Content-ID", "") or "",
        "disp": p.get_content_disposition() or "",
        "payload": base64.b64encode(payload).decode(),
        "defects": [type(d).__name__ for d in p.defects]})
print(json.dumps({"subject": str(m.get("Subject", "")), "from": str(m.get("From", "")),
    "parts": parts, "defects": [type(d).__name__ for d in m.defects]}))
`

// pyParse parses the output with Python's email package, an independent
// reader. It skips when python3 is missing and CI is unset.
func pyParse(t testing.TB, out []byte) pyMessage {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("python3 not found and CI=true")
		}
		t.Skip("python3 not found")
	}
	cmd := exec.Command(py, "-c", pyScript)
	cmd.Stdin = bytes.NewReader(out)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	js, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, stderr.String())
	}
	var m pyMessage
	if err := json.Unmarshal(js, &m); err != nil {
		t.Fatal(err)
	}
	for _, p := range m.Parts {
		if len(p.Defects) > 0 {
			t.Errorf("python sees defects in %s part: %v", p.Type, p.Defects)
		}
	}
	if len(m.Defects) > 0 {
		t.Errorf("python sees message defects: %v", m.Defects)
	}
	return m
}

func (p pyPart) payload(t testing.TB) []byte {
	b, err := base64.StdEncoding.DecodeString(p.Payload)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// hasProblem reports whether res holds a problem with code.
func hasProblem(res *Result, code string) bool {
	for _, p := range res.Problems {
		if p.Code == code {
			return true
		}
	}
	return false
}

func problemCodes(res *Result) []string {
	var c []string
	for _, p := range res.Problems {
		c = append(c, p.Code)
	}
	return c
}

// crlf turns LF into CRLF (for writing Windows fixtures readably).
func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

// cr turns LF into CR (Mac fixtures).
func cr(s string) string { return strings.ReplaceAll(s, "\n", "\r") }

// toCRLFString normalises any line ends to CRLF (the expected form of text
// content).
func toCRLFString(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.ReplaceAll(s, "\n", "\r\n")
}

var errBoom = errors.New("boom")
var errLimit = mailconv.ErrLimit
