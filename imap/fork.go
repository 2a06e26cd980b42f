package imap

import (
	"context"
	"errors"
	"maps"

	"github.com/mailconv/mailconv"
)

// Fork implements mailconv.Forker: it opens one more connection to the
// server, logged in as w is (the same parameters; an OAuth2 token file is
// shared, refreshed once for all), and returns a Writer that uploads
// through it. migrate.Convert calls it for ConvertOptions.Connections above
// 1, to write several mailboxes at once.
//
// The new Writer shares with w what must stay one for the account: the
// probe (ServerInfo, Capabilities: the server is not probed again), the
// names Place gave so far (fork after placing the plan, as Convert does),
// the throttle (max-rate counts the messages of all connections, and a
// back-off one connection waits out holds the others), and the day budget
// set with SetBudget. Its own are the connection, the spool, the record of
// the mailboxes it created, and Stats, which count what went through it
// only. Each Writer is used from one goroutine at a time; w and its forks
// may be used at the same time. Close each fork, before w.
//
// A budget is asked before each message with that connection's messages in
// flight; the other connections' may overshoot it by at most their
// pipeline (parameter pipeline) of messages each.
func (w *Writer) Fork(ctx context.Context) (mailconv.Writer, error) {
	if w.closed {
		return nil, errors.New("imap: writer is closed")
	}
	// Credentials remember the token of their last login: each
	// connection gets its own copy (the token source is shared, and safe
	// for concurrent use).
	cc := *w.cc
	if w.cc.cred != nil {
		cred := *w.cc.cred
		cc.cred = &cred
	}
	c, bye, err := dialWatch(ctx, &cc)
	if err != nil {
		return nil, err
	}
	f := *w
	f.cc = &cc
	f.c, f.bye = c, bye
	f.spool = spool{dir: w.spool.dir, limit: w.spool.limit}
	f.created = maps.Clone(w.created)
	f.roleUsed = maps.Clone(w.roleUsed)
	f.stats = Stats{}
	f.kwRefuse = 0
	return &f, nil
}
