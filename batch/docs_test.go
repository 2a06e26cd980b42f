package batch

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// fencedBlocks returns the bodies of the ```lang blocks of docs/batch.md.
func fencedBlocks(t *testing.T, lang string) []string {
	b, err := os.ReadFile("../docs/batch.md")
	require.NoError(t, err)
	var out []string
	for _, m := range regexp.MustCompile("(?ms)^```"+lang+"\n(.*?)^```\n").FindAllStringSubmatch(string(b), -1) {
		out = append(out, m[1])
	}
	return out
}

// The Kubernetes manifest of docs/batch.md parses as YAML and holds what
// makes it work: an Indexed Job of N completions whose pods run task
// $JOB_COMPLETION_INDEX of N, each with its own state directory on a
// mounted, writable volume, the sources read-only.
func TestKubernetesManifest(t *testing.T) {
	blocks := fencedBlocks(t, "yaml")
	require.Len(t, blocks, 1)
	var job struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string `yaml:"kind"`
		Metadata   struct{ Name string }
		Spec       struct {
			CompletionMode       string `yaml:"completionMode"`
			Completions          int    `yaml:"completions"`
			Parallelism          int    `yaml:"parallelism"`
			BackoffLimitPerIndex *int   `yaml:"backoffLimitPerIndex"`
			PodFailurePolicy     struct {
				Rules []struct {
					Action      string
					OnExitCodes struct {
						Operator string
						Values   []int
					} `yaml:"onExitCodes"`
				}
			} `yaml:"podFailurePolicy"`
			Template struct {
				Spec struct {
					RestartPolicy string `yaml:"restartPolicy"`
					Containers    []struct {
						Name         string
						Image        string
						Command      []string
						Args         []string
						Resources    map[string]map[string]string
						VolumeMounts []struct {
							Name      string
							MountPath string `yaml:"mountPath"`
							ReadOnly  bool   `yaml:"readOnly"`
						} `yaml:"volumeMounts"`
					}
					Volumes []map[string]any
				}
			}
		}
	}
	dec := yaml.NewDecoder(strings.NewReader(blocks[0]))
	dec.KnownFields(true) // a misspelt field is an error
	require.NoError(t, dec.Decode(&job))
	assert.Equal(t, "batch/v1", job.APIVersion)
	assert.Equal(t, "Job", job.Kind)
	assert.NotEmpty(t, job.Metadata.Name)
	s := job.Spec
	assert.Equal(t, "Indexed", s.CompletionMode)
	require.Positive(t, s.Completions)
	assert.Positive(t, s.Parallelism)
	require.NotNil(t, s.BackoffLimitPerIndex)
	require.Len(t, s.PodFailurePolicy.Rules, 1)
	r := s.PodFailurePolicy.Rules[0]
	assert.Equal(t, "FailJob", r.Action, "a bad jobs file (exit 2) fails the Job at once")
	assert.Equal(t, "In", r.OnExitCodes.Operator)
	assert.Equal(t, []int{2}, r.OnExitCodes.Values)
	ps := s.Template.Spec
	assert.Equal(t, "Never", ps.RestartPolicy, "required by backoffLimitPerIndex")
	require.Len(t, ps.Containers, 1)
	c := ps.Containers[0]
	assert.NotEmpty(t, c.Image)
	cmd := strings.Join(append(c.Command, c.Args...), " ")
	assert.Contains(t, cmd, "mailconv batch")
	m := regexp.MustCompile(`--shard "\$JOB_COMPLETION_INDEX/(\d+)"`).FindStringSubmatch(cmd)
	require.NotNil(t, m, "the task comes from $JOB_COMPLETION_INDEX: %s", cmd)
	assert.Equal(t, itoa(s.Completions), m[1], "--shard I/N with N = completions")
	require.Equal(t, []string{"sh", "-c"}, c.Command[:2], "a shell expands $JOB_COMPLETION_INDEX")
	st := regexp.MustCompile(`--state "([^"]*)\$JOB_COMPLETION_INDEX"`).FindStringSubmatch(cmd)
	require.NotNil(t, st, "a state directory per index: %s", cmd)

	volumes := map[string]map[string]any{}
	for _, v := range ps.Volumes {
		volumes[v["name"].(string)] = v
	}
	mounted := func(path string) (string, bool) {
		for _, vm := range c.VolumeMounts {
			if strings.HasPrefix(path, strings.TrimSuffix(vm.MountPath, "/")+"/") {
				_, ok := volumes[vm.Name]
				require.True(t, ok, "volume %s is declared", vm.Name)
				return vm.Name, vm.ReadOnly
			}
		}
		t.Fatalf("%s is on no mounted volume", path)
		return "", false
	}
	name, ro := mounted(st[1])
	assert.False(t, ro, "the state volume is writable")
	assert.Contains(t, volumes[name], "persistentVolumeClaim", "the state outlives the pods")
	jobs := regexp.MustCompile(`(/\S+\.csv)`).FindStringSubmatch(cmd)
	require.NotNil(t, jobs)
	mounted(jobs[1])
	src, ro := mounted("/srv/old/alice")
	assert.True(t, ro, "the sources are mounted read-only")
	assert.Equal(t, true, volumes[src]["persistentVolumeClaim"].(map[string]any)["readOnly"])
	pw, _ := mounted("/run/secrets/alice")
	assert.Contains(t, volumes[pw], "secret")
	// exit 3 (done, with reported skips or losses) is a success for the Job
	assert.Regexp(t, `-eq 3 \]; then exit 0`, cmd)
}

// The GNU parallel example runs each task of N once with its own state.
func TestGNUParallelExample(t *testing.T) {
	var found bool
	for _, b := range fencedBlocks(t, "sh") {
		for _, line := range strings.Split(b, "\n") {
			if !strings.HasPrefix(line, "parallel -j4 ") {
				continue
			}
			found = true
			assert.Contains(t, line, "mailconv batch")
			assert.Contains(t, line, "--shard {}/4")
			assert.Contains(t, line, "--state state/shard{}")
			assert.True(t, strings.HasSuffix(line, "::: 0 1 2 3"), line)
		}
	}
	assert.True(t, found)
}

func itoa(n int) string { return strconv.Itoa(n) }
