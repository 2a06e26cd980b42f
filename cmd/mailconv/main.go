// Command mailconv converts legacy mail stores (Eudora, mbox, maildir) into
// formats an IMAP server or a modern client can take, without losing
// messages, status or folders.
//
// Usage:
//
//	mailconv convert [options] SRC DST
//	mailconv inspect [--json] SRC
//	mailconv inspect [--json]        (lists the Eudora and Thunderbird stores found)
//	mailconv version [--json]
//	mailconv batch [options] JOBS.csv
//	mailconv batch report [--summary FILE] STATEDIR...
//	mailconv help [command]
//
// SRC and DST are FORMAT:PATH ("mbox:Mail", "maildir:/srv/mail/u1",
// "eudora:C:/Eudora"); SRC's format is detected when the prefix is left out.
//
// Exit codes: 0 everything converted; 3 converted, with recorded skips or
// losses; 2 usage error; 1 failure; 130 interrupted.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
)

// Exit codes, part of the command-line contract.
const (
	exitOK      = 0 // everything converted
	exitFailure = 1 // the operation failed
	exitUsage   = 2 // bad command line
	exitLossy   = 3 // done, with recorded skips or losses
	// exitInterrupted: stopped by Ctrl-C (SIGINT) or SIGTERM, the shell's
	// convention for a process ended by SIGINT (128+2)
	exitInterrupted = 130
)

// command is one subcommand. Each lives in its own file and adds itself to
// commands from an init function.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

// commands maps subcommand names to their implementation. It is filled by
// init functions and never changed afterwards.
var commands = map[string]command{}

func main() {
	// The first interrupt cancels the context: convert finishes the
	// message in hand, records it and stops (ConvertOptions.Stop); other
	// commands stop at once. A second one ends the
	// process at once (the default behaviour, restored here), for when
	// something will not return (a hung network or file system).
	ctx, stop := signal.NotifyContext(context.Background(), stopSignals()...)
	go func() {
		<-ctx.Done()
		stop()
	}()
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	name := args[0]
	if name == "help" || name == "-h" || name == "--help" {
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				// Asked-for help is the output: stdout.
				return c.run(ctx, []string{"--help"}, stdout, stdout)
			}
		}
		usage(stdout)
		return exitOK
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "mailconv: unknown command %q\n\n", name)
		usage(stderr)
		return exitUsage
	}
	return c.run(ctx, args[1:], stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "mailconv moves mail out of legacy stores without losing anything.")
	fmt.Fprintln(w, "\nUsage: mailconv COMMAND [options] ARGS")
	fmt.Fprintln(w, "\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'mailconv help COMMAND' for a command's options.")
	fmt.Fprintln(w, "Exit codes: 0 done; 3 done with recorded skips or losses; 2 usage error; 1 failure; 130 interrupted.")
}
