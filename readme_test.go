package mailconv_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readmeSections splits README.md into its "## " sections, by title.
func readmeSections(t *testing.T) (map[string]string, []string, string) {
	t.Helper()
	b, err := os.ReadFile("README.md")
	require.NoError(t, err)
	secs := map[string]string{}
	var order []string
	cur := ""
	for _, line := range strings.SplitAfter(string(b), "\n") {
		if strings.HasPrefix(line, "## ") {
			cur = strings.TrimSpace(line[3:])
			order = append(order, cur)
			continue
		}
		secs[cur] += line
	}
	return secs, order, string(b)
}

// fenced returns the bodies of the ```lang blocks of text.
func fenced(text, lang string) []string {
	var out []string
	for _, m := range regexp.MustCompile("(?ms)^```"+lang+"\n(.*?)^```\n").FindAllStringSubmatch(text, -1) {
		out = append(out, m[1])
	}
	return out
}

// Issue 12 item 15: the README's library code is Example_library, which
// go test compiles and runs.
func TestREADMELibraryIsTheExample(t *testing.T) {
	secs, _, _ := readmeSections(t)
	blocks := fenced(secs["Library"], "go")
	require.Len(t, blocks, 1, "one Go block in the Library section")
	src, err := os.ReadFile("example_library_test.go")
	require.NoError(t, err)
	code := string(src)
	i := strings.Index(code, "import (")
	require.GreaterOrEqual(t, i, 0)
	assert.Equal(t, code[i:], blocks[0], "the README shows example_library_test.go from its imports on")
}

// Issue 12 items 14 and 16: the README keeps what a user needs, in
// sections where additions have an obvious home; install steps that work
// from a clone; benchmark and format internals live elsewhere, and every
// relative link resolves.
func TestREADMEStructure(t *testing.T) {
	secs, order, all := readmeSections(t)
	for _, want := range []string{"Install", "Quick start", "A migration, step by step", "Commands", "Options",
		"Exit codes", "Library", "Where details live"} {
		assert.Contains(t, order, want)
	}
	assert.Less(t, strings.Count(all, "\n"), 300, "the README stays short")
	assert.NotContains(t, all, "peak RSS |", "benchmark tables live in bench/README.md")
	assert.NotContains(t, all, "| limit | default |", "the limits table lives in docs/hardening.md")

	install := secs["Install"]
	assert.Contains(t, install, "not yet published")
	for _, b := range fenced(install, "sh") {
		assert.NotContains(t, b, "@latest", "no install command that cannot work")
		assert.Contains(t, b, "go build")
	}
	qs := fenced(secs["Quick start"], "sh")
	require.NotEmpty(t, qs, ".ci/quickstart runs the Quick start's sh blocks")
	for _, cmd := range []string{"contacts", "filters", "extras", "convert", "verify"} {
		assert.Contains(t, qs[0], "./mailconv "+cmd+" ", "the Quick start shows %s", cmd)
	}

	for _, m := range regexp.MustCompile(`\]\(([^)#:]+)(#[^)]*)?\)`).FindAllStringSubmatch(all, -1) {
		_, err := os.Stat(filepath.FromSlash(m[1]))
		assert.NoError(t, err, "README links to %s", m[1])
	}
	for _, f := range []string{"bench/README.md", "docs/stores.md", "docs/journal-and-report.md", "docs/hardening.md", ".ci/quickstart"} {
		assert.FileExists(t, f)
	}
}
