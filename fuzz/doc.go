// Package fuzz holds the native Go fuzz targets of every mailconv parser and
// writer round trip, with checked-in seed corpora under testdata/fuzz. The
// seeds run as ordinary tests in "go test ./..."; fuzz one target with, for
// example:
//
//	go test ./fuzz -run '^$' -fuzz '^FuzzMboxReader$' -fuzztime 60s
package fuzz
