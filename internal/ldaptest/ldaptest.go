package ldaptest

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// MozillaSchema is a small test schema for the attributes Thunderbird
// writes in LDIF (mozillaAbPersonAlpha and friends). Its OIDs are under
// 2.25 (UUID-derived, RFC 4122 §C / X.667) and belong to this test only;
// it is not Mozilla's published schema.
const MozillaSchema = `
attributetype ( 2.25.211923481726354827364512938476512934.1.1 NAME 'mozillaNickname'
	EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
	SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )
attributetype ( 2.25.211923481726354827364512938476512934.1.2 NAME 'mozillaSecondEmail'
	EQUALITY caseIgnoreIA5Match SUBSTR caseIgnoreIA5SubstringsMatch
	SYNTAX 1.3.6.1.4.1.1466.115.121.1.26 )
attributetype ( 2.25.211923481726354827364512938476512934.1.3 NAME 'mozillaHomeStreet'
	EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )
attributetype ( 2.25.211923481726354827364512938476512934.1.4 NAME 'mozillaHomeStreet2'
	EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )
attributetype ( 2.25.211923481726354827364512938476512934.1.5 NAME 'mozillaHomeLocalityName'
	EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )
attributetype ( 2.25.211923481726354827364512938476512934.1.6 NAME 'mozillaHomeState'
	EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )
attributetype ( 2.25.211923481726354827364512938476512934.1.7 NAME 'mozillaHomePostalCode'
	EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )
attributetype ( 2.25.211923481726354827364512938476512934.1.8 NAME 'mozillaHomeCountryName'
	EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )
attributetype ( 2.25.211923481726354827364512938476512934.1.9 NAME 'mozillaHomeUrl'
	EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )
attributetype ( 2.25.211923481726354827364512938476512934.1.10 NAME 'mozillaWorkUrl'
	EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )
attributetype ( 2.25.211923481726354827364512938476512934.1.11 NAME 'mozillaWorkStreet2'
	EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )
attributetype ( 2.25.211923481726354827364512938476512934.1.12 NAME 'mozillaCustom1'
	EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )
attributetype ( 2.25.211923481726354827364512938476512934.1.13 NAME 'mozillaCustom2'
	EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )
attributetype ( 2.25.211923481726354827364512938476512934.1.14 NAME 'mozillaCustom3'
	EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )
attributetype ( 2.25.211923481726354827364512938476512934.1.15 NAME 'mozillaCustom4'
	EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )
attributetype ( 2.25.211923481726354827364512938476512934.1.16 NAME 'nsAIMid'
	EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )
objectclass ( 2.25.211923481726354827364512938476512934.2.1 NAME 'mozillaAbPersonAlpha'
	SUP top AUXILIARY MUST cn
	MAY ( c $ description $ mozillaNickname $ mozillaSecondEmail $ mozillaHomeStreet $
		mozillaHomeStreet2 $ mozillaHomeLocalityName $ mozillaHomeState $
		mozillaHomePostalCode $ mozillaHomeCountryName $ mozillaHomeUrl $
		mozillaWorkUrl $ mozillaWorkStreet2 $ mozillaCustom1 $ mozillaCustom2 $
		mozillaCustom3 $ mozillaCustom4 $ nsAIMid ) )
`

// Options configure Start.
type Options struct {
	// BaseDN is the suffix of the database; "dc=example,dc=com" when
	// empty. Start creates its entry (dcObject + organization).
	BaseDN string
	// Schemas are the Debian schema names to include after core (default
	// cosine, inetorgperson).
	Schemas []string
	// ExtraSchema is schema text written to a file and included last
	// (MozillaSchema, for example).
	ExtraSchema string
}

// Server is a running throwaway slapd.
type Server struct {
	URI      string // ldapi://… URI of the socket
	BaseDN   string
	BindDN   string
	Password string
	Dir      string
	cmd      *exec.Cmd
	log      *bytes.Buffer
}

// need returns the path of program name, or skips/fails the test.
func need(t testing.TB, name string, extra ...string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, d := range extra {
		p := filepath.Join(d, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not installed (CI=true): install the slapd and ldap-utils packages", name)
	}
	t.Skipf("%s is not installed; skipping the LDAP interop test", name)
	return ""
}

func schemaDir() string {
	for _, d := range []string{"/etc/ldap/schema", "/etc/openldap/schema", "/usr/local/etc/openldap/schema"} {
		if st, err := os.Stat(filepath.Join(d, "core.schema")); err == nil && !st.IsDir() {
			return d
		}
	}
	return ""
}

// Start starts slapd and creates the base entry. The server is stopped and
// its directory removed when the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	slapd := need(t, "slapd", "/usr/sbin", "/usr/libexec", "/usr/local/libexec")
	need(t, "ldapadd")
	need(t, "ldapsearch")
	sdir := schemaDir()
	if sdir == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("no OpenLDAP schema directory (core.schema) found")
		}
		t.Skip("no OpenLDAP schema directory found")
	}
	base := opts.BaseDN
	if base == "" {
		base = "dc=example,dc=com"
	}
	schemas := opts.Schemas
	if schemas == nil {
		schemas = []string{"cosine", "inetorgperson"}
	}
	// A short directory: Unix socket paths are limited to about 100 bytes.
	dir, err := os.MkdirTemp("", "slapd")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Mkdir(filepath.Join(dir, "db"), 0o700); err != nil {
		t.Fatal(err)
	}
	var conf strings.Builder
	fmt.Fprintf(&conf, "include %s\n", filepath.Join(sdir, "core.schema"))
	for _, s := range schemas {
		fmt.Fprintf(&conf, "include %s\n", filepath.Join(sdir, s+".schema"))
	}
	if opts.ExtraSchema != "" {
		p := filepath.Join(dir, "extra.schema")
		if err := os.WriteFile(p, []byte(opts.ExtraSchema), 0o600); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&conf, "include %s\n", p)
	}
	for _, md := range []string{"/usr/lib/ldap", "/usr/lib64/openldap", "/usr/lib/openldap"} {
		if _, err := os.Stat(filepath.Join(md, "back_mdb.la")); err == nil {
			fmt.Fprintf(&conf, "modulepath %s\nmoduleload back_mdb\n", md)
			break
		}
		if _, err := os.Stat(filepath.Join(md, "back_mdb.so")); err == nil {
			fmt.Fprintf(&conf, "modulepath %s\nmoduleload back_mdb\n", md)
			break
		}
	}
	s := &Server{BaseDN: base, BindDN: "cn=admin," + base, Password: "throwaway", Dir: dir, log: &bytes.Buffer{}}
	fmt.Fprintf(&conf, "pidfile %s\nargsfile %s\n", filepath.Join(dir, "slapd.pid"), filepath.Join(dir, "slapd.args"))
	fmt.Fprintf(&conf, "database mdb\nmaxsize 67108864\nsuffix \"%s\"\nrootdn \"%s\"\nrootpw %s\ndirectory %s\n",
		base, s.BindDN, s.Password, filepath.Join(dir, "db"))
	confPath := filepath.Join(dir, "slapd.conf")
	if err := os.WriteFile(confPath, []byte(conf.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "ldapi")
	s.URI = "ldapi://" + url.PathEscape(sock)
	// -d 0 keeps slapd in the foreground (so that the test owns the
	// process) without debug output.
	s.cmd = exec.Command(slapd, "-d", "0", "-f", confPath, "-h", s.URI)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("starting slapd: %v", err)
	}
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		s.cmd.Process.Kill()
		<-done
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		if _, err := os.Stat(sock); err == nil {
			break
		}
		select {
		case <-done:
			t.Fatalf("slapd exited: %s", s.log.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("slapd did not open %s: %s", sock, s.log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	rdn, _, _ := strings.Cut(base, ",")
	_, dc, _ := strings.Cut(rdn, "=")
	root := fmt.Sprintf("dn: %s\nobjectClass: dcObject\nobjectClass: organization\no: test\ndc: %s\n", base, dc)
	// The socket can exist a moment before slapd accepts on it: retry
	// while the server cannot be contacted.
	for {
		out, err := s.Add([]byte(root))
		if err == nil {
			break
		}
		if !strings.Contains(string(out), "Can't contact") || time.Now().After(deadline) {
			t.Fatalf("creating %s: %v\n%s\n%s", base, err, out, s.log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	return s
}

func (s *Server) run(stdin []byte, name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if err != nil {
		return errb.Bytes(), fmt.Errorf("%s: %w: %s", name, err, errb.String())
	}
	return out.Bytes(), nil
}

// Add loads LDIF with ldapadd, bound as the root DN. It returns ldapadd's
// output (its error output on failure).
func (s *Server) Add(ldif []byte) ([]byte, error) {
	return s.run(ldif, "ldapadd", "-x", "-H", s.URI, "-D", s.BindDN, "-w", s.Password)
}

// Search returns the entries under base (the whole subtree) as LDIF,
// unfolded, without the base entry's operational attributes.
func (s *Server) Search(base string) ([]byte, error) {
	if base == "" {
		base = s.BaseDN
	}
	return s.run(nil, "ldapsearch", "-x", "-LLL", "-o", "ldif-wrap=no", "-H", s.URI, "-D", s.BindDN, "-w", s.Password, "-b", base, "(objectClass=*)")
}
