package csr

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/cityofaustin/atd-executive-dashboard/internal/errbody"
	"golang.org/x/text/transform"
)

// MaxRecordSize bounds one record of the report, in bytes of decoded
// UTF-8: a line, or a quoted field's lines together. A longer record (a
// quote that is never closed, a body without line ends) fails with
// [ErrRecordTooLong] instead of being buffered, so memory stays bounded
// whatever arrives. Real records are a few hundred bytes.
const MaxRecordSize = 1 << 20

// Record is one data row of the report: the text of the columns the job
// reads, indexed by [Column], plus its position in the report. Values are
// exactly as in the report (missing-value markers included); [Transformer]
// turns them into a Socrata row.
type Record struct {
	Row    int // 1-based data row (the header is row 0)
	Line   int // 1-based line of the report where the row starts
	Values [NumColumns]string
}

// Reader reads the 3-1-1 CSR report: UTF-16 text with a byte-order mark,
// tab-separated, CRLF or LF line ends, one header line. Fields that start
// with a double quote are quoted fields (they may contain tabs, line breaks
// and doubled quotes ""); a quote elsewhere in a field is literal, as in
// pandas' reader. Blank lines are skipped.
//
// Reader streams: it holds one record at a time, whatever the report's
// size, and at most [MaxRecordSize] bytes of it. It is not safe for
// concurrent use.
type Reader struct {
	src    *bufio.Reader
	closer io.Closer
	header []string
	idx    [NumColumns]int // report field index of each Column
	line   int             // lines consumed so far
	row    int             // data rows returned so far
	err    error           // sticky I/O error or io.EOF

	// needLineEnd: a last line without a line end is a cut (the body's
	// length was not declared).
	needLineEnd bool
	lone        int   // lone surrogates in the record being read
	surrogates  int   // lone surrogates replaced so far
	loneRows    []int // the first data rows that held one

	lineBuf []byte // a physical line longer than the bufio buffer
	recBuf  []byte // the current record's field contents
	bounds  []int  // start, end offsets in recBuf per field
	fields  []string
}

// NewReader checks that r holds the report and reads its header. It
// returns a [*FormatError] (wrapping [ErrNotReport]) when r holds something
// else: an HTML page (even when UTF-16), text without a UTF-16 byte-order
// mark, an empty body, or a header that lacks some of the columns the job
// publishes (all of them are listed). Extra columns are ignored and the
// columns may come in any order.
//
// The byte-order mark selects the byte order. A lone surrogate becomes
// U+FFFD and is counted ([Reader.Surrogates]). A last line without a line
// end is complete (r is taken to be whole, as a file is); [Client.Open]
// refuses it when the response declared no length ([ErrTruncated]).
func NewReader(r io.Reader) (*Reader, error) { return newReader(r, false) }

func newReader(r io.Reader, needLineEnd bool) (*Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	p, err := br.Peek(sniffLen)
	if len(p) == 0 && err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	enc, ferr := sniffReport(p)
	if ferr != nil {
		return nil, ferr
	}
	_, _ = br.Discard(2) // the byte-order mark
	dec := transform.NewReader(br, &utf16Decoder{bigEndian: enc != encUTF16LE})
	rd := &Reader{src: bufio.NewReaderSize(dec, 64<<10), needLineEnd: needLineEnd}
	if err := rd.readHeader(); err != nil {
		return nil, err
	}
	return rd, nil
}

func (r *Reader) readHeader() error {
	if _, err := r.readRecord(); err != nil {
		if errors.Is(err, io.EOF) {
			return &FormatError{What: "empty", Got: "a UTF-16 body without a header line"}
		}
		if errors.Is(err, ErrQuote) || errors.Is(err, ErrRecordTooLong) {
			return &FormatError{What: "columns", Got: "UTF-16 text whose first line is not a tab-separated header (a quote is never closed, or no line end in the first MiB)"}
		}
		return err
	}
	r.header = make([]string, len(r.fields))
	pos := make(map[string]int, len(r.fields))
	for i, f := range r.fields {
		name := strings.TrimSpace(f)
		r.header[i] = name
		if _, dup := pos[name]; !dup {
			pos[name] = i
		}
	}
	var missing []string
	for c := range Column(NumColumns) {
		i, ok := pos[c.Name()]
		if !ok {
			missing = append(missing, c.Name())
			continue
		}
		r.idx[c] = i
	}
	if len(missing) > 0 {
		return &FormatError{
			What:    "columns",
			Missing: missing,
			Got: fmt.Sprintf("a UTF-16 table with %d column(s) (header %s) missing %d required column(s): %s",
				len(r.header), strconv.Quote(errbody.Truncate(strings.Join(r.header, "|"), 120)), len(missing), quoteList(missing)),
		}
	}
	return nil
}

func quoteList(s []string) string {
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = strconv.Quote(v)
	}
	return strings.Join(q, ", ")
}

// Header returns the report's column names, as read (trimmed).
func (r *Reader) Header() []string { return append([]string(nil), r.header...) }

// Rows returns the number of data rows read so far.
func (r *Reader) Rows() int { return r.row }

// Read returns the next record. At the end of the report it returns
// io.EOF (and keeps returning it). A record whose field count differs from
// the header's, or an unterminated quoted field, gives a [*ParseError]
// with the row and line; reading may continue after it. A record longer
// than [MaxRecordSize] gives a final [*ParseError] wrapping
// [ErrRecordTooLong]. A failure of the underlying stream (dropped
// connection, truncated body) is returned as is and is final.
func (r *Reader) Read() (Record, error) {
	if r.err != nil {
		return Record{}, r.err
	}
	start, err := r.readRecord()
	if err != nil {
		var perr *ParseError
		if !errors.As(err, &perr) || errors.Is(err, ErrRecordTooLong) {
			r.err = err
		}
		return Record{}, err
	}
	r.row++
	if r.lone > 0 {
		r.surrogates += r.lone
		r.lone = 0
		if len(r.loneRows) < maxOddRows {
			r.loneRows = append(r.loneRows, r.row)
		}
	}
	if len(r.fields) != len(r.header) {
		return Record{}, &ParseError{Row: r.row, Line: start,
			Err: fmt.Errorf("%w: %d, header has %d", ErrFieldCount, len(r.fields), len(r.header))}
	}
	rec := Record{Row: r.row, Line: start}
	for c, i := range r.idx {
		rec.Values[c] = r.fields[i]
	}
	return rec, nil
}

// Surrogates returns how many lone UTF-16 surrogates were replaced with
// U+FFFD so far, and the first few data rows (1-based) that held one.
func (r *Reader) Surrogates() (count int, rows []int) {
	return r.surrogates, append([]int(nil), r.loneRows...)
}

// Close closes the response body when the Reader came from [Client.Open];
// otherwise it does nothing. It is safe to call more than once.
func (r *Reader) Close() error {
	if r.closer == nil {
		return nil
	}
	c := r.closer
	r.closer = nil
	return c.Close()
}

// errLineTooLong is readLine's error for a line over MaxRecordSize;
// readRecord turns it into a *ParseError.
var errLineTooLong = errors.New("line too long")

// readLine returns the next physical line without its line end. The slice
// is valid until the next call.
func (r *Reader) readLine() ([]byte, error) {
	line, err := r.src.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		r.lineBuf = append(r.lineBuf[:0], line...)
		for errors.Is(err, bufio.ErrBufferFull) {
			if len(r.lineBuf) > MaxRecordSize {
				return nil, errLineTooLong
			}
			line, err = r.src.ReadSlice('\n')
			r.lineBuf = append(r.lineBuf, line...)
		}
		line = r.lineBuf
	}
	if len(line) == 0 && err != nil {
		return nil, err
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if err != nil && r.needLineEnd {
		return nil, &Error{Op: "read", Err: fmt.Errorf("%w: its last line (line %d) has no line end, and the response declared no length to show it is whole", ErrTruncated, r.line+1)}
	}
	r.lone += replaceSurrogates(line)
	r.line++
	n := len(line)
	if n > 0 && line[n-1] == '\n' {
		n--
	}
	if n > 0 && line[n-1] == '\r' {
		n--
	}
	return line[:n], nil
}

// readRecord reads the next non-blank record into r.fields (substrings of
// one string allocated per record) and returns the line it started on.
func (r *Reader) readRecord() (int, error) {
	var line []byte
	var err error
	r.lone = 0
	for {
		if line, err = r.readLine(); err != nil {
			if errors.Is(err, errLineTooLong) {
				return r.line + 1, &ParseError{Row: r.row + 1, Line: r.line + 1,
					Err: fmt.Errorf("%w: a line longer than %d bytes", ErrRecordTooLong, MaxRecordSize)}
			}
			return 0, err
		}
		if len(line) > 0 {
			break
		}
	}
	start := r.line
	r.recBuf = r.recBuf[:0]
	r.bounds = r.bounds[:0]
	if bytes.IndexByte(line, '"') < 0 {
		r.recBuf = append(r.recBuf, line...)
		prev := 0
		for {
			i := bytes.IndexByte(line[prev:], '\t')
			if i < 0 {
				break
			}
			r.bounds = append(r.bounds, prev, prev+i)
			prev += i + 1
		}
		r.bounds = append(r.bounds, prev, len(line))
	} else if err := r.parseQuoted(line, start); err != nil {
		return start, err
	}
	s := string(r.recBuf)
	r.fields = r.fields[:0]
	for i := 0; i < len(r.bounds); i += 2 {
		r.fields = append(r.fields, s[r.bounds[i]:r.bounds[i+1]])
	}
	return start, nil
}

// parseQuoted splits a line that contains a double quote, reading more
// lines while a quoted field continues past a line end.
func (r *Reader) parseQuoted(line []byte, start int) error {
	i := 0
	for {
		// start of a field
		fstart := len(r.recBuf)
		if i < len(line) && line[i] == '"' {
			i++
			for {
				j := bytes.IndexByte(line[i:], '"')
				if j < 0 {
					// the quoted field continues on the next line
					r.recBuf = append(r.recBuf, line[i:]...)
					r.recBuf = append(r.recBuf, '\n')
					next, err := r.readLine()
					if err == nil && len(r.recBuf)+len(next) > MaxRecordSize {
						err = errLineTooLong
					}
					if err != nil {
						if errors.Is(err, io.EOF) {
							return &ParseError{Row: r.row + 1, Line: start, Err: ErrQuote}
						}
						if errors.Is(err, errLineTooLong) {
							return &ParseError{Row: r.row + 1, Line: start,
								Err: fmt.Errorf("%w: a quoted field opened on line %d runs past %d bytes (a quote that is never closed?)", ErrRecordTooLong, start, MaxRecordSize)}
						}
						return err
					}
					line, i = next, 0
					continue
				}
				r.recBuf = append(r.recBuf, line[i:i+j]...)
				i += j + 1
				if i < len(line) && line[i] == '"' { // doubled quote
					r.recBuf = append(r.recBuf, '"')
					i++
					continue
				}
				break
			}
		}
		// unquoted part (or text after a closing quote): up to the next tab
		j := bytes.IndexByte(line[i:], '\t')
		if j < 0 {
			r.recBuf = append(r.recBuf, line[i:]...)
			r.bounds = append(r.bounds, fstart, len(r.recBuf))
			return nil
		}
		r.recBuf = append(r.recBuf, line[i:i+j]...)
		r.bounds = append(r.bounds, fstart, len(r.recBuf))
		i += j + 1
	}
}
