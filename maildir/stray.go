package maildir

import (
	"context"
	"io"
	"path"
	"sort"
	"strings"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/internal/safeopen"
)

// maxStrayFiles bounds the files listed per folder by reportStray (the rest
// are counted in one event).
const maxStrayFiles = 1000

// reportStray lists the regular files that sit in a folder's own directory
// (the root, or a folder's), beside cur/, new/ and tmp/, and that no mail
// server or mailconv put there: a maildir holds messages only in cur/ and
// new/, so these are not read. A file that looks like a message is
// recorded as a skip (maildir.outside-cur-new), anything else as a warning
// (maildir.not-mail), so that nothing is left behind without a word.
// Hidden files (a leading dot) are passed over, as in the rest of the tree.
// See docs/formats/maildir-outside-cur-new.md.
func (r *Reader) reportStray(ctx context.Context, mbs []*mailconv.Mailbox) {
	seen := map[string]bool{}
	scan := func(rel string, mb mailconv.Path) {
		if seen[rel] || ctx.Err() != nil {
			return
		}
		seen[rel] = true
		names, err := r.readDirNames(rel)
		if err != nil {
			return // reported where the folder is read
		}
		sort.Strings(names)
		n := 0
		for _, name := range names {
			if strings.HasPrefix(name, ".") || isControlName(name) || isServerFile(name) {
				continue
			}
			p := path.Join(rel, name)
			fi, err := r.root.Lstat(p)
			if err != nil || !fi.Mode().IsRegular() {
				continue
			}
			if n++; n > maxStrayFiles {
				continue
			}
			if r.looksLikeMail(p) {
				r.emit(mailconv.EventSkip, "maildir.outside-cur-new", mb, r.abs(p),
					"message file outside cur/ and new/, where a maildir keeps its messages: not read (move it into %s to convert it)", r.abs(path.Join(rel, "new")))
			} else {
				r.emit(mailconv.EventWarning, "maildir.not-mail", mb, r.abs(p), "not a message file: not read")
			}
		}
		if n > maxStrayFiles {
			r.emit(mailconv.EventWarning, "maildir.not-mail", mb, r.abs(rel),
				"%d more files outside cur/ and new/ not listed, not read", n-maxStrayFiles)
		}
	}
	scan(".", nil)
	for _, mb := range mbs {
		if rel := r.dirs[mb.Source]; rel != "" {
			scan(rel, mb.Path)
		}
	}
}

// isServerFile tells whether a file in a folder's directory belongs to a
// mail server or client rather than being mail: the index, cache and
// state files of Dovecot, Courier, notmuch and mutt header caches.
func isServerFile(name string) bool {
	for _, p := range []string{"dovecot", "courier", "maildirfolder", "maildirsize", "subscriptions", "xapian", "notmuch"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// looksLikeMail tells whether the file starts like a message: a header
// field ("Name: value") or an mbox From_ line as its first line.
func (r *Reader) looksLikeMail(rel string) bool {
	f, _, err := safeopen.File(r.root, rel)
	if err != nil {
		return false
	}
	defer f.Close()
	var b [512]byte
	n, _ := io.ReadFull(f, b[:])
	head := b[:n]
	if strings.HasPrefix(string(head), "From ") {
		return true
	}
	line := head
	if i := strings.IndexAny(string(head), "\r\n"); i >= 0 {
		line = head[:i]
	}
	colon := strings.IndexByte(string(line), ':')
	if colon <= 0 {
		return false
	}
	for _, c := range line[:colon] {
		if c <= ' ' || c > '~' {
			return false
		}
	}
	return true
}
