package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/mailconv/mailconv"
)

func init() {
	commands["inspect"] = command{
		summary: "inventory of a mail store: mailconv inspect [--json] SRC",
		run:     runInspect,
	}
}

func runInspect(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("inspect", "[--json] SRC", stderr)
	asJSON := fs.Bool("json", false, "print the inventory as JSON")
	opts := optList{}
	fs.Var(opts, "opt", "format option `key=value` (repeatable)")
	argv, err := parseArgs(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if len(argv) != 1 {
		fs.Usage()
		return exitUsage
	}
	src, err := resolveSource(argv[0])
	if err != nil {
		return exitFor(err, stderr)
	}
	readParams, _, err := splitParams(opts, src, nil)
	if err != nil {
		return exitFor(err, stderr)
	}
	rep := &mailconv.Report{Source: mailconv.Endpoint{Format: src.format.Name, Path: src.path}}
	r, err := src.format.Open(ctx, src.path, &mailconv.Options{Params: readParams, Events: rep.Add})
	if err != nil {
		return exitFor(err, stderr)
	}
	defer r.Close()
	inv, err := mailconv.Inspect(ctx, r, rep)
	if err != nil {
		return exitFor(err, stderr)
	}
	inv.Format, inv.Path = src.format.Name, src.path
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(inv); err != nil {
			return exitFor(err, stderr)
		}
		return exitOK
	}
	printInventory(stdout, inv)
	return exitOK
}

func printInventory(w io.Writer, inv *mailconv.Inventory) {
	fmt.Fprintf(w, "format:    %s\npath:      %s\nmailboxes: %d\nmessages:  %d (%s)\n\n",
		inv.Format, inv.Path, inv.Totals.Mailboxes, inv.Totals.Messages, humanBytes(inv.Totals.Bytes))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "MAILBOX\tROLE\tMESSAGES\tSIZE\tOLDEST\tNEWEST\tFLAGS")
	for _, mb := range inv.Mailboxes {
		name := mb.Path.String()
		if mb.NoSelect {
			name += "/ (folder)"
		}
		var oldest, newest string
		if !mb.Oldest.IsZero() {
			oldest = mb.Oldest.UTC().Format("2006-01-02")
			newest = mb.Newest.UTC().Format("2006-01-02")
		}
		var flags []string
		for _, f := range []string{`\Seen`, `\Answered`, `\Flagged`, `\Deleted`, `\Draft`, `$Forwarded`, `$New`} {
			if n := mb.Flags[f]; n > 0 {
				flags = append(flags, fmt.Sprintf("%s:%d", strings.TrimLeft(f, `\$`), n))
			}
		}
		for k, n := range mb.Keywords {
			flags = append(flags, fmt.Sprintf("%s:%d", k, n))
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\n", name, mb.Role, mb.Messages, humanBytes(mb.Bytes), oldest, newest, strings.Join(flags, " "))
	}
	tw.Flush()
	rep := inv.Events
	if t := rep.Totals; t.Skips+t.Warnings+t.Losses > 0 {
		fmt.Fprintf(w, "\n%d skip(s), %d warning(s):\n", t.Skips, t.Warnings)
		for i, e := range append(append([]mailconv.Event{}, rep.Skips...), rep.Warnings...) {
			if i == 30 {
				fmt.Fprintln(w, "  ... (use --json for all)")
				break
			}
			fmt.Fprintf(w, "  %s\n", e)
		}
	}
}
