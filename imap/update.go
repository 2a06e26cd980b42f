package imap

import (
	"context"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	imapv2 "github.com/emersion/go-imap/v2"

	"github.com/mailconv/mailconv"
)

// flagTable maps mailconv flags to IMAP flags.
var flagTable = [...]struct {
	bit  mailconv.Flags
	flag imapv2.Flag
}{
	{mailconv.FlagSeen, imapv2.FlagSeen}, {mailconv.FlagAnswered, imapv2.FlagAnswered},
	{mailconv.FlagFlagged, imapv2.FlagFlagged}, {mailconv.FlagDeleted, imapv2.FlagDeleted},
	{mailconv.FlagDraft, imapv2.FlagDraft}, {mailconv.FlagForwarded, "$Forwarded"},
}

// imapFlags returns the IMAP flags of f.
func imapFlags(f mailconv.Flags) []imapv2.Flag {
	var out []imapv2.Flag
	for _, x := range flagTable {
		if f&x.bit != 0 {
			out = append(out, x.flag)
		}
	}
	return out
}

// UpdateFlags gives the message ref ("UIDVALIDITY:UID", as LastRef
// returned it) the flags f with UID STORE: the flags of f the server keeps
// are added, the others removed; keywords stay. It implements
// mailconv.StateUpdater. A message the mailbox no longer holds (expunged,
// or the mailbox recreated under another UIDVALIDITY) gives an error
// matching fs.ErrNotExist.
func (mw *MailboxWriter) UpdateFlags(ctx context.Context, ref string, f mailconv.Flags) (string, error) {
	w := mw.w
	v, u, ok := strings.Cut(ref, ":")
	validity, err1 := strconv.ParseUint(v, 10, 32)
	uid, err2 := strconv.ParseUint(u, 10, 32)
	if !ok || err1 != nil || err2 != nil || uid == 0 {
		return "", fmt.Errorf("imap: bad message reference %q", ref)
	}
	if uint32(validity) != mw.uidValidity {
		return "", fmt.Errorf("imap: %q has UIDVALIDITY %d now, not %d: %w", mw.name, mw.uidValidity, validity, fs.ErrNotExist)
	}
	if err := w.ensureConn(ctx); err != nil {
		return "", err
	}
	stop := context.AfterFunc(ctx, func() { w.c.Close() })
	defer stop()
	if _, err := w.c.Select(mw.name, nil).Wait(); err != nil {
		return "", connErr("SELECT "+mw.name, err)
	}
	keep := w.caps.Flags &^ mailconv.FlagNew
	set := imapv2.UIDSetNum(imapv2.UID(uid))
	found := false
	for _, op := range []struct {
		op    imapv2.StoreFlagsOp
		flags []imapv2.Flag
	}{{imapv2.StoreFlagsAdd, imapFlags(f & keep)}, {imapv2.StoreFlagsDel, imapFlags(keep &^ f)}} {
		if len(op.flags) == 0 {
			continue
		}
		msgs, err := w.c.Store(set, &imapv2.StoreFlags{Op: op.op, Flags: op.flags}, nil).Collect()
		if err != nil {
			return "", connErr("UID STORE "+mw.name, err)
		}
		found = found || len(msgs) > 0
	}
	if !found {
		return "", fmt.Errorf("imap: no UID %d in %q: %w", uid, mw.name, fs.ErrNotExist)
	}
	return ref, nil
}
