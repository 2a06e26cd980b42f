package mailconv

import (
	"errors"
	"strconv"
)

// Sentinel errors that callers branch on with errors.Is.
var (
	// ErrFormat: the input is not in the format it was read as (a file
	// that is not an mbox, a TOC of the wrong size).
	ErrFormat = errors.New("not in the expected format")
	// ErrLimit: input exceeded a configured limit (header size, line
	// length, record count, nesting depth).
	ErrLimit = errors.New("limit exceeded")
	// ErrUnknownFormat: no registered format has that name, or none
	// recognised the input.
	ErrUnknownFormat = errors.New("unknown format")
	// ErrDestinationNotEmpty: a destination exists and is not empty.
	ErrDestinationNotEmpty = errors.New("destination exists and is not empty")
	// ErrOutsideRoot: a path read from the input would lead outside the
	// directory it must stay in.
	ErrOutsideRoot = errors.New("path leads outside its root")
	// ErrUnsupported: the operation or option is not supported by this
	// format.
	ErrUnsupported = errors.New("not supported")
	// ErrBadOption: a format option (Options.Params, --opt key=value) has
	// a value the format does not accept.
	ErrBadOption = errors.New("bad format option")
)

// ParseError reports bad input at a known place: the file and the byte
// offset where the problem was found. It wraps the cause, often one of the
// sentinel errors above.
type ParseError struct {
	File   string // file name as given to the reader
	Offset int64  // byte offset in File, or -1 when unknown
	Err    error  // what went wrong
}

// Error formats the error as "file: offset N: cause".
func (e *ParseError) Error() string {
	s := e.File
	if e.Offset >= 0 {
		if s != "" {
			s += ": "
		}
		s += "offset " + strconv.FormatInt(e.Offset, 10)
	}
	if s != "" {
		s += ": "
	}
	if e.Err == nil {
		return s + "parse error"
	}
	return s + e.Err.Error()
}

// Unwrap returns the cause.
func (e *ParseError) Unwrap() error { return e.Err }

// Location returns where the error happened.
func (e *ParseError) Location() Location { return Location{File: e.File, Offset: e.Offset} }

// LimitError tells which limit was exceeded. It matches ErrLimit with
// errors.Is.
type LimitError struct {
	Name  string // the option that sets the limit, e.g. "MaxHeaderBytes"
	Limit int64  // its value
}

// Error formats the error.
func (e *LimitError) Error() string {
	return "limit exceeded: " + e.Name + " (" + strconv.FormatInt(e.Limit, 10) + ")"
}

// Is makes errors.Is(err, ErrLimit) true.
func (e *LimitError) Is(target error) bool { return target == ErrLimit }

// OptionError marks the error a format gives for the value of one of its
// options. It matches ErrBadOption with errors.Is and unwraps to the cause.
type OptionError struct{ Err error }

// Error returns the cause's message.
func (e *OptionError) Error() string { return e.Err.Error() }

// Unwrap returns the cause.
func (e *OptionError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrBadOption) true.
func (e *OptionError) Is(target error) bool { return target == ErrBadOption }

// BadOption marks err, when not nil, as an OptionError.
func BadOption(err error) error {
	if err == nil {
		return nil
	}
	return &OptionError{Err: err}
}

// ErrBudget: the day's upload budget (--max-bytes-per-day) is spent. The
// conversion stopped cleanly; run it again after migrate.BudgetError.Next.
var ErrBudget = errors.New("daily upload budget reached")

// SkipError is returned by a MailboxWriter for a message it refuses but
// that does not stop the conversion (a message over the destination's size
// limit). Convert records it as a skip and goes on.
type SkipError struct {
	Code   string // stable reason, e.g. "imap.too-big"
	Reason string
}

// Error returns the reason.
func (e *SkipError) Error() string { return e.Reason }
