// Package maildir reads and writes Maildir stores: the plain maildir of
// cr.yp.to, the Maildir++ folder tree of Courier and Dovecot, and Dovecot's
// "fs" layout. It registers itself as the format "maildir".
//
// # Layouts and folder names
//
// In the Maildir++ layout (the default, and Dovecot's) the root directory is
// INBOX and every other mailbox is a directory ".A.B.C" for the path
// A/B/C. In the fs layout the same mailbox is the directory A/B/C. Both hold
// messages and children in one mailbox (mixed mailboxes are natural).
//
// On disk, each name segment is encoded in modified UTF-7 (Dovecot's
// default, see mailconv.EncodeMUTF7) or, with the parameter names=utf8, in
// UTF-8 (Dovecot's ":UTF-8" location flag, Courier's current scheme).
// Characters a segment cannot hold on disk ("." in Maildir++, "/", the
// escape character "%" itself, a leading "~", control characters; a leading
// "." in the fs layout) are written as "%" and two lower-case hex digits,
// which is the storage escaping of Dovecot's listescape plugin (Dovecot 2.3:
// mail_plugins = listescape, plugin { listescape_char = "%%" }) and of the
// mailbox_list_storage_escape_char = % setting of Dovecot 2.4. A Dovecot so
// configured shows the original names; one without it shows the escaped
// names, which lose nothing. Escapes use lower-case hex because Dovecot looks
// mailboxes up by the exact escaped file name, which it writes in lower case.
//
// The writer leaves a small file ".mailconv" in the root that records the
// layout, the name encoding and the escape character. The reader honours
// it, so that a tree written by mailconv reads back with the original names.
// On a tree without it, the reader detects the layout, decodes names as
// modified UTF-7 when they are valid modified UTF-7 and as UTF-8 otherwise,
// and leaves "%xx" sequences alone (as a Dovecot without listescape would);
// the parameter unescape=true changes that.
//
// # Messages
//
// The reader takes the internal date from the file's modification time, as
// Dovecot does, and falls back to the newest Received: header and then the
// Date: header when the time is not usable (parameter date chooses another
// order). Flags come from the info suffix after ":2,", ";2," or "!2,";
// lower-case letters are keywords resolved through the folder's
// dovecot-keywords file. Keywords named in the message's own header
// (X-Keywords, separated by commas as mu and mutt write it or by spaces as
// Dovecot does; X-Mozilla-Keys) are added to those, so that they are not
// lost where keywords live apart from the message (an mbox writer replaces
// those fields); the table of every producer is in
// docs/formats/mbox-state.md. A message in new/ has mailconv.FlagNew. Files
// in tmp/ and control files are ignored.
//
// The writer delivers each message through tmp/ and hard-links it into
// cur/ (or new/ for an unseen message in the "new" state) under a unique
// name that carries a digest of the source message ID and its size (",S=").
// The file's modification time is the message's internal date. $Forwarded
// is written both as the flag P and as a keyword, because Dovecot ignores P.
// A folder holds at most 26 keywords; the ones beyond are reported as
// losses.
package maildir
