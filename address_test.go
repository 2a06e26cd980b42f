package mailconv_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailconv/mailconv"
	_ "github.com/mailconv/mailconv/eudora" // read-only format
	_ "github.com/mailconv/mailconv/maildir"
	_ "github.com/mailconv/mailconv/mbox"
)

// TestParseAddress is the table of command-line addresses: Windows drive
// letters and UNC paths (pure string rules, so they run on every OS), "~"
// expansion, and unknown prefixes.
func TestParseAddress(t *testing.T) {
	const home = "/home/me"
	for _, c := range []struct {
		addr         string
		write        bool
		format, path string
	}{
		{`C:\Eudora`, false, "", `C:\Eudora`},
		{`c:/Eudora`, false, "", `c:/Eudora`},
		{`maildir:D:\out`, true, "maildir", `D:\out`},
		{`maildir:D:/out`, true, "maildir", `D:/out`},
		{`eudora:C:\Users\me\AppData\Roaming\Qualcomm\Eudora`, false, "eudora", `C:\Users\me\AppData\Roaming\Qualcomm\Eudora`},
		{`\\server\share\Eudora`, false, "", `\\server\share\Eudora`},
		{`eudora:\\server\share\Eudora`, false, "eudora", `\\server\share\Eudora`},
		{`mbox:\\server\share\out.mbox`, true, "mbox", `\\server\share\out.mbox`},
		{`mbox:Mail`, false, "mbox", `Mail`},
		{`MBOX:Mail`, false, "mbox", `Mail`},
		{`maildir:/srv/mail/u1`, true, "maildir", `/srv/mail/u1`},
		{`/srv/mail/u1`, false, "", `/srv/mail/u1`},
		{`Mail`, false, "", `Mail`},
		{`./odd:name`, false, "", `./odd:name`},
		{`mbox:~/Mail`, true, "mbox", home + `/Mail`},
		{`mbox:~`, true, "mbox", home},
		{`~/Mail`, false, "", home + `/Mail`},
		{`maildir:~other/Mail`, true, "maildir", `~other/Mail`},
		{`mbox:/tmp/~/x`, true, "mbox", `/tmp/~/x`},
	} {
		f, p, err := mailconv.ParseAddress(c.addr, mailconv.AddressOptions{Home: home, Write: c.write})
		require.NoError(t, err, c.addr)
		assert.Equal(t, c.format, f, c.addr)
		assert.Equal(t, c.path, p, c.addr)
	}
}

func TestParseAddressUnknownFormat(t *testing.T) {
	for _, c := range []struct {
		addr    string
		write   bool
		closest string
		msg     string
	}{
		{"maildr:/x", true, "maildir", "unknown format maildr in maildr:/x: did you mean maildir?"},
		{"eudroa:/x", false, "eudora", "did you mean eudora?"},
		{"mbx:out", true, "mbox", "did you mean mbox?"},
		{"zzzzzz:/x", false, "", "unknown format zzzzzz"},
		// a read-only format as a destination, with only writable ones offered
		{"eudora:/x", true, "", "can be read but not written"},
	} {
		_, _, err := mailconv.ParseAddress(c.addr, mailconv.AddressOptions{Write: c.write})
		require.Error(t, err, c.addr)
		assert.True(t, errors.Is(err, mailconv.ErrUnknownFormat), c.addr)
		var ue *mailconv.UnknownFormatError
		require.True(t, errors.As(err, &ue), c.addr)
		assert.Equal(t, c.closest, ue.Closest, c.addr)
		assert.Contains(t, err.Error(), c.msg, c.addr)
		if c.write {
			assert.NotContains(t, ue.Known, "eudora", "a destination is never offered a read-only format")
			assert.Contains(t, ue.Known, "maildir")
		} else {
			assert.Contains(t, ue.Known, "eudora")
		}
	}
}

func TestExpandHome(t *testing.T) {
	assert.Equal(t, "/h", mailconv.ExpandHome("~", "/h"))
	assert.Equal(t, "/h/a/b", mailconv.ExpandHome("~/a/b", "/h"))
	assert.Equal(t, "~/a", mailconv.ExpandHome("~/a", ""), "no home: unchanged")
	assert.Equal(t, "~x/a", mailconv.ExpandHome("~x/a", "/h"))
	assert.Equal(t, "a/~/b", mailconv.ExpandHome("a/~/b", "/h"))
}
