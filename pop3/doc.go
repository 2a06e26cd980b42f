// Package pop3 reads a POP3 maildrop as a mail store source. It registers
// the formats "pop3s" (implicit TLS) and "pop3" (STLS), so that
// "mailconv convert pop3s://USER@HOST imaps://USER@HOST" moves a POP
// account to IMAP.
//
// The client is small and our own (no maintained POP3 module is
// available): USER/PASS login or AUTH (RFC 5034) with the mechanisms of
// internal/sasl (OAUTHBEARER and XOAUTH2 with the parameter
// oauth2-token-file, PLAIN, LOGIN; parameter sasl), CAPA, STLS, STAT, UIDL, LIST, RETR streamed
// through a DotReader that undoes the byte-stuffing without holding a
// line, DELE and QUIT. Response lines are bounded (MaxLine), and so is
// the number of messages of a listing (MaxMessages).
//
// The maildrop is one mailbox, INBOX. Each message's ID is its UIDL, the
// identity a journal uses to resume an interrupted run; a server without
// UIDL is refused. The date is the newest Received: header's, else the
// Date: header's; POP3 has no flags. Reading deletes nothing: the session
// ends without QUIT. Reader.DeleteVerified removes the messages whose
// UIDLs it is given — those a verification proved to be in the
// destination — and only when the reader was opened with the parameter
// delete-after-verify.
//
// Addresses, passwords and TLS follow the imap package: the password comes
// from MAILCONV_PASSWORD or password-file, never from the URL;
// certificates are verified unless insecure-skip-verify; pop3:// requires
// STLS unless allow-plaintext.
package pop3
