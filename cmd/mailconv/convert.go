package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/migrate"
)

func init() {
	commands["convert"] = command{
		summary: "convert a mail store: mailconv convert [options] SRC DST",
		run:     runConvert,
	}
}

const convertSynopsis = `[options] SRC DST

SRC and DST are FORMAT:PATH (mbox:, maildir:, eudora:, ...). The format of SRC
is detected when the prefix is left out. DST must not exist, or be an empty
directory (or an empty file for a single mbox file).`

func runConvert(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return convertMain(ctx, args, stdout, stderr, nil)
}

// convertMain is convert, with hooks for a batch job (nil for the command).
func convertMain(ctx context.Context, args []string, stdout, stderr io.Writer, h *convertHooks) int {
	fs := newFlagSet("convert", convertSynopsis, stderr)
	reportFile := pathFlag(fs, "report", "write the conversion report as JSON to `FILE`")
	quiet := fs.Bool("quiet", false, "print nothing but errors")
	durable := fs.Bool("durable", false, "fsync every message and directory written (slower; survives power loss)")
	progress := fs.String("progress", "auto", "progress bar on stderr: auto (when stderr is a terminal), always or never")
	journalFile := pathFlag(fs, "journal", "journal `FILE` (default: DST.mailconv-journal beside the destination)")
	dedup := fs.String("dedup", "none", "skip messages the destination mailbox already holds: none, message-id or content (default content with --merge)")
	merge := fs.Bool("merge", false, "add this source's mail to a destination an earlier run converted another source into (implies --dedup content)")
	net := addNetFlags(fs)
	ctl := addControlFlags(fs)
	limits := addLimitFlags(fs)
	conns := addConnectionsFlag(fs)
	opts, dstOpts := optList{}, optList{}
	fs.Var(opts, "opt", "source format option `key=value` (repeatable; see 'mailconv formats'); a key only the destination knows goes to it")
	fs.Var(dstOpts, "dst-opt", "destination format option `key=value` (repeatable)")
	argv, err := parseArgs(fs, args)
	if err != nil {
		return parseExit(err)
	}
	if h != nil && h.parseOnly {
		h.flags, h.argv = fs, argv
		return exitOK
	}
	if len(argv) != 2 {
		fs.Usage()
		return exitUsage
	}
	src, err := resolveSource(argv[0])
	if err != nil {
		return h.fail(err, stderr)
	}
	dst, err := resolveDestination(argv[1])
	if err != nil {
		return h.fail(err, stderr)
	}
	net.apply(opts, src)
	net.apply(dstOpts, dst)
	if err := limits.apply(dstOpts, dst); err != nil {
		return h.fail(err, stderr)
	}
	if err := conns.check(); err != nil {
		return h.fail(err, stderr)
	}
	readParams, writeParams, err := sideParams(opts, dstOpts, src, dst, false)
	if err == nil {
		err = net.applySides(src, readParams, &dst, writeParams)
	}
	if err != nil {
		return h.fail(err, stderr)
	}
	limits.providerDefault(writeParams)
	if err := h.addParams(src, readParams, dst, writeParams); err != nil {
		return h.fail(err, stderr)
	}
	if *merge && !flagSet(fs, "dedup") {
		*dedup = "content"
	}
	policy, err := migrate.ParseDedupPolicy(*dedup)
	if err != nil {
		return h.fail(usageError{err}, stderr)
	}

	var sel migrate.ConvertOptions
	if err := ctl.apply(&sel); err != nil {
		return h.fail(err, stderr)
	}
	rep := &migrate.Report{
		Source:      migrate.Endpoint{Format: src.format.Name, Path: src.path},
		Destination: migrate.Endpoint{Format: dst.format.Name, Path: dst.path},
		Started:     time.Now(),
	}
	if h != nil {
		h.report = rep
	}
	if *ctl.dryRun {
		if err := checkOutputs(src.path, output{"report", absPath(*reportFile)}); err != nil {
			return h.fail(err, stderr)
		}
		code := dryRun(ctx, src, dst, readParams, writeParams, sel, rep, stdout, stderr)
		if *reportFile != "" && code == exitOK {
			if err := writeReport(*reportFile, rep); err != nil {
				return h.fail(err, stderr)
			}
		}
		return code
	}
	jpath := *journalFile
	if jpath == "" {
		jpath = defaultJournal(dst)
	}
	if err := checkOutputs(src.path, output{"destination", dst.path}, output{"journal", jpath}, output{"report", absPath(*reportFile)}); err != nil {
		return h.fail(err, stderr)
	}
	before := statDestination(dst.path, jpath)
	journal, resume, err := openJournal(jpath, dst, *durable)
	if err != nil {
		return h.fail(err, stderr)
	}
	if err := checkSameSource(journal, resume, rep.Source, dst, *merge); err != nil {
		journal.Close()
		return h.fail(err, stderr)
	}
	run := convertRun{src: src, dst: dst, readParams: readParams, writeParams: writeParams, durable: *durable,
		journal: journal, command: shellCommand(append([]string{"mailconv", "convert"}, args...)), resume: resume, dedup: policy, quiet: *quiet, progress: *progress, sel: sel, hooks: h, limits: limits}
	run.conns = conns
	code := run.do(ctx, rep, stderr)
	recorded := journal.Messages()
	if h != nil {
		h.recorded = recorded
	}
	if err := journal.Close(); err != nil && code != exitFailure {
		code = h.fail(err, stderr)
	}
	if recorded == 0 {
		before.undo()
	}
	if *reportFile != "" {
		if err := writeReport(*reportFile, rep); err != nil {
			fmt.Fprintln(stderr, "mailconv:", err)
			if code == exitOK || code == exitLossy {
				code = exitFailure
			}
		}
	}
	return code
}

// convertRun is one conversion as the command line asked for it.
type convertRun struct {
	src, dst                store
	readParams, writeParams map[string]string
	durable                 bool
	journal                 *migrate.Journal
	command                 string // the command line, to print how to resume
	resume                  bool   // the journal was there: continue its destination
	dedup                   migrate.DedupPolicy
	quiet                   bool
	progress                string
	sel                     migrate.ConvertOptions // Include, Since, Before
	hooks                   *convertHooks
	limits                  *limitFlags
	conns                   *connectionsFlag // nil: one mailbox at a time
}

func (cr *convertRun) do(ctx context.Context, rep *migrate.Report, stderr io.Writer) int {
	src, dst, quiet, progress := cr.src, cr.dst, cr.quiet, cr.progress
	r, err := src.format.Open(ctx, src.path, &mailconv.Options{Params: cr.readParams, Events: rep.Add})
	if err != nil {
		rep.Error = err.Error()
		return cr.hooks.fail(err, stderr)
	}
	defer r.Close()
	resume := cr.resume
	if resume && !quiet && cr.journal.Runs() > 0 {
		// (a journal no run wrote to, left by a kill at the very start,
		// still lets the run continue what that one created)
		fmt.Fprintf(stderr, "mailconv: continuing from journal %s\n", cr.journal)
	}
	w, err := dst.format.Create(ctx, dst.path, &mailconv.Options{Params: cr.writeParams, Events: rep.Add, Durable: cr.durable, Resume: resume})
	if err != nil {
		rep.Error = err.Error()
		if errors.Is(err, mailconv.ErrDestinationNotEmpty) {
			return cr.hooks.fail(usageError{err}, stderr)
		}
		return cr.hooks.fail(err, stderr)
	}

	if cr.limits != nil {
		if err := cr.limits.budget(w, cr.journal); err != nil {
			w.Close()
			rep.Error = err.Error()
			return cr.hooks.fail(err, stderr)
		}
	}
	// An interrupt (ctx) stops the run after the message in hand, which is
	// written and journaled; a second one ends the process (see main).
	copts := migrate.ConvertOptions{Report: rep, Journal: cr.journal, Dedup: cr.dedup, Stop: ctx.Done(),
		Include: cr.sel.Include, Since: cr.sel.Since, Before: cr.sel.Before}
	if cr.hooks != nil {
		copts.Progress = cr.hooks.progress
	}
	copts.Connections = cr.conns.connections(w)
	showBar := progress == "always" || (progress == "auto" && !quiet && isTerminal(stderr))
	var bar *progressbar.ProgressBar
	if showBar {
		bar = progressbar.NewOptions64(-1,
			progressbar.OptionSetWriter(stderr),
			progressbar.OptionShowBytes(true),
			progressbar.OptionUseIECUnits(true), // MiB, as in the summary
			progressbar.OptionShowCount(),
			progressbar.OptionSetDescription("converting"),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
		var last time.Time
		copts.Progress = func(p migrate.Progress) {
			if now := time.Now(); now.Sub(last) < 100*time.Millisecond {
				return
			} else {
				last = now
			}
			if p.TotalBytes > 0 && bar.GetMax64() != p.TotalBytes {
				bar.ChangeMax64(p.TotalBytes)
			}
			bar.Describe(fmt.Sprintf("%d msgs, mailbox %d/%d %s", p.Messages, p.MailboxesDone+1, p.MailboxesTotal, p.Mailbox))
			bar.Set64(p.Bytes)
		}
	}
	_, cerr := migrate.Convert(context.WithoutCancel(ctx), r, w, copts)
	if werr := w.Close(); cerr == nil && werr != nil {
		cerr = fmt.Errorf("finishing %s: %w", dst.path, werr)
		rep.Error = cerr.Error()
	}
	if bar != nil {
		bar.Finish()
	}
	if cerr == nil {
		cerr = noMailFound(rep, src)
	}
	var one *migrate.OneMailboxError
	refused := errors.As(cerr, &one) // before anything was written
	if !quiet && !refused {
		printSummary(stderr, rep)
		if rep.NothingToDo {
			fmt.Fprintln(stderr, "mailconv: nothing to do: every message was already converted")
		}
	}
	if code, ok := budgetExit(cerr, stderr); ok {
		return code
	}
	if cerr != nil {
		if refused {
			cerr = usageError{cerr}
		}
		if errors.Is(cerr, context.Canceled) || ctx.Err() != nil {
			fmt.Fprintf(stderr, "mailconv: interrupted after the message in hand (%d written in this run, each recorded in the journal).\n"+
				"mailconv: to continue where it stopped, run the same command again:\n  %s\n", rep.Totals.MessagesWritten, cr.command)
			if cr.hooks != nil {
				cr.hooks.err = cerr
			}
			return exitInterrupted
		}
		return cr.hooks.fail(cerr, stderr)
	}
	if d, ok := r.(verifiedDeleter); ok && d.DeleteAfterVerify() {
		if err := cr.deleteVerified(ctx, rep, stderr); err != nil {
			return cr.hooks.fail(err, stderr)
		}
	}
	if !rep.Clean() {
		return exitLossy
	}
	return exitOK
}

// verifiedDeleter is a source that can delete the messages a verification
// found in the destination (a POP3 maildrop with --delete-after-verify).
type verifiedDeleter interface {
	DeleteAfterVerify() bool
	DeleteVerified(ctx context.Context, ids []string) (int, error)
}

// deleteVerified reads the source and the destination again, compares them,
// and has the source delete exactly the messages found in the destination.
func (cr *convertRun) deleteVerified(ctx context.Context, rep *migrate.Report, stderr io.Writer) error {
	sr, err := cr.src.format.Open(ctx, cr.src.path, &mailconv.Options{Params: cr.readParams, Events: rep.Add})
	if err != nil {
		return err
	}
	defer sr.Close()
	dstRead := map[string]string{}
	for k, v := range cr.writeParams {
		for _, p := range cr.dst.format.Params {
			if p.Name == k && p.Read {
				dstRead[k] = v
			}
		}
	}
	dr, err := cr.dst.format.Open(ctx, cr.dst.path, &mailconv.Options{Params: dstRead, Events: rep.Add})
	if err != nil {
		return fmt.Errorf("reading the destination back to verify: %w", err)
	}
	defer dr.Close()
	var ids []string
	res, err := migrate.Verify(ctx, sr, dr, migrate.VerifyOptions{Journal: cr.journal, Source: rep.Source,
		Matched: func(_ *mailconv.Mailbox, id string) { ids = append(ids, id) }})
	if err != nil {
		return fmt.Errorf("verifying before deleting: %w", err)
	}
	n, err := sr.(verifiedDeleter).DeleteVerified(ctx, ids)
	if err != nil {
		return fmt.Errorf("deleting verified messages from the source: %w", err)
	}
	rep.Add(mailconv.Event{Kind: mailconv.EventInfo, Code: "source.deleted-after-verify",
		Detail: fmt.Sprintf("%d message(s) deleted from the source after verification (%d found in the destination, %d missing there kept)",
			n, len(ids), res.Totals.Missing)})
	if !cr.quiet {
		fmt.Fprintf(stderr, "mailconv: %d verified message(s) deleted from the source; %d not found in the destination were kept\n", n, res.Totals.Missing)
	}
	return nil
}

// noMailFound returns the error of a run that found no message in its
// source, and no earlier run did either: that is not success.
func noMailFound(rep *migrate.Report, src store) error {
	t := rep.Totals
	if t.MessagesRead > 0 || t.Skips > 0 || rep.NothingToDo {
		return nil
	}
	err := fmt.Errorf("no mail found in %s:%s: looked for %s there; %d mailbox(es) found, none holding a message",
		src.format.Name, src.path, src.format.Description, t.MailboxesRead)
	if n := t.Warnings; n > 0 {
		err = fmt.Errorf("%w; %d warning(s) above name what was there instead", err, n)
	}
	return err
}

// shellCommand quotes args for a POSIX shell, for a command to copy.
func shellCommand(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		if a != "" && strings.IndexFunc(a, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@,+%", r))
		}) < 0 {
			out[i] = a
			continue
		}
		out[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(out, " ")
}

// flagSet tells whether the flag name was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// checkSameSource refuses to continue a destination that earlier runs
// converted another source into, unless the user asks to merge: a second
// store must not be added to a first one by mistake.
func checkSameSource(j *migrate.Journal, resume bool, src migrate.Endpoint, dst store, merge bool) error {
	if !resume || merge || j.HasSource(src) || len(j.Sources()) == 0 {
		return nil
	}
	return usageError{fmt.Errorf("the destination %s:%s holds the conversion of another source (%s), not of %s:%s; "+
		"to add this source's mail to it, run again with --merge (messages it already holds are skipped: --dedup content, "+
		"or give --dedup message-id or none); to convert this source alone, choose another destination",
		dst.format.Name, dst.path, strings.Join(j.Sources(), ", "), src.Format, src.Path)}
}

// destinationBefore is what was at a destination and its journal before a
// run, so that a run that wrote no message can take away what it created.
type destinationBefore struct {
	dst, journal           string
	dstAbsent, dstEmptyDir bool
	journalAbsent          bool
}

func statDestination(dst, journal string) destinationBefore {
	b := destinationBefore{dst: dst, journal: journal}
	_, err := os.Lstat(journal)
	b.journalAbsent = errors.Is(err, os.ErrNotExist)
	if strings.HasPrefix(dst, "//") {
		return b // a network destination: only the journal is local
	}
	fi, err := os.Lstat(dst)
	b.dstAbsent = errors.Is(err, os.ErrNotExist)
	if err == nil && fi.IsDir() {
		ents, err := os.ReadDir(dst)
		b.dstEmptyDir = err == nil && len(ents) == 0
	}
	return b
}

// undo removes what a run that recorded no message created: the journal
// and the destination (or, for a destination that was an empty directory,
// what the run put in it). Nothing that was there before is touched.
func (b destinationBefore) undo() {
	if b.journalAbsent {
		os.Remove(b.journal)
	}
	switch {
	case b.dstAbsent:
		os.RemoveAll(b.dst)
	case b.dstEmptyDir:
		ents, err := os.ReadDir(b.dst)
		if err != nil {
			return
		}
		for _, e := range ents {
			os.RemoveAll(filepath.Join(b.dst, e.Name()))
		}
	}
}

func writeReport(path string, rep *migrate.Report) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("writing report: %w", err)
	}
	if err := rep.WriteJSON(f); err != nil {
		f.Close()
		return fmt.Errorf("writing report: %w", err)
	}
	return f.Close()
}

// printSummary writes the human-readable outcome.
func printSummary(w io.Writer, rep *migrate.Report) {
	t := rep.Totals
	fmt.Fprintf(w, "mailconv: %d mailbox(es), %d of %d message(s) written (%s), %d already there, %d merged, %d skipped, %d loss(es), %d renamed, %d warning(s)",
		t.MailboxesRead, t.MessagesWritten, t.MessagesRead, humanBytes(t.BytesWritten), t.MessagesUnchanged, t.MessagesMerged,
		t.Skips, t.Losses, t.Renames, t.Warnings)
	if t.MessagesUpdated > 0 || t.MessagesOutOfRange > 0 {
		fmt.Fprintf(w, ", %d state update(s), %d out of the date range", t.MessagesUpdated, t.MessagesOutOfRange)
	}
	if s := leftOutSummary(rep); s != "" {
		fmt.Fprintf(w, "; left out on purpose: %s", s)
	}
	fmt.Fprintln(w)
	show := func(title string, evs []mailconv.Event) {
		if len(evs) == 0 {
			return
		}
		fmt.Fprintf(w, "%s:\n", title)
		for i, e := range evs {
			if i == 20 {
				fmt.Fprintf(w, "  ... %d more (see --report)\n", len(evs)-20)
				break
			}
			fmt.Fprintf(w, "  %s\n", e)
		}
	}
	show("skipped", rep.Skips)
	show("lost", rep.Losses)
	show("renamed", rep.Renames)
	show("warnings", rep.Warnings)
	show("updated", rep.Updates)
}

// leftOut are the event codes of mail a reader leaves out on purpose
// (deleted, awaiting compaction), what they count, and the option that
// converts it.
var leftOut = []struct{ code, what, option string }{
	{"mbox.expunged", "%d message(s) Thunderbird marked expunged (deleted, not yet compacted)", "--opt recover=true"},
	{"eudora.deleted-bytes", "deleted Eudora mail not yet compacted, in %d mailbox(es)", "--opt recover=emit (recover=list lists it)"},
}

// leftOutSummary names what the run left out on purpose, with the option
// that converts it, or returns "".
func leftOutSummary(rep *migrate.Report) string {
	var parts []string
	for _, c := range rep.Summary() {
		for _, l := range leftOut {
			if c.Code == l.code {
				parts = append(parts, fmt.Sprintf(l.what, c.Count)+"; "+l.option+" converts it")
			}
		}
	}
	return strings.Join(parts, "; ")
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
