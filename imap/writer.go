package imap

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	imapv2 "github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/internal/netaddr"
)

// DedupIndexLimit bounds the number of existing messages of one mailbox
// whose Message-ID and size the writer keeps in memory to avoid appending a
// message twice; beyond it the writer asks the server (UID SEARCH) for each
// message instead.
const DedupIndexLimit = 200000

// checkBatch is how many appended messages are read back at once.
const checkBatch = 256

// maxHeaderScan bounds how much of a message's header is read for its
// Message-ID and for the 8-bit repair.
const maxHeaderScan = 1 << 20

// Stats counts what a Writer sent, for throughput measurements.
type Stats struct {
	Messages int64         // messages appended
	Bytes    int64         // octets appended (after normalization)
	Existing int64         // messages found already on the server and not appended again
	Append   time.Duration // time spent in APPEND commands
}

// Writer uploads messages to an IMAP server. Create it with Create; it is
// not safe for concurrent use (one MailboxWriter at a time).
type Writer struct {
	opts     *mailconv.Options
	cc       *connConfig
	info     *ServerInfo
	caps     mailconv.Capabilities
	special  bool
	limit    int64
	dedup    bool
	sub      bool
	check    bool
	allowKW  map[string]bool // keywords PERMANENTFLAGS names, lower case
	noKW     bool            // the server refused keywords: stop sending them
	closed   bool
	thr      *throttle
	pipeline int             // APPENDs in flight at most (parameter pipeline)
	budget   mailconv.Budget // the day's upload budget, when set
	prov     *Provider       // the provider preset (parameter provider), or nil
	noUpload bool            // no upload connection could be made: one APPEND at a time
	noMulti  bool            // the server refused MULTIAPPEND batches: one message per APPEND
	multi    int             // messages per APPEND at most with MULTIAPPEND (parameter multiappend)

	connState // what is this connection's own: Fork starts a new one
}

// connState is the part of a Writer that belongs to its connections:
// Fork gives the new Writer a fresh one (a field added here cannot be
// shared between connections by mistake), what the rest of the Writer
// holds is what the server told or the account shares.
type connState struct {
	c        *imapclient.Client
	bye      *byeConn // the connection's BYE watcher, for back-off hints
	spool    spool
	created  map[string]bool          // mailboxes this Writer created (a fork starts with its parent's)
	roleUsed map[mailconv.Role]string // special-use roles placed (a fork starts with its parent's)
	kwRefuse int                      // APPENDs refused with keywords, in a row
	stats    Stats
	window   int // APPENDs in flight at most now: pipeline, less after throttling (pipeline.go)

	up           *upConn     // the upload connection of pipelined APPENDs (upload.go), made when first needed
	upBye        string      // the BYE of the last upload connection that broke
	multiRefused int         // MULTIAPPEND batches refused as a whole
	upWanted     bool        // enough messages were pipelined to make the upload connection worth its login
	dialing      chan dialed // the upload connection being made in the background, when started
}

// SetBudget implements mailconv.BudgetSetter: before each message the
// writer asks b whether its octets may still be sent today, and stops with
// b's error (matching mailconv.ErrBudget) when not.
func (w *Writer) SetBudget(b mailconv.Budget) { w.budget = b }

// Create connects to the server named by addr (see ParseAddress; the tls
// argument tells the scheme when addr comes without one), logs in, probes
// the server and returns a Writer whose Capabilities tell what the server
// keeps. Nothing is written to the server except the probe folder, which
// is deleted again (parameter probe=no skips it).
func Create(ctx context.Context, addr string, tls bool, opts *mailconv.Options) (*Writer, error) {
	opts, cc, err := setup(addr, tls, opts)
	if err != nil {
		return nil, err
	}
	a := cc.addr
	w := &Writer{opts: opts, cc: cc, allowKW: map[string]bool{}}
	w.created, w.roleUsed = map[string]bool{}, map[mailconv.Role]string{}
	p := opts.Params
	if w.limit, err = intParam(p, ParamAppendLimit, 0); err != nil {
		return nil, err
	}
	if w.spool.limit, err = intParam(p, ParamSpoolMemory, DefaultSpoolMemory); err != nil {
		return nil, err
	}
	w.spool.dir = p[ParamSpoolDir]
	if err := tempDirOK(w.spool.dir); err != nil {
		return nil, fmt.Errorf("parameter %s: %w", ParamSpoolDir, err)
	}
	if w.dedup, err = netaddr.Bool(p, ParamDedup, true); err != nil {
		return nil, err
	}
	if w.sub, err = netaddr.Bool(p, ParamSubscribe, true); err != nil {
		return nil, err
	}
	if w.check, err = netaddr.Bool(p, ParamCheck, true); err != nil {
		return nil, err
	}
	active, err := netaddr.Bool(p, ParamProbe, true)
	if err != nil {
		return nil, err
	}
	switch v := strings.ToLower(p[ParamSpecialUse]); v {
	case "", "auto":
		w.special = len(a.Prefix) == 0
	case "yes", "true":
		w.special = true
	case "no", "false":
		w.special = false
	default:
		return nil, fmt.Errorf("parameter %s: %q is not auto, yes or no", ParamSpecialUse, v)
	}
	if w.thr, err = newThrottle(p, opts.Emit); err != nil {
		return nil, err
	}
	n, err := intParam(p, ParamPipeline, DefaultPipeline)
	if err != nil {
		return nil, err
	}
	w.pipeline = int(min(max(n, 1), 1000))
	w.window = w.pipeline
	if n, err = intParam(p, ParamMultiAppend, DefaultMultiAppend); err != nil {
		return nil, err
	}
	w.multi = int(min(max(n, 1), 256))
	if w.c, w.bye, err = dialWatch(ctx, cc); err != nil {
		return nil, err
	}
	if w.info, err = probe(ctx, w.c, active, false); err != nil {
		w.c.Close()
		return nil, err
	}
	if w.limit == 0 || (w.info.AppendLimit > 0 && w.info.AppendLimit < w.limit) {
		if w.info.AppendLimit > 0 {
			w.limit = w.info.AppendLimit
		}
	}
	for _, k := range w.info.allowedKeywords() {
		w.allowKW[strings.ToLower(k)] = true
	}
	w.caps = w.info.capabilities()
	if err := w.applyProvider(a); err != nil {
		w.c.Close()
		return nil, err
	}
	for _, d := range a.Prefix {
		if w.info.Delimiter != "" && strings.Contains(d, w.info.Delimiter) {
			w.c.Close()
			return nil, fmt.Errorf("%w: prefix folder %q holds the server's hierarchy delimiter %q", ErrAddress, d, w.info.Delimiter)
		}
	}
	opts.Emit(mailconv.Event{Kind: mailconv.EventInfo, Code: "imap.server", Detail: w.info.summary()})
	return w, nil
}

// summary describes the probe on one line.
func (info *ServerInfo) summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "delimiter %q", info.Delimiter)
	if info.NamespacePrefix != "" {
		fmt.Fprintf(&b, ", namespace prefix %q", info.NamespacePrefix)
	}
	fmt.Fprintf(&b, ", permanent flags %v", info.PermanentFlags)
	if info.Keywords {
		b.WriteString(" (new keywords allowed)")
	} else {
		b.WriteString(" (no new keywords)")
	}
	fmt.Fprintf(&b, ", mixed mailboxes %v (%s)", info.Mixed, info.MixedEvidence)
	if info.AppendLimit > 0 {
		fmt.Fprintf(&b, ", APPENDLIMIT %d", info.AppendLimit)
	}
	for _, c := range []struct {
		ok   bool
		name string
	}{{info.UIDPlus, "UIDPLUS"}, {info.LiteralPlus, "LITERAL+"}, {info.MultiAppend, "MULTIAPPEND"}, {info.UTF8Accept, "UTF8=ACCEPT"}} {
		if c.ok {
			b.WriteString(", " + c.name)
		}
	}
	if len(info.SpecialUse) > 0 {
		fmt.Fprintf(&b, ", special-use %v", info.SpecialUse)
	}
	return b.String()
}

// Info returns what the probe learned about the server.
func (w *Writer) Info() *ServerInfo { return w.info }

// Stats returns the counters of what was sent so far.
func (w *Writer) Stats() Stats { return w.stats }

// Capabilities implements mailconv.Writer: the flags PERMANENTFLAGS lists
// (FlagNew never: IMAP cannot set \Recent), keywords when the server lets
// them be created (or names some), internal dates, mixed mailboxes as the
// probe found, and name rules with the hierarchy delimiter (and the
// characters the probe saw refused) forbidden in a segment, measured in
// modified UTF-7.
func (w *Writer) Capabilities() mailconv.Capabilities { return w.caps }

// Place returns the name mb gets on the server (decoded; the client
// library encodes it in modified UTF-7 on the wire) and, when the name does
// not follow from the path, why: the inbox goes to INBOX when the address
// has no prefix, and with special-use mapping on (the default without a
// prefix) the first mailbox with role Sent, Drafts, Trash, Junk or Archive
// goes to the server's mailbox with that attribute. Every other mailbox is
// the namespace prefix, the address's prefix and the path, joined with the
// hierarchy delimiter.
//
// Place implements mailconv.Placer; CreateMailbox uses the same names, so
// it is the plan that inspect --to shows.
func (w *Writer) Place(mb *mailconv.Mailbox) (name, why string) {
	prefix := w.cc.addr.Prefix
	if len(prefix) == 0 && mb.Path.IsInbox() {
		return "INBOX", ""
	}
	if w.special && !mb.NoSelect {
		if target, ok := w.info.roles[mb.Role]; ok {
			key := mb.Path.String()
			if used, taken := w.roleUsed[mb.Role]; !taken || used == key {
				w.roleUsed[mb.Role] = key
				return target, fmt.Sprintf("the server's %s mailbox (special-use)", mb.Role)
			}
		}
	}
	segs := make([]string, 0, len(prefix)+len(mb.Path))
	segs = append(segs, prefix...)
	segs = append(segs, mb.Path...)
	d := w.info.Delimiter
	if d == "" {
		d = "/"
	}
	return w.info.NamespacePrefix + strings.Join(segs, d), ""
}

// CreateMailbox implements mailconv.Writer. It creates the mailbox (an
// existing one is used as it is: a resumed run finds what it created) and
// subscribes it. For a NoSelect folder it returns a nil writer.
func (w *Writer) CreateMailbox(ctx context.Context, mb *mailconv.Mailbox) (mailconv.MailboxWriter, error) {
	if w.closed {
		return nil, errors.New("imap: writer is closed")
	}
	name, why := w.Place(mb)
	if w.info.Delimiter == "" && len(w.cc.addr.Prefix)+len(mb.Path) > 1 {
		return nil, fmt.Errorf("%w: the server has no folder hierarchy and cannot hold %s", mailconv.ErrUnsupported, mb.Path)
	}
	if why != "" {
		w.opts.Emit(mailconv.Event{Kind: mailconv.EventInfo, Code: "imap.special-use", Mailbox: mb.Path,
			Detail: fmt.Sprintf("%s -> %q, %s", mb.Path, name, why)})
	}
	w.providerNote(mb, name)
	if err := w.ensureConn(ctx); err != nil {
		return nil, err
	}
	if !mb.NoSelect && (mb.Messages >= upAfter || mb.Bytes >= upAfterBytes) {
		// Enough to pipeline: the upload connection is made meanwhile.
		w.startUpload(ctx)
	}
	var cr *creation
	if !w.created[name] && !strings.EqualFold(name, "INBOX") {
		cr = w.startCreate(name)
	}
	if mb.NoSelect {
		return nil, w.finishCreate(ctx, cr)
	}
	mw := &MailboxWriter{w: w, name: name, path: mb.Path}
	if err := mw.open(ctx, cr); err != nil {
		return nil, err
	}
	return mw, nil
}

// creation is a CREATE (and SUBSCRIBE) sent and not answered yet: the
// STATUS of opening the mailbox goes with them, one round trip for the
// three.
type creation struct {
	name        string
	create, sub *imapclient.Command
}

// startCreate sends CREATE and SUBSCRIBE for name without waiting.
func (w *Writer) startCreate(name string) *creation {
	cr := &creation{name: name, create: w.c.Create(name, nil)}
	if w.sub {
		cr.sub = w.c.Subscribe(name)
	}
	return cr
}

// finishCreate waits for the answers of a creation (nil: nothing to
// wait for), taking "already exists" as success.
func (w *Writer) finishCreate(ctx context.Context, cr *creation) error {
	if cr == nil {
		return nil
	}
	stop := context.AfterFunc(ctx, func() { w.c.Close() })
	defer stop()
	name := cr.name
	err := cr.create.Wait()
	var serr error
	if cr.sub != nil {
		serr = cr.sub.Wait()
	}
	if err != nil {
		var ie *imapv2.Error
		if !errors.As(err, &ie) {
			return connErr("CREATE "+name, err)
		}
		if ie.Code != imapv2.ResponseCodeAlreadyExists && !strings.Contains(strings.ToLower(ie.Text), "exist") {
			return fmt.Errorf("creating mailbox %q: %w: %s", name, ErrRefused, serverText(ie))
		}
	}
	if serr != nil {
		// A refused SUBSCRIBE loses nothing.
		var ie *imapv2.Error
		if !errors.As(serr, &ie) {
			return connErr("SUBSCRIBE "+name, serr)
		}
	}
	w.created[name] = true
	return nil
}

// create creates a mailbox, taking "already exists" as success.
func (w *Writer) create(ctx context.Context, name string) error {
	return w.finishCreate(ctx, w.startCreate(name))
}

// ensureConn reconnects after a lost connection.
func (w *Writer) ensureConn(ctx context.Context) error {
	select {
	case <-w.c.Closed():
	default:
		return nil
	}
	return w.reconnect(ctx)
}

// reconnect drops the connection (a command failed on it: the client may
// not have noticed yet that it is gone) and makes a new one, after a
// back-off (the server's hint when its BYE gave one); a failed attempt is
// backed off and made again, up to the retries parameter.
func (w *Writer) reconnect(ctx context.Context) error {
	w.dialedUpload() // no login on two connections at once
	hint, byeText := w.dropHint()
	w.upBye = ""
	w.c.Close()
	if w.up != nil {
		// Made again when next needed.
		w.up.fail(net.ErrClosed)
		w.up = nil
	}
	why := "the connection to " + w.cc.addr.HostPort() + " was lost"
	if byeText != "" {
		why = fmt.Sprintf("the server closed the connection (%q)", byeText)
	}
	for attempt := 0; ; attempt++ {
		if err := w.thr.backoff(ctx, attempt, hint, nil, why); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("%w: %s; %v", ErrConnection, why, err)
		}
		c, bye, err := dialWatch(ctx, w.cc)
		if err != nil {
			if !errors.Is(err, ErrConnection) || ctx.Err() != nil {
				return err
			}
			hint, why = 0, "reconnecting failed: "+err.Error()
			continue
		}
		w.c, w.bye = c, bye
		w.opts.Emit(mailconv.Event{Kind: mailconv.EventWarning, Code: "imap.reconnected",
			Detail: "the connection to " + w.cc.addr.HostPort() + " was lost and made again"})
		return nil
	}
}

// Close logs out.
func (w *Writer) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	w.spool.reset()
	w.dialedUpload()
	if w.up != nil {
		w.up.close()
		w.up = nil
	}
	select {
	case <-w.c.Closed():
		return nil
	default:
	}
	w.c.Logout().Wait()
	return w.c.Close()
}

// MailboxWriter appends messages to one mailbox. Besides
// mailconv.MailboxWriter it offers LastRef, LastExisted and Holds, for the
// pipeline's journal.
type MailboxWriter struct {
	w    *Writer
	name string
	path mailconv.Path

	uidValidity uint32
	index       map[string][]imapv2.UID // Message-ID + size -> UIDs of messages there before
	indexed     bool                    // index is complete (else: search the server)
	existed     int                     // messages in the mailbox when it was opened

	lastRef     string
	lastExisted bool

	pending       []appended
	queue         []*flight  // pipelined messages whose outcome is not delivered yet
	collecting    *batch     // pipelined messages collected for the next APPEND
	unsent        []*batch   // full batches waiting for the upload connection
	inflight      int        // pipelined messages given to an APPEND and not answered yet
	inflightBytes int64      // octets of the pipelined APPENDs not answered yet
	uidNext       imapv2.UID // UIDNEXT when opened: UIDs from it on are this run's
	lastUID       imapv2.UID // the UID of the last message appended in order
	after         imapv2.UID // find: only UIDs above this one (0: all)
	eolFixed      int64
	undated       int64
}

// appended is what was sent, for the read-back check.
type appended struct {
	uid   imapv2.UID
	id    string
	loc   mailconv.Location
	flags []imapv2.Flag
	date  time.Time
	size  int64
}

// open learns UIDVALIDITY and, for dedup, indexes the messages already
// there. cr, when not nil, is the mailbox's creation, answered before the
// STATUS sent after it.
func (mw *MailboxWriter) open(ctx context.Context, cr *creation) error {
	w := mw.w
	stop := context.AfterFunc(ctx, func() { w.c.Close() })
	defer stop()
	status := w.c.Status(mw.name, &imapv2.StatusOptions{NumMessages: true, UIDValidity: true, UIDNext: true})
	if err := w.finishCreate(ctx, cr); err != nil {
		status.Wait()
		return err
	}
	st, err := status.Wait()
	if err != nil {
		return connErr("STATUS "+mw.name, err)
	}
	mw.uidValidity = st.UIDValidity
	mw.uidNext = st.UIDNext
	if st.NumMessages != nil {
		mw.existed = int(*st.NumMessages)
	}
	if !w.dedup || mw.existed == 0 {
		mw.indexed = true
		return nil
	}
	if mw.existed > DedupIndexLimit {
		return nil // search per message
	}
	if _, err := w.c.Select(mw.name, &imapv2.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		return connErr("EXAMINE "+mw.name, err)
	}
	mw.index = map[string][]imapv2.UID{}
	var all imapv2.UIDSet
	all.AddRange(1, 0) // 1:*
	cmd := w.c.Fetch(all, &imapv2.FetchOptions{UID: true, RFC822Size: true,
		BodySection: []*imapv2.FetchItemBodySection{{Specifier: imapv2.PartSpecifierHeader, HeaderFields: []string{"Message-ID"}, Peek: true}}})
	for {
		msg := cmd.Next()
		if msg == nil {
			break
		}
		buf, err := msg.Collect()
		if err != nil {
			cmd.Close()
			return connErr("FETCH "+mw.name, err)
		}
		var hdr []byte
		for _, b := range buf.BodySection {
			hdr = b.Bytes
		}
		id := mailconv.HeaderValue(hdr, "Message-ID")
		key := dedupKey(id, buf.RFC822Size)
		mw.index[key] = append(mw.index[key], buf.UID)
	}
	if err := cmd.Close(); err != nil {
		return connErr("FETCH "+mw.name, err)
	}
	mw.indexed = true
	return nil
}

func dedupKey(messageID string, size int64) string {
	return strings.TrimSpace(messageID) + "\x00" + strconv.FormatInt(size, 10)
}

// LastRef returns where the last message given to WriteMessage is on the
// server, "UIDVALIDITY:UID" (both decimal), or "" when the server did not
// say (no UIDPLUS). A journal can store it to find the copy again.
func (mw *MailboxWriter) LastRef() string { return mw.lastRef }

// LastExisted reports whether the last message given to WriteMessage was
// found already in the mailbox (same Message-ID, size and SHA-256 of the
// normalized octets) and therefore not appended again: a resumed run after
// a crash between an APPEND and the journal's record, or a second run into
// the same mailbox. LastRef then names the copy found.
func (mw *MailboxWriter) LastExisted() bool { return mw.lastExisted }

// Holds tells whether the mailbox holds a message with this Message-ID
// header value (as written in the header, angle brackets included; "" for
// a message without one) and this size and digest, the octet count and the
// hex SHA-256 of the message as the server stores it: CRLF line ends and no
// NUL bytes, which is what the writer's normalizer produces and reports. An empty digest
// skips the content comparison (Message-ID and size only). Messages the
// writer appended in this run are not considered: the journal records
// those.
func (mw *MailboxWriter) Holds(ctx context.Context, m *mailconv.Message, digest string, size int64, messageID string) (bool, error) {
	uid, err := mw.find(ctx, messageID, size, digest, false)
	return uid != 0, err
}

// find looks for a message that was in the mailbox before this run. With
// consume set, a match is removed from the index, so that two identical
// source messages are matched by two server messages, not one.
func (mw *MailboxWriter) find(ctx context.Context, messageID string, size int64, digest string, consume bool) (imapv2.UID, error) {
	if mw.existed == 0 {
		return 0, nil
	}
	w := mw.w
	if err := w.ensureConn(ctx); err != nil {
		return 0, err
	}
	stop := context.AfterFunc(ctx, func() { w.c.Close() })
	defer stop()
	var cands []imapv2.UID
	key := dedupKey(messageID, size)
	if mw.indexed {
		cands = mw.index[key]
	} else {
		if _, err := w.c.Select(mw.name, &imapv2.SelectOptions{ReadOnly: true}).Wait(); err != nil {
			return 0, connErr("EXAMINE "+mw.name, err)
		}
		crit := &imapv2.SearchCriteria{Larger: size - 1, Smaller: size + 1}
		if mw.after > 0 {
			crit.UID = []imapv2.UIDSet{{imapv2.UIDRange{Start: mw.after + 1}}} // after+1:*
		}
		if messageID != "" {
			crit.Header = []imapv2.SearchCriteriaHeaderField{{Key: "Message-ID", Value: messageID}}
		}
		data, err := w.c.UIDSearch(crit, nil).Wait()
		if err != nil {
			return 0, connErr("UID SEARCH "+mw.name, err)
		}
		for _, u := range data.AllUIDs() {
			// after+1:* names the last message too when none is above
			// it (RFC 3501, 9: "*" is the largest UID in use): an
			// identical copy there is not the one looked for.
			if u > mw.after {
				cands = append(cands, u)
			}
		}
	}
	if len(cands) == 0 {
		return 0, nil
	}
	if digest == "" {
		uid := cands[0]
		if consume && mw.indexed {
			mw.index[key] = cands[1:]
		}
		return uid, nil
	}
	if _, err := w.c.Select(mw.name, &imapv2.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		return 0, connErr("EXAMINE "+mw.name, err)
	}
	for i, uid := range cands {
		d, err := mw.digestOf(uid)
		if err != nil {
			return 0, err
		}
		if d == digest {
			if consume && mw.indexed {
				mw.index[key] = append(cands[:i:i], cands[i+1:]...)
			}
			return uid, nil
		}
	}
	return 0, nil
}

// digestOf streams a message from the server through SHA-256 ("" when
// the server has no such message).
func (mw *MailboxWriter) digestOf(uid imapv2.UID) (string, error) {
	d, err := mw.digestsOf(imapv2.UIDSetNum(uid))
	return d[uid], err
}

// digestsOf streams the messages of set from the server through SHA-256,
// in one FETCH (never holding a message whole), by UID.
func (mw *MailboxWriter) digestsOf(set imapv2.UIDSet) (map[imapv2.UID]string, error) {
	digests := map[imapv2.UID]string{}
	cmd := mw.w.c.Fetch(set, &imapv2.FetchOptions{UID: true, BodySection: []*imapv2.FetchItemBodySection{{Peek: true}}})
	defer cmd.Close()
	for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
		var uid imapv2.UID
		sum := ""
		for item := msg.Next(); item != nil; item = msg.Next() {
			switch it := item.(type) {
			case imapclient.FetchItemDataUID:
				uid = it.UID
			case imapclient.FetchItemDataBodySection:
				if it.Literal != nil {
					h := sha256.New()
					if _, err := io.Copy(h, it.Literal); err != nil {
						return nil, connErr("FETCH "+mw.name, err)
					}
					sum = hex.EncodeToString(h.Sum(nil))
				}
			}
		}
		if uid != 0 && sum != "" {
			digests[uid] = sum
		}
	}
	if err := cmd.Close(); err != nil {
		return nil, connErr("FETCH "+mw.name, err)
	}
	return digests, nil
}

// WriteMessage implements mailconv.MailboxWriter. The body is normalized
// (CRLF line ends, NUL bytes dropped) into a spool (memory up to
// spool-memory, a temporary file beyond), then appended with the message's
// flags, keywords and internal date. When it returns nil the server has
// confirmed the APPEND (or the message was already there, see
// LastExisted).
//
// A message larger than the server's APPENDLIMIT (or the parameter
// append-limit), an empty message, and a message the server refuses as too
// big are skipped (*mailconv.SkipError, codes imap.too-big, imap.empty).
// An account over quota stops the conversion with an error matching
// ErrQuota. When the server refuses a message whose header holds raw 8-bit
// bytes, the header is repaired (repairHeader) and the message sent again;
// when it refuses a message with keywords, it is sent again without them
// and the keywords are reported lost. A lost connection is made again once
// per message, the mailbox searched for the message (it may have arrived),
// and the APPEND repeated.
func (mw *MailboxWriter) WriteMessage(ctx context.Context, m *mailconv.Message, body io.Reader) error {
	mw.lastRef, mw.lastExisted = "", false
	p, err := mw.prepare(ctx, m, body)
	if err != nil || p == nil {
		return err
	}
	if err := mw.allow(ctx, p.norm.Size); err != nil {
		return err
	}
	return mw.send(ctx, p)
}

// prepared is a message normalized and ready to be appended.
type prepared struct {
	m     *mailconv.Message
	loc   mailconv.Location
	norm  Normalized
	hdr   []byte // the header (at most maxHeaderScan octets), a copy
	msgID string
	flags []imapv2.Flag
	date  time.Time
	data  []byte // the normalized octets of a pipelined message; nil: in the spool
}

// reader returns the normalized octets.
func (p *prepared) reader(w *Writer) io.Reader {
	if p.data != nil {
		return bytes.NewReader(p.data)
	}
	return w.spool.reader()
}

// readerAt returns the normalized octets for a SectionReader.
func (p *prepared) readerAt(w *Writer) io.ReaderAt {
	if p.data != nil {
		return bytes.NewReader(p.data)
	}
	return readerAt(w)
}

// allow asks the day budget (with octets already in flight) and the rate
// limit whether a message of size octets may go now.
func (mw *MailboxWriter) allow(ctx context.Context, size int64) error {
	w := mw.w
	if w.budget != nil {
		if err := w.budget.Allow(mw.inflightBytes, size); err != nil {
			return err
		}
	}
	return w.thr.pace(ctx)
}

// prepare spools and normalizes a message and decides what needs no
// APPEND: an empty or too large message is skipped (*mailconv.SkipError),
// one the mailbox already holds returns nil (LastExisted and LastRef
// tell).
func (mw *MailboxWriter) prepare(ctx context.Context, m *mailconv.Message, body io.Reader) (*prepared, error) {
	w := mw.w
	w.spool.reset()
	z := newNormalizer(&w.spool)
	if _, err := io.Copy(z, body); err != nil {
		return nil, fmt.Errorf("reading message %s: %w", m.Source, err)
	}
	norm, err := z.finish()
	if err != nil {
		return nil, fmt.Errorf("spooling message %s: %w", m.Source, err)
	}
	loc := m.Source
	if norm.Size == 0 {
		return nil, &mailconv.SkipError{Code: "imap.empty", Reason: "the message is empty: an IMAP server cannot store a message of 0 octets"}
	}
	if w.limit > 0 && norm.Size > w.limit {
		return nil, &mailconv.SkipError{Code: "imap.too-big",
			Reason: fmt.Sprintf("the message has %d octets, more than the server takes (APPENDLIMIT or append-limit %d); it was not sent (nor truncated)", norm.Size, w.limit)}
	}
	if norm.NUL > 0 {
		w.opts.Emit(mailconv.Event{Kind: mailconv.EventWarning, Code: "imap.nul-removed", Mailbox: mw.path, Message: m.ID, Location: &loc,
			Detail: fmt.Sprintf("%d NUL bytes removed (IMAP forbids them in a message)", norm.NUL)})
	}
	if norm.BareLF+norm.BareCR > 0 {
		mw.eolFixed++
	}
	hdr, err := w.spool.head(min(norm.HeaderLen, maxHeaderScan))
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	hdr = append([]byte(nil), hdr...)
	msgID := mailconv.HeaderValue(hdr, "Message-ID")

	if w.dedup && mw.existed > 0 {
		uid, err := mw.find(ctx, msgID, norm.Size, norm.Digest, true)
		if err != nil {
			return nil, err
		}
		if uid != 0 {
			mw.lastExisted = true
			mw.lastRef = fmt.Sprintf("%d:%d", mw.uidValidity, uid)
			w.stats.Existing++
			w.opts.Emit(mailconv.Event{Kind: mailconv.EventInfo, Code: "imap.already-present", Mailbox: mw.path, Message: m.ID, Location: &loc,
				Detail: fmt.Sprintf("already in %q as UID %d (same Message-ID, size and content): not appended again", mw.name, uid)})
			return nil, nil
		}
	}

	flags, lostKW := w.flags(m)
	if len(lostKW) > 0 {
		w.opts.Emit(mailconv.Event{Kind: mailconv.EventLoss, Code: "imap.keyword-refused", Mailbox: mw.path, Message: m.ID, Location: &loc,
			Detail: fmt.Sprintf("the server does not let clients create keywords (PERMANENTFLAGS): %v not stored", lostKW)})
	}
	date := m.Date
	if date.IsZero() {
		mw.undated++
	}

	return &prepared{m: m, loc: loc, norm: norm, hdr: hdr, msgID: msgID, flags: flags, date: date}, nil
}

// send appends a prepared message and waits for the answer, handling
// what the server may say: throttling (back-off), a lost connection
// (reconnect, look whether it arrived, send again), TRYCREATE, a refused
// 8-bit header (repaired) or keywords (dropped), a message too big
// (skipped), over quota (stop).
func (mw *MailboxWriter) send(ctx context.Context, p *prepared) error {
	w := mw.w
	m, loc, norm, hdr, msgID, flags, date := p.m, p.loc, p.norm, p.hdr, p.msgID, p.flags, p.date
	var repaired []byte // header after the 8-bit repair, when done
	drops, throttles := 0, 0
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := w.ensureConn(ctx); err != nil {
			return err
		}
		size := norm.Size
		r := p.reader(w)
		if repaired != nil {
			hlen := int64(len(hdr))
			size = norm.Size - hlen + int64(len(repaired))
			r = io.MultiReader(bytes.NewReader(repaired), io.NewSectionReader(p.readerAt(w), hlen, norm.Size-hlen))
		}
		start := time.Now()
		data, err := w.append(ctx, mw.name, flags, date, size, r)
		w.stats.Append += time.Since(start)
		if err == nil {
			w.stats.Messages++
			w.stats.Bytes += size
			if w.budget != nil {
				if err := w.budget.Spend(size); err != nil {
					return err
				}
			}
			if data != nil && data.UID != 0 {
				uv := data.UIDValidity
				if uv == 0 {
					uv = mw.uidValidity
				}
				mw.lastRef = fmt.Sprintf("%d:%d", uv, data.UID)
				mw.lastUID = data.UID
				if w.check {
					mw.pending = append(mw.pending, appended{uid: data.UID, id: m.ID, loc: loc, flags: flags, date: date, size: size})
					if len(mw.pending) >= checkBatch {
						if err := mw.checkPendingRetry(ctx); err != nil {
							return err
						}
					}
				}
			}
			w.kwRefuse = 0
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var ie *imapv2.Error
		if !errors.As(err, &ie) {
			// The connection broke. The message may have been stored
			// before it did: reconnect (backing off), look, send again.
			if drops >= w.thr.retries {
				return connErr(fmt.Sprintf("APPEND of message %s to %q", m.Source, mw.name), err)
			}
			drops++
			if err := w.reconnect(ctx); err != nil {
				return fmt.Errorf("APPEND of message %s to %q: the connection was lost and reconnecting failed: %w; nothing was lost, run the same command again to resume", m.Source, mw.name, err)
			}
			if w.info.UIDPlus || msgID != "" {
				if uid, ferr := mw.findAfterDrop(ctx, msgID, norm, repaired); ferr != nil {
					return ferr
				} else if uid != 0 {
					mw.lastRef = fmt.Sprintf("%d:%d", mw.uidValidity, uid)
					mw.lastUID = uid
					w.stats.Messages++
					w.stats.Bytes += norm.Size
					return nil
				}
			}
			continue
		}
		if throttled(ie) {
			if berr := w.thr.backoff(ctx, throttles, backoffHint(ie.Text), mw.path, "APPEND refused: "+serverText(ie)); berr != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return fmt.Errorf("APPEND of message %s to %q: %w: %s; %v; nothing was lost: run the same command again later to resume", m.Source, mw.name, ErrRefused, serverText(ie), berr)
			}
			throttles++
			continue
		}
		switch ie.Code {
		case imapv2.ResponseCodeTooBig, imapv2.ResponseCodeLimit:
			return &mailconv.SkipError{Code: "imap.too-big",
				Reason: fmt.Sprintf("the server refused the message of %d octets as too big (%s); it was not sent (nor truncated)", size, serverText(ie))}
		case imapv2.ResponseCodeOverQuota:
			return connErr(fmt.Sprintf("APPEND of message %s to %q", m.Source, mw.name), err)
		case imapv2.ResponseCodeTryCreate:
			if attempt == 0 {
				if err := w.create(ctx, mw.name); err != nil {
					return err
				}
				continue
			}
		}
		if ie.Type == imapv2.StatusResponseTypeNo && strings.Contains(strings.ToLower(ie.Text), "quota") {
			return fmt.Errorf("APPEND of message %s to %q: %w (%s); nothing was lost: free space on the server and run the same command again to resume", m.Source, mw.name, ErrQuota, serverText(ie))
		}
		if norm.Header8bit && repaired == nil {
			cs := detectHeaderCharset(hdr)
			fixed, n := repairHeader(hdr, cs)
			repaired = fixed
			w.opts.Emit(mailconv.Event{Kind: mailconv.EventWarning, Code: "imap.8bit-header-repaired", Mailbox: mw.path, Message: m.ID, Location: &loc,
				Detail: fmt.Sprintf("the server refused raw 8-bit header bytes (%s): %d header fields sent again as RFC 2047 encoded-words in %s", serverText(ie), n, cs)})
			continue
		}
		if kw := keywordsOf(flags); len(kw) > 0 {
			w.kwRefuse++
			if w.kwRefuse >= 3 {
				w.noKW = true
			}
			flags = systemFlagsOf(flags)
			w.opts.Emit(mailconv.Event{Kind: mailconv.EventLoss, Code: "imap.keyword-refused", Mailbox: mw.path, Message: m.ID, Location: &loc,
				Detail: fmt.Sprintf("the server refused the message with keywords %v (%s): sent again without them", kw, serverText(ie))})
			continue
		}
		return fmt.Errorf("APPEND of message %s to %q: %w: %s", m.Source, mw.name, ErrRefused, serverText(ie))
	}
}

// findAfterDrop looks for a message whose APPEND was cut by a lost
// connection: it is there when the server committed it before the drop.
func (mw *MailboxWriter) findAfterDrop(ctx context.Context, msgID string, norm Normalized, repaired []byte) (imapv2.UID, error) {
	uid, err := mw.lookup(ctx, msgID, norm, repaired)
	if err != nil {
		return 0, err
	}
	if uid != 0 {
		mw.w.opts.Emit(mailconv.Event{Kind: mailconv.EventWarning, Code: "imap.append-interrupted", Mailbox: mw.path,
			Detail: fmt.Sprintf("the connection broke during an APPEND that the server had committed: UID %d kept, not sent again", uid)})
	}
	return uid, nil
}

// lookup searches the server for a message sent on a connection that was
// lost: among the messages after the last one appended in order (and after
// those there before this run), so that an identical earlier copy is not
// taken for it.
func (mw *MailboxWriter) lookup(ctx context.Context, msgID string, norm Normalized, repaired []byte) (imapv2.UID, error) {
	if repaired != nil {
		return 0, nil // the digest differs; the search below cannot match
	}
	saved, savedIdx, savedAfter := mw.existed, mw.indexed, mw.after
	mw.existed, mw.indexed = 1, false // search the server, not the index
	mw.after = mw.lostAfter()
	defer func() { mw.existed, mw.indexed, mw.after = saved, savedIdx, savedAfter }()
	return mw.find(ctx, msgID, norm.Size, norm.Digest, false)
}

// lookupLost finds which of the pipelined messages whose answers were lost
// with the connection the server committed, all at once: the messages
// after the last one appended in order (and after those there before
// this run, so that an identical earlier copy is not taken for one) are
// listed with their Message-ID and size in one FETCH, and those whose
// Message-ID and size match a lost message's are read in a second one
// and matched by content digest, in order. Two commands whatever the
// window, where a search per message cost four round trips each. A
// message not found is missing from the result (not arrived).
func (mw *MailboxWriter) lookupLost(ctx context.Context, lost []*flight) (map[*flight]imapv2.UID, error) {
	w := mw.w
	if err := w.ensureConn(ctx); err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { w.c.Close() })
	defer stop()
	after := mw.lostAfter()
	want := map[string]bool{}
	for _, f := range lost {
		want[dedupKey(f.p.msgID, f.p.norm.Size)] = true
	}
	var above imapv2.UIDSet
	above.AddRange(after+1, 0) // after+1:* (which names the last message when none is above: filtered below)
	msgs, err := mw.examineFetch(above, &imapv2.FetchOptions{UID: true, RFC822Size: true,
		BodySection: []*imapv2.FetchItemBodySection{{Specifier: imapv2.PartSpecifierHeader, HeaderFields: []string{"Message-ID"}, Peek: true}}})
	if err != nil {
		return nil, err
	}
	keyOf := map[imapv2.UID]string{}
	var cands imapv2.UIDSet
	for _, m := range msgs {
		if m.UID <= after {
			continue
		}
		var hdr []byte
		for _, b := range m.BodySection {
			hdr = b.Bytes
		}
		if k := dedupKey(mailconv.HeaderValue(hdr, "Message-ID"), m.RFC822Size); want[k] {
			keyOf[m.UID] = k
			cands.AddNum(m.UID)
		}
	}
	found := map[*flight]imapv2.UID{}
	if len(keyOf) == 0 {
		return found, nil
	}
	digests, err := mw.digestsOf(cands)
	if err != nil {
		return nil, err
	}
	// In order: each lost message takes the first candidate, after the
	// one the message before it took, with its Message-ID, size and
	// content.
	uids := make([]imapv2.UID, 0, len(keyOf))
	for u := range keyOf {
		uids = append(uids, u)
	}
	slices.Sort(uids)
	next := 0
	for _, f := range lost {
		k := dedupKey(f.p.msgID, f.p.norm.Size)
		for i := next; i < len(uids); i++ {
			if keyOf[uids[i]] == k && digests[uids[i]] == f.p.norm.Digest {
				found[f] = uids[i]
				next = i + 1
				break
			}
		}
	}
	return found, nil
}

// lostAfter is the UID above which a message lost with the connection is
// looked for: the last one appended in order, and those there before this
// run (so that an identical earlier copy is not taken for it).
func (mw *MailboxWriter) lostAfter() imapv2.UID {
	if mw.uidNext > 0 {
		return max(mw.lastUID, mw.uidNext-1)
	}
	return mw.lastUID
}

// examineFetch sends EXAMINE of the mailbox and UID FETCH of set
// together, one round trip instead of two, and collects the answer. A
// failed EXAMINE leaves no mailbox selected (RFC 3501, 6.3.1), so the
// FETCH then fails too: it never reads another mailbox.
func (mw *MailboxWriter) examineFetch(set imapv2.UIDSet, opts *imapv2.FetchOptions) ([]*imapclient.FetchMessageBuffer, error) {
	c := mw.w.c
	sel := c.Select(mw.name, &imapv2.SelectOptions{ReadOnly: true})
	fetch := c.Fetch(set, opts)
	_, serr := sel.Wait()
	got, err := fetch.Collect()
	if serr != nil {
		return nil, connErr("EXAMINE "+mw.name, serr)
	}
	if err != nil {
		return nil, connErr("FETCH "+mw.name, err)
	}
	return got, nil
}

// readerAt exposes the spool for SectionReader.
func readerAt(w *Writer) io.ReaderAt {
	if w.spool.f != nil {
		return w.spool.f
	}
	return bytes.NewReader(w.spool.buf.Bytes())
}

// append sends one APPEND and waits for its answer.
func (w *Writer) append(ctx context.Context, name string, flags []imapv2.Flag, date time.Time, size int64, r io.Reader) (*imapv2.AppendData, error) {
	stop := context.AfterFunc(ctx, func() { w.c.Close() })
	defer stop()
	opts := &imapv2.AppendOptions{Flags: flags}
	if !date.IsZero() {
		opts.Time = date
	}
	cmd := w.c.Append(name, size, opts)
	_, werr := io.Copy(cmd, r)
	cerr := cmd.Close()
	data, err := cmd.Wait()
	if err != nil {
		return nil, err
	}
	if werr != nil {
		return nil, werr
	}
	if cerr != nil {
		return nil, cerr
	}
	return data, nil
}

// flags returns the APPEND flag list of m and the keywords the server will
// not take.
func (w *Writer) flags(m *mailconv.Message) ([]imapv2.Flag, []string) {
	out := imapFlags(m.Flags & w.caps.Flags)
	var lost []string
	if !w.caps.Keywords {
		return out, nil // Convert reports these as losses
	}
	for _, k := range m.Keywords {
		if !mailconv.ValidKeyword(k) || strings.EqualFold(k, "$Forwarded") {
			continue
		}
		if (w.info.Keywords && !w.noKW) || w.allowKW[strings.ToLower(k)] {
			out = append(out, imapv2.Flag(k))
		} else {
			lost = append(lost, k)
		}
	}
	return out, lost
}

func keywordsOf(flags []imapv2.Flag) []string {
	var out []string
	for _, f := range flags {
		if !strings.HasPrefix(string(f), `\`) {
			out = append(out, string(f))
		}
	}
	return out
}

func systemFlagsOf(flags []imapv2.Flag) []imapv2.Flag {
	var out []imapv2.Flag
	for _, f := range flags {
		if strings.HasPrefix(string(f), `\`) {
			out = append(out, f)
		}
	}
	return out
}

// checkPending reads back the flags, internal dates and sizes of the
// messages appended since the last check and reports what the server did
// not keep.
func (mw *MailboxWriter) checkPending(ctx context.Context) error {
	if len(mw.pending) == 0 {
		return nil
	}
	w := mw.w
	pend := mw.pending
	mw.pending = mw.pending[:0]
	stop := context.AfterFunc(ctx, func() { w.c.Close() })
	defer stop()
	byUID := make(map[imapv2.UID]*appended, len(pend))
	var set imapv2.UIDSet
	for i := range pend {
		byUID[pend[i].uid] = &pend[i]
		set.AddNum(pend[i].uid)
	}
	// One round trip while the upload connection's window waits.
	got, err := mw.examineFetch(set, &imapv2.FetchOptions{UID: true, Flags: true, InternalDate: true, RFC822Size: true})
	if err != nil {
		return err
	}
	seen := map[imapv2.UID]bool{}
	for _, g := range got {
		a := byUID[g.UID]
		if a == nil {
			continue
		}
		seen[g.UID] = true
		loc := a.loc
		if missing := missingFlags(a.flags, g.Flags); len(missing) > 0 {
			w.opts.Emit(mailconv.Event{Kind: mailconv.EventLoss, Code: "imap.flags-not-kept", Mailbox: mw.path, Message: a.id, Location: &loc,
				Detail: fmt.Sprintf("UID %d in %q: the server dropped %v (it has %v)", g.UID, mw.name, missing, g.Flags)})
		}
		if !a.date.IsZero() && !a.date.Truncate(time.Second).Equal(g.InternalDate) {
			w.opts.Emit(mailconv.Event{Kind: mailconv.EventLoss, Code: "imap.date-not-kept", Mailbox: mw.path, Message: a.id, Location: &loc,
				Detail: fmt.Sprintf("UID %d in %q: INTERNALDATE is %s, %s was sent", g.UID, mw.name, g.InternalDate.Format(time.RFC3339), a.date.Format(time.RFC3339))})
		}
		if g.RFC822Size != a.size {
			w.opts.Emit(mailconv.Event{Kind: mailconv.EventWarning, Code: "imap.size-differs", Mailbox: mw.path, Message: a.id, Location: &loc,
				Detail: fmt.Sprintf("UID %d in %q: the server reports %d octets, %d were sent", g.UID, mw.name, g.RFC822Size, a.size)})
		}
	}
	for _, a := range pend {
		if !seen[a.uid] {
			loc := a.loc
			w.opts.Emit(mailconv.Event{Kind: mailconv.EventWarning, Code: "imap.not-found-after-append", Mailbox: mw.path, Message: a.id, Location: &loc,
				Detail: fmt.Sprintf("UID %d that the server gave for the APPEND is not in %q (moved or expunged by another client?)", a.uid, mw.name)})
		}
	}
	return nil
}

// checkPendingRetry runs checkPending, and once more on a new connection
// when the connection was lost during it (a server restart, an
// administrator's kick, a provider dropping long sessions): the messages
// are stored, only the read-back was cut.
func (mw *MailboxWriter) checkPendingRetry(ctx context.Context) error {
	pend := append([]appended(nil), mw.pending...)
	err := mw.checkPending(ctx)
	if err == nil || !errors.Is(err, ErrConnection) || ctx.Err() != nil {
		return err
	}
	if rerr := mw.w.reconnect(ctx); rerr != nil {
		return err
	}
	mw.pending = pend
	return mw.checkPending(ctx)
}

// missingFlags returns the flags of want that have is lacks
// (case-insensitively).
func missingFlags(want, have []imapv2.Flag) []string {
	var out []string
	for _, f := range want {
		found := false
		for _, h := range have {
			if strings.EqualFold(string(f), string(h)) {
				found = true
				break
			}
		}
		if !found {
			out = append(out, string(f))
		}
	}
	return out
}

// Close finishes the mailbox: the last read-back check and the summary
// events (line ends converted, messages without a date).
func (mw *MailboxWriter) Close() error {
	w := mw.w
	var err error
	if len(mw.queue) > 0 {
		// The outcomes of messages still in flight reach the caller
		// (Convert records the committed ones).
		err = mw.Drain(context.Background())
	}
	if len(mw.pending) > 0 && err == nil {
		if e := w.ensureConn(context.Background()); e == nil {
			err = mw.checkPendingRetry(context.Background())
		} else {
			err = e
		}
	}
	if mw.eolFixed > 0 {
		w.opts.Emit(mailconv.Event{Kind: mailconv.EventInfo, Code: "imap.line-ends", Mailbox: mw.path,
			Detail: fmt.Sprintf("%d messages had LF or CR line ends, sent with CRLF as IMAP requires", mw.eolFixed)})
	}
	if mw.undated > 0 {
		w.opts.Emit(mailconv.Event{Kind: mailconv.EventInfo, Code: "imap.date-by-server", Mailbox: mw.path,
			Detail: fmt.Sprintf("%d messages had no received date: the server set INTERNALDATE to the time of upload", mw.undated)})
	}
	return err
}

var _ mailconv.Writer = (*Writer)(nil)
var _ mailconv.MailboxWriter = (*MailboxWriter)(nil)

// tempDirOK reports whether dir can hold spool files.
func tempDirOK(dir string) error {
	if dir == "" {
		return nil
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	return nil
}
