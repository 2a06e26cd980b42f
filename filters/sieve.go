package filters

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/mailconv/mailconv"
)

// FolderResolver maps a mailbox path as a Eudora filter names it (a
// Windows file path relative to the data folder such as
// "Work.fol\Clients.mbx", or a Mac colon path such as ":Work:Clients") to
// the path the mail conversion gives that mailbox in its source model
// (what the eudora store reader lists). It returns false when the path
// names no mailbox of the store.
type FolderResolver func(eudoraPath string) (mailconv.Path, bool)

// DefaultAnyHeaders are the fields a «Any Header» term is expanded to:
// Sieve cannot search the whole header block.
var DefaultAnyHeaders = []string{"From", "Sender", "Reply-To", "To", "Cc", "Bcc", "Subject", "Date",
	"Message-ID", "In-Reply-To", "References", "List-Id", "Organization", "X-Mailer", "Received"}

// SieveOptions tune WriteSieve.
type SieveOptions struct {
	// Resolve maps transfer/copy targets to source mailbox paths. Nil
	// resolves nothing: every transfer is then a comment and a loss.
	Resolve FolderResolver
	// Plan maps source mailbox paths to the destination names the mail
	// conversion used (mailconv.PlanNames for the target's capabilities).
	// Nil uses the source paths unchanged.
	Plan *mailconv.NamePlan
	// Separator joins destination path segments into a fileinto name:
	// the target's hierarchy separator. "" means "/".
	Separator string
	// AnyHeaders replaces DefaultAnyHeaders for «Any Header» terms.
	AnyHeaders []string
	// LabelKeyword names the keyword of Eudora label n; nil means
	// "$labelN", the keyword the mail conversion writes.
	LabelKeyword func(n int) string
	// JunkMailbox is the Eudora path of the junk mailbox, resolved like a
	// transfer target for the junk action; "" means "Junk.mbx" (Windows)
	// or ":Junk" (Mac).
	JunkMailbox string
	// AddressBook returns the addresses of a named address book, for the
	// intersectsFile and disjointFile verbs, and of a nickname, for
	// nicknames in intersects values and forward/redirect arguments. Nil
	// makes such terms unsupported.
	AddressBook func(name string) ([]string, bool)
	// Events receives a skip for every filter written as a comment, a
	// loss for every action or approximation, and warnings.
	Events func(mailconv.Event)
	// Extensions allows Sieve extensions beyond DefaultSieveExtensions,
	// named as Dovecot Pigeonhole names them ("editheader"): the server
	// must have them enabled (Pigeonhole: sieve_extensions = +editheader).
	// Without "editheader", Eudora's priority and subject actions become
	// comments and losses. A name Pigeonhole does not know makes WriteSieve
	// fail with ErrUnknownExtension.
	Extensions []string
}

// ErrUnknownExtension is returned (wrapped) by WriteSieve for a
// SieveOptions.Extensions name that is not a Sieve extension Dovecot
// Pigeonhole knows.
var ErrUnknownExtension = errors.New("unknown Sieve extension")

// DefaultSieveExtensions returns the extensions WriteSieve may require
// without SieveOptions.Extensions: those it uses that Dovecot Pigeonhole
// enables out of the box, so that a stock server compiles the script
// (docs/formats/sieve.md).
func DefaultSieveExtensions() []string {
	return []string{"body", "copy", "fileinto", "imap4flags", "regex", "variables"}
}

// OptionalSieveExtensions returns the extensions WriteSieve uses only when
// SieveOptions.Extensions allows them: Pigeonhole ships them disabled.
func OptionalSieveExtensions() []string {
	return []string{"editheader"}
}

// CheckExtensions returns an error wrapping ErrUnknownExtension for the
// first name (any case, blanks around it ignored) that is not a Sieve
// extension Dovecot Pigeonhole knows.
func CheckExtensions(names []string) error {
	for _, e := range names {
		if !pigeonholeExtensions[strings.ToLower(strings.TrimSpace(e))] {
			return fmt.Errorf("filters: %q: %w", e, ErrUnknownExtension)
		}
	}
	return nil
}

// pigeonholeExtensions are the extension names Dovecot Pigeonhole 0.5
// knows (its capability list), enabled by default or not.
var pigeonholeExtensions = map[string]bool{
	"fileinto": true, "reject": true, "envelope": true, "encoded-character": true, "vacation": true,
	"subaddress": true, "comparator-i;ascii-numeric": true, "relational": true, "regex": true,
	"imap4flags": true, "copy": true, "include": true, "body": true, "variables": true, "enotify": true,
	"environment": true, "mailbox": true, "date": true, "index": true, "ihave": true, "duplicate": true,
	"mime": true, "foreverypart": true, "extracttext": true, "vacation-seconds": true, "editheader": true,
	"imapflags": true, "notify": true, "spamtest": true, "spamtestplus": true, "virustest": true,
	"mboxmetadata": true, "servermetadata": true, "imapsieve": true, "special-use": true,
	"vnd.dovecot.debug": true, "vnd.dovecot.duplicate": true, "vnd.dovecot.environment": true,
	"vnd.dovecot.report": true, "vnd.dovecot.pipe": true, "vnd.dovecot.filter": true,
	"vnd.dovecot.execute": true, "vnd.dovecot.imapsieve": true,
}

// SieveResult tells what WriteSieve produced.
type SieveResult struct {
	// Folders lists the fileinto mailbox names, in script order, once
	// each.
	Folders []string
	// Require lists the extensions the script requires.
	Require []string
	// Converted counts the filters written as Sieve; Commented those
	// written only as comments.
	Converted, Commented int
}

type sieveGen struct {
	opts    SieveOptions
	allowed map[string]bool
	req     map[string]bool
	body    strings.Builder
	res     SieveResult
	folders map[string]bool
	set     *Set
	f       *Filter
	// filedBy names an earlier converted filter that transfers without
	// stopping: a later transfer files a second copy where Eudora moved
	// the message again.
	filedBy string
}

// WriteSieve writes one RFC 5228 Sieve script applying the incoming filters
// of sets in order (pre sets, the main list, post sets, as ReadStore returns
// them). Every filter, term or action without a Sieve equivalent becomes a
// comment in the script and an event.
func WriteSieve(w io.Writer, sets []*Set, opts *SieveOptions) (*SieveResult, error) {
	g := &sieveGen{req: map[string]bool{}, folders: map[string]bool{}}
	if opts != nil {
		g.opts = *opts
	}
	if g.opts.Separator == "" {
		g.opts.Separator = "/"
	}
	if g.opts.AnyHeaders == nil {
		g.opts.AnyHeaders = DefaultAnyHeaders
	}
	g.allowed = map[string]bool{}
	for _, e := range DefaultSieveExtensions() {
		g.allowed[e] = true
	}
	if err := CheckExtensions(g.opts.Extensions); err != nil {
		return nil, err
	}
	for _, e := range g.opts.Extensions {
		g.allowed[strings.ToLower(strings.TrimSpace(e))] = true
	}
	for _, s := range sets {
		g.set = s
		fmt.Fprintf(&g.body, "\n# ---- %s (%s) ----\n", commentText(s.Name), kindName(s.Kind))
		for _, f := range s.Filters {
			g.f = f
			g.filter(f)
		}
	}
	bw := bufio.NewWriter(w)
	var names []string
	for _, s := range sets {
		names = append(names, s.Name)
	}
	fmt.Fprintf(bw, "# Sieve script (RFC 5228) converted by mailconv from the Eudora filters\n# %s.\n", commentText(strings.Join(names, ", ")))
	bw.WriteString("# Filters and actions Sieve cannot express are kept below as comments.\n")
	for r := range g.req {
		g.res.Require = append(g.res.Require, r)
	}
	sort.Strings(g.res.Require)
	if len(g.res.Require) > 0 {
		bw.WriteString("require [")
		for i, r := range g.res.Require {
			if i > 0 {
				bw.WriteString(", ")
			}
			bw.WriteString(quote(r))
		}
		bw.WriteString("];\n")
	}
	bw.WriteString(g.body.String())
	if err := bw.Flush(); err != nil {
		return nil, err
	}
	return &g.res, nil
}

func kindName(k SetKind) string {
	switch k {
	case SetPre:
		return "runs before the main filters"
	case SetPost:
		return "runs after the main filters"
	}
	return "main filters"
}

func (g *sieveGen) event(kind mailconv.EventKind, code string, off int64, format string, args ...any) {
	if g.opts.Events == nil {
		return
	}
	loc := mailconv.Location{File: g.set.Name, Offset: off}
	if off < 0 && g.f != nil {
		loc = g.f.Source
	}
	g.opts.Events(mailconv.Event{Kind: kind, Code: code, Location: &loc,
		Detail: fmt.Sprintf("filter %q: ", g.f.Name) + fmt.Sprintf(format, args...)})
}

// commentText makes s safe inside a "#" comment: no line breaks or other
// control characters.
func commentText(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// quote returns s as a Sieve quoted string.
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

func quoteList(ss []string) string {
	if len(ss) == 1 {
		return quote(ss[0])
	}
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// wildcardEscape escapes the :matches wildcards of s.
func wildcardEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`).Replace(s)
}

// writeOriginal writes the filter's Eudora lines as comments.
func (g *sieveGen) writeOriginal(f *Filter, indent string) {
	b := &g.body
	fmt.Fprintf(b, "%s#   rule %s\n", indent, commentText(f.Name))
	for _, fl := range []struct {
		on   bool
		name string
	}{{f.Incoming, "incoming"}, {f.Outgoing, "outgoing"}, {f.Manual, "manual"}} {
		if fl.on {
			fmt.Fprintf(b, "%s#   %s\n", indent, fl.name)
		}
	}
	for i, t := range f.Terms {
		if i == 1 {
			fmt.Fprintf(b, "%s#   conjunction %s\n", indent, commentText(string(f.Conjunction)))
		}
		fmt.Fprintf(b, "%s#   header %s / verb %s / value %s\n", indent, commentText(t.Header), commentText(t.Verb), commentText(t.Value))
	}
	for _, a := range f.Actions {
		fmt.Fprintf(b, "%s#   %s %s\n", indent, commentText(a.Verb), commentText(a.Arg))
	}
}

func (g *sieveGen) filter(f *Filter) {
	b := &g.body
	fmt.Fprintf(b, "\n# Filter %s\n", commentText(strconv.Quote(f.Name)))
	if !f.Incoming {
		why := "it was not enabled for incoming mail"
		if f.Outgoing || f.Manual {
			why = "Eudora ran it only " + strings.Join(nonEmpty(ifs(f.Outgoing, "on outgoing mail"), ifs(f.Manual, "by hand")), " and ")
		}
		fmt.Fprintf(b, "# Not converted: %s; a server-side script only sees incoming mail.\n", why)
		g.writeOriginal(f, "")
		g.event(mailconv.EventSkip, "filters.not-incoming", -1, "not converted: %s", why)
		g.res.Commented++
		return
	}
	test, why := g.condition(f)
	if test == "" {
		fmt.Fprintf(b, "# Not converted: %s.\n", commentText(why))
		g.writeOriginal(f, "")
		g.event(mailconv.EventSkip, "filters.unsupported-test", -1, "not converted: %s", why)
		g.res.Commented++
		return
	}
	g.res.Converted++
	fmt.Fprintf(b, "if %s {\n", test)
	// Flags first: imap4flags applies them to the copies filed after.
	var first, rest []Action
	for _, a := range f.Actions {
		switch strings.ToLower(a.Verb) {
		case "status", "label":
			first = append(first, a)
		default:
			rest = append(rest, a)
		}
	}
	transfers, stops := false, false
	for _, a := range f.Actions {
		switch strings.ToLower(a.Verb) {
		case "transfer", "junk":
			transfers = true
		case "stop":
			stops = true
		}
	}
	if transfers && g.filedBy != "" {
		b.WriteString("    # A message that also matched an earlier filter with a transfer is filed there too:\n" +
			"    # Sieve keeps a copy per fileinto, where Eudora moved the message again.\n")
		g.event(mailconv.EventWarning, "filters.multiple-fileinto", -1,
			"a message matching %q as well is filed into both mailboxes (Eudora moved it to the last one)", g.filedBy)
	}
	for _, a := range append(first, rest...) {
		g.action(a)
	}
	b.WriteString("}\n")
	if transfers && !stops && g.filedBy == "" {
		g.filedBy = f.Name
	}
}

func ifs(c bool, s string) string {
	if c {
		return s
	}
	return ""
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// condition returns the Sieve test of a filter, or "" and why not.
func (g *sieveGen) condition(f *Filter) (string, string) {
	if len(f.Terms) == 0 {
		return "", "the filter has no condition"
	}
	t1, why := g.term(f.Terms[0])
	if t1 == "" {
		return "", why
	}
	conj := f.Conjunction
	if conj == "" {
		conj = ConjIgnore
	}
	if conj == ConjIgnore {
		return t1, ""
	}
	if len(f.Terms) < 2 || strings.TrimSpace(f.Terms[1].Header) == "" {
		return "", fmt.Sprintf("conjunction %q without a second term", conj)
	}
	t2, why := g.term(f.Terms[1])
	if t2 == "" {
		return "", why
	}
	switch conj {
	case ConjAnd:
		return "allof(" + t1 + ", " + t2 + ")", ""
	case ConjOr:
		return "anyof(" + t1 + ", " + t2 + ")", ""
	case ConjUnless:
		return "allof(" + t1 + ", not " + t2 + ")", ""
	}
	return "", fmt.Sprintf("unknown conjunction %q", string(conj))
}

// headerName checks a field name for a Sieve header test.
var headerName = regexp.MustCompile(`^[!-9;-~]+$`)

// term returns the Sieve test of one term, or "" and why not.
func (g *sieveGen) term(t Term) (string, string) {
	h := strings.TrimSpace(t.Header)
	verb := strings.TrimSpace(t.Verb)
	val := t.Value
	neg := false
	switch verb {
	case "!contains", "!is", "!appears":
		neg, verb = true, verb[1:]
	case "disjoint":
		neg, verb = true, "intersects"
	case "disjointFile":
		neg, verb = true, "intersectsFile"
	case "contains", "is", "starts", "ends", "appears", "intersects", "intersectsFile", "regex", "regex_icase", "less", "greater":
	default:
		g.event(mailconv.EventWarning, "filters.unknown-verb", -1, "unknown verb %q read as contains, as Eudora does", verb)
		verb = "contains"
	}
	wrap := func(s string) string {
		if neg {
			return "not " + s
		}
		return s
	}
	if h == "" {
		return "", "a term has no header"
	}
	// The field(s) to test and how.
	var fields []string
	kind := "header"
	switch {
	case strings.HasPrefix(h, "«") && strings.HasSuffix(h, "»"):
		switch strings.ToLower(strings.Trim(h, "«»")) {
		case "body":
			kind = "body"
		case "any recipient":
			fields = []string{"to", "cc"}
		case "any header":
			fields = g.opts.AnyHeaders
			g.event(mailconv.EventLoss, "filters.approximated", -1, "«Any Header» searched in %d named fields; Sieve cannot search the whole header", len(fields))
		default:
			return "", fmt.Sprintf("pseudo-header %s has no Sieve equivalent", h)
		}
	default:
		name := strings.TrimSpace(strings.TrimSuffix(h, ":"))
		if !headerName.MatchString(name) {
			return "", fmt.Sprintf("%q is not a valid header field name", h)
		}
		fields = []string{name}
	}
	switch verb {
	case "appears":
		if kind == "body" {
			return "", "«Body» appears has no meaning in Sieve"
		}
		return wrap("exists " + quoteList(fields)), ""
	case "less", "greater":
		return "", fmt.Sprintf("verb %q (junk score) has no Sieve equivalent", verb)
	case "intersects", "intersectsFile":
		if kind == "body" {
			return "", "«Body» with an address verb"
		}
		var addrs []string
		if verb == "intersectsFile" {
			if g.opts.AddressBook == nil {
				return "", fmt.Sprintf("address book %q is not available", val)
			}
			list, ok := g.opts.AddressBook(val)
			if !ok {
				return "", fmt.Sprintf("address book %q not found", val)
			}
			addrs = list
		} else {
			var why string
			addrs, why = g.expand(val)
			if why != "" {
				return "", why
			}
		}
		if len(addrs) == 0 {
			if neg {
				return "true", ""
			}
			return "false", ""
		}
		return wrap("address :all :is " + quoteList(fields) + " " + quoteList(addrs)), ""
	}
	match, key := "", val
	comparator := ""
	switch verb {
	case "contains":
		match = ":contains"
	case "is":
		match = ":is"
	case "starts":
		match, key = ":matches", wildcardEscape(val)+"*"
	case "ends":
		match, key = ":matches", "*"+wildcardEscape(val)
	case "regex", "regex_icase":
		if _, err := regexp.CompilePOSIX(val); err != nil {
			return "", fmt.Sprintf("regular expression %q is not a POSIX extended expression", val)
		}
		g.req["regex"] = true
		match = ":regex"
		if verb == "regex" {
			comparator = ` :comparator "i;octet"`
		}
		g.event(mailconv.EventWarning, "filters.regex-dialect", -1, "regular expression %q passed on as POSIX extended; check it behaves as in Eudora", val)
	}
	if kind == "body" {
		g.req["body"] = true
		return wrap("body :text " + match + comparator + " " + quote(key)), ""
	}
	return wrap("header " + match + comparator + " " + quoteList(fields) + " " + quote(key)), ""
}

// expand turns an address list (which may name nicknames) into addresses.
func (g *sieveGen) expand(list string) ([]string, string) {
	var out []string
	for _, part := range splitList(list) {
		addr := part
		if i := strings.LastIndexByte(part, '<'); i >= 0 {
			addr = strings.TrimSuffix(part[i+1:], ">")
		}
		addr = strings.TrimSpace(addr)
		if addr == "" {
			continue
		}
		if strings.Contains(addr, "@") {
			out = append(out, addr)
			continue
		}
		if g.opts.AddressBook == nil {
			return nil, fmt.Sprintf("%q looks like a nickname and no address book is available", addr)
		}
		more, ok := g.opts.AddressBook(addr)
		if !ok {
			return nil, fmt.Sprintf("nickname %q not found", addr)
		}
		out = append(out, more...)
	}
	return out, ""
}

// splitList splits at commas outside quotes and angle brackets.
func splitList(s string) []string {
	var out []string
	inQ, inA, start := false, false, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			inQ = !inQ
		case c == '<' && !inQ:
			inA = true
		case c == '>' && !inQ:
			inA = false
		case c == ',' && !inQ && !inA:
			out = append(out, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
	}
	return append(out, strings.TrimSpace(s[start:]))
}

// folder maps a Eudora mailbox path to a fileinto name.
func (g *sieveGen) folder(eudoraPath string) (string, string) {
	if g.opts.Resolve == nil {
		return "", "no mailbox resolver was given"
	}
	src, ok := g.opts.Resolve(eudoraPath)
	if !ok || len(src) == 0 {
		return "", fmt.Sprintf("mailbox %q is not in the store", eudoraPath)
	}
	dest := src
	if g.opts.Plan != nil {
		dest = g.opts.Plan.Dest(src)
		if dest == nil {
			return "", fmt.Sprintf("mailbox %s was not converted", src)
		}
	}
	for _, seg := range dest {
		if strings.Contains(seg, g.opts.Separator) {
			g.event(mailconv.EventWarning, "filters.separator-in-name", -1, "mailbox name segment %q contains the separator %q", seg, g.opts.Separator)
		}
	}
	name := strings.Join(dest, g.opts.Separator)
	if !g.folders[name] {
		g.folders[name] = true
		g.res.Folders = append(g.res.Folders, name)
	}
	return name, ""
}

func (g *sieveGen) unsupported(a Action, code, why string) {
	fmt.Fprintf(&g.body, "    # Eudora action \"%s\": %s\n", commentText(strings.TrimSpace(a.Verb+" "+a.Arg)), commentText(why))
	g.event(mailconv.EventLoss, code, a.Offset, "action %q: %s", strings.TrimSpace(a.Verb+" "+a.Arg), why)
}

// statusFlags maps a Eudora status number to flag operations.
func statusFlags(n int, mac bool) (add []string, remove []string, ok bool) {
	if mac {
		switch n {
		case 1:
			return nil, []string{`\Seen`}, true
		case 2:
			return []string{`\Seen`}, nil, true
		case 3:
			return []string{`\Seen`, `\Answered`}, nil, true
		case 4:
			return []string{`\Seen`, `$Forwarded`, `$EudoraRedirected`}, nil, true
		case 8:
			return []string{`\Seen`, `$Forwarded`}, nil, true
		case 14:
			return []string{`\Seen`, `$EudoraRecovered`}, nil, true
		}
		return nil, nil, false
	}
	switch n {
	case 0:
		return nil, []string{`\Seen`}, true
	case 1:
		return []string{`\Seen`}, nil, true
	case 2:
		return []string{`\Seen`, `\Answered`}, nil, true
	case 3:
		return []string{`\Seen`, `$Forwarded`}, nil, true
	case 4:
		return []string{`\Seen`, `$Forwarded`, `$EudoraRedirected`}, nil, true
	case 12:
		return []string{`\Seen`, `$EudoraRecovered`}, nil, true
	}
	return nil, nil, false
}

var priorityNames = [...]string{1: "1 (Highest)", 2: "2 (High)", 3: "3 (Normal)", 4: "4 (Low)", 5: "5 (Lowest)"}

func (g *sieveGen) action(a Action) {
	b := &g.body
	arg := strings.TrimRight(a.Arg, " ")
	mac := g.set.Mac
	switch v := strings.ToLower(a.Verb); v {
	case "transfer", "copy", "copyinstead":
		name, why := g.folder(arg)
		if name == "" {
			g.unsupported(a, "filters.unresolved-mailbox", why+"; the message stays where it is")
			return
		}
		g.req["fileinto"] = true
		if v == "transfer" {
			fmt.Fprintf(b, "    fileinto %s;\n", quote(name))
		} else {
			g.req["copy"] = true
			fmt.Fprintf(b, "    fileinto :copy %s;\n", quote(name))
		}
	case "junk":
		jb := g.opts.JunkMailbox
		if jb == "" {
			jb = "Junk.mbx"
			if mac {
				jb = ":Junk"
			}
		}
		name, why := g.folder(jb)
		if name == "" {
			g.unsupported(a, "filters.unresolved-mailbox", "junk mailbox: "+why)
			return
		}
		g.req["fileinto"] = true
		fmt.Fprintf(b, "    fileinto %s;\n", quote(name))
	case "stop":
		b.WriteString("    stop;\n")
	case "status":
		n, err := strconv.Atoi(strings.TrimSpace(arg))
		add, remove, ok := statusFlags(n, mac)
		if err != nil || !ok {
			g.unsupported(a, "filters.unsupported-action", "this status has no IMAP flag")
			return
		}
		g.req["imap4flags"] = true
		if len(remove) > 0 {
			fmt.Fprintf(b, "    removeflag %s;\n", quoteList(remove))
		}
		if len(add) > 0 {
			fmt.Fprintf(b, "    addflag %s;\n", quoteList(add))
		}
	case "label":
		n, err := strconv.Atoi(strings.TrimSpace(arg))
		if err != nil || n < 0 || n > 15 {
			g.unsupported(a, "filters.unsupported-action", "label number out of range")
			return
		}
		g.req["imap4flags"] = true
		if n == 0 {
			var all []string
			for i := 1; i <= 7; i++ {
				all = append(all, g.label(i))
			}
			fmt.Fprintf(b, "    removeflag %s;\n", quoteList(all))
			return
		}
		fmt.Fprintf(b, "    addflag %s;\n", quote(g.label(n)))
	case "priority":
		n, err := strconv.Atoi(strings.TrimSpace(arg))
		if err == nil && !mac {
			n++ // Windows writes 0–4 for priorities 1–5
		}
		if err != nil || n < 1 || n > 5 {
			g.unsupported(a, "filters.unsupported-action", "raising or lowering a priority has no Sieve equivalent")
			return
		}
		if !g.allow(a, "editheader") {
			return
		}
		g.req["editheader"] = true
		fmt.Fprintf(b, "    deleteheader \"X-Priority\";\n    addheader \"X-Priority\" %s;\n", quote(priorityNames[n]))
	case "subject":
		if !g.allow(a, "editheader") {
			return
		}
		g.req["editheader"] = true
		g.req["variables"] = true
		text := arg
		if strings.Contains(text, "${") {
			// "${" would start a variable reference: spell the dollar sign
			// through a variable that holds it.
			b.WriteString("    set \"eudora_dollar\" \"$\";\n")
			text = strings.ReplaceAll(text, "${", "${eudora_dollar}{")
		}
		if i := strings.IndexByte(text, '&'); i >= 0 {
			text = text[:i] + "${eudora_subject}" + text[i+1:]
			b.WriteString("    set \"eudora_subject\" \"\";\n")
			b.WriteString("    if header :matches \"Subject\" \"*\" { set \"eudora_subject\" \"${1}\"; }\n")
		}
		fmt.Fprintf(b, "    deleteheader \"Subject\";\n    addheader :last \"Subject\" %s;\n", quote(text))
		g.event(mailconv.EventWarning, "filters.subject-header", a.Offset, "Eudora for Windows changed only the subject shown in the mailbox list; the script changes the Subject header")
	case "forward", "redirect":
		addrs, why := g.expand(arg)
		if why != "" || len(addrs) == 0 {
			if why == "" {
				why = "no address"
			}
			g.unsupported(a, "filters.unsupported-action", why)
			return
		}
		g.req["copy"] = true
		for _, ad := range addrs {
			fmt.Fprintf(b, "    redirect :copy %s;\n", quote(ad))
		}
		if v == "forward" {
			g.event(mailconv.EventLoss, "filters.approximated", a.Offset, "forward written as redirect: the copy keeps the original sender and no new message is composed")
		}
	case "reply", "notifyuser", "notifyapp", "sound", "speak", "open", "print", "serveropt", "personality",
		"raise", "lower", "addhistory", "mvattach", "delivery", "minimessage", "minimailbox", "name":
		g.unsupported(a, "filters.unsupported-action", "no Sieve equivalent")
	default:
		g.unsupported(a, "filters.unknown-action", "unknown Eudora action")
	}
}

// allow reports whether the script may require ext; when it may not, the
// action becomes a comment and a loss naming the extension.
func (g *sieveGen) allow(a Action, ext string) bool {
	if g.allowed[ext] {
		return true
	}
	g.unsupported(a, "filters.extension-not-allowed", "needs the Sieve extension \""+ext+"\", which Dovecot Pigeonhole does not enable by default; allow it when the server has it enabled")
	return false
}

func (g *sieveGen) label(n int) string {
	if g.opts.LabelKeyword != nil {
		return g.opts.LabelKeyword(n)
	}
	return "$label" + strconv.Itoa(n)
}

// FallbackResolver maps Eudora mailbox paths to source paths from the file
// names alone: ".mbx" and ".fol" are stripped from Windows path segments
// ("Work.fol\Clients.mbx" becomes Work/Clients), Mac colon paths are split
// at ':' (":Work:Clients"), and a top-level In becomes INBOX. It ignores
// descmap.pce display names, so it is only an approximation for when the
// eudora store reader's own resolver is not at hand; callers should say so.
func FallbackResolver(eudoraPath string) (mailconv.Path, bool) {
	p := strings.TrimSpace(eudoraPath)
	var segs []string
	if strings.HasPrefix(p, ":") || (strings.Contains(p, ":") && !strings.ContainsAny(p, `\/`)) {
		for _, s := range strings.Split(p, ":") {
			if s != "" {
				segs = append(segs, s)
			}
		}
	} else {
		for _, s := range strings.FieldsFunc(p, func(r rune) bool { return r == '\\' || r == '/' }) {
			if s == "." || s == "" {
				continue
			}
			if s == ".." {
				return nil, false
			}
			l := strings.ToLower(s)
			if strings.HasSuffix(l, ".mbx") || strings.HasSuffix(l, ".fol") {
				s = s[:len(s)-4]
			}
			segs = append(segs, s)
		}
	}
	if len(segs) == 0 {
		return nil, false
	}
	if len(segs) == 1 && strings.EqualFold(segs[0], "In") {
		return mailconv.Path{"INBOX"}, true
	}
	return mailconv.Path(segs), true
}
