package imap

import (
	"context"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/internal/netaddr"
)

// Format names registered by this package: "imaps" (implicit TLS) and
// "imap" (STARTTLS, or plaintext with allow-plaintext).
const (
	FormatIMAP  = "imap"
	FormatIMAPS = "imaps"
)

// params are the format parameters, for both schemes.
var params = []mailconv.Param{
	{Name: ParamPasswordFile, Read: true, Write: true, Doc: "file whose first line is the password (default: the environment variable " + PasswordEnv + ")"},
	{Name: ParamAllowPlaintext, Read: true, Write: true, Doc: "imap:// without STARTTLS when the server offers none (meant for loopback test servers)"},
	{Name: ParamInsecure, Read: true, Write: true, Doc: "do not verify the server's TLS certificate"},
	{Name: ParamCAFile, Read: true, Write: true, Doc: "PEM file of extra certificates to trust (a private CA, a self-signed test server)"},
	{Name: ParamSASL, Read: true, Write: true, Doc: netaddr.DocSASL},
	{Name: ParamTokenFile, Read: true, Write: true, Doc: netaddr.DocTokenFile},
	{Name: ParamTimeout, Read: true, Write: true, Doc: "dial and login timeout, a duration such as 30s (default 60s)"},
	{Name: ParamFetchBatch, Read: true, Doc: "messages asked for by one UID FETCH when reading (default 64)"},
	{Name: ParamFetchBytes, Read: true, Doc: "octets (by RFC822.SIZE) asked for by one UID FETCH when reading; a larger message is asked for alone (default 4194304)"},
	{Name: ParamFetchAhead, Read: true, Doc: "UID FETCH commands sent before the answers to the one being read have come (default 6; 0: one at a time)"},
	{Name: ParamAppendLimit, Write: true, Doc: "largest message to send in octets; larger ones are skipped and reported (default: the server's APPENDLIMIT, else none)"},
	{Name: ParamSpoolMemory, Write: true, Doc: "octets of a message held in memory before it is spooled to a temporary file (default 4194304)"},
	{Name: ParamSpoolDir, Write: true, Doc: "directory for spool files (default: the system's temporary directory)"},
	{Name: ParamSpecialUse, Write: true, Doc: "auto (default: yes without a prefix, no with one), yes or no: put Sent, Drafts, Trash, Junk and Archive into the server's SPECIAL-USE mailboxes"},
	{Name: ParamProbe, Write: true, Doc: "yes (default) or no: create and delete a probe folder to learn whether mailboxes can mix messages and children, and which characters names may hold"},
	{Name: ParamDedup, Write: true, Doc: "yes (default) or no: do not append a message the mailbox already holds (same Message-ID, size and content)"},
	{Name: ParamSubscribe, Write: true, Doc: "yes (default) or no: subscribe the mailboxes created"},
	{Name: ParamPipeline, Write: true, Doc: "messages in flight at most when the server announces UIDPLUS and LITERAL+ or LITERAL- (default 512; 1: one at a time)"},
	{Name: ParamMultiAppend, Write: true, Doc: "messages per APPEND at most when the server announces MULTIAPPEND (default 16; 1: one per APPEND)"},
	{Name: ParamMaxRate, Write: true, Doc: "messages per second at most (decimal, e.g. 2.5; default: no limit)"},
	{Name: ParamBackoffBase, Write: true, Doc: "first back-off when the server throttles or drops the connection, a duration (default 1s; doubled each time, with jitter)"},
	{Name: ParamBackoffMax, Write: true, Doc: "longest back-off, a duration (default 2m; a server's own hint is obeyed up to 15m)"},
	{Name: ParamRetries, Write: true, Doc: "back-offs per message before the run stops (default 8; nothing is lost, run again to resume)"},
	{Name: ParamProvider, Read: true, Write: true, Doc: "gmail or outlook: the provider's preset (host and port when the address names none, login, special-use and reserved names, message size limit; see docs/providers.md); also imaps://USER@/?provider=NAME"},
	{Name: ParamCheck, Write: true, Doc: "yes (default) or no: read back flags, INTERNALDATE and size of appended messages and report differences"},
}

func init() {
	for _, scheme := range []struct {
		name string
		tls  bool
		desc string
	}{
		{FormatIMAPS, true, "IMAP server over TLS: imaps://USER@HOST[:PORT][/PREFIX] (password from " + PasswordEnv + " or --password-file)"},
		{FormatIMAP, false, "IMAP server with STARTTLS: imap://USER@HOST[:PORT][/PREFIX] (password from " + PasswordEnv + " or --password-file)"},
	} {
		tls := scheme.tls
		// The provider preset (parameter provider or ?provider=) is
		// applied to the address and parameters first.
		create := func(ctx context.Context, path string, opts *mailconv.Options) (*Writer, error) {
			path, opts, err := withProvider(path, tls, opts)
			if err != nil {
				return nil, err
			}
			return Create(ctx, path, tls, opts)
		}
		mailconv.RegisterFormat(mailconv.Format{
			Name:        scheme.name,
			Description: scheme.desc,
			Open: func(ctx context.Context, path string, opts *mailconv.Options) (mailconv.Reader, error) {
				path, opts, err := withProvider(path, tls, opts)
				if err != nil {
					return nil, err
				}
				return Open(ctx, path, tls, opts)
			},
			Create: func(ctx context.Context, path string, opts *mailconv.Options) (mailconv.Writer, error) {
				return create(ctx, path, opts)
			},
			// Planning (inspect --to) connects and probes the server the
			// way a conversion would, then disconnects.
			Capabilities: func(ctx context.Context, path string, opts *mailconv.Options) (mailconv.Capabilities, error) {
				w, err := create(ctx, path, opts)
				if err != nil {
					return mailconv.Capabilities{}, err
				}
				defer w.Close()
				return w.Capabilities(), nil
			},
			// The same, keeping the connection until the caller has
			// asked for the names (Writer.Place).
			Plan: func(ctx context.Context, path string, opts *mailconv.Options) (mailconv.DestinationPlan, error) {
				w, err := create(ctx, path, opts)
				if err != nil {
					return mailconv.DestinationPlan{}, err
				}
				return mailconv.DestinationPlan{Capabilities: w.Capabilities(), Placer: w, Release: w.Close}, nil
			},
			Params: params,
		})
	}
}
