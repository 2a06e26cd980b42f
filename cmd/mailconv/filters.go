package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/addressbook"
	"github.com/mailconv/mailconv/eudora"
	"github.com/mailconv/mailconv/filters"
)

func init() {
	commands["filters"] = command{
		summary: "convert Eudora filters to a Sieve script",
		run:     runFilters,
	}
}

const filtersUsage = `Usage: mailconv filters [options] SRC OUT.sieve

Converts the incoming filters of a Eudora data folder (Filters.pce with the
Filters\*.pre and *.pst sets, or the Mac Eudora Filters file) or of one
filters file into a Sieve script (RFC 5228). Filters and actions Sieve
cannot express become comments in the script and lines of the report; the
exit code is then 3. By default the script uses only Sieve extensions a
stock Dovecot Pigeonhole enables; actions that need another (changing the
Subject or X-Priority header needs editheader) become comments and report
lines. --sieve-extensions editheader (names as in Pigeonhole, comma-
separated) allows them, for a server configured with
sieve_extensions = +editheader.`

// storeFolders returns, for the Eudora store at src, the resolver from
// Eudora mailbox file paths to the source mailbox paths the mail conversion
// uses (descmap.pce display names), and those mailboxes. When src cannot be
// opened as a store, names are derived from file names and the note says
// so.
func storeFolders(ctx context.Context, src string) (resolve filters.FolderResolver, mailboxes []*mailconv.Mailbox, note string) {
	st, err := eudora.Open(ctx, src, nil)
	if err == nil {
		defer st.Close()
		mbs, err := st.Mailboxes(ctx)
		if err == nil {
			return st.PathForFile, mbs, ""
		}
	}
	return filters.FallbackResolver, nil,
		"mailbox names were derived from Eudora file names (the store's descmap.pce could not be read: " + err.Error() + "): check the fileinto names"
}

func runFilters(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newUsageFlagSet("filters", filtersUsage, stderr)
	sep := fs.String("separator", "/", "hierarchy separator of the target server's mailbox names")
	to := fs.String("to", "", "the mail conversion's destination `FORMAT:PATH`: fileinto names follow its naming rules")
	anyHeaders := fs.String("any-headers", strings.Join(filters.DefaultAnyHeaders, ","), "comma-separated fields searched for «Any Header»")
	reportFile := pathFlag(fs, "report", "write a JSON report to this file")
	force := fs.Bool("force", false, "replace OUT if it exists")
	sieveExt := fs.String("sieve-extensions", "", "comma-separated Sieve `EXTENSIONS` the server enables beyond Pigeonhole's defaults (editheader)")
	if code := parseFlags(fs, args, stdout); code >= 0 {
		return code
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return exitUsage
	}
	var exts []string
	for _, e := range strings.Split(*sieveExt, ",") {
		if e = strings.TrimSpace(e); e != "" {
			exts = append(exts, e)
		}
	}
	if err := filters.CheckExtensions(exts); err != nil {
		fmt.Fprintf(stderr, "mailconv filters: --sieve-extensions: %v\n", err)
		return exitUsage
	}
	src, out := expandPath(fs.Arg(0)), expandPath(fs.Arg(1))
	if err := checkOutputs(src, output{"output", out}, output{"report", *reportFile}); err != nil {
		return exitFor(err, stderr)
	}
	rep := newSideReport(src, "eudora-filters", out, "sieve", stderr)
	st, err := os.Stat(src)
	if err != nil {
		return rep.finish(*reportFile, err)
	}
	storeDir := src
	var sets []*filters.Set
	popts := &filters.Options{Events: rep.add}
	if st.IsDir() {
		sets, err = filters.ReadStore(ctx, src, popts)
	} else {
		storeDir = filepath.Dir(src)
		var fh *os.File
		fh, err = os.Open(src)
		if err == nil {
			var s *filters.Set
			s, err = filters.Parse(ctx, fh, filepath.Base(src), popts)
			fh.Close()
			sets = []*filters.Set{s}
		}
	}
	if err != nil {
		return rep.finish(*reportFile, err)
	}
	resolve, mailboxes, note := storeFolders(ctx, storeDir)
	if note != "" {
		rep.add(mailconv.Event{Kind: mailconv.EventWarning, Code: "filters.fallback-names", Detail: note})
	}
	if mailboxes == nil {
		// Plan over the mailboxes the filters name, so that names are
		// escaped as a conversion to this target would escape them.
		seen := map[string]bool{}
		for _, s := range sets {
			for _, f := range s.Filters {
				for _, a := range f.Actions {
					switch strings.ToLower(a.Verb) {
					case "transfer", "copy", "copyinstead":
						if p, ok := resolve(strings.TrimRight(a.Arg, " ")); ok && !seen[p.String()] {
							seen[p.String()] = true
							mailboxes = append(mailboxes, &mailconv.Mailbox{Path: p, Messages: -1, Bytes: -1})
						}
					}
				}
			}
		}
		for _, j := range []string{"Junk.mbx", ":Junk"} {
			if p, ok := resolve(j); ok && !seen[p.String()] {
				seen[p.String()] = true
				mailboxes = append(mailboxes, &mailconv.Mailbox{Path: p, Messages: -1, Bytes: -1})
			}
		}
	}
	caps := mailconv.Capabilities{Mixed: true, Names: mailconv.NameRules{Forbidden: *sep}}
	if *to != "" {
		t, err := resolveDestination(*to)
		if err != nil {
			return exitFor(err, stderr)
		}
		if t.format.Capabilities != nil {
			c, err := t.format.Capabilities(ctx, t.path, &mailconv.Options{})
			if err != nil {
				return rep.finish(*reportFile, err)
			}
			caps = c
			if !strings.Contains(caps.Names.Forbidden, *sep) {
				caps.Names.Forbidden += *sep
			}
		}
	}
	plan := mailconv.PlanNames(mailboxes, caps)
	sopts := &filters.SieveOptions{Resolve: resolve, Plan: plan, Separator: *sep, Events: rep.add, Extensions: exts}
	if *anyHeaders != "" {
		sopts.AnyHeaders = strings.Split(*anyHeaders, ",")
	}
	// Nicknames and address books, for intersects/intersectsFile and
	// forward/redirect to a nickname.
	if book, err := addressbook.ReadStore(ctx, storeDir, &addressbook.Options{}); err == nil {
		sopts.AddressBook = bookLookup(book)
	}
	var res *filters.SieveResult
	err = writeOutput(out, *force, stdout, func(w io.Writer) error {
		var err error
		res, err = filters.WriteSieve(w, sets, sopts)
		return err
	})
	if err == nil {
		fmt.Fprintf(stderr, "%d filters converted, %d kept as comments; fileinto targets: %s\n",
			res.Converted, res.Commented, strings.Join(res.Folders, ", "))
		for _, r := range res.Require {
			if r == "editheader" {
				rep.add(mailconv.Event{Kind: mailconv.EventInfo, Code: "filters.needs-editheader",
					Detail: "the script changes headers: the server must enable the editheader extension"})
			}
		}
	}
	return rep.finish(*reportFile, err)
}

// bookLookup answers address-book names (all addresses of that book) and
// nicknames (the card's address, or a list's addresses).
func bookLookup(b *addressbook.Book) func(string) ([]string, bool) {
	return func(name string) ([]string, bool) {
		var out []string
		for _, c := range b.Contacts {
			if strings.EqualFold(c.Book, name) && c.PrimaryEmail() != "" {
				out = append(out, c.PrimaryEmail())
			}
		}
		if len(out) > 0 {
			return out, true
		}
		for _, c := range b.Contacts {
			if c.Nickname != "" && strings.EqualFold(c.Nickname, name) && c.PrimaryEmail() != "" {
				return []string{c.PrimaryEmail()}, true
			}
		}
		for _, g := range b.Groups {
			if strings.EqualFold(g.Nickname, name) {
				for _, c := range g.Flatten() {
					if c.PrimaryEmail() != "" {
						out = append(out, c.PrimaryEmail())
					}
				}
				return out, true
			}
		}
		return nil, false
	}
}
