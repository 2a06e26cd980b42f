package fuzz_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/mailconv/mailconv/filters"
)

var filterSeeds = []string{
	"3\r\nrule A\r\ntransfer Work.fol\\A.mbx\r\nstatus 1\r\nincoming\r\nheader From:\r\nverb contains\r\nvalue x\r\nconjunction unless\r\nheader \xabBody\xbb\r\nverb regex\r\nvalue a(b|c)\r\n",
	"rule M\rtransfer :F:B\rpriority 1\rserverOpt 1\rstop\rincoming\rheader \xc7Any Recipient\xc8\rverb intersects\rvalue a@b, nick\r",
	"3\r\nrule X\r\nfrobnicate\r\nsubject [&] ${x}\r\nincoming\r\nheader \x01:\r\nverb nonsense\r\nvalue \"\\\r\nheader a\r\nheader b\r\nheader c\r\n",
	"\x00\xff garbage\r\n",
}

// FuzzFilters: any bytes parsed as a filters file and written as Sieve
// never panic.
func FuzzFilters(f *testing.F) {
	for _, s := range filterSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := filters.Parse(context.Background(), bytes.NewReader(data), "Filters.pce", &filters.Options{MaxLineBytes: 4096, MaxFilters: 1000})
		if err != nil {
			return
		}
		book := func(name string) ([]string, bool) { return []string{"a@example.com"}, name != "" }
		var out bytes.Buffer
		if _, err := filters.WriteSieve(&out, []*filters.Set{s}, &filters.SieveOptions{Resolve: filters.FallbackResolver, AddressBook: book}); err != nil {
			t.Fatal(err)
		}
	})
}
