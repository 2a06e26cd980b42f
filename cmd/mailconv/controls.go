package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/migrate"
)

// listFlag collects a repeatable flag's values.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

// controlFlags are the selection flags of convert (and of the convert
// options of a batch job): mailbox patterns, a received-date range, a dry
// run.
type controlFlags struct {
	include, exclude listFlag
	since, before    *string
	dryRun           *bool
}

func addControlFlags(fs *flag.FlagSet) *controlFlags {
	c := &controlFlags{}
	fs.Var(&c.include, "include", "convert only the mailboxes this glob `PATTERN` selects (\"Archive\", \"Archive/*\"; a mailbox is selected with its children; repeatable)")
	fs.Var(&c.exclude, "exclude", "leave out the mailboxes this glob `PATTERN` selects, and their children (repeatable)")
	c.since = fs.String("since", "", "convert only messages received on or after `DATE` (YYYY-MM-DD, UTC, or RFC 3339)")
	c.before = fs.String("before", "", "convert only messages received before `DATE` (YYYY-MM-DD, UTC, or RFC 3339)")
	c.dryRun = fs.Bool("dry-run", false, "show the plan and the counts; write nothing, not even the journal")
	return c
}

// parseDate reads a --since or --before value.
func parseDate(flagName, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, usageError{fmt.Errorf("--%s %q: want a date YYYY-MM-DD or an RFC 3339 time", flagName, s)}
	}
	return t, nil
}

// apply sets the selection of opts from the flags.
func (c *controlFlags) apply(opts *migrate.ConvertOptions) error {
	sel, err := migrate.SelectMailboxes(c.include, c.exclude)
	if err != nil {
		return usageError{err}
	}
	opts.Include = sel
	if opts.Since, err = parseDate("since", *c.since); err != nil {
		return err
	}
	if opts.Before, err = parseDate("before", *c.before); err != nil {
		return err
	}
	if !opts.Since.IsZero() && !opts.Before.IsZero() && !opts.Before.After(opts.Since) {
		return usageError{fmt.Errorf("--before %s is not after --since %s: no message can be selected", *c.before, *c.since)}
	}
	return nil
}

// dryRun converts src into a writer that keeps nothing, with the
// capabilities dst would have, and prints the plan (each mailbox, where it
// would go, its counts) and the totals. Nothing is created: neither the
// destination nor the journal.
func dryRun(ctx context.Context, src, dst store, readParams, writeParams map[string]string, sel migrate.ConvertOptions,
	rep *migrate.Report, stdout, stderr io.Writer) int {
	if dst.format.Capabilities == nil {
		return exitFor(usageError{fmt.Errorf("--dry-run: format %s cannot be written", dst.format.Name)}, stderr)
	}
	caps, err := dst.format.Capabilities(ctx, dst.path, &mailconv.Options{Params: writeParams})
	if err != nil {
		return exitFor(fmt.Errorf("--dry-run: learning what %s:%s can hold: %w", dst.format.Name, dst.path, err), stderr)
	}
	r, err := src.format.Open(ctx, src.path, &mailconv.Options{Params: readParams, Events: rep.Add})
	if err != nil {
		return exitFor(err, stderr)
	}
	defer r.Close()
	rep.DryRun = true
	sel.Report = rep
	sel.Stop = ctx.Done()
	if _, err := migrate.Convert(context.WithoutCancel(ctx), r, migrate.DiscardWriter(caps), sel); err != nil {
		return exitFor(err, stderr)
	}
	fmt.Fprintf(stdout, "dry run: %s:%s -> %s:%s (nothing written)\n", src.format.Name, src.path, dst.format.Name, dst.path)
	for _, m := range rep.Mailboxes {
		fmt.Fprintf(stdout, "  %s -> %s: %d message(s), %s", m.Source, m.Destination, m.Read-m.OutOfRange, humanBytes(m.Bytes))
		if m.OutOfRange > 0 {
			fmt.Fprintf(stdout, ", %d out of the date range", m.OutOfRange)
		}
		fmt.Fprintln(stdout)
	}
	t := rep.Totals
	fmt.Fprintf(stdout, "would write %d message(s) (%s) in %d mailbox(es); %d out of the date range, %d skip(s), %d loss(es), %d rename(s)\n",
		t.MessagesWritten, humanBytes(t.BytesWritten), t.MailboxesRead, t.MessagesOutOfRange, t.Skips, t.Losses, t.Renames)
	return exitOK
}

// convertHooks let a batch job run convert in-process: extra format
// parameters (the jobs file's password and token columns), a progress
// callback, and what the run did.
type convertHooks struct {
	readParams, writeParams map[string]string // added to the source's / destination's parameters
	progress                func(migrate.Progress)
	// parseOnly: parse the arguments into flags and argv, run nothing
	parseOnly bool
	flags     *flag.FlagSet
	argv      []string

	err      error           // the error that ended the run, if any
	report   *migrate.Report // the run's report, once it has one
	recorded int             // messages the journal records
}

// fail records err and returns its exit code.
func (h *convertHooks) fail(err error, stderr io.Writer) int {
	if h != nil {
		h.err = err
	}
	return exitFor(err, stderr)
}

// addParams adds the hooks' parameters to each side's, refusing one the
// side's format does not take.
func (h *convertHooks) addParams(src store, read map[string]string, dst store, write map[string]string) error {
	if h == nil {
		return nil
	}
	for _, side := range []struct {
		s       store
		extra   map[string]string
		params  map[string]string
		reading bool
		what    string
	}{{src, h.readParams, read, true, "source"}, {dst, h.writeParams, write, false, "destination"}} {
		for k, v := range side.extra {
			ok := false
			for _, p := range side.s.format.Params {
				ok = ok || p.Name == k && (side.reading && p.Read || !side.reading && p.Write)
			}
			if !ok {
				return usageError{fmt.Errorf("the %s (format %s) takes no %s", side.what, side.s.format.Name, k)}
			}
			side.params[k] = v
		}
	}
	return nil
}
