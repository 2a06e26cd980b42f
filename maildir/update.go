package maildir

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"slices"

	"github.com/mailconv/mailconv"
)

// LastRef returns the unique name (Info.Base) of the last message
// WriteMessage delivered: the part of the file name that flag changes
// leave alone (mailconv.RefReporter). UpdateFlags finds the file by it.
func (mw *mailboxWriter) LastRef() string { return mw.lastRef }

// UpdateFlags gives the message whose unique name is ref the flags f (the
// standard letters; its keyword letters and letters of other tools stay)
// by renaming its file, into cur/ (a message with a state is no longer
// new). It implements mailconv.StateUpdater; a file that is gone gives an
// error matching fs.ErrNotExist.
func (mw *mailboxWriter) UpdateFlags(ctx context.Context, ref string, f mailconv.Flags) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if mw.mbRoot == nil {
		return "", fmt.Errorf("maildir: updating %s: mailbox closed", ref)
	}
	if mw.names == nil {
		mw.names = map[string]string{}
		for _, sub := range [...]string{"cur", "new"} {
			d, err := mw.mbRoot.Open(sub)
			if err != nil {
				return "", fmt.Errorf("maildir: %w", fullPath(mw.w.abs(mw.dir), err))
			}
			names, err := d.Readdirnames(-1)
			d.Close()
			if err != nil {
				return "", fmt.Errorf("maildir: %w", fullPath(mw.w.abs(mw.dir), err))
			}
			var in nameInfo
			for _, n := range names {
				in = parseName(n, &in)
				mw.names[in.Base] = sub + "/" + n
			}
		}
	}
	old, ok := mw.names[ref]
	if !ok {
		return "", fmt.Errorf("maildir: no message %s in %s: %w", ref, mw.w.abs(mw.dir), fs.ErrNotExist)
	}
	in := parseName(path.Base(old), nil)
	var kw uint32
	for _, c := range in.Keywords {
		kw |= 1 << uint(c-'a')
	}
	letters := appendInfo(nil, f&mailconv.AllFlags&^mailconv.FlagNew, kw)
	letters = append(letters, in.Unknown...)
	slices.Sort(letters)
	sep := in.Separator
	if sep == 0 {
		sep = mw.w.cfg.infoSep
	}
	name := "cur/" + in.Base + string(sep) + "2," + string(letters)
	if name == old {
		return ref, nil
	}
	if err := mw.mbRoot.Rename(old, name); err != nil {
		return "", fmt.Errorf("maildir: renaming %s: %w", mw.w.abs(path.Join(mw.dir, old)), err)
	}
	mw.names[ref] = name
	if mw.w.opts.Durable {
		for _, sub := range [...]string{"cur", "new"} {
			if err := mw.w.syncDir(path.Join(mw.dir, sub)); err != nil {
				return "", err
			}
		}
	}
	return ref, nil
}
