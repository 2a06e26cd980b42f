// Package sasl holds the client side of the SASL mechanisms mailconv logs
// in with, for IMAP (AUTHENTICATE, through go-imap) and POP3 (AUTH, RFC
// 5034): OAUTHBEARER (RFC 7628) and XOAUTH2 with an OAuth2 access token,
// PLAIN (RFC 4616) and LOGIN with a password. XOAUTH2 is not in
// github.com/emersion/go-sasl any more, and its OAUTHBEARER client fails
// the exchange in a way that leaves an IMAP command open; these clients
// answer an error challenge the way the RFC asks and keep the server's
// reason for the message (Failure).
//
// Choose implements the --sasl modes (see docs/formats/sasl-oauth2.md).
package sasl
