package formatreg

import (
	"context"

	"github.com/mailconv/mailconv"
)

// Reader adapts a format package's Open, which returns its own reader
// type, to mailconv.Format.Open. When open fails the adapter returns a nil
// mailconv.Reader, not an interface holding a nil pointer.
func Reader[R mailconv.Reader](open func(context.Context, string, *mailconv.Options) (R, error)) func(context.Context, string, *mailconv.Options) (mailconv.Reader, error) {
	return func(ctx context.Context, path string, opts *mailconv.Options) (mailconv.Reader, error) {
		r, err := open(ctx, path, opts)
		if err != nil {
			return nil, err
		}
		return r, nil
	}
}

// Writer adapts a format package's Create, which returns its own writer
// type, to mailconv.Format.Create. When create fails the adapter returns a
// nil mailconv.Writer, not an interface holding a nil pointer.
func Writer[W mailconv.Writer](create func(context.Context, string, *mailconv.Options) (W, error)) func(context.Context, string, *mailconv.Options) (mailconv.Writer, error) {
	return func(ctx context.Context, path string, opts *mailconv.Options) (mailconv.Writer, error) {
		w, err := create(ctx, path, opts)
		if err != nil {
			return nil, err
		}
		return w, nil
	}
}
