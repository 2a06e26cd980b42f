// Package fuzz holds the native Go fuzz targets that cross packages: the
// store-level round trips (a writer's output read back by a reader), the
// journal, whole stores opened through the registry, and the corpus sweep
// over the repository's fixtures. Targets of a single parser live in that
// parser's package, in its fuzz_test.go (mbox, maildir, mime, eudora, imap,
// pop3, applemail, mh), so the parser need not be exported for them. Seed
// corpora are checked in under each package's testdata/fuzz and run as
// ordinary tests in "go test ./..."; fuzz one target with, for example:
//
//	go test ./fuzz -run '^$' -fuzz '^FuzzMboxRoundTrip$' -fuzztime 60s
//	go test ./mbox -run '^$' -fuzz '^FuzzMboxFromLine$' -fuzztime 60s
//
// or all of them with .ci/fuzz.
package fuzz
