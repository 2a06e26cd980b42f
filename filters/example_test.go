package filters_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/filters"
)

// A Windows Filters.pce with one filter becomes a Sieve script. The
// resolver stands for the one the Eudora store reader provides.
func Example() {
	pce := "3\r\nrule Clients\r\ntransfer Work.fol\\Clients.mbx\r\nstatus 1\r\nsound C:\\ding.wav\r\n" +
		"incoming\r\nheader From:\r\nverb contains\r\nvalue @client.example\r\nconjunction ignore\r\n" +
		"header \r\nverb contains\r\nvalue \r\n"
	set, err := filters.Parse(context.Background(), strings.NewReader(pce), "Filters.pce", nil)
	if err != nil {
		panic(err)
	}
	resolve := func(p string) (mailconv.Path, bool) {
		if p == `Work.fol\Clients.mbx` {
			return mailconv.Path{"Work", "Clients"}, true
		}
		return nil, false
	}
	report := func(e mailconv.Event) { fmt.Fprintln(os.Stdout, "#", e.Kind, e.Code) }
	if _, err := filters.WriteSieve(os.Stdout, []*filters.Set{set}, &filters.SieveOptions{Resolve: resolve, Events: report}); err != nil {
		panic(err)
	}
	// Output:
	// # loss filters.unsupported-action
	// # Sieve script (RFC 5228) converted by mailconv from the Eudora filters
	// # Filters.pce.
	// # Filters and actions Sieve cannot express are kept below as comments.
	// require ["fileinto", "imap4flags"];
	//
	// # ---- Filters.pce (main filters) ----
	//
	// # Filter "Clients"
	// if header :contains "From" "@client.example" {
	//     addflag "\\Seen";
	//     fileinto "Work/Clients";
	//     # Eudora action "sound C:\ding.wav": no Sieve equivalent
	// }
}
