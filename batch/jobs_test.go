package batch

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseJobs(t *testing.T) {
	jobs, err := ParseJobs(strings.NewReader("\ufeffsrc, id ,dst,dst_password_file,src_token_file,opts\n"+
		"mbox:/a,a1,maildir:/out/a,/pw,/tok,\"--since 2020-01-01 --opt 'name=x y'\"\n"+
		"# a comment line\n"+
		"\"eudora:/b,with comma\",b.2@x,\"imap://b@h\",,,\n"), "jobs.csv")
	require.NoError(t, err)
	require.Len(t, jobs, 2)
	assert.Equal(t, Job{ID: "a1", Src: "mbox:/a", Dst: "maildir:/out/a", DstPasswordFile: "/pw", SrcTokenFile: "/tok",
		Opts: []string{"--since", "2020-01-01", "--opt", "name=x y"}, Index: 0, Line: 2}, jobs[0])
	assert.Equal(t, "eudora:/b,with comma", jobs[1].Src)
	assert.Equal(t, 1, jobs[1].Index)
	assert.Equal(t, 4, jobs[1].Line)
}

// Every bad row is reported with its line number, in one error, before
// anything runs.
func TestParseJobsBadRows(t *testing.T) {
	_, err := ParseJobs(strings.NewReader("id,src,dst,opts\n"+
		"ok,a,b,\n"+
		",a,b,\n"+ // line 3: no id
		"ok,a,b,\n"+ // line 4: same id as line 2
		"c,,b,\n"+ // line 5: no src
		"../x,a,b,\n"+ // line 6: id not a file name
		"d,a,b,'unterminated\n"+ // line 7
		"e,a,b\n"), "jobs.csv") // line 8: field count
	require.Error(t, err)
	assert.True(t, errors.Is(err, ErrJobs))
	var je *JobsError
	require.True(t, errors.As(err, &je))
	var lines []int
	for _, r := range je.Rows {
		lines = append(lines, r.Line)
	}
	assert.Equal(t, []int{3, 4, 5, 6, 7, 8}, lines, err.Error())
	assert.Contains(t, err.Error(), "jobs.csv:4: id \"ok\" is already the id of line 2")
	assert.Contains(t, err.Error(), "jobs.csv:7: opts: unterminated '")
}

func TestParseJobsHeader(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "header row"},
		{"id,src\n", `no "dst" column`},
		{"id,src,dst,password\n", `unknown column "password"`},
		{"id,src,dst,src\n", `column "src" given twice`},
		{"id,src,dst\n", "no job"},
	} {
		_, err := ParseJobs(strings.NewReader(tc.in), "j.csv")
		require.Error(t, err, tc.in)
		assert.Contains(t, err.Error(), tc.want)
		assert.Contains(t, err.Error(), "j.csv:1:")
	}
}

func TestSplitShell(t *testing.T) {
	for in, want := range map[string][]string{
		``:                         nil,
		`  a  b `:                  {"a", "b"},
		`--opt 'a b' "c \"d\" \$"`: {"--opt", "a b", `c "d" $`},
		`x\ y 'it'\''s'`:           {"x y", "it's"},
		`''`:                       {""},
		`"a\nb"`:                   {`a\nb`},
	} {
		got, err := SplitShell(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{`'a`, `"a`, `a\`} {
		_, err := SplitShell(in)
		assert.Error(t, err, in)
	}
}

func TestShard(t *testing.T) {
	var jobs []Job
	for i := range 10 {
		jobs = append(jobs, Job{ID: string(rune('a' + i)), Index: i})
	}
	seen := map[string]int{}
	for i := range 4 {
		s, err := ParseShard(strings.Repeat(" ", i%2) + string(rune('0'+i)) + "/4")
		require.NoError(t, err)
		mine, err := Select(jobs, s, "")
		require.NoError(t, err)
		assert.NotEmpty(t, mine)
		for _, j := range mine {
			seen[j.ID]++
		}
	}
	assert.Len(t, seen, 10, "every job is run by one shard")
	for id, n := range seen {
		assert.Equal(t, 1, n, id)
	}
	for _, bad := range []string{"4/4", "-1/4", "1/0", "1", "a/b"} {
		_, err := ParseShard(bad)
		assert.Error(t, err, bad)
	}
	one, err := Select(jobs, Shard{}, "c")
	require.NoError(t, err)
	assert.Equal(t, []Job{jobs[2]}, one)
	_, err = Select(jobs, Shard{}, "zz")
	assert.Error(t, err)
}
