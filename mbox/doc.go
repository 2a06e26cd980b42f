// Package mbox reads and writes mbox files, directories of them and
// Thunderbird folder trees.
//
// # Reading
//
// A Reader streams the messages of one file, in the manner of
// archive/tar.Reader: Next returns a message's metadata, Read its octets.
// Every dialect in the wild is accepted:
//
//   - mboxo, mboxrd, mboxcl and mboxcl2, detected from the file's evidence
//     (Content-Length headers that frame messages, quoted and unquoted From
//     lines, producer fingerprints) and reported in Stats; the lines whose
//     meaning differs between mboxo and mboxrd (">>From ") are counted as
//     the ambiguity;
//   - From_ lines from every producer: C asctime, zones before or after the
//     year (Gmail Takeout), RFC 2822 dates, no seconds, two-digit years,
//     Thunderbird's "From - ", Eudora's "From ???@???", bare "From " lines;
//   - LF, CRLF and CR-only (classic Mac) line endings, kept as stored.
//
// A message ends before the line end that precedes the next From_ line (the
// convention of Dovecot and MimeKit), so a message without a final line end
// survives. Content-Length is trusted only when it lands exactly on such a
// line end followed by a From_ line, or on the end of the file. A "From "
// line without a blank line before it starts a message only when the next
// line looks like a header field; such splits are reported.
//
// The state headers (Status, X-Status, X-Keywords, X-Mozilla-Status,
// X-Mozilla-Status2, X-Mozilla-Keys) become flags and keywords; they, and
// Content-Length, X-UID and X-IMAP*, are removed from the octets unless
// ReaderOptions.Verbatim is set. Messages Thunderbird marked expunged are
// skipped (and reported) unless ReaderOptions.Recover is set.
//
// # State letters
//
// The letters of Status and X-Status are read as one set, in any order,
// because producers put them in different fields (GNU mailutils writes
// "Status: ORA" where mutt writes "Status: RO" and "X-Status: A"):
//
//	letter  model        written by
//	R       \Seen        mutt, c-client (Pine, Alpine), Dovecot, Python, mailutils, mox
//	r       \Answered    legacy replied letter read by mutt (Status)
//	O o     listed       mutt, c-client, Dovecot, Python, mailutils (not new, no flag)
//	U u     listed       Eudora exports (unread, not new, no flag)
//	A a     \Answered    mutt, c-client, Dovecot, Python, mox; mailutils in Status
//	F f     \Flagged     mutt, c-client, Dovecot, Python, mox; mailutils in Status
//	D d     \Deleted     c-client, Dovecot, Python, mox; "d" is mailutils' letter
//	T t     \Draft       c-client, Dovecot, mox
//
// A message with neither field (nor X-Mozilla-Status, nor a Google state
// label) is new. Other letters are reported as losses. X-Keywords is split
// on white space and commas (Dovecot; mox, mu and mutt), X-Mozilla-Keys on
// white space only. docs/formats/mbox-state.md gives the sources, the
// keyword fields and Google's X-Gmail-Labels.
//
// # Writing
//
// A Writer writes mboxrd: every line matching ^>*From gets one more '>', so
// that reading restores the octets exactly; fresh state headers replace stale
// ones. Every message is followed by the separator's blank line, the last
// one too (Dovecot and mutt take the file's last line end for it); a
// message without a final line end gets none. With
// WriterOptions.MozillaStatus, whose X-Mozilla-Status fields are
// Thunderbird's (mboxo) fingerprint, each message also carries the trace
// "X-Mailconv-Mbox: mboxrd", and a Reader reads a file with that trace as
// mboxrd (removing the field like the other state fields). A StoreWriter writes a Thunderbird-style tree (mailbox A/B is the
// file A.sbd/B), which can hold a mailbox with both messages and children.
//
// # Limits
//
// ReaderOptions.MaxHeaderBytes (default 1 MiB) bounds the header held in
// memory per message; ReaderOptions.MaxFromLine (default 1000 bytes) bounds a line considered as a
// separator. Memory use does not depend on message size.
//
// The package registers the format "mbox" with the mailconv registry.
package mbox
