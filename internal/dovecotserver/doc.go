// Package dovecotserver starts a throwaway Dovecot IMAP and POP3 server on
// 127.0.0.1 for tests, and stops it when the test ends.
//
// Each server lives in its own temporary directory: a configuration file,
// a passwd-file with one test user (password scheme PLAIN), a self-signed
// certificate made with crypto/x509 (for imaps, pop3s and STARTTLS), the
// run and state directories, the log, and the user's home with a maildir
// (Maildir++ layout) that a test can read afterwards with
// internal/dovecottest.
//
// What it takes (learned the hard way, Dovecot 2.3): Dovecot must be
// started as root to bind and to switch users, and it refuses to run mail
// processes as root, so the mail user is "nobody" (mail_uid/mail_gid) and
// every directory on the way to the home is world-traversable. Listeners
// are bound to 127.0.0.1 on ports picked at random among free ones; a port
// taken between the pick and the bind makes Start try again with new ones.
//
// A test calls Start (or Require first to only check the installation):
// without the dovecot binary the test is skipped, unless the environment
// variable CI is "true", where it fails.
package dovecotserver
