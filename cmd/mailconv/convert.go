package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/mailconv/mailconv"
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
	fs := newFlagSet("convert", convertSynopsis, stderr)
	reportFile := fs.String("report", "", "write the conversion report as JSON to `FILE`")
	quiet := fs.Bool("quiet", false, "print nothing but errors")
	durable := fs.Bool("durable", false, "fsync every message and directory written (slower; survives power loss)")
	progress := fs.String("progress", "auto", "progress bar on stderr: auto (when stderr is a terminal), always or never")
	journalFile := fs.String("journal", "", "journal `FILE` (default: DST.mailconv-journal beside the destination)")
	dedup := fs.String("dedup", "none", "skip messages the destination mailbox already holds: none, message-id or content")
	net := addNetFlags(fs)
	limits := addLimitFlags(fs)
	opts := optList{}
	fs.Var(opts, "opt", "format option `key=value` (repeatable; see 'mailconv formats')")
	argv, err := parseArgs(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if len(argv) != 2 {
		fs.Usage()
		return exitUsage
	}
	src, err := resolveSource(argv[0])
	if err != nil {
		return exitFor(err, stderr)
	}
	dst, err := resolveDestination(argv[1])
	if err != nil {
		return exitFor(err, stderr)
	}
	net.apply(opts, src, dst)
	if err := limits.apply(opts, dst); err != nil {
		return exitFor(err, stderr)
	}
	readParams, writeParams, err := splitParams(opts, src, &dst)
	if err == nil {
		err = net.applySides(src, readParams, &dst, writeParams)
	}
	if err != nil {
		return exitFor(err, stderr)
	}
	policy, err := mailconv.ParseDedupPolicy(*dedup)
	if err != nil {
		return exitFor(usageError{err}, stderr)
	}

	rep := &mailconv.Report{
		Source:      mailconv.Endpoint{Format: src.format.Name, Path: src.path},
		Destination: mailconv.Endpoint{Format: dst.format.Name, Path: dst.path},
		Started:     time.Now(),
	}
	jpath := *journalFile
	if jpath == "" {
		jpath = defaultJournal(dst)
	}
	if err := checkOutputs(src.path, output{"destination", dst.path}, output{"journal", jpath}, output{"report", absPath(*reportFile)}); err != nil {
		return exitFor(err, stderr)
	}
	journal, resume, err := openJournal(jpath, dst, *durable)
	if err != nil {
		return exitFor(err, stderr)
	}
	run := convertRun{src: src, dst: dst, readParams: readParams, writeParams: writeParams, durable: *durable,
		journal: journal, resume: resume, dedup: policy, quiet: *quiet, progress: *progress, limits: limits}
	code := run.do(ctx, rep, stderr)
	if err := journal.Close(); err != nil && code != exitFailure {
		fmt.Fprintln(stderr, "mailconv:", err)
		code = exitFailure
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
	journal                 *mailconv.Journal
	resume                  bool // the journal was there: continue its destination
	dedup                   mailconv.DedupPolicy
	quiet                   bool
	progress                string
	limits                  *limitFlags
}

func (cr *convertRun) do(ctx context.Context, rep *mailconv.Report, stderr io.Writer) int {
	src, dst, quiet, progress := cr.src, cr.dst, cr.quiet, cr.progress
	r, err := src.format.Open(ctx, src.path, &mailconv.Options{Params: cr.readParams, Events: rep.Add})
	if err != nil {
		rep.Error = err.Error()
		return exitFor(err, stderr)
	}
	defer r.Close()
	resume := cr.resume
	if resume && !quiet {
		fmt.Fprintf(stderr, "mailconv: continuing from journal %s\n", cr.journal)
	}
	w, err := dst.format.Create(ctx, dst.path, &mailconv.Options{Params: cr.writeParams, Events: rep.Add, Durable: cr.durable, Resume: resume})
	if err != nil {
		rep.Error = err.Error()
		if errors.Is(err, mailconv.ErrDestinationNotEmpty) {
			return exitFor(usageError{err}, stderr)
		}
		return exitFor(err, stderr)
	}

	if cr.limits != nil {
		if err := cr.limits.budget(w, cr.journal); err != nil {
			w.Close()
			rep.Error = err.Error()
			return exitFor(err, stderr)
		}
	}
	copts := mailconv.ConvertOptions{Report: rep, Journal: cr.journal, Dedup: cr.dedup}
	showBar := progress == "always" || (progress == "auto" && !quiet && isTerminal(stderr))
	var bar *progressbar.ProgressBar
	if showBar {
		bar = progressbar.NewOptions64(-1,
			progressbar.OptionSetWriter(stderr),
			progressbar.OptionShowBytes(true),
			progressbar.OptionShowCount(),
			progressbar.OptionSetDescription("converting"),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
		var last time.Time
		copts.Progress = func(p mailconv.Progress) {
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
	_, cerr := mailconv.Convert(ctx, r, w, copts)
	if werr := w.Close(); cerr == nil && werr != nil {
		cerr = fmt.Errorf("finishing %s: %w", dst.path, werr)
		rep.Error = cerr.Error()
	}
	if bar != nil {
		bar.Finish()
	}
	if !quiet {
		printSummary(stderr, rep)
		if rep.NothingToDo {
			fmt.Fprintln(stderr, "mailconv: nothing to do: every message was already converted")
		}
	}
	if code, ok := budgetExit(cerr, stderr); ok {
		return code
	}
	if cerr != nil {
		return exitFor(cerr, stderr)
	}
	if d, ok := r.(verifiedDeleter); ok && d.DeleteAfterVerify() {
		if err := cr.deleteVerified(ctx, rep, stderr); err != nil {
			return exitFor(err, stderr)
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
func (cr *convertRun) deleteVerified(ctx context.Context, rep *mailconv.Report, stderr io.Writer) error {
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
	res, err := mailconv.Verify(ctx, sr, dr, mailconv.VerifyOptions{Journal: cr.journal, Source: rep.Source,
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

func writeReport(path string, rep *mailconv.Report) error {
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
func printSummary(w io.Writer, rep *mailconv.Report) {
	t := rep.Totals
	fmt.Fprintf(w, "mailconv: %d mailbox(es), %d of %d message(s) written (%s), %d already there, %d merged, %d skipped, %d loss(es), %d renamed, %d warning(s)\n",
		t.MailboxesRead, t.MessagesWritten, t.MessagesRead, humanBytes(t.BytesWritten), t.MessagesUnchanged, t.MessagesMerged,
		t.Skips, t.Losses, t.Renames, t.Warnings)
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
