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

// selectFlags are the selection flags convert and verify share: mailbox
// patterns and a received-date range (verify takes the ones convert was
// given, so that it compares what was converted).
type selectFlags struct {
	include, exclude listFlag
	since, before    *string
}

// addSelectFlags defines the selection flags; verb ("convert",
// "compare") words their help.
func addSelectFlags(fs *flag.FlagSet, verb string) *selectFlags {
	c := &selectFlags{}
	fs.Var(&c.include, "include", verb+" only the mailboxes this glob `PATTERN` selects (\"Archive\", \"Archive/*\"; a mailbox is selected with its children; repeatable)")
	fs.Var(&c.exclude, "exclude", "leave out the mailboxes this glob `PATTERN` selects, and their children (repeatable)")
	c.since = fs.String("since", "", verb+" only messages received on or after `DATE` (YYYY-MM-DD, UTC, or RFC 3339)")
	c.before = fs.String("before", "", verb+" only messages received before `DATE` (YYYY-MM-DD, UTC, or RFC 3339)")
	return c
}

// parse returns the mailbox selection (nil: all) and the date range.
func (c *selectFlags) parse() (include func(*mailconv.Mailbox) bool, since, before time.Time, err error) {
	if include, err = migrate.SelectMailboxes(c.include, c.exclude); err != nil {
		return nil, since, before, usageError{err}
	}
	if since, err = parseDate("since", *c.since); err != nil {
		return nil, since, before, err
	}
	if before, err = parseDate("before", *c.before); err != nil {
		return nil, since, before, err
	}
	if !since.IsZero() && !before.IsZero() && !before.After(since) {
		return nil, since, before, usageError{fmt.Errorf("--before %s is not after --since %s: no message can be selected", *c.before, *c.since)}
	}
	return include, since, before, nil
}

// controlFlags are the selection flags of convert (and of the convert
// options of a batch job) and its dry run.
type controlFlags struct {
	*selectFlags
	dryRun *bool
}

func addControlFlags(fs *flag.FlagSet) *controlFlags {
	c := &controlFlags{selectFlags: addSelectFlags(fs, "convert")}
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
	var err error
	opts.Include, opts.Since, opts.Before, err = c.parse()
	return err
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
