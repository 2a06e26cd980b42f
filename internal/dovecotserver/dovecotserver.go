package dovecotserver

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Config selects the server's features. The zero value is a plaintext-only
// server (no TLS) with the default special-use mailboxes.
type Config struct {
	// TLS turns on ssl = yes: imaps and pop3s listeners and STARTTLS/STLS
	// on the plain ports, with a self-signed certificate for 127.0.0.1 and
	// localhost (Server.CAFile).
	TLS bool
	// Separator is the inbox namespace's hierarchy separator: "." (the
	// Maildir++ default) when empty, or "/".
	Separator string
	// Prefix is the inbox namespace's prefix ("INBOX." makes a
	// Courier-style server); empty by default.
	Prefix string
	// QuotaBytes, when positive, turns on the quota plugin with that
	// storage limit (the server then answers NO [OVERQUOTA]).
	QuotaBytes int64
	// MaxMailSize, when positive, sets the quota plugin's
	// quota_max_mail_size: the server announces APPENDLIMIT and refuses
	// larger messages.
	MaxMailSize int64
	// SpecialUse maps mailbox names to RFC 6154 attributes (\Sent,
	// \Drafts, \Trash, \Junk, \Archive); the mailboxes are created
	// automatically. Nil gives DefaultSpecialUse; an empty map none.
	SpecialUse map[string]string
	// NoSpecialUse leaves out the special-use mailboxes (and SpecialUse).
	NoSpecialUse bool
	// Extra is appended to the configuration file as is.
	Extra string
	// Users are more accounts besides Server.User, each with
	// Server.Password and a home of its own (batch tests: one account per
	// job).
	Users []string
}

// DefaultSpecialUse are special-use mailboxes whose names differ from the
// ones mail clients use, so that tests see the mapping by attribute.
var DefaultSpecialUse = map[string]string{
	"Sent Messages":    `\Sent`,
	"Drafts":           `\Drafts`,
	"Deleted Messages": `\Trash`,
	"Spam":             `\Junk`,
	"Archive":          `\Archive`,
}

// Server is a running Dovecot.
type Server struct {
	// Dir is the server's temporary directory.
	Dir string
	// User and Password are the test user's credentials.
	User, Password string
	// IMAPAddr and POP3Addr are the plain listeners (host:port); IMAPSAddr
	// and POP3SAddr the implicit-TLS ones, empty without Config.TLS.
	IMAPAddr, IMAPSAddr, POP3Addr, POP3SAddr string
	// CAFile holds the PEM certificate the server presents (it is its own
	// CA); empty without Config.TLS.
	CAFile string
	// CertPool holds that certificate.
	CertPool *x509.CertPool
	// Config is the configuration the server was started with.
	Config Config

	t        testing.TB
	bin      string
	ports    []int
	conf     string
	logFile  string
	home     string
	cmd      *exec.Cmd
	done     chan struct{}
	stopOnce sync.Once
	uid, gid int
}

// Binary returns the path of the dovecot binary, or "" when it is not
// installed.
func Binary() string {
	for _, p := range []string{"dovecot", "/usr/sbin/dovecot"} {
		if q, err := exec.LookPath(p); err == nil {
			return q
		}
	}
	return ""
}

// Require returns the path of the dovecot binary. When it is missing (or
// the test cannot run it as root) it skips t, or fails it when CI=true.
func Require(t testing.TB) string {
	t.Helper()
	bin := Binary()
	why := ""
	switch {
	case bin == "":
		why = "dovecot is not installed (dovecot-core, dovecot-imapd, dovecot-pop3d)"
	case os.Getuid() != 0:
		why = "starting dovecot needs root"
	default:
		if _, err := os.Stat("/usr/lib/dovecot/pop3"); err != nil {
			why = "dovecot-pop3d is not installed"
		} else if _, err := os.Stat("/usr/lib/dovecot/imap"); err != nil {
			why = "dovecot-imapd is not installed"
		}
	}
	if why != "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("dovecotserver: %s (required in CI)", why)
		}
		t.Skip("dovecotserver: " + why)
	}
	return bin
}

// Version returns the installed Dovecot's major and minor version.
func Version() (major, minor int, err error) {
	bin := Binary()
	if bin == "" {
		return 0, 0, errors.New("dovecot not installed")
	}
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		return 0, 0, err
	}
	m := regexp.MustCompile(`^(\d+)\.(\d+)`).FindSubmatch(out)
	if m == nil {
		return 0, 0, fmt.Errorf("unexpected version %q", out)
	}
	major, _ = strconv.Atoi(string(m[1]))
	minor, _ = strconv.Atoi(string(m[2]))
	return major, minor, nil
}

// Start starts a server and registers its Stop with t.Cleanup.
func Start(t testing.TB, cfg Config) *Server {
	t.Helper()
	bin := Require(t)
	if major, minor, err := Version(); err != nil || major != 2 || minor != 3 {
		// The configuration below is Dovecot 2.3 syntax; 2.4 renamed most
		// settings.
		t.Fatalf("dovecotserver: needs Dovecot 2.3, have %d.%d (%v)", major, minor, err)
	}
	var lastErr error
	for try := 0; try < 4; try++ {
		s, err := start(t, bin, cfg)
		if err == nil {
			t.Cleanup(s.Stop)
			return s
		}
		lastErr = err
		if !errors.Is(err, errBind) {
			break
		}
	}
	t.Fatalf("dovecotserver: %v", lastErr)
	return nil
}

var errBind = errors.New("address in use")

func start(t testing.TB, bin string, cfg Config) (*Server, error) {
	dir, err := os.MkdirTemp("", "dovecotserver-")
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, err
	}
	nobody, err := user.Lookup("nobody")
	if err != nil {
		return nil, fmt.Errorf("the mail user nobody is missing: %w", err)
	}
	uid, _ := strconv.Atoi(nobody.Uid)
	gid, _ := strconv.Atoi(nobody.Gid)
	s := &Server{Dir: dir, User: "mailconv", Password: "Test-Pa55word!", Config: cfg, t: t, uid: uid, gid: gid,
		bin: bin, conf: filepath.Join(dir, "dovecot.conf"), logFile: filepath.Join(dir, "dovecot.log"),
		home: filepath.Join(dir, "home", "mailconv")}
	for _, d := range []string{"run", "state", "home"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			return nil, err
		}
	}
	if err := os.Mkdir(s.home, 0o700); err != nil {
		return nil, err
	}
	if err := os.Chown(s.home, uid, gid); err != nil {
		return nil, err
	}
	passwd := fmt.Sprintf("%s:{PLAIN}%s:%d:%d::%s::\n", s.User, s.Password, uid, gid, s.home)
	for _, u := range cfg.Users {
		if u == "" || strings.ContainsAny(u, ":/\n") || u == s.User {
			return nil, fmt.Errorf("dovecotserver: bad extra user name %q", u)
		}
		h := filepath.Join(dir, "home", u)
		if err := os.Mkdir(h, 0o700); err != nil {
			return nil, err
		}
		if err := os.Chown(h, uid, gid); err != nil {
			return nil, err
		}
		passwd += fmt.Sprintf("%s:{PLAIN}%s:%d:%d::%s::\n", u, s.Password, uid, gid, h)
	}
	if err := os.WriteFile(filepath.Join(dir, "passwd"), []byte(passwd), 0o644); err != nil {
		return nil, err
	}
	ports, err := freePorts(4)
	if err != nil {
		return nil, err
	}
	s.IMAPAddr = "127.0.0.1:" + strconv.Itoa(ports[0])
	s.POP3Addr = "127.0.0.1:" + strconv.Itoa(ports[1])
	if cfg.TLS {
		s.IMAPSAddr = "127.0.0.1:" + strconv.Itoa(ports[2])
		s.POP3SAddr = "127.0.0.1:" + strconv.Itoa(ports[3])
		if err := s.makeCert(); err != nil {
			return nil, err
		}
	}
	s.ports = ports
	if err := s.launch(); err != nil {
		return nil, err
	}
	return s, nil
}

// launch writes the configuration and starts dovecot, waiting for both
// listeners to greet.
func (s *Server) launch() error {
	if err := os.WriteFile(s.conf, []byte(s.configText(s.ports)), 0o644); err != nil {
		return err
	}
	cmd := exec.Command(s.bin, "-F", "-c", s.conf)
	cmd.Dir = s.Dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	newProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		return err
	}
	s.cmd = cmd
	s.done = make(chan struct{})
	s.stopOnce = sync.Once{}
	done := s.done
	go func() { cmd.Wait(); close(done) }()
	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case <-done:
			log := s.Log()
			if strings.Contains(log+out.String(), "Address already in use") {
				return fmt.Errorf("%w: %s", errBind, strings.TrimSpace(out.String()))
			}
			return fmt.Errorf("dovecot exited: %s\n%s", strings.TrimSpace(out.String()), log)
		default:
		}
		if greeted(s.IMAPAddr) && greeted(s.POP3Addr) {
			return nil
		}
		if time.Now().After(deadline) {
			s.Stop()
			return fmt.Errorf("dovecot did not answer on %s within 15s\n%s", s.IMAPAddr, s.Log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Restart stops the server and starts it again on the same ports, with
// the same mail, under configuration cfg (TLS must not change): a test
// raises a quota this way, or cuts every connection.
func (s *Server) Restart(cfg Config) {
	s.t.Helper()
	if cfg.TLS != s.Config.TLS {
		s.t.Fatal("dovecotserver: Restart cannot change TLS")
	}
	s.Stop()
	s.Config = cfg
	if err := s.launch(); err != nil {
		s.t.Fatalf("dovecotserver: restart: %v", err)
	}
}

// greeted tells whether a server answers on addr with a greeting line.
func greeted(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && (strings.HasPrefix(line, "* OK") || strings.HasPrefix(line, "+OK"))
}

func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var ports []int
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func (s *Server) configText(ports []int) string {
	cfg := s.Config
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p("base_dir = %s", filepath.Join(s.Dir, "run"))
	p("state_dir = %s", filepath.Join(s.Dir, "state"))
	p("log_path = %s", s.logFile)
	p("protocols = imap pop3")
	p("listen = 127.0.0.1")
	p("shutdown_clients = yes")
	p("auth_mechanisms = plain login")
	p("disable_plaintext_auth = no")
	p("first_valid_uid = 1")
	p("first_valid_gid = 0")
	p("mail_location = maildir:~/Maildir")
	p("mail_uid = %d", s.uid)
	p("mail_gid = %d", s.gid)
	p("pop3_uidl_format = %%08Xu%%08Xv")
	p("passdb {\n  driver = passwd-file\n  args = scheme=PLAIN %s\n}", filepath.Join(s.Dir, "passwd"))
	p("userdb {\n  driver = passwd-file\n  args = %s\n}", filepath.Join(s.Dir, "passwd"))
	if cfg.TLS {
		p("ssl = yes")
		p("ssl_cert = <%s", s.CAFile)
		p("ssl_key = <%s", filepath.Join(s.Dir, "key.pem"))
	} else {
		p("ssl = no")
	}
	// One login service a protocol: its plain listener, and its TLS
	// listener only with cfg.TLS (port 0 turns it off).
	login := func(proto string, port, tlsPort int) {
		p("service %s-login {\n  inet_listener %s {\n    address = 127.0.0.1\n    port = %d\n  }", proto, proto, port)
		if cfg.TLS {
			p("  inet_listener %ss {\n    address = 127.0.0.1\n    port = %d\n    ssl = yes\n  }", proto, tlsPort)
		} else {
			p("  inet_listener %ss {\n    port = 0\n  }", proto)
		}
		p("}")
	}
	login("imap", ports[0], ports[2])
	login("pop3", ports[1], ports[3])
	sep := cfg.Separator
	if sep == "" {
		sep = "."
	}
	p("namespace inbox {\n  inbox = yes\n  separator = %s\n  prefix = %s", sep, cfg.Prefix)
	if !cfg.NoSpecialUse {
		su := cfg.SpecialUse
		if su == nil {
			su = DefaultSpecialUse
		}
		names := make([]string, 0, len(su))
		for n := range su {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			p("  mailbox \"%s\" {\n    special_use = %s\n    auto = subscribe\n  }", n, su[n])
		}
	}
	p("}")
	if cfg.QuotaBytes > 0 || cfg.MaxMailSize > 0 {
		p("mail_plugins = $mail_plugins quota")
		p("protocol imap {\n  mail_plugins = $mail_plugins imap_quota\n}")
		p("plugin {")
		if cfg.QuotaBytes > 0 {
			p("  quota = maildir:User quota\n  quota_rule = *:storage=%dB", cfg.QuotaBytes)
		} else {
			p("  quota = maildir:User quota\n  quota_rule = *:storage=0")
		}
		if cfg.MaxMailSize > 0 {
			p("  quota_max_mail_size = %dB", cfg.MaxMailSize)
		}
		p("}")
	}
	b.WriteString(cfg.Extra)
	return b.String()
}

func (s *Server) makeCert() error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "mailconv test server"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	s.CAFile = filepath.Join(s.Dir, "cert.pem")
	if err := os.WriteFile(s.CAFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(s.Dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		return err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return err
	}
	s.CertPool = x509.NewCertPool()
	s.CertPool.AddCert(cert)
	return nil
}

// Stop stops the server (SIGTERM, then SIGKILL after ten seconds) and
// waits for it. It may be called more than once.
func (s *Server) Stop() {
	s.stopOnce.Do(func() {
		if s.cmd == nil || s.cmd.Process == nil {
			return
		}
		// dovecot -F is the master: SIGTERM makes it stop its children.
		terminate(s.cmd.Process)
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			killGroup(s.cmd.Process)
			<-s.done
		}
	})
}

// Log returns the server's log so far.
func (s *Server) Log() string {
	b, _ := os.ReadFile(s.logFile)
	return string(b)
}

// Errors returns the log lines that report errors, fatal errors or
// panics (auth failures of tests that try a wrong password are "Info").
func (s *Server) Errors() []string {
	var out []string
	for _, l := range strings.Split(s.Log(), "\n") {
		if strings.Contains(l, "Error:") || strings.Contains(l, "Fatal:") || strings.Contains(l, "Panic:") {
			out = append(out, l)
		}
	}
	return out
}

// MailDir returns the test user's maildir (Maildir++ layout, created by
// Dovecot at the first login).
func (s *Server) MailDir() string { return filepath.Join(s.home, "Maildir") }

// UserMailDir returns the maildir of user, one of Config.Users (or
// Server.User).
func (s *Server) UserMailDir(user string) string {
	if user == s.User {
		return s.MailDir()
	}
	return filepath.Join(s.Dir, "home", user, "Maildir")
}

// Doveadm runs doveadm against the running server as the test user
// ("doveadm -c CONF COMMAND -u USER ARGS...", where command may be several
// words such as "mailbox create") and returns its standard output. stdin,
// if not nil, is the command's input.
func (s *Server) Doveadm(stdin []byte, command string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	argv := append([]string{"-c", s.conf}, strings.Fields(command)...)
	argv = append(append(argv, "-u", s.User), args...)
	cmd := exec.CommandContext(ctx, "doveadm", argv...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.Bytes(), fmt.Errorf("doveadm %s: %w: %s", strings.Join(argv[2:], " "), err, strings.TrimSpace(errb.String()))
	}
	return out.Bytes(), nil
}

// Save stores a message in a mailbox of the test user through doveadm
// (independently of mailconv's own IMAP code). The mailbox is created when
// missing.
func (s *Server) Save(mailbox string, raw []byte) error {
	if _, err := s.Doveadm(nil, "mailbox create", mailbox); err != nil && !strings.Contains(err.Error(), "already exists") {
		return err
	}
	_, err := s.Doveadm(raw, "save", "-m", mailbox)
	return err
}

// Snapshot copies the user's maildir into a fresh directory owned by the
// test (for internal/dovecottest or direct reading) and returns its path.
func (s *Server) Snapshot() (string, error) {
	dst, err := os.MkdirTemp("", "dovecotserver-snap-")
	if err != nil {
		return "", err
	}
	s.t.Cleanup(func() { os.RemoveAll(dst) })
	src := s.MailDir()
	err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if err := os.WriteFile(target, b, 0o644); err != nil {
			return err
		}
		return os.Chtimes(target, info.ModTime(), info.ModTime())
	})
	return dst, err
}
