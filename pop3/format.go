package pop3

import (
	"context"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/internal/netaddr"
)

// Format names registered by this package (sources only).
const (
	FormatPOP3  = "pop3"
	FormatPOP3S = "pop3s"
)

var params = []mailconv.Param{
	{Name: ParamPasswordFile, Read: true, Doc: "file whose first line is the password (default: the environment variable " + PasswordEnv + ")"},
	{Name: ParamAllowPlaintext, Read: true, Doc: "pop3:// without STLS when the server offers none (meant for loopback test servers)"},
	{Name: ParamInsecure, Read: true, Doc: "do not verify the server's TLS certificate"},
	{Name: ParamCAFile, Read: true, Doc: "PEM file of extra certificates to trust"},
	{Name: ParamTimeout, Read: true, Doc: "dial and response timeout, a duration (default 60s)"},
	{Name: ParamDeleteAfterVerify, Read: true, Doc: "allow DeleteVerified: remove from the server the messages verify proved are in the destination (default: leave everything)"},
	{Name: ParamSASL, Read: true, Doc: netaddr.DocSASL},
	{Name: ParamTokenFile, Read: true, Doc: netaddr.DocTokenFile},
	{Name: ParamMaxHeader, Read: true, Doc: "header bytes held in memory per message to find its date (default 262144)"},
}

func init() {
	for _, s := range []struct {
		name string
		tls  bool
		desc string
	}{
		{FormatPOP3S, true, "POP3 maildrop over TLS (source): pop3s://USER@HOST[:PORT]"},
		{FormatPOP3, false, "POP3 maildrop with STLS (source): pop3://USER@HOST[:PORT]"},
	} {
		tls := s.tls
		mailconv.RegisterFormat(mailconv.Format{
			Name:        s.name,
			Description: s.desc,
			Open: func(ctx context.Context, path string, opts *mailconv.Options) (mailconv.Reader, error) {
				return Open(ctx, path, tls, opts)
			},
			Params: params,
		})
	}
}
