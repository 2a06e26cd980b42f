// Package imap uploads mail stores to an IMAP server and reads them back.
// It registers the formats "imaps" (implicit TLS) and "imap" (STARTTLS),
// so that "mailconv convert SRC imaps://USER@HOST[:PORT][/PREFIX]" works;
// the Reader serves "mailconv verify". It is built on
// github.com/emersion/go-imap/v2.
//
// # Addresses and credentials
//
// imaps://USER@HOST[:PORT][/PREFIX] and imap://USER@HOST[:PORT][/PREFIX].
// imap:// requires STARTTLS unless the parameter allow-plaintext is set
// and the server offers none (meant for loopback test servers; a warning
// event is raised for any other host). The password comes from the
// environment variable MAILCONV_PASSWORD or the first line of the file
// named by password-file; a password inside the URL is refused. With the
// parameter oauth2-token-file the login is AUTHENTICATE with an OAuth2
// access token (OAUTHBEARER when announced, else XOAUTH2; parameter sasl
// chooses, also PLAIN and LOGIN), renewed when it expires or is refused
// (docs/formats/sasl-oauth2.md).
// Certificates are verified (extra trust with ca-file) unless
// insecure-skip-verify is set. Errors match ErrAuth, ErrTLS,
// ErrConnection, ErrQuota, ErrRefused, ErrPassword or ErrAddress.
//
// # Provider presets
//
// The parameter provider (or the address's ?provider=NAME) applies a
// preset: "gmail" or "outlook" (Provider, LookupProvider). ResolveProvider
// (called by the registered formats; a library caller of Create or Open
// calls it first) puts the service's host and port into an address that
// names none (imaps://me@gmail.com@/), requires the login the service
// takes, and prefers XOAUTH2 with a token file. Create then maps the
// service's usual special-use names when LIST marks none, reserves the
// names of its system folders (Gmail's [Gmail], and the folder of any \All,
// \Flagged or \Important mailbox, never uploaded into) so that the name
// plan renames such source mailboxes, and uses the service's message size
// limit when the server announces no APPENDLIMIT. The values and their
// sources: docs/providers.md.
//
// # The probe
//
// Create logs in and probes the server before anything is written:
// capabilities (UIDPLUS, LITERAL+, MULTIAPPEND, UTF8=ACCEPT, APPENDLIMIT),
// the personal namespace's prefix and hierarchy delimiter (NAMESPACE, else
// LIST "" ""), special-use mailboxes (RFC 6154), PERMANENTFLAGS of INBOX
// (whether keywords can be created), and whether a mailbox can hold
// messages and children: from the existing mailboxes, and from a probe
// folder it creates with a child and a few oddly named children (".", "/",
// "\", "*", "%", a leading "~") and deletes again (parameter probe=no
// skips it and assumes the worst about names). Writer.Info returns the
// result and an "imap.server" info event reports it. Capabilities follow
// from it, so that mailconv.PlanNames escapes in advance what the server
// would refuse.
//
// # Names
//
// A mailbox path becomes the namespace prefix, the URL's PREFIX and the
// path's segments joined with the delimiter (sent in modified UTF-7 by the
// client library, which every server takes; UTF8=ACCEPT is reported but
// not enabled). The inbox is INBOX when the URL has no prefix (no
// INBOX.INBOX on Courier-style servers). With the parameter special-use
// (default: on without a prefix, off with one) the first mailbox with role
// Sent, Drafts, Trash, Junk or Archive goes to the server's mailbox with
// that attribute ("imap.special-use" events). Writer.Place tells the
// name a mailbox gets, for a plan report.
//
// # Messages
//
// Each message is normalized while it is spooled (CRLF line ends, NUL
// bytes removed; memory up to spool-memory, a temporary file beyond) so
// that the literal size is known, then appended with its flags, keywords
// and internal date (FlagNew is dropped: IMAP cannot set \Recent;
// FlagForwarded is $Forwarded). Raw 8-bit header bytes are sent as they
// are; only when the server refuses the message are the offending words
// rewritten as RFC 2047 encoded-words in the detected charset
// (repairHeader). A server refusing keywords gets the message without
// them, reported as a loss. Messages over APPENDLIMIT (or append-limit),
// or refused as too big, are skipped with a *mailconv.SkipError, never
// truncated. Over quota, the conversion stops with ErrQuota. After each
// batch of APPENDs the writer reads back flags, INTERNALDATE and size
// (parameter check) and reports what the server did not keep.
//
// # Resume
//
// MailboxWriter.LastRef returns "UIDVALIDITY:UID" from APPENDUID for the
// journal. With dedup (the default) the writer indexes the Message-IDs and
// sizes of the messages already in a mailbox when it opens it, and does
// not append a message whose Message-ID, size and SHA-256 (of the
// normalized octets, fetched from the server only for candidates) match
// one of them (LastExisted); MailboxWriter.Holds asks the same question
// for a caller. A connection lost during an APPEND is made again once; the
// mailbox is searched for the message (the server may have committed it)
// before it is sent again.
//
// # Throughput
//
// MailboxWriter implements mailconv.Pipeliner: when the server announces
// UIDPLUS and LITERAL+ (or LITERAL-), up to the parameter pipeline
// (default 512) messages and 32 MiB are in flight before the oldest answer
// is waited for, and Convert records a message in the journal only when
// its answer came. The APPENDs go on a second connection of the writer's
// own (go-imap sends literals over 4096 octets synchronizing and has no
// MULTIAPPEND), made once 8 messages wait: non-synchronizing literals,
// and with MULTIAPPEND up to the parameter multiappend (default 4)
// messages per APPEND; a batch refused as a whole is sent again one
// message at a time (docs/formats/imap-append.md). A refusal or a lost
// connection in the middle of a window is settled in order: messages the
// server took after an earlier one it did not are removed by UID and sent
// again, so that UID order stays the source's order.
// BenchmarkUploadLatency measures the upload over 0, 50 and
// 200 ms (README.md in this directory). The parameters max-rate,
// backoff-base, backoff-max and retries and the day budget
// (mailconv.BudgetSetter) are described in docs/formats/imap-throttling.md.
package imap
