package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/migrate"
)

func init() {
	commands["verify"] = command{
		summary: "check that a destination holds everything a source does: mailconv verify [--json] [--include P] [--since D] SRC DST",
		run:     runVerify,
	}
}

const verifySynopsis = `[--json] [--include P] [--exclude P] [--since D] [--before D] SRC DST

Reads SRC and DST independently and compares them mailbox by mailbox:
message counts, content digests, flags, keywords and received dates.
Mailbox names are taken from the conversion's journal when there is one.
Exit code 0 only when DST holds every message of SRC, with its state, and
nothing else. After a convert given --include, --exclude, --since or
--before, give verify the same ones: it compares what was selected (a
destination copy of a message outside the date range is not extra).`

func runVerify(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("verify", verifySynopsis, stderr)
	asJSON := fs.Bool("json", false, "print the result as JSON")
	allowExtra := fs.Bool("allow-extra", false, "accept messages and mailboxes in DST that SRC does not have (a destination that already held mail); second copies of source messages still fail")
	journalFile := pathFlag(fs, "journal", "the conversion's journal `FILE` (default: DST.mailconv-journal)")
	reportFile := pathFlag(fs, "report", "the conversion's report `FILE` (--report of convert): the losses and skips it lists are accounted for")
	opts, dstOpts := optList{}, optList{}
	fs.Var(opts, "opt", "SRC format option `key=value` (repeatable); a key only DST's format knows goes to DST")
	fs.Var(dstOpts, "dst-opt", "DST format option `key=value` (repeatable)")
	net := addNetFlags(fs)
	sel := addSelectFlags(fs, "compare")
	argv, err := parseArgs(fs, args)
	if err != nil {
		return parseExit(err)
	}
	include, since, before, err := sel.parse()
	if err != nil {
		return exitFor(err, stderr)
	}
	if len(argv) != 2 {
		fs.Usage()
		return exitUsage
	}
	src, err := resolveSource(argv[0])
	if err != nil {
		return exitFor(err, stderr)
	}
	dst, err := resolveSource(argv[1])
	if err != nil {
		return exitFor(err, stderr)
	}
	net.apply(opts, src)
	net.apply(dstOpts, dst)
	readParams, dstParams, err := sideParams(opts, dstOpts, src, dst, true)
	if err != nil {
		return exitFor(err, stderr)
	}
	// The destination is read here: its login flags go to dstParams.
	if err := net.applySides(src, readParams, &dst, dstParams); err != nil {
		return exitFor(err, stderr)
	}
	rep := &migrate.Report{}
	sr, err := src.format.Open(ctx, src.path, &mailconv.Options{Params: readParams, Events: rep.Add})
	if err != nil {
		return exitFor(err, stderr)
	}
	defer sr.Close()
	dr, err := dst.format.Open(ctx, dst.path, &mailconv.Options{Params: dstParams, Events: rep.Add})
	if err != nil {
		return exitFor(err, stderr)
	}
	defer dr.Close()
	vopts := migrate.VerifyOptions{Source: migrate.Endpoint{Format: src.format.Name, Path: src.path}, AllowExtra: *allowExtra,
		Include: include, Since: since, Before: before}
	jpath := *journalFile
	if jpath == "" {
		jpath = defaultJournal(dst)
	}
	if fileExists(jpath) {
		j, err := migrate.OpenJournal(jpath, false)
		if err != nil {
			return exitFor(err, stderr)
		}
		defer j.Close()
		vopts.Journal = j
	}
	if *reportFile != "" {
		acc, err := accountedFromReport(*reportFile)
		if err != nil {
			return exitFor(err, stderr)
		}
		vopts.Accounted = acc
	}
	res, err := migrate.Verify(ctx, sr, dr, vopts)
	if err != nil {
		return exitFor(err, stderr)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(res)
	} else {
		printVerify(stdout, res)
	}
	if !res.OK {
		return exitFailure
	}
	return exitOK
}

func printVerify(w io.Writer, res *migrate.VerifyResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tDESTINATION\tSRC\tDST\tMISSING\tEXTRA\tDUPLICATES\tFLAGS\tKEYWORDS\tDATES")
	for _, mv := range res.Mailboxes {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n", mv.Source, mv.Destination, mv.SourceMessages, mv.DestMessages,
			mv.Missing, mv.Extra, mv.Duplicates, mv.FlagDiffs, mv.KeywordDiffs, mv.DateDiffs)
	}
	t := res.Totals
	fmt.Fprintf(tw, "TOTAL\t\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n", t.SourceMessages, t.DestMessages, t.Missing, t.Extra, t.Duplicates,
		t.FlagDiffs, t.KeywordDiffs, t.DateDiffs)
	if t.Accounted > 0 {
		fmt.Fprintf(tw, "(%d difference(s) are losses or skips the conversion reported)\n", t.Accounted)
	}
	if t.OutOfRange > 0 {
		fmt.Fprintf(tw, "(%d source message(s) outside the date range were not compared)\n", t.OutOfRange)
	}
	tw.Flush()
	for _, mv := range res.Mailboxes {
		for _, p := range mv.Problems {
			fmt.Fprintf(w, "  %s: %s\n", mv.Source, p)
		}
	}
	if res.OK {
		fmt.Fprintf(w, "OK: the destination holds all %d message(s) of the source, with their state", t.SourceMessages)
		if t.LineEndings > 0 {
			fmt.Fprintf(w, " (%d with line endings normalised)", t.LineEndings)
		}
		if t.Extra > 0 {
			fmt.Fprintf(w, "; it also holds %d other message(s), accepted with --allow-extra", t.Extra)
		}
		fmt.Fprintln(w)
	} else {
		fmt.Fprintln(w, "MISMATCH: see the problems above")
	}
}

// accountedFromReport reads a conversion report and returns the function
// that tells which differences it explains: a loss of a message explains a
// difference in its state, a skip its absence.
func accountedFromReport(path string) (func(mb mailconv.Path, id, kind string) bool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the report: %w", err)
	}
	rep := &migrate.Report{}
	if err := json.Unmarshal(b, rep); err != nil {
		return nil, fmt.Errorf("reading the report %s: %w", path, err)
	}
	if rep.Omitted > 0 {
		return nil, fmt.Errorf("the report %s does not list all its events (%d omitted): it cannot account for them", path, rep.Omitted)
	}
	key := func(mb mailconv.Path, id string) string { return mb.String() + "\x00" + id }
	// Writers name the destination mailbox in their events, the pipeline
	// the source one: record both.
	srcOf := map[string]mailconv.Path{}
	for _, mr := range rep.Mailboxes {
		srcOf[mr.Destination.String()] = mr.Source
	}
	lost, skipped := map[string]bool{}, map[string]bool{}
	mark := func(set map[string]bool, e mailconv.Event) {
		set[key(e.Mailbox, e.Message)] = true
		if src, ok := srcOf[e.Mailbox.String()]; ok {
			set[key(src, e.Message)] = true
		}
	}
	for _, e := range rep.Losses {
		mark(lost, e)
	}
	for _, e := range rep.Skips {
		mark(skipped, e)
	}
	return func(mb mailconv.Path, id, kind string) bool {
		if kind == "missing" {
			return skipped[key(mb, id)]
		}
		return lost[key(mb, id)]
	}, nil
}
