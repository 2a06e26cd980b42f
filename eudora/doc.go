// Package eudora reads Eudora mail stores — the Windows data folder
// (Eudora 4.x–7.1) and the Mac Eudora Folder (3.x–6.2.4, Classic and OS X,
// also when copied to other file systems) — and registers them as the
// read-only format "eudora" of mailconv.
//
// # Layout
//
// A Windows store is a directory with a descmap.pce in every folder
// (display name ↔ file name), .mbx mailboxes with .toc indexes, and .fol
// sub-folders nested to any depth. descmap.pce is advisory: the directory
// listing is the ground truth, as in Eudora (entries without a file are
// dropped, unlisted .mbx files are added under the name stored in their
// TOC). Names are Windows-1252; files are found case-insensitively, so a
// store copied to a case-sensitive file system reads the same.
//
// A Mac store keeps extension-less mailboxes under "Mail Folder" (or
// directly in the Eudora Folder before 5.x), with CR line ends, MacRoman
// names, and a big-endian TOC in resource 'TOCF' 1001 of the mailbox's
// resource fork — an AppleDouble "._Name" file once copied off HFS — or in
// a sidecar "Name.toc". A POSIX ':' in a name is HFS '/'. .DS_Store and
// Icon\r files are ignored.
//
// In becomes INBOX (RoleInbox); Out, Trash and Junk keep their names with
// RoleOutbox, RoleTrash and RoleJunk.
//
// # Which messages exist
//
// A mailbox's TOC is authoritative: a message exists only where a TOC
// record says. Deleting or transferring a message in Eudora removes only
// its record; its bytes stay in the mailbox until compaction. Those bytes
// are not emitted (the classic migration accident is to resurrect them);
// Config.Recover lists them or emits them with the keyword $EudoraDeleted.
//
// A TOC is checked on its structure (size = header + n·record, record
// count, version) and against its mailbox (records inside the file, stored
// mailbox size, no partial overlaps, records pointing at separator lines —
// a record a few bytes off is moved to the separator, one with no
// separator nearby is emitted as a fragment). A missing or unusable TOC
// makes the reader scan the mailbox with Eudora's own separator test
// (Windows GetTimeMT, Mac IsFromLine), giving messages the states Eudora's
// own rebuild gives and keeping the state of every record that matches a
// scanned message exactly; the mailbox's Details and an
// "eudora.scanned" event say why. A TOC older than its mailbox is only
// noted: copies lose modification times. Bytes appended after the TOC was
// written (the stored mailbox size is smaller than the file) are scanned
// and emitted as recovered.
//
// # State and dates
//
// TOC states map to flags and keywords (MapRecord): read → \Seen, replied
// → \Answered, forwarded → $Forwarded, redirected → $Forwarded and
// $Redirected, queued → \Draft and $SubmitPending, unsent → \Draft, sent →
// $Submitted, recovered → $EudoraRecovered, labels → $label1…$label7.
//
// The received date is the message's Date: header when it can be read;
// else the TOC date (Mac: a UTC instant; Windows: a true instant when the
// message has no Date: header, else biased by the writing PC's UTC
// offset, see WinTOCTime, used only with Config.Zone); else the separator
// line's local time read in Config.Zone.
//
// # Octets
//
// Messages are streamed, never held whole. The separator line is not part
// of a message. NUL bytes are dropped (counted in Details). Unless
// Config.Raw is set, each message is put back into MIME (detached
// attachments read back from the store's attachment folders through
// Lookup, which never leaves them); in raw mode Mac CR line ends still
// become CRLF, so that the output is RFC 5322.
package eudora
