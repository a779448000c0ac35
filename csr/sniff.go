package csr

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/cityofaustin/atd-executive-dashboard/internal/errbody"
	"golang.org/x/text/transform"
)

// sniffLen is how many leading bytes are examined to recognise a response.
const sniffLen = 1024

// maxShown bounds how much of an unexpected body an error message quotes.
const maxShown = 40

type encoding int

const (
	encUTF16LE encoding = iota + 1
	encUTF16BE
)

// sniffReport checks the first bytes of a response that should be the
// UTF-16 tab-separated report. It returns the encoding, or a
// [*FormatError] saying what arrived instead.
func sniffReport(p []byte) (encoding, error) {
	if len(p) == 0 {
		return 0, &FormatError{What: "empty", Got: "an empty body"}
	}
	switch {
	case bytes.HasPrefix(p, []byte{0xFF, 0xFE}):
		if ferr := sniffHTML(decodeUTF16Prefix(p[2:], false)); ferr != nil {
			return 0, ferr
		}
		return encUTF16LE, nil
	case bytes.HasPrefix(p, []byte{0xFE, 0xFF}):
		if ferr := sniffHTML(decodeUTF16Prefix(p[2:], true)); ferr != nil {
			return 0, ferr
		}
		return encUTF16BE, nil
	}
	return 0, describeOther(p, "a UTF-16 report with a byte-order mark")
}

// sniffXLSX checks that p starts like an xlsx workbook (a ZIP archive).
func sniffXLSX(p []byte) error {
	if len(p) == 0 {
		return &FormatError{What: "empty", Got: "an empty body"}
	}
	if bytes.HasPrefix(p, []byte("PK\x03\x04")) {
		return nil
	}
	if bytes.HasPrefix(p, []byte{0xFF, 0xFE}) || bytes.HasPrefix(p, []byte{0xFE, 0xFF}) {
		text := decodeUTF16Prefix(p[2:], p[0] == 0xFE)
		if ferr := sniffHTML(text); ferr != nil {
			return ferr
		}
		return &FormatError{What: "xlsx", Got: fmt.Sprintf("UTF-16 text instead of an xlsx workbook, starting %q", shown(text))}
	}
	return describeOther(p, "an xlsx workbook")
}

// describeOther explains a body that does not start with the expected
// signature. want names what was expected.
func describeOther(p []byte, want string) *FormatError {
	text := p
	bom := ""
	if bytes.HasPrefix(p, []byte{0xEF, 0xBB, 0xBF}) {
		text, bom = p[3:], " with a UTF-8 byte-order mark"
	}
	if ferr := sniffHTML(string(text)); ferr != nil {
		return ferr
	}
	switch {
	case bytes.HasPrefix(p, []byte("PK\x03\x04")):
		return &FormatError{What: "encoding", Got: "a ZIP archive (an xlsx workbook?) instead of " + want}
	case bytes.HasPrefix(p, []byte("%PDF")):
		return &FormatError{What: "encoding", Got: "a PDF document instead of " + want}
	case looksUTF16NoBOM(p):
		return &FormatError{What: "encoding", Got: fmt.Sprintf("UTF-16 text without a byte-order mark (starting %q) instead of %s",
			shown(decodeUTF16Prefix(p, p[0] == 0)), want)}
	case utf8.Valid(trimPartialRune(text)) && mostlyPrintable(text):
		return &FormatError{What: "encoding", Got: fmt.Sprintf("UTF-8 text%s (starting %q) instead of %s", bom, shown(string(text)), want)}
	}
	return &FormatError{What: "encoding", Got: fmt.Sprintf("binary data (first bytes % x) instead of %s", p[:min(len(p), 16)], want)}
}

// sniffHTML returns a FormatError when text starts like an HTML page.
func sniffHTML(text string) *FormatError {
	t := strings.TrimLeft(text, " \t\r\n\ufeff")
	head := strings.ToLower(t[:min(len(t), 512)])
	isHTML := strings.HasPrefix(head, "<!doctype") || strings.HasPrefix(head, "<html") ||
		strings.HasPrefix(head, "<head") || strings.HasPrefix(head, "<body") ||
		strings.HasPrefix(head, "<title") ||
		(strings.HasPrefix(head, "<") && strings.Contains(head, "<html"))
	if !isHTML {
		return nil
	}
	title := errbody.Truncate(errbody.Title([]byte(t)), 100)
	if title == "" {
		return &FormatError{What: "html", Got: "an HTML page without a title"}
	}
	return &FormatError{What: "html", Got: "an HTML page titled '" + title + "'"}
}

func decodeUTF16Prefix(p []byte, bigEndian bool) string {
	out, _, _ := transform.Bytes(&utf16Decoder{bigEndian: bigEndian}, p[:len(p)&^1])
	replaceSurrogates(out)
	return string(out)
}

// looksUTF16NoBOM reports whether p looks like ASCII text in UTF-16 without
// a byte-order mark: NUL in every other byte.
func looksUTF16NoBOM(p []byte) bool {
	if len(p) < 4 {
		return false
	}
	n := min(len(p), 256) &^ 1
	even, odd := 0, 0
	for i := 0; i < n; i += 2 {
		if p[i] == 0 {
			even++
		}
		if p[i+1] == 0 {
			odd++
		}
	}
	half := n / 2
	return even*10 >= half*9 || odd*10 >= half*9
}

func mostlyPrintable(p []byte) bool {
	bad := 0
	for _, c := range p {
		if c < 0x20 && c != '\t' && c != '\r' && c != '\n' {
			bad++
		}
	}
	return bad*20 <= len(p)
}

func trimPartialRune(p []byte) []byte {
	for i := 0; i < 3 && len(p) > 0; i++ {
		r, _ := utf8.DecodeLastRune(p)
		if r != utf8.RuneError {
			break
		}
		p = p[:len(p)-1]
	}
	return p
}

// shown returns a bounded, single-line prefix of s for error messages.
func shown(s string) string {
	s = strings.TrimLeft(s, "\ufeff")
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	return errbody.Truncate(strings.ToValidUTF8(s, "\uFFFD"), maxShown)
}
