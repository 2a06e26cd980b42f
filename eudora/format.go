package eudora

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/mailconv/mailconv"
	"github.com/mailconv/mailconv/internal/formatreg"
)

// FormatName is the name the format is registered under.
const FormatName = "eudora"

// Params are the options the format accepts (mailconv --opt key=value).
var Params = []mailconv.Param{
	{Name: "recover", Read: true, Doc: "what to do with bytes no TOC record covers (deleted before compaction): off (default), list (report them), emit (also emit them, with keyword $EudoraDeleted)"},
	{Name: "rebuild", Read: true, Doc: "true (default): put messages back into MIME, re-attaching detached files; false: pass stored messages through (CR line ends still become CRLF)"},
	{Name: "tz", Read: true, Doc: "zone of the PC that wrote the store (IANA name such as America/Chicago, or -0600): used for separator times and for TOC dates (default UTC)"},
	{Name: "attach", Read: true, Doc: "extra folders to search for detached attachments, separated by " + strconv.Quote(string(filepath.ListSeparator))},
	{Name: "max-toc-records", Read: true, Doc: "largest number of records read from one TOC (default 1048576)"},
	{Name: "max-header-bytes", Read: true, Doc: "how much of each message header is examined for its date (default 262144)"},
}

func init() {
	mailconv.RegisterFormat(mailconv.Format{
		Name:        FormatName,
		Description: "Eudora mail store (Windows data folder or Mac Eudora Folder), read-only",
		Detect:      Detect,
		Open:        formatreg.Reader(Open),
		Params:      Params,
	})
}

// ConfigFromParams turns format options into a Config.
func ConfigFromParams(params map[string]string) (Config, error) {
	var c Config
	for k, v := range params {
		switch k {
		case "recover":
			switch strings.ToLower(v) {
			case "", "off", "false", "no":
				c.Recover = RecoverOff
			case "list":
				c.Recover = RecoverList
			case "emit", "true", "yes", "on":
				c.Recover = RecoverEmit
			default:
				return c, fmt.Errorf("eudora: recover=%q: want off, list or emit", v)
			}
		case "rebuild":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return c, fmt.Errorf("eudora: rebuild=%q: want true or false", v)
			}
			c.Raw = !b
		case "tz":
			z, err := ParseZone(v)
			if err != nil {
				return c, fmt.Errorf("eudora: tz=%q: %w", v, err)
			}
			c.Zone = z
		case "attach":
			for _, d := range filepath.SplitList(v) {
				if d != "" {
					c.AttachDirs = append(c.AttachDirs, d)
				}
			}
		case "max-toc-records", "max-header-bytes":
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				return c, fmt.Errorf("eudora: %s=%q: want a positive number", k, v)
			}
			if k == "max-toc-records" {
				c.Limits.MaxTOCRecords = n
			} else {
				c.Limits.MaxHeaderBytes = n
			}
		default:
			return c, fmt.Errorf("eudora: unknown option %q", k)
		}
	}
	return c, nil
}

// Open opens the Eudora store in dir, reads its folder tree and returns it.
// The layout (Windows or Mac) is detected. opts.Params takes the keys of
// Params (read by ConfigFromParams) and opts.Events receives skips, losses,
// warnings and notes; nil opts read with the defaults. An error means the
// directory cannot be read or holds no Eudora store; damage inside the store
// is reported through the events and stepped over.
func Open(ctx context.Context, dir string, opts *mailconv.Options) (*Store, error) {
	var params map[string]string
	if opts != nil {
		params = opts.Params
	}
	cfg, err := ConfigFromParams(params)
	if err != nil {
		return nil, mailconv.BadOption(err)
	}
	if opts != nil {
		cfg.Events = opts.Events
	}
	return openStore(ctx, dir, cfg)
}

var _ mailconv.Reader = (*Store)(nil)
