package imap

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	imapv2 "github.com/emersion/go-imap/v2"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/internal/netaddr"
)

// The throttling parameters (Options.Params keys).
const (
	ParamMaxRate     = "max-rate"     // messages per second at most (decimal; default: no limit)
	ParamBackoffBase = "backoff-base" // first back-off, a duration (default 1s)
	ParamBackoffMax  = "backoff-max"  // longest back-off, a duration (default 2m; a server's hint may ask for up to 15m)
	ParamRetries     = "retries"      // back-offs per message before giving up (default 8)
)

// maxHint bounds a back-off a server asks for.
const maxHint = 15 * time.Minute

// throttle paces APPENDs (max-rate) and backs off when the server says it
// is overloaded or drops the connection: exponential, with jitter,
// bounded, each back-off reported (docs/formats/imap-throttling.md).
type throttle struct {
	base, max time.Duration
	retries   int
	interval  time.Duration // 1/max-rate; 0: no pacing
	emit      func(mailconv.Event)

	// The writers of one destination (a Writer and its forks) share the
	// throttle: mu guards the time the next message may go, and the end
	// of the last back-off, which holds the other connections too.
	mu    sync.Mutex
	next  time.Time
	until time.Time
}

func newThrottle(params map[string]string, emit func(mailconv.Event)) (*throttle, error) {
	t := &throttle{base: time.Second, max: 2 * time.Minute, retries: 8, emit: emit}
	var err error
	if t.base, err = netaddr.Duration(params, ParamBackoffBase, t.base); err != nil {
		return nil, err
	}
	if t.max, err = netaddr.Duration(params, ParamBackoffMax, t.max); err != nil {
		return nil, err
	}
	n, err := intParam(params, ParamRetries, int64(t.retries))
	if err != nil {
		return nil, err
	}
	t.retries = int(min(n, 100))
	if v := params[ParamMaxRate]; v != "" {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || r <= 0 || r > 1e6 {
			return nil, fmt.Errorf("parameter %s: %q is not a positive number of messages per second", ParamMaxRate, v)
		}
		t.interval = time.Duration(float64(time.Second) / r)
	}
	return t, nil
}

// pace waits until the next message may go (max-rate), and until a
// back-off another connection of the destination is waiting out ends.
func (t *throttle) pace(ctx context.Context) error {
	t.mu.Lock()
	now := time.Now()
	at := now
	if t.until.After(at) {
		at = t.until
	}
	if t.interval != 0 {
		if t.next.After(at) {
			at = t.next
		}
		t.next = at.Add(t.interval)
	}
	t.mu.Unlock()
	if at.After(now) {
		return sleep(ctx, at.Sub(now))
	}
	return nil
}

// delay is the back-off before attempt (0-based): the server's hint when
// it gave one (bounded by maxHint), else base doubled per attempt up to
// max, with full jitter in its upper half.
func (t *throttle) delay(attempt int, hint time.Duration) time.Duration {
	if hint > 0 {
		return min(hint, maxHint)
	}
	d := t.base
	for i := 0; i < attempt && d < t.max; i++ {
		d *= 2
	}
	d = min(d, t.max)
	return d/2 + rand.N(d/2+1)
}

// backoff reports and waits out one back-off. It returns an error when the
// attempts are used up (what is the caller's error to return) or ctx ends.
func (t *throttle) backoff(ctx context.Context, attempt int, hint time.Duration, mb mailconv.Path, why string) error {
	if attempt >= t.retries {
		return fmt.Errorf("gave up after %d back-offs", t.retries)
	}
	d := t.delay(attempt, hint)
	src := "exponential"
	if hint > 0 {
		src = "the server's hint"
	}
	t.emit(mailconv.Event{Kind: mailconv.EventWarning, Code: "imap.backoff", Mailbox: mb,
		Detail: fmt.Sprintf("%s: waiting %v (%s, back-off %d of at most %d)", why, d.Round(time.Millisecond), src, attempt+1, t.retries)})
	t.mu.Lock()
	if end := time.Now().Add(d); end.After(t.until) {
		t.until = end
	}
	t.mu.Unlock()
	return sleep(ctx, d)
}

func sleep(ctx context.Context, d time.Duration) error {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C:
		return nil
	}
}

// hintRE finds a back-off a server suggests in its text: Microsoft's
// "Suggested Backoff Time: 26906 milliseconds", or "retry after N
// seconds" / "try again in N seconds".
var hintRE = regexp.MustCompile(`(?i)(?:backoff time|retry after|try again in)\s*:?\s*(\d{1,9})\s*(milliseconds|millisecond|ms|seconds|second|secs|sec|s|minutes|minute|min)?\b`)

// backoffHint returns the back-off text asks for, or 0.
func backoffHint(text string) time.Duration {
	m := hintRE.FindStringSubmatch(text)
	if m == nil {
		return 0
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	unit := time.Second
	switch u := strings.ToLower(m[2]); {
	case strings.HasPrefix(u, "mil") || u == "ms":
		unit = time.Millisecond
	case strings.HasPrefix(u, "min"):
		unit = time.Minute
	}
	return min(time.Duration(n)*unit, maxHint)
}

// throttled tells whether a refusal is the server asking the client to
// slow down, rather than a verdict on the message: [UNAVAILABLE], [LIMIT]
// unless its text speaks of the message's size (Dovecot answers a message
// over its size limit with [LIMIT]), and [OVERQUOTA] when its text speaks
// of rates or bandwidth rather than storage (Gmail's "Account exceeded
// command or bandwidth limits").
func throttled(ie *imapv2.Error) bool {
	text := strings.ToLower(ie.Text)
	switch ie.Code {
	case imapv2.ResponseCodeUnavailable:
		return true
	case imapv2.ResponseCodeLimit:
		return !strings.Contains(text, "size") && !strings.Contains(text, "large") && !strings.Contains(text, "big")
	case imapv2.ResponseCodeOverQuota:
		for _, w := range []string{"bandwidth", "rate", "throttl", "too many", "command"} {
			if strings.Contains(text, w) {
				return true
			}
		}
	}
	return backoffHint(ie.Text) > 0
}

// byeConn remembers the text of the last untagged BYE the server sent, so
// that a back-off hint in it ("* BYE ... Suggested Backoff Time: ...") is
// obeyed after the connection closes. It looks only at line starts and
// keeps at most one bounded line.
type byeConn struct {
	net.Conn
	mu    sync.Mutex
	bol   bool   // the next byte starts a line
	match int    // bytes of "* BYE " matched at the current line start
	line  []byte // the BYE line being collected (bounded)
	in    bool   // collecting
	last  string // the last complete BYE line
}

const byePrefix = "* BYE "

func newByeConn(c net.Conn) *byeConn { return &byeConn{Conn: c, bol: true} }

func (b *byeConn) Read(p []byte) (int, error) {
	n, err := b.Conn.Read(p)
	b.mu.Lock()
	for _, c := range p[:n] {
		switch {
		case b.in:
			if c == '\n' || len(b.line) >= 1024 {
				b.last, b.in, b.line = strings.TrimRight(string(b.line), "\r\n"), false, b.line[:0]
			} else {
				b.line = append(b.line, c)
			}
		case b.bol || b.match > 0:
			if c >= 'a' && c <= 'z' {
				c -= 'a' - 'A'
			}
			if c == byePrefix[b.match] {
				b.match++
				if b.match == len(byePrefix) {
					b.in, b.match = true, 0
				}
			} else {
				b.match = 0
			}
		}
		b.bol = c == '\n'
	}
	b.mu.Unlock()
	return n, err
}

// Bye returns the text of the last BYE, "" if none came.
func (b *byeConn) Bye() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.last
}

// dropHint returns the back-off hint of the BYE the server sent before it
// closed the connection (go-imap's, else the upload connection's), and
// the BYE text for the report.
func (w *Writer) dropHint() (time.Duration, string) {
	var text string
	if w.bye != nil {
		text = w.bye.Bye()
	}
	if text == "" && w.up != nil {
		text = w.up.bye
	}
	if text == "" {
		text = w.upBye
	}
	if text == "" {
		return 0, ""
	}
	return backoffHint(text), text
}
