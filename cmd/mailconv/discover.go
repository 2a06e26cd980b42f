package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/mailconv/mailconv"
)

// foundStore is a mail store found in one of the places a mail program
// keeps its data (mailconv inspect without SRC).
type foundStore struct {
	Format  string `json:"format"`
	Path    string `json:"path"`
	Origin  string `json:"origin"`
	Command string `json:"command"`
}

// discoverEnv is what store discovery looks at: the operating system whose
// conventions apply (a runtime.GOOS value), its environment, and on
// Windows the Eudora data folders named in the registry.
type discoverEnv struct {
	goos     string
	getenv   func(string) string
	registry []string
}

// discoverStores looks where Eudora and Thunderbird keep their mail
// (docs/formats/windows-macos.md, "Finding the stores"): on Windows
// %APPDATA%\Qualcomm\Eudora, the old program folders, the folders the
// registry's Eudora command line and a DataFolder line of Eudora.ini or
// DEudora.ini name; on macOS ~/Documents/Eudora Folder (and
// ~/Library/Mail where an applemail format is registered); everywhere the
// Thunderbird profiles listed in profiles.ini. A candidate is listed when
// the format's detector recognises it.
func discoverStores(env discoverEnv) []foundStore {
	var found []foundStore
	seen := map[string]bool{}
	add := func(format, path, origin string) {
		path = filepath.Clean(path)
		key := format + "\x00" + path
		if env.goos == "windows" || env.goos == "darwin" {
			key = strings.ToLower(key)
		}
		if seen[key] {
			return
		}
		f, ok := mailconv.LookupFormat(format)
		if !ok || f.Detect == nil || f.Detect(path) <= 0 {
			return
		}
		seen[key] = true
		found = append(found, foundStore{Format: format, Path: path, Origin: origin,
			Command: "mailconv convert " + shellQuote(format+":"+path, env.goos) + " maildir:OUT"})
	}
	home := env.getenv("HOME")
	if env.goos == "windows" {
		home = env.getenv("USERPROFILE")
	}

	// Eudora
	var eudoraDirs []struct{ dir, origin string }
	if env.goos == "windows" {
		for _, d := range env.registry {
			eudoraDirs = append(eudoraDirs, struct{ dir, origin string }{d, `registry: HKCU\Software\Qualcomm\Eudora\CommandLine`})
		}
		if a := env.getenv("APPDATA"); a != "" {
			eudoraDirs = append(eudoraDirs, struct{ dir, origin string }{filepath.Join(a, "Qualcomm", "Eudora"), `%APPDATA%\Qualcomm\Eudora (Eudora 7)`})
		}
		for _, v := range []string{"ProgramFiles", "ProgramFiles(x86)"} {
			if p := env.getenv(v); p != "" {
				eudoraDirs = append(eudoraDirs, struct{ dir, origin string }{filepath.Join(p, "Qualcomm", "Eudora"), "%" + v + `%\Qualcomm\Eudora (Eudora 6 and older)`})
			}
		}
	}
	if env.goos == "darwin" && home != "" {
		eudoraDirs = append(eudoraDirs, struct{ dir, origin string }{filepath.Join(home, "Documents", "Eudora Folder"), "~/Documents/Eudora Folder"})
	}
	for _, d := range eudoraDirs {
		add("eudora", d.dir, d.origin)
		for _, ini := range []string{"Eudora.ini", "DEudora.ini"} {
			if df := iniDataFolder(filepath.Join(d.dir, ini)); df != "" {
				if !filepath.IsAbs(df) {
					df = filepath.Join(d.dir, df)
				}
				add("eudora", df, "DataFolder in "+filepath.Join(d.dir, ini))
			}
		}
	}

	// Apple Mail (listed when a format named "applemail" is registered and
	// recognises the folder).
	if env.goos == "darwin" && home != "" {
		add("applemail", filepath.Join(home, "Library", "Mail"), "~/Library/Mail (Apple Mail)")
	}

	// Thunderbird
	var tbRoots []string
	switch env.goos {
	case "windows":
		if a := env.getenv("APPDATA"); a != "" {
			tbRoots = append(tbRoots, filepath.Join(a, "Thunderbird"))
		}
	case "darwin":
		if home != "" {
			tbRoots = append(tbRoots, filepath.Join(home, "Library", "Thunderbird"))
		}
	default:
		if home != "" {
			tbRoots = append(tbRoots, filepath.Join(home, ".thunderbird"),
				filepath.Join(home, "snap", "thunderbird", "common", ".thunderbird"),
				filepath.Join(home, ".var", "app", "org.mozilla.Thunderbird", ".thunderbird"))
		}
	}
	for _, root := range tbRoots {
		for _, p := range thunderbirdProfiles(filepath.Join(root, "profiles.ini")) {
			dir := p.path
			if p.relative {
				dir = filepath.Join(root, filepath.FromSlash(dir))
			}
			for _, sub := range []string{"Mail", "ImapMail"} {
				ents, err := os.ReadDir(filepath.Join(dir, sub))
				if err != nil {
					continue
				}
				for _, e := range ents {
					if e.IsDir() {
						add("mbox", filepath.Join(dir, sub, e.Name()), fmt.Sprintf("Thunderbird profile %q, %s/%s", p.name, sub, e.Name()))
					}
				}
			}
		}
	}
	return found
}

// iniDataFolder returns the DataFolder setting of an Eudora ini file, or
// "". The file is read only up to a bound (ini files are small).
func iniDataFolder(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(io.LimitReader(f, 1<<20))
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), "DataFolder") {
			return strings.Trim(strings.TrimSpace(v), `"`)
		}
	}
	return ""
}

// tbProfile is one [ProfileN] section of Thunderbird's profiles.ini.
type tbProfile struct {
	name     string
	path     string
	relative bool
}

// thunderbirdProfiles reads the profiles listed in a profiles.ini (sections
// [Profile0], [Profile1], ... with Name, IsRelative and Path).
func thunderbirdProfiles(path string) []tbProfile {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []tbProfile
	var cur *tbProfile
	sc := bufio.NewScanner(io.LimitReader(f, 1<<20))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") {
			cur = nil
			if strings.HasPrefix(strings.ToLower(line), "[profile") {
				out = append(out, tbProfile{})
				cur = &out[len(out)-1]
			}
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || cur == nil {
			continue
		}
		switch strings.TrimSpace(k) {
		case "Name":
			cur.name = strings.TrimSpace(v)
		case "Path":
			cur.path = strings.TrimSpace(v)
		case "IsRelative":
			cur.relative = strings.TrimSpace(v) == "1"
		}
	}
	kept := out[:0]
	for _, p := range out {
		if p.path != "" {
			kept = append(kept, p)
		}
	}
	return kept
}

// shellQuote quotes s for the shell of goos when it needs it: double
// quotes on Windows (cmd.exe and PowerShell), single quotes elsewhere.
func shellQuote(s, goos string) string {
	if s != "" && !strings.ContainsAny(s, " \t'\"&|;<>()$`*?[]#~%!^") {
		return s
	}
	if goos == "windows" {
		return `"` + s + `"`
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// printDiscovered lists the stores found, with the command that converts
// each; it returns exitFailure when there are none.
func printDiscovered(found []foundStore, asJSON bool, stdout, stderr io.Writer) int {
	sort.SliceStable(found, func(i, j int) bool { return found[i].Format < found[j].Format })
	if asJSON {
		if found == nil {
			found = []foundStore{}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(found)
	} else {
		for _, s := range found {
			fmt.Fprintf(stdout, "%s store: %s\n  found as: %s\n  convert:  %s\n", s.Format, s.Path, s.Origin, s.Command)
		}
	}
	if len(found) == 0 {
		fmt.Fprintln(stderr, "mailconv: no Eudora or Thunderbird store found in the usual places; name one: mailconv inspect SRC")
		return exitFailure
	}
	return exitOK
}

// commandLineFields splits a Windows command line as Eudora records it:
// fields separated by spaces, each optionally in double quotes.
func commandLineFields(s string) []string {
	var out []string
	for s = strings.TrimSpace(s); s != ""; s = strings.TrimSpace(s) {
		if s[0] == '"' {
			end := strings.IndexByte(s[1:], '"')
			if end < 0 {
				out = append(out, s[1:])
				break
			}
			out = append(out, s[1:1+end])
			s = s[2+end:]
			continue
		}
		end := strings.IndexAny(s, " \t")
		if end < 0 {
			out = append(out, s)
			break
		}
		out = append(out, s[:end])
		s = s[end:]
	}
	return out
}
