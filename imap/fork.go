package imap

import (
	"context"
	"errors"
	"maps"
	"sync"

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
// set with SetBudget. Its own are the connection (and the upload connection
// of pipelined APPENDs, so each Writer holds up to two sessions), the spool, the record of
// the mailboxes it created, and Stats, which count what went through it
// only. Each Writer is used from one goroutine at a time; w and its forks
// may be used at the same time. Close each fork, before w.
//
// The budget is asked with the octets in flight on every connection (see
// budgetShare). Fork w before it is used from another goroutine (Convert
// forks before the first mailbox).
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
	// The connections, the spool, Stats and the upload connection of
	// pipelined APPENDs (made when first needed) are the fork's own;
	// what the server refused (noUpload, noMulti, noKW) stays known.
	f.connState = connState{
		c: c, bye: bye,
		spool:    spool{dir: w.spool.dir, limit: w.spool.limit},
		created:  maps.Clone(w.created),
		roleUsed: maps.Clone(w.roleUsed),
		window:   w.pipeline,
	}
	if w.budget != nil {
		bc, ok := w.budget.(*budgetConn)
		if !ok {
			bc = &budgetConn{s: &budgetShare{inner: w.budget, pending: map[*budgetConn]int64{}}}
			w.budget = bc
		}
		f.budget = &budgetConn{s: bc.s}
	}
	return &f, nil
}

// budgetShare is the day budget of a Writer and its forks: a connection
// asks it with the octets it has in flight (sent, not yet answered), and
// the share adds those of the other connections, so that all of them
// together stay within the budget. Each connection's figure is the one it
// gave at its last Allow, plus what it was allowed since, less what it
// spent: an APPEND that failed counts until that connection asks again.
type budgetShare struct {
	inner   mailconv.Budget
	mu      sync.Mutex
	pending map[*budgetConn]int64
}

// budgetConn is one connection's view of a budgetShare; it implements
// mailconv.Budget.
type budgetConn struct{ s *budgetShare }

// Allow implements mailconv.Budget.
func (c *budgetConn) Allow(pending, n int64) error {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending[c] = pending
	var all int64
	for _, p := range s.pending {
		all += p
	}
	if err := s.inner.Allow(all, n); err != nil {
		return err
	}
	s.pending[c] += n
	return nil
}

// Spend implements mailconv.Budget.
func (c *budgetConn) Spend(n int64) error {
	s := c.s
	s.mu.Lock()
	s.pending[c] = max(0, s.pending[c]-n)
	s.mu.Unlock()
	return s.inner.Spend(n)
}
