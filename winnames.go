package mailconv

import (
	"fmt"
	"strings"
)

// WindowsForbidden are the printable characters Windows refuses in a file
// or folder name (docs/formats/windows-macos.md).
const WindowsForbidden = `<>:"/\|?*`

// windowsReserved are the device names Windows refuses as a file or folder
// name, with or without an extension (docs/formats/windows-macos.md).
var windowsReserved = []string{
	"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
	"COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9", "COM¹", "COM²", "COM³",
	"LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9", "LPT¹", "LPT²", "LPT³",
}

// WindowsNames returns r with the rules of Windows file names added: the
// characters WindowsForbidden, no trailing dot or space, the device names
// (CON, PRN, AUX, NUL, COM1-COM9, LPT1-LPT9, also with an extension) and
// case-insensitive comparison. PlanNames then escapes what Windows would
// refuse ("NUL" becomes "%4EUL", "Re: news" becomes "Re%3A news") and
// reports each change; UnescapeName restores the source name.
func WindowsNames(r NameRules) NameRules {
	for _, c := range WindowsForbidden {
		if !strings.ContainsRune(r.Forbidden, c) {
			r.Forbidden += string(c)
		}
	}
	for _, c := range ". " {
		if !strings.ContainsRune(r.ForbiddenLast, c) {
			r.ForbiddenLast += string(c)
		}
	}
	r.Reserved = append(r.Reserved[:len(r.Reserved):len(r.Reserved)], windowsReserved...)
	r.ReservedStem = true
	r.CaseInsensitive = true
	return r
}

// LocalNames returns r adjusted for a store written to the local file
// system of operating system goos (a runtime.GOOS value): WindowsNames on
// Windows; case-insensitive names on macOS, whose file systems (APFS, HFS+)
// are case-insensitive unless formatted otherwise. Writers of local stores
// (maildir, mbox) pass their Capabilities' rules through it with
// runtime.GOOS.
func LocalNames(r NameRules, goos string) NameRules {
	switch goos {
	case "windows":
		return WindowsNames(r)
	case "darwin", "ios":
		r.CaseInsensitive = true
	}
	return r
}

// isReserved reports whether name is the reserved name res under r
// (case-insensitively; with ReservedStem, also as the part before the first
// '.').
func (r NameRules) isReserved(name, res string) bool {
	if strings.EqualFold(name, res) {
		return true
	}
	if r.ReservedStem {
		if i := strings.IndexByte(name, '.'); i > 0 && strings.EqualFold(strings.TrimRight(name[:i], " "), res) {
			return true
		}
	}
	return false
}

// ParseTargetOS parses the target-os parameter of the local store writers:
// the system whose file-name rules the written tree must follow ("windows",
// "darwin" or "macos", "linux" or "unix"); "" means the running system
// (runtime.GOOS, passed as current). It returns a runtime.GOOS value for
// LocalNames.
func ParseTargetOS(v, current string) (string, error) {
	switch strings.ToLower(v) {
	case "":
		return current, nil
	case "windows":
		return "windows", nil
	case "darwin", "macos":
		return "darwin", nil
	case "linux", "unix":
		return "linux", nil
	}
	return "", fmt.Errorf("target-os %q: want windows, macos or linux: %w", v, ErrUnsupported)
}

// WindowsReserved reports whether Windows refuses name as a file or folder
// name because it is a device name (CON, NUL, COM1, LPT1, ...), with or
// without an extension. WindowsNames uses the same list.
func WindowsReserved(name string) bool {
	r := NameRules{ReservedStem: true}
	for _, res := range windowsReserved {
		if r.isReserved(name, res) {
			return true
		}
	}
	return false
}
