// Package mh reads MH mail folders — nmh and MH, Claws Mail, Sylpheed and
// the old Evolution stores — and registers them as the read-only format
// "mh" of mailconv.
//
// An MH folder is a directory of message files named by their number
// ("1", "2", ...), one RFC 5322 message each, with sub-folders as
// sub-directories. The store may be one folder or a mail root (nmh's
// ~/Mail, with its "context" file) whose sub-directories are the folders; a
// top-level "inbox" becomes INBOX. Message IDs are the file names, stable
// until a folder is renumbered ("folder -pack"), so a conversion resumes by
// ID (the mailbox readers implement mailconv.IDSkipper).
//
// State comes from .mh_sequences — "unseen" (every message outside it is
// \Seen), "replied", "flagged", "forwarded"; "cur" is ignored; every other
// sequence becomes a keyword of its name — and, where present, from the
// Claws Mail / Sylpheed mark file (.claws_mark, .sylpheed_mark), which is
// applied after the sequences. Files nmh's rmm renamed to ",N" are read as
// \Deleted. The received date is the file's modification time, or the
// Received: or Date: field (parameter "date", as for maildir).
//
// Bad input never stops a conversion: a numbered file that is not mail,
// an empty one, a sequences or mark file that cannot be read, sequences
// naming messages that do not exist, are reported as events with the file
// and offset. Sequence ranges are kept as ranges, so "1-1000000" costs a
// few bytes; the sequences and mark files are read only up to a limit.
//
// The facts relied on, with their public sources, are in
// docs/formats/mh.md.
package mh
