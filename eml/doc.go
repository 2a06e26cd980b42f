// Package eml reads single RFC 5322 message files: the ".eml" files that
// Outlook Express, Windows Live Mail, Thunderbird's "Save As" and most
// other clients write, one message per file. It registers itself as the
// read-only format "eml".
//
// A store is either one message file (the one message of INBOX) or a
// directory tree: the top directory is INBOX and every directory below it
// the mailbox of its path ("Work/2019" for Work/2019/*.eml); a directory
// that holds only directories is a folder (NoSelect). In a directory only
// files named *.eml (any case) are read; other files are reported
// (warning eml.not-eml), hidden files are passed over. A .eml file whose
// bytes do not start with a message header is reported (skip
// eml.not-a-message, with the byte offset of the first line that is not a
// header line) and not converted.
//
// Messages are streamed unchanged. The internal date is that of the newest
// Received field (the topmost: the last one a server added), else the
// Date field, else the file's modification time. Files carry no flags:
// messages are converted unread, without keywords. A message's ID is its
// file name, stable across runs, so a resumed or incremental conversion
// passes over the files an earlier run recorded without reading them
// (mailconv.IDSkipper); the mailbox fingerprint covers the names, sizes and
// modification times of its files.
//
// The format and its sources are described in docs/formats/eml.md.
package eml
