// Package dovecottest reads a maildir tree through a real Dovecot, with
// doveadm and no running daemon, so that tests can check that Dovecot sees
// what mailconv wrote.
//
// What it takes (learned the hard way): doveadm refuses to read mail as
// root, and "doveadm -u" needs the auth service. So the tree is copied to a
// temporary directory owned by the unprivileged user "nobody" (when the
// test runs as root), a minimal configuration is written there (base_dir,
// the mail location, mail_uid/mail_gid, first_valid_uid = 1, ssl = no),
// USER and HOME are set in the environment, and doveadm runs with -c and
// without -u. Its JSON output mangles 8-bit bytes, so the default "pager"
// output is parsed instead, with the message size telling where each
// message's text ends.
//
// Dovecot 2.3 and 2.4 take different configuration syntax; Version tells
// which one is installed and Open writes the matching file.
//
// A test calls Require first: it skips the test when doveadm is absent,
// unless the environment variable CI is "true", where a missing doveadm is
// a failure.
package dovecottest
