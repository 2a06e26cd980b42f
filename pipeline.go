package mailconv

import (
	"context"
	"io"
)

// Pipeliner is implemented by MailboxWriters that can keep several
// messages in flight (an IMAP upload sending its APPENDs without waiting
// for each answer, which a long round trip makes slow). Convert then calls
// Submit instead of WriteMessage, and records a message in the journal
// only when its outcome arrives, so that the journal's contract holds: a
// recorded message is committed.
type Pipeliner interface {
	// Submit reads the message from body (completely, before it
	// returns) and sends it. done receives what WriteMessage would have
	// returned, with the message's reference and whether it was already
	// there. done is never called before Submit returns: the writer calls
	// it from a later Submit or from Drain, on the caller's goroutine, in
	// the order the messages were submitted. An error of Submit itself
	// ends the conversion.
	Submit(ctx context.Context, m *Message, body io.Reader, done func(Outcome)) error
	// Drain waits for every message in flight and delivers their
	// outcomes.
	Drain(ctx context.Context) error
}

// Outcome is what became of a message given to Pipeliner.Submit.
type Outcome struct {
	// Err is nil when the message is committed, a *SkipError when it was
	// skipped, any other error when the conversion must stop.
	Err error
	// Ref is where the message is (RefReporter.LastRef).
	Ref string
	// Existed tells that the message was already there and not written
	// again (ExistReporter.LastExisted).
	Existed bool
}
