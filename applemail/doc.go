// Package applemail reads Apple Mail stores and registers them as the
// read-only format "applemail" of mailconv.
//
// # The live store
//
// ~/Library/Mail holds one directory per store version, V2 to V10; the
// newest is read (older ones are reported and can be opened by their
// path). Inside, each account has a directory (V2: "IMAP-user@host",
// "POP-user@host"; later an account UUID), the local mailboxes live in
// "Mailboxes" (shown as "On My Mac"), and MailData holds Mail's own
// indexes, which are not needed. A mailbox is a directory "Name.mbox" or
// "Name.imapmbox"; child mailboxes are directories of the same kind inside
// it. Messages are files "N.emlx" in a Messages directory: directly in the
// mailbox (V2), or under <UUID>/Data/…/Messages (later versions, hashed by
// the message number). Mailboxes keep their directory names, without the
// extension; account directories become folders of their directory name.
//
// An emlx file is a decimal byte count on the first line, that many bytes
// of RFC 5322 message, then an XML property list whose "flags" integer
// carries the state (read, deleted, answered, flagged, draft, forwarded,
// redirected, junk, not junk: see FlagsFromWord) and whose
// "date-received" is the received date. A "N.partial.emlx" lacks the
// bodies of some parts (their headers carry X-Apple-Content-Length);
// Mail keeps those as files in Attachments/N/<part>/ beside Messages. The
// reader puts each file back into its part, encoded as the part's
// Content-Transfer-Encoding says, while streaming; the message is marked
// Rebuilt. A missing file is reported as a loss and the part stays empty.
//
// # Exported mailboxes
//
// Mail's "Export Mailbox" writes "Name.mbox" bundles holding a file
// "mbox" (and a table_of_contents, ignored). Such a bundle, or a directory
// of them, is read through the registered "mbox" format (the program must
// import it) under the bundle's name.
//
// # Guarantees
//
// Sources are opened read-only through an os.Root. A byte count past the
// end of the file is read up to the property list when one is found (with
// a warning), else the file is skipped; a broken property list is a loss
// of state, not of the message. Every limit (property list size, nesting)
// is a parameter. Message IDs are the emlx numbers, so conversions resume
// by ID. The facts relied on, with their public sources, are in
// docs/formats/applemail.md.
package applemail
