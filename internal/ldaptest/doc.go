// Package ldaptest runs a throwaway OpenLDAP server (slapd) for tests: a
// private configuration and database in a temporary directory, listening
// only on an ldapi:// (Unix socket) URI, stopped when the test ends.
//
// Start skips the test when slapd or the ldap-utils programs are missing and
// the CI environment variable is unset, and fails it when CI=true, so that a
// CI machine without the packages cannot pass silently.
package ldaptest
