package mbox_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/mailconv/mailconv/internal/storegen"
	"github.com/mailconv/mailconv/mbox"
	"github.com/stretchr/testify/require"
)

// readWith reads every message of data, calling Read with at most chunk
// bytes of room, and returns the messages' octets.
func readWith(t *testing.T, data []byte, v mbox.Variant, chunk int) [][]byte {
	t.Helper()
	rd, err := mbox.NewReader(bytes.NewReader(data), mbox.ReaderOptions{Variant: v})
	if err != nil {
		return nil
	}
	var out [][]byte
	buf := make([]byte, chunk)
	for {
		_, err := rd.Next()
		if err == io.EOF {
			return out
		}
		require.NoError(t, err, "Next")
		var m []byte
		for {
			n, err := rd.Read(buf)
			m = append(m, buf[:n]...)
			if err == io.EOF {
				break
			}
			require.NoError(t, err, "Read")
		}
		out = append(out, m)
	}
}

// TestReadSizesAgree checks that the bulk copy of ordinary lines (taken when
// Read has room for at least 512 bytes) yields exactly what the line-by-line
// path yields (taken for small reads), on generated mboxes with every kind
// of line ending and quoting, and on the third-party fixtures.
func TestReadSizesAgree(t *testing.T) {
	inputs := map[string][]byte{}
	var gen bytes.Buffer
	_, err := storegen.WriteMbox(&gen, storegen.MboxOptions{Size: 3 << 20, Seed: 3, MaxAttachment: 200 << 10})
	require.NoError(t, err)
	inputs["storegen"] = gen.Bytes()
	// lines starting with 'F' and '>' at every distance from a buffer end
	var dense bytes.Buffer
	for i := 0; dense.Len() < 600<<10; i++ {
		fmt.Fprintf(&dense, "From a@b Mon Jan  1 00:00:00 2001\nSubject: %d\n\n", i)
		for j := 0; j < 40; j++ {
			switch (i + j) % 7 {
			case 0:
				fmt.Fprintf(&dense, "From x %d\n", j)
			case 1:
				fmt.Fprintf(&dense, ">From y %d\r\n", j)
			case 2:
				fmt.Fprintf(&dense, ">>From z\n\n")
			case 3:
				fmt.Fprintf(&dense, "Fine %s\r\n", bytes.Repeat([]byte("w"), i%300))
			case 4:
				fmt.Fprintf(&dense, "> quoted\r\r\n")
			default:
				fmt.Fprintf(&dense, "%s\n", bytes.Repeat([]byte("q"), (i*j)%500))
			}
		}
	}
	inputs["dense"] = dense.Bytes()
	files, _ := filepath.Glob("../testdata/fixtures/*/*/*mbox*")
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		inputs[f] = b
		inputs[f+" (CRLF)"] = bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))
		inputs[f+" (CR)"] = bytes.ReplaceAll(b, []byte("\n"), []byte("\r"))
	}
	for name, data := range inputs {
		for _, v := range []mbox.Variant{mbox.VariantAuto, mbox.MboxO, mbox.MboxRD, mbox.MboxCL2} {
			want := readWith(t, data, v, 1)
			for _, chunk := range []int{7, 511, 512, 513, 4096, 300 << 10} {
				got := readWith(t, data, v, chunk)
				require.Equal(t, len(want), len(got), "%s %s chunk %d: messages", name, v, chunk)
				for i := range got {
					require.True(t, bytes.Equal(got[i], want[i]), "%s %s chunk %d: message %d differs (%d vs %d bytes)", name, v, chunk, i, len(got[i]), len(want[i]))
				}
			}
		}
	}
}
