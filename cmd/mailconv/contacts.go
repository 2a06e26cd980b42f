package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/addressbook"
	"github.com/mailconv/mailconv/migrate"
)

func init() {
	commands["contacts"] = command{
		summary: "convert Eudora address books (or LDIF/vCard) to LDIF or vCard",
		run:     runContacts,
	}
}

// stringList collects a repeated path flag ("~" expanded).
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, expandPath(v)); return nil }

// sideReport collects the events of a side command (contacts, filters,
// extras) into a mailconv.Report, prints them on stderr and writes the JSON
// report when asked.
type sideReport struct {
	rep    *migrate.Report
	stderr io.Writer
	quiet  bool
}

func newSideReport(src, srcFormat, dst, dstFormat string, stderr io.Writer) *sideReport {
	return &sideReport{
		rep: &migrate.Report{
			Source:      migrate.Endpoint{Format: srcFormat, Path: src},
			Destination: migrate.Endpoint{Format: dstFormat, Path: dst},
			Started:     time.Now(),
		},
		stderr: stderr,
	}
}

func (r *sideReport) add(e mailconv.Event) {
	r.rep.Add(e)
	if e.Kind == mailconv.EventInfo && r.quiet {
		return
	}
	fmt.Fprintln(r.stderr, e.String())
}

// finish prints the summary, writes the JSON report and returns the exit
// code.
func (r *sideReport) finish(reportFile string, err error) int {
	r.rep.Finished = time.Now()
	if err != nil {
		r.rep.Error = err.Error()
	}
	if reportFile != "" {
		if werr := writeFileAtomic(reportFile, func(w io.Writer) error { return r.rep.WriteJSON(w) }); werr != nil {
			fmt.Fprintf(r.stderr, "mailconv: writing report: %v\n", werr)
			if err == nil {
				err = werr
			}
		}
	}
	if err != nil {
		fmt.Fprintf(r.stderr, "mailconv: %v\n", err)
		return exitFailure
	}
	t := r.rep.Totals
	fmt.Fprintf(r.stderr, "%d skipped, %d without a home in the target (lost or kept as notes), %d warnings\n", t.Skips, t.Losses, t.Warnings)
	if t.Skips > 0 || t.Losses > 0 {
		return exitLossy
	}
	return exitOK
}

// writeFileAtomic writes a file through a temporary file in the same
// directory, renamed into place once complete. "-" is not accepted here.
func writeFileAtomic(name string, write func(io.Writer) error) error {
	dir := filepath.Dir(name)
	f, err := os.CreateTemp(dir, "."+filepath.Base(name)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, name)
}

// writeOutput writes to stdout for "-", else to a new file (an existing
// one is refused unless force).
func writeOutput(out string, force bool, stdout io.Writer, write func(io.Writer) error) error {
	if out == "-" {
		return write(stdout)
	}
	if _, err := os.Lstat(out); err == nil && !force {
		return fmt.Errorf("%s: %w (use --force to replace it)", out, os.ErrExist)
	}
	return writeFileAtomic(out, write)
}

func newUsageFlagSet(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), usage)
		fmt.Fprintln(fs.Output(), "\nOptions:")
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args; it returns a non-negative exit code when the
// command must stop (help shown, or a usage error).
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) int {
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "-h" || a == "-help" || a == "--help" {
			fs.SetOutput(stdout)
			fs.Usage()
			return exitOK
		}
	}
	pos, err := parseArgs(fs, args)
	if err == nil {
		// leave the positional arguments in fs.Args()
		err = fs.Parse(append([]string{"--"}, pos...))
	}
	if err != nil {
		return parseExit(err)
	}
	return -1
}

const contactsUsage = `Usage: mailconv contacts [options] SRC OUT

Converts address books. SRC is a Eudora data folder (Windows: NNdbase.txt,
Nickname\*.txt, ExtraNicknameDirs; Mac: Eudora Nicknames, Nicknames Folder),
one Eudora nicknames file, or an .ldif or .vcf file. OUT is an .ldif or .vcf
file ("-" for standard output). Every value that has no place in the target
is kept as a labelled line of the notes and listed in the report; the exit
code is then 3.

With --base-dn the LDIF is for an LDAP server. By default it uses only the
standard schema every server ships (inetOrgPerson, groupOfNames):
Thunderbird-only values go to the closest standard attribute
(homePostalAddress, labeledURI, a second mail, description lines) and are
reported. --schema mozilla adds Thunderbird's mozillaAbPersonAlpha class and
attributes, for a server that loads Thunderbird's schema.`

func runContacts(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newUsageFlagSet("contacts", contactsUsage, stderr)
	format := fs.String("format", "", "output format: ldif or vcard (default: from OUT's extension)")
	baseDN := fs.String("base-dn", "", "write LDIF for an LDAP server: DNs end with this base (e.g. ou=people,dc=example,dc=com)")
	nested := fs.Bool("nested-groups", false, "with --base-dn, keep lists inside lists as member DNs instead of expanding them")
	schema := fs.String("schema", "standard", "with --base-dn, the LDAP schema the entries use: standard (inetOrgPerson, groupOfNames) or mozilla (adds mozillaAbPersonAlpha)")
	var dirs stringList
	fs.Var(&dirs, "nickname-dir", "another directory of Eudora address books (repeatable)")
	history := fs.Bool("history", false, "also read the Mac History List")
	charset := fs.String("charset", "", "charset of the Eudora files (default windows-1252, or macintosh for Mac files)")
	reportFile := pathFlag(fs, "report", "write a JSON report to this file")
	force := fs.Bool("force", false, "replace OUT if it exists")
	if code := parseFlags(fs, args, stdout); code >= 0 {
		return code
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return exitUsage
	}
	src, out := expandPath(fs.Arg(0)), expandPath(fs.Arg(1))
	if err := checkOutputs(src, output{"output", out}, output{"report", *reportFile}); err != nil {
		return exitFor(err, stderr)
	}
	f := strings.ToLower(*format)
	if f == "" {
		switch strings.ToLower(filepath.Ext(out)) {
		case ".ldif", ".ldi":
			f = "ldif"
		case ".vcf", ".vcard":
			f = "vcard"
		}
	}
	if f == "vcf" {
		f = "vcard"
	}
	if f != "ldif" && f != "vcard" {
		fmt.Fprintln(stderr, "mailconv contacts: give --format ldif or vcard, or an OUT ending in .ldif or .vcf")
		return exitUsage
	}
	var ldifSchema string
	switch strings.ToLower(*schema) {
	case "standard", "":
		ldifSchema = addressbook.SchemaStandard
	case "mozilla":
		ldifSchema = addressbook.SchemaMozilla
	default:
		fmt.Fprintf(stderr, "mailconv contacts: --schema %q: give standard or mozilla\n", *schema)
		return exitUsage
	}
	opts := &addressbook.Options{ExtraNicknameDirs: dirs, IncludeHistory: *history}
	if *charset != "" {
		enc, err := lookupCharset(*charset)
		if err != nil {
			fmt.Fprintf(stderr, "mailconv contacts: %v\n", err)
			return exitUsage
		}
		opts.Charset = enc
	}
	rep := newSideReport(src, "eudora-addressbook", out, f, stderr)
	opts.Events = rep.add
	book, srcFormat, err := readBook(ctx, src, opts)
	if err != nil {
		return rep.finish(*reportFile, err)
	}
	rep.rep.Source.Format = srcFormat
	fmt.Fprintf(stderr, "read %d cards and %d lists from %s\n", len(book.Contacts), len(book.Groups), src)
	err = writeOutput(out, *force, stdout, func(w io.Writer) error {
		if f == "ldif" {
			return addressbook.WriteLDIF(w, book, &addressbook.LDIFOptions{BaseDN: *baseDN, NestedGroups: *nested, Schema: ldifSchema, Events: rep.add})
		}
		return addressbook.WriteVCard(w, book, &addressbook.VCardOptions{Events: rep.add})
	})
	return rep.finish(*reportFile, err)
}

// readBook reads SRC: a store directory, an LDIF or vCard file, or a
// Eudora nicknames file.
func readBook(ctx context.Context, src string, opts *addressbook.Options) (*addressbook.Book, string, error) {
	st, err := os.Stat(src)
	if err != nil {
		return nil, "", err
	}
	if st.IsDir() {
		b, err := addressbook.ReadStore(ctx, src, opts)
		return b, "eudora", err
	}
	fh, err := os.Open(src)
	if err != nil {
		return nil, "", err
	}
	defer fh.Close()
	switch strings.ToLower(filepath.Ext(src)) {
	case ".ldif", ".ldi":
		b, err := addressbook.ReadLDIF(ctx, fh, &addressbook.LDIFReadOptions{Name: src, Events: opts.Events})
		return b, "ldif", err
	case ".vcf", ".vcard":
		b, err := addressbook.ReadVCard(ctx, fh, &addressbook.VCardReadOptions{Name: src, Events: opts.Events})
		return b, "vcard", err
	}
	b, err := addressbook.ReadNicknames(ctx, fh, src, opts)
	return b, "eudora", err
}

// lookupCharset finds an encoding by its WHATWG/IANA name.
func lookupCharset(name string) (encoding.Encoding, error) {
	if strings.EqualFold(name, "macintosh") || strings.EqualFold(name, "macroman") {
		return charmap.Macintosh, nil
	}
	enc, err := htmlindex.Get(name)
	if err != nil {
		return nil, fmt.Errorf("unknown charset %q", name)
	}
	return enc, nil
}
