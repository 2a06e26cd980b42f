package ldaptest_test

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/mailconv/mailconv/internal/ldaptest"
)

// The test schema defines the Thunderbird attributes and the auxiliary
// class that allows them on inetOrgPerson entries. A test uses it as:
//
//	srv := ldaptest.Start(t, ldaptest.Options{ExtraSchema: ldaptest.MozillaSchema})
//	out, err := srv.Add(ldif)
//	got, err := srv.Search("")
func Example_schema() {
	names := regexp.MustCompile(`NAME '([^']+)'`).FindAllStringSubmatch(ldaptest.MozillaSchema, -1)
	var list []string
	for _, n := range names {
		list = append(list, n[1])
	}
	fmt.Println(len(list), "definitions, ending with", strings.Join(list[len(list)-2:], " and "))
	// Output:
	// 17 definitions, ending with nsAIMid and mozillaAbPersonAlpha
}
