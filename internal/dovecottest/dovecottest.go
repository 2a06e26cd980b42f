package dovecottest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Require returns the path of doveadm. When it is not installed it skips
// t, or fails it when CI=true.
func Require(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("doveadm")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("doveadm is required in CI (install dovecot-core): %v", err)
		}
		t.Skipf("doveadm not installed: %v", err)
	}
	return p
}

// Version returns the installed Dovecot's major and minor version, from
// "dovecot --version". When that cannot be run it assumes 2.3.
func Version() (major, minor int) {
	out, err := exec.Command("dovecot", "--version").Output()
	if err != nil {
		if p, lerr := exec.LookPath("/usr/sbin/dovecot"); lerr == nil {
			out, err = exec.Command(p, "--version").Output()
		}
	}
	if err == nil {
		m := regexp.MustCompile(`^(\d+)\.(\d+)`).FindSubmatch(out)
		if m != nil {
			major, _ = strconv.Atoi(string(m[1]))
			minor, _ = strconv.Atoi(string(m[2]))
			return major, minor
		}
	}
	return 2, 3
}

// Config tells Dovecot how to read the tree.
type Config struct {
	// FS selects the fs layout (LAYOUT=fs) instead of Maildir++.
	FS bool
	// UTF8 reads folder names as UTF-8 instead of modified UTF-7.
	UTF8 bool
	// EscapeChar, when set, turns on the storage escaping of names with
	// that character: the listescape plugin in Dovecot 2.3,
	// mailbox_list_storage_escape_char in 2.4.
	EscapeChar byte
	// Separator, when set, is the hierarchy separator of the inbox
	// namespace ("/" or "."); empty keeps Dovecot's default.
	Separator string
	// Mbox reads the tree as Dovecot's mbox store instead of a maildir:
	// every file is an mbox mailbox, the file INBOX the inbox. Dovecot
	// writes its index and its own headers into the copy, not the tree.
	Mbox bool
}

// Session is a copy of a tree and the configuration to read it.
type Session struct {
	t      testing.TB
	bin    string
	dir    string // the copy
	conf   string
	env    []string
	Config Config
}

// Open copies tree into a temporary directory readable by the mail user
// and writes a Dovecot configuration for it. Everything is removed when the
// test ends.
func Open(t testing.TB, tree string, cfg Config) *Session {
	t.Helper()
	bin := Require(t)
	base, err := os.MkdirTemp("", "dovecottest-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	uid, gid, name := os.Getuid(), os.Getgid(), ""
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	if uid == 0 {
		u, err := user.Lookup("nobody")
		if err != nil {
			t.Fatalf("dovecottest: running as root needs the user nobody: %v", err)
		}
		uid, _ = strconv.Atoi(u.Uid)
		gid, _ = strconv.Atoi(u.Gid)
		name = "nobody"
	}
	mail := filepath.Join(base, "mail")
	if err := copyTree(tree, mail); err != nil {
		t.Fatalf("dovecottest: copying %s: %v", tree, err)
	}
	run := filepath.Join(base, "run")
	if err := os.Mkdir(run, 0o755); err != nil {
		t.Fatal(err)
	}
	major, minor := Version()
	conf := filepath.Join(base, "dovecot.conf")
	if err := os.WriteFile(conf, []byte(configText(major, minor, cfg, run, mail, uid, gid)), 0o644); err != nil {
		t.Fatal(err)
	}
	if os.Getuid() == 0 {
		if err := chownTree(base, uid, gid); err != nil {
			t.Fatalf("dovecottest: %v", err)
		}
	}
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	env := []string{"USER=" + name, "HOME=" + base, "TZ=UTC", "PATH=" + os.Getenv("PATH")}
	return &Session{t: t, bin: bin, dir: mail, conf: conf, env: env, Config: cfg}
}

// configText returns the configuration for the given Dovecot version.
func configText(major, minor int, cfg Config, run, mail string, uid, gid int) string {
	var b strings.Builder
	v24 := major > 2 || (major == 2 && minor >= 4)
	if v24 {
		b.WriteString("dovecot_config_version = 2.4.0\ndovecot_storage_version = 2.4.0\n")
	}
	fmt.Fprintf(&b, "base_dir = %s\n", run)
	switch {
	case cfg.Mbox && v24:
		fmt.Fprintf(&b, "mail_driver = mbox\nmail_path = %s\nmail_inbox_path = %s/INBOX\n", mail, mail)
	case cfg.Mbox:
		fmt.Fprintf(&b, "mail_location = mbox:%s:INBOX=%s/INBOX\n", mail, mail)
	case v24:
		fmt.Fprintf(&b, "mail_driver = maildir\nmail_path = %s\n", mail)
		if cfg.FS {
			b.WriteString("mailbox_list_layout = fs\n")
		}
		if cfg.UTF8 {
			b.WriteString("mailbox_list_utf8 = yes\n")
		}
		if cfg.EscapeChar != 0 {
			fmt.Fprintf(&b, "mailbox_list_storage_escape_char = \"%c\"\n", cfg.EscapeChar)
		}
	default:
		loc := "maildir:" + mail
		if cfg.FS {
			loc += ":LAYOUT=fs"
		}
		if cfg.UTF8 {
			loc += ":UTF-8"
		}
		fmt.Fprintf(&b, "mail_location = %s\n", loc)
		if cfg.EscapeChar != 0 {
			esc := string(cfg.EscapeChar)
			if esc == "%" {
				esc = "%%" // plugin settings expand variables
			}
			fmt.Fprintf(&b, "mail_plugins = listescape\nplugin {\n  listescape_char = \"%s\"\n}\n", esc)
		}
	}
	fmt.Fprintf(&b, "mail_uid = %d\nmail_gid = %d\nfirst_valid_uid = 1\nfirst_valid_gid = 0\nssl = no\n", uid, gid)
	if cfg.Separator != "" {
		fmt.Fprintf(&b, "namespace inbox {\n  inbox = yes\n  separator = %s\n}\n", cfg.Separator)
	}
	return b.String()
}

// copyTree copies a directory tree, keeping file modification times (which
// Dovecot takes as received dates). Symbolic links are copied as links.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case info.Mode()&fs.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case info.Mode().IsRegular():
			in, err := os.Open(p)
			if err != nil {
				return err
			}
			defer in.Close()
			out, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
			if err != nil {
				return err
			}
			if _, err := io.Copy(out, in); err != nil {
				out.Close()
				return err
			}
			if err := out.Close(); err != nil {
				return err
			}
			return os.Chtimes(target, info.ModTime(), info.ModTime())
		}
		return nil // sockets, FIFOs: not copied
	})
}

func chownTree(dir string, uid, gid int) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	})
}

// Dir returns the directory of the copy Dovecot reads.
func (s *Session) Dir() string { return s.dir }

// Run runs doveadm with the session's configuration and returns its
// standard output. It fails the test when doveadm fails or writes an error
// or a panic to its standard error.
func (s *Session) Run(args ...string) []byte {
	s.t.Helper()
	out, stderr, err := s.run(args...)
	if err != nil {
		s.t.Fatalf("doveadm %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	if bytes.Contains(stderr, []byte("Error:")) || bytes.Contains(stderr, []byte("Panic:")) || bytes.Contains(stderr, []byte("Warning:")) {
		s.t.Fatalf("doveadm %s reported problems:\n%s", strings.Join(args, " "), stderr)
	}
	return out
}

func (s *Session) run(args ...string) ([]byte, []byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, s.bin, append([]string{"-c", s.conf}, args...)...)
	cmd.Env = s.env
	cmd.Dir = filepath.Dir(s.conf)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.Bytes(), stderr.Bytes(), err
}

// Mailboxes returns the mailbox names Dovecot lists (in UTF-8, with its
// hierarchy separator), in its order.
func (s *Session) Mailboxes() []string {
	s.t.Helper()
	return lines(s.Run("mailbox", "list"))
}

// Subscribed returns the subscribed mailbox names.
func (s *Session) Subscribed() []string {
	s.t.Helper()
	return lines(s.Run("mailbox", "list", "-s"))
}

// Selectable returns the mailboxes that can be selected, with their message
// counts (NoSelect folders are not in the map). Listed names that Dovecot
// then cannot open (a name holding the hierarchy separator under an escape
// configuration) are left out too.
func (s *Session) Selectable() map[string]int {
	s.t.Helper()
	o, stderr, err := s.run("-f", "flow", "mailbox", "status", "messages", "*")
	if err != nil && (bytes.Contains(stderr, []byte("Panic:")) || bytes.Contains(stderr, []byte("Fatal:")) || len(o) == 0) {
		s.t.Fatalf("doveadm mailbox status: %v\n%s", err, stderr)
	}
	out := map[string]int{}
	for _, l := range lines(o) {
		i := strings.LastIndex(l, " messages=")
		if i < 0 {
			s.t.Fatalf("doveadm mailbox status: unexpected line %q", l)
		}
		n, err := strconv.Atoi(l[i+len(" messages="):])
		if err != nil {
			s.t.Fatalf("doveadm mailbox status: unexpected line %q", l)
		}
		out[l[:i]] = n
	}
	return out
}

func lines(b []byte) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// Message is one message as Dovecot reports it.
type Message struct {
	Mailbox   string
	UID       uint32
	Flags     []string // system flags and keywords, \Recent excluded
	Received  time.Time
	MessageID string
	Size      int64 // physical size
	Text      []byte
}

// fetchFields is the field list of Fetch, in the order the parser expects.
const fetchFields = "mailbox uid flags date.received.unixtime hdr.message-id size.physical text"

// Fetch returns every message of every mailbox.
func (s *Session) Fetch() []Message {
	s.t.Helper()
	return s.FetchQuery("ALL")
}

// FetchQuery returns the messages matching a doveadm search query (for
// example "mailbox", "INBOX").
func (s *Session) FetchQuery(query ...string) []Message {
	s.t.Helper()
	out := s.Run(append([]string{"fetch", fetchFields}, query...)...)
	msgs, err := ParseFetch(out)
	if err != nil {
		s.t.Fatalf("parsing doveadm fetch output: %v", err)
	}
	return msgs
}

// ParseFetch parses doveadm's pager output for the fields of Fetch:
// "key: value" lines, the text as "text:" plus a space or a newline and
// exactly size.physical bytes (as doveadm 2.3 prints it: "text:", a
// newline, the bytes), and a form feed line between messages.
func ParseFetch(out []byte) ([]Message, error) {
	var msgs []Message
	p := out
	field := func(key string) (string, error) {
		prefix := key + ":"
		if !bytes.HasPrefix(p, []byte(prefix)) {
			n := len(p)
			if n > 40 {
				n = 40
			}
			return "", fmt.Errorf("at byte %d: want %q, have %q", len(out)-len(p), prefix, p[:n])
		}
		p = p[len(prefix):]
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			return "", fmt.Errorf("field %s: no end of line", key)
		}
		v := strings.TrimPrefix(string(p[:i]), " ")
		p = p[i+1:]
		return v, nil
	}
	for len(p) > 0 {
		var m Message
		var err error
		var v string
		if m.Mailbox, err = field("mailbox"); err != nil {
			return nil, err
		}
		if v, err = field("uid"); err != nil {
			return nil, err
		}
		uid, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("uid %q: %w", v, err)
		}
		m.UID = uint32(uid)
		if v, err = field("flags"); err != nil {
			return nil, err
		}
		for _, f := range strings.Fields(v) {
			if f != `\Recent` {
				m.Flags = append(m.Flags, f)
			}
		}
		if v, err = field("date.received.unixtime"); err != nil {
			return nil, err
		}
		secs, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("date %q: %w", v, err)
		}
		m.Received = time.Unix(secs, 0).UTC()
		if m.MessageID, err = field("hdr.message-id"); err != nil {
			return nil, err
		}
		if v, err = field("size.physical"); err != nil {
			return nil, err
		}
		if m.Size, err = strconv.ParseInt(v, 10, 64); err != nil {
			return nil, fmt.Errorf("size %q: %w", v, err)
		}
		if !bytes.HasPrefix(p, []byte("text:")) || len(p) < 6 {
			return nil, errors.New("missing text field")
		}
		p = p[6:] // "text:" and the space or newline after it
		if int64(len(p)) < m.Size {
			return nil, fmt.Errorf("text of %s uid %d: %d bytes left, want %d", m.Mailbox, m.UID, len(p), m.Size)
		}
		m.Text = p[:m.Size]
		p = p[m.Size:]
		// The text, as the last field, is printed as a block even on one
		// line; a form feed line separates messages.
		p = bytes.TrimPrefix(p, []byte("\f\n"))
		msgs = append(msgs, m)
	}
	return msgs, nil
}
