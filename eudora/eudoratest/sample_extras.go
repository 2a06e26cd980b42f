package eudoratest

import "strings"

// sampleFiles returns the files of Sample besides its mail: an address
// book, filters and signatures, as Eudora 7.1 for Windows writes them
// (CRLF line ends), so that the README's Quick start can run contacts,
// filters and extras on the sample store.
//
//   - NNdbase.txt: three nicknames with notes tags (name, first, last,
//     phone, company, title, address) and a list;
//   - Filters.pce: incoming filters that file mail from Bob and from the
//     client into Work/Clients and Work/Projects/Alpha, and mark the
//     newsletter read;
//   - Sigs/Standard.txt and Sigs/Alternate.txt: two signatures.
func sampleFiles() map[string][]byte {
	crlf := func(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }
	return map[string][]byte{
		"NNdbase.txt": encode1252(string(crlf(`alias alice Alice Martin <alice@example.org>
note alice <name:Alice Martin><first:Alice><last:Martin><phone:+1 555 0100>
alias bob Bob Stone <bob@example.net>
note bob <name:Bob Stone><first:Bob><last:Stone><company:Stone & Partners><title:Analyst><phone2:+1 555 0199>
alias rene "René Dupont" <rene@example.fr>
note rene <name:René Dupont><first:René><last:Dupont><address:3 rue des Lilas` + "\x03" + `Lyon>
alias lunch alice, bob
`))),
		"Filters.pce": crlf(`3
rule Reports from Bob
incoming
header From:
verb contains
value bob@example.net
transfer Work.fol\Clients.mbx
rule Project Alpha
incoming
header Subject:
verb contains
value Alpha
transfer Work.fol\Projects.fol\Alpha.mbx
rule Newsletter read
incoming
header From:
verb contains
value news@
status 1
`),
		"Sigs/Standard.txt":  crlf("-- \nJane Doe\njane@example.com\n"),
		"Sigs/Alternate.txt": crlf("-- \nJ.\n"),
	}
}
