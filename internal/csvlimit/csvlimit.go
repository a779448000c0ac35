// Package csvlimit bounds the records of CSV input read from outside (files
// in S3, report downloads), so that a huge field is never read whole and an
// error never quotes more than a few dozen bytes of it.
//
// Wrap the input before handing it to encoding/csv:
//
//	cr := csv.NewReader(csvlimit.NewReader(r, csvlimit.DefaultMaxRecord))
//
// A record longer than the limit makes the csv.Reader's Read fail with a
// [*RecordTooLargeError] (test with errors.As); the records before it are
// read as usual. At most limit bytes (plus encoding/csv's 4 KiB buffer) of
// an oversized record are ever read from the input.
package csvlimit

import (
	"fmt"
	"io"
	"unicode/utf8"
)

// DefaultMaxRecord is the record limit of the jobs' CSV inputs: 1 MiB. The
// largest record of the files they read (AMANDA daily counts, Smartsheet
// daily files, finance report rows) is well under 1 KiB.
const DefaultMaxRecord = 1 << 20

// QuoteBytes is how many bytes of input an error quotes at most.
const QuoteBytes = 64

// MaxMessage is the length to which [Clip] cuts an error message.
const MaxMessage = 200

// RecordTooLargeError reports a CSV record longer than the limit.
type RecordTooLargeError struct {
	Line  int    // the 1-based line on which the record starts
	Limit int64  // the limit in bytes
	Head  []byte // the record's first bytes, at most QuoteBytes
}

func (e *RecordTooLargeError) Error() string {
	return fmt.Sprintf("CSV record on line %d is longer than %d bytes (it begins %q…)", e.Line, e.Limit, e.Head)
}

// NewReader returns a reader of r that fails with a *RecordTooLargeError
// once a record exceeds limit bytes (limit <= 0 means DefaultMaxRecord). A
// record ends at a line end outside double quotes, as in RFC 4180 and
// encoding/csv without LazyQuotes; a quoted field may span lines.
func NewReader(r io.Reader, limit int64) io.Reader {
	if limit <= 0 {
		limit = DefaultMaxRecord
	}
	return &reader{r: r, limit: limit, line: 1, start: 1}
}

type reader struct {
	r       io.Reader
	limit   int64
	quoted  bool  // inside a quoted field
	n       int64 // bytes of the current record so far
	line    int   // current line
	start   int   // line on which the current record starts
	head    []byte
	err     error
	started bool // the current record has at least one byte
}

func (l *reader) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	// Never take more from r than the current record may still grow by
	// (plus one byte, to see it exceed): an oversized record is not read
	// beyond the limit.
	if room := l.limit - l.n + 1; int64(len(p)) > room {
		p = p[:room]
	}
	n, err := l.r.Read(p)
	for i, b := range p[:n] {
		if !l.started {
			l.started, l.start, l.head = true, l.line, l.head[:0]
		}
		switch b {
		case '"':
			l.quoted = !l.quoted
		case '\n':
			l.line++
			if !l.quoted {
				l.n, l.started = 0, false
				continue
			}
		}
		l.n++
		if len(l.head) < QuoteBytes {
			l.head = append(l.head, b)
		}
		if l.n > l.limit {
			l.err = &RecordTooLargeError{Line: l.start, Limit: l.limit, Head: append([]byte(nil), l.head...)}
			return i, l.err
		}
	}
	return n, err
}

// Clip returns s cut to about MaxMessage bytes (at a UTF-8 boundary), with
// a note of how much was left out, for error messages that quote input.
func Clip(s string) string {
	if len(s) <= MaxMessage {
		return s
	}
	cut := s[:MaxMessage]
	for i := 0; i < utf8.UTFMax-1 && !utf8.RuneStart(s[len(cut)]); i++ {
		cut = cut[:len(cut)-1] // do not split a character
	}
	return fmt.Sprintf("%s… (%d more bytes)", cut, len(s)-len(cut))
}
