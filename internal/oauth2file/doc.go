// Package oauth2file keeps an OAuth2 token in a JSON file (the file that
// --oauth2-token-file names and "mailconv login" writes): it hands the
// access token to the SASL login, refreshes it with the refresh token
// (golang.org/x/oauth2) when it has expired or a server refused it, and
// rewrites the file atomically with mode 0600. Login runs the device
// authorization grant (RFC 8628) that creates the file. The file's fields
// and the providers' endpoints are described in docs/providers.md.
package oauth2file
