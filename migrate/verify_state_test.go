package migrate

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The state-field filter leaves out exactly the state fields of the
// header block, with their continuation lines, however the octets are cut
// into writes.
func TestStateFieldFilter(t *testing.T) {
	in := ">From postmark\nStatus:  RO \nSubject: kept\nX-Mozilla-Keys: a\n  continued\n\tstill\nX-Status : A\n" +
		"X-" + strings.Repeat("Long", 30) + ": kept\nX-Statusy: kept\ncontent-length: 5\n\nStatus: body line\n"
	want := ">From postmark\nSubject: kept\n" + "X-" + strings.Repeat("Long", 30) + ": kept\nX-Statusy: kept\n\nStatus: body line\n"
	for _, size := range []int{1, 2, 3, 7, 64, len(in)} {
		var out bytes.Buffer
		f := &stateFieldFilter{w: &out}
		f.reset()
		for i := 0; i < len(in); i += size {
			f.Write([]byte(in[i:min(i+size, len(in))]))
		}
		f.flush()
		assert.Equal(t, want, out.String(), "writes of %d bytes", size)
		assert.True(t, f.dropped)
	}
	// A header without state fields, ending inside a field name.
	var out bytes.Buffer
	f := &stateFieldFilter{w: &out}
	f.reset()
	f.Write([]byte("Subject: x\nX-Trunc"))
	f.flush()
	assert.Equal(t, "Subject: x\nX-Trunc", out.String())
	assert.False(t, f.dropped)
}
