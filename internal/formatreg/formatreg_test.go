package formatreg

import (
	"context"
	"errors"
	"testing"

	"github.com/mailconv/mailconv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type nilWriter struct{}

func (*nilWriter) Capabilities() mailconv.Capabilities { return mailconv.Capabilities{} }
func (*nilWriter) CreateMailbox(context.Context, *mailconv.Mailbox) (mailconv.MailboxWriter, error) {
	return nil, nil
}
func (*nilWriter) Close() error { return nil }

// TestWriterNilOnError: a Create that fails returning a nil *nilWriter
// gives a nil mailconv.Writer (a plain conversion would give a non-nil
// interface holding a nil pointer), and a Create that succeeds gives its
// writer.
func TestWriterNilOnError(t *testing.T) {
	boom := errors.New("boom")
	create := func(_ context.Context, path string, _ *mailconv.Options) (*nilWriter, error) {
		if path == "bad" {
			return nil, boom
		}
		return &nilWriter{}, nil
	}
	w, err := Writer(create)(context.Background(), "bad", nil)
	assert.ErrorIs(t, err, boom)
	assert.True(t, w == nil, "want a nil interface, got %#v", w)

	w, err = Writer(create)(context.Background(), "ok", nil)
	require.NoError(t, err)
	_, ok := w.(*nilWriter)
	assert.True(t, ok)
}
