package maildir

import (
	"bufio"
	"bytes"
	"io"
	"strconv"
	"strings"

	"github.com/mailconv/mailconv"
)

// nameInfo is what a maildir file name says about its message.
type nameInfo struct {
	// Base is the unique name: the file name without its info suffix. It
	// may still carry ",S=" and ",W=" fields.
	Base string
	// Flags are the flags of the standard letters (D F P R S T).
	Flags mailconv.Flags
	// Keywords are the lower-case keyword letters, in file-name order,
	// each 'a'..'z' (resolve them through a folder's dovecot-keywords).
	Keywords []byte
	// Unknown lists the letters that are neither standard flags nor
	// keyword letters (custom flags of other tools).
	Unknown []byte
	// Separator is the info separator found (':', ';' or '!'), or 0 when
	// the name has no "2," info.
	Separator byte
	// Experimental is set for a ":1," info, which is kept as part of Base.
	Experimental bool
	// Size is the ",S=" size, or -1.
	Size int64
}

// flagLetters maps the standard flag letters, in ASCII order.
var flagLetters = [...]struct {
	c byte
	f mailconv.Flags
}{
	{'D', mailconv.FlagDraft},
	{'F', mailconv.FlagFlagged},
	{'P', mailconv.FlagForwarded},
	{'R', mailconv.FlagAnswered},
	{'S', mailconv.FlagSeen},
	{'T', mailconv.FlagDeleted},
}

// parseName parses a maildir file name. It splits at the last ":2,", or
// failing that at the last ";2," or "!2," (the separators of tools for file
// systems that cannot hold ':'). The slices of the result reuse the ones
// of into, when given, to save allocations.
func parseName(name string, into *nameInfo) nameInfo {
	var in nameInfo
	if into != nil {
		in.Keywords, in.Unknown = into.Keywords[:0], into.Unknown[:0]
	}
	in.Base = name
	in.Size = -1
	cut := -1
	for _, sep := range [...]string{":2,", ";2,", "!2,"} {
		if i := strings.LastIndex(name, sep); i >= 0 {
			cut = i
			in.Separator = sep[0]
			break
		}
	}
	if cut >= 0 {
		in.Base = name[:cut]
		flags := name[cut+3:]
		// Dovecot allows ",<extra fields>" after the flags.
		if i := strings.IndexByte(flags, ','); i >= 0 {
			flags = flags[:i]
		}
		for i := 0; i < len(flags); i++ {
			c := flags[i]
			switch {
			case c >= 'a' && c <= 'z':
				if bytes.IndexByte(in.Keywords, c) < 0 {
					in.Keywords = append(in.Keywords, c)
				}
			default:
				known := false
				for _, fl := range flagLetters {
					if fl.c == c {
						in.Flags |= fl.f
						known = true
					}
				}
				if !known && bytes.IndexByte(in.Unknown, c) < 0 {
					in.Unknown = append(in.Unknown, c)
				}
			}
		}
	} else if strings.Contains(name, ":1,") {
		in.Experimental = true
	}
	if i := strings.Index(in.Base, ",S="); i >= 0 {
		v := in.Base[i+3:]
		if j := strings.IndexByte(v, ','); j >= 0 {
			v = v[:j]
		}
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
			in.Size = n
		}
	}
	return in
}

// appendInfo appends the flag letters of f and the keyword letters kw
// (sorted, without duplicates) in ASCII order.
func appendInfo(dst []byte, f mailconv.Flags, kw uint32) []byte {
	for _, fl := range flagLetters {
		if f&fl.f != 0 {
			dst = append(dst, fl.c)
		}
	}
	for i := 0; i < 26; i++ {
		if kw&(1<<uint(i)) != 0 {
			dst = append(dst, byte('a'+i))
		}
	}
	return dst
}

// MaxKeywords is the number of keywords a folder's dovecot-keywords file
// can name: one per letter a..z.
const MaxKeywords = 26

// maxKeywordsFile bounds the bytes read from a dovecot-keywords file: 26
// lines of at most mailconv.MaxKeywordLen bytes, with room to spare for
// junk lines that are skipped.
const maxKeywordsFile = 64 << 10

// parseKeywords reads a dovecot-keywords file: lines "<index> <keyword>",
// index 0 for 'a' to 25 for 'z'. It returns the keywords by index and the
// number of lines it could not use.
func parseKeywords(r io.Reader) (kw [MaxKeywords]string, bad int, err error) {
	sc := bufio.NewScanner(io.LimitReader(r, maxKeywordsFile))
	sc.Buffer(make([]byte, 0, 1024), maxKeywordsFile)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" {
			continue
		}
		sp := strings.IndexByte(line, ' ')
		if sp < 0 {
			bad++
			continue
		}
		idx, err := strconv.Atoi(line[:sp])
		name := line[sp+1:]
		if err != nil || idx < 0 || idx >= MaxKeywords || !mailconv.ValidKeyword(name) {
			bad++
			continue
		}
		kw[idx] = name
	}
	return kw, bad, sc.Err()
}
