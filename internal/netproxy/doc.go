// Package netproxy is a TCP proxy for tests and benchmarks: it adds a
// fixed delay to each direction (a wide-area round trip on loopback) and
// can answer, cut or drop IMAP commands in the server's place (a
// provider's throttling: "NO [LIMIT]", a BYE with a back-off hint, a
// connection reset), so that the client's behaviour is tested against a
// real server behind it.
package netproxy
