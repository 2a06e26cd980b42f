package addressbook_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/addressbook"
)

// A Windows NNdbase.txt with one card and one list becomes Thunderbird
// LDIF; the Boss-Protector flag has no LDIF attribute and is reported.
func Example() {
	nn := "alias bob Bob Smith <bob@example.com>\r\n" +
		"note bob <first:Bob><last:Smith><phone:555-0100><bp:Y>\r\n" +
		"alias team bob, carol@example.com\r\n"
	b, err := addressbook.ReadNicknames(context.Background(), strings.NewReader(nn), "NNdbase.txt", nil)
	if err != nil {
		panic(err)
	}
	report := func(e mailconv.Event) { fmt.Println("#", e.Kind, e.Code) }
	if err := addressbook.WriteLDIF(os.Stdout, b, &addressbook.LDIFOptions{Events: report}); err != nil {
		panic(err)
	}
	// Output:
	// # loss addressbook.no-home
	// dn: cn=Bob Smith,mail=bob@example.com
	// objectclass: top
	// objectclass: person
	// objectclass: organizationalPerson
	// objectclass: inetOrgPerson
	// objectclass: mozillaAbPersonAlpha
	// givenName: Bob
	// sn: Smith
	// cn: Bob Smith
	// displayName: Bob Smith
	// mozillaNickname: bob
	// mail: bob@example.com
	// homePhone: 555-0100
	// description: Boss Protector: Y
	//
	// dn: cn=carol@example.com,mail=carol@example.com
	// objectclass: top
	// objectclass: person
	// objectclass: organizationalPerson
	// objectclass: inetOrgPerson
	// objectclass: mozillaAbPersonAlpha
	// cn: carol@example.com
	// displayName: carol@example.com
	// mail: carol@example.com
	//
	// dn: cn=team
	// objectclass: top
	// objectclass: groupOfNames
	// cn: team
	// mozillaNickname: team
	// member: cn=Bob Smith,mail=bob@example.com
	// member: cn=carol@example.com,mail=carol@example.com
}
