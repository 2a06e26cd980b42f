package main

import (
	"flag"
	"fmt"

	"github.com/mailconv/mailconv"
)

// defaultConnections is --connections for a destination that can open
// several sessions (IMAP); maxConnections bounds it (servers limit the
// connections of one user: Dovecot to 10 per address by default, Gmail
// to 15).
const (
	defaultConnections = 4
	maxConnections     = 16
)

// connectionsFlag is --connections: how many mailboxes an upload writes
// at once (migrate.ConvertOptions.Connections).
type connectionsFlag struct{ n *int }

func addConnectionsFlag(fs *flag.FlagSet) *connectionsFlag {
	return &connectionsFlag{n: fs.Int("connections", 0, fmt.Sprintf("upload `N` mailboxes at once, each over a connection of its own, a mailbox's messages in order "+
		"(IMAP destination; default %d, at most %d); local destinations are written one mailbox at a time, "+
		"which is already as fast as the disk", defaultConnections, maxConnections))}
}

// check refuses a count out of range, as a usage error.
func (c *connectionsFlag) check() error {
	if *c.n < 0 || *c.n > maxConnections {
		return usageError{fmt.Errorf("--connections %d: want 1 to %d", *c.n, maxConnections)}
	}
	return nil
}

// connections is the run's ConvertOptions.Connections: --connections (by
// default defaultConnections) for a destination that opens sessions of its
// own (mailconv.Forker), 1 for the others (and without the flag).
func (c *connectionsFlag) connections(w mailconv.Writer) int {
	if _, ok := w.(mailconv.Forker); !ok || c == nil {
		return 1
	}
	if *c.n == 0 {
		return defaultConnections
	}
	return *c.n
}
