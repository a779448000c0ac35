// Package errbody turns the body of a failed HTTP response into short,
// single-line, readable text for an error message: the API clients
// (socrata, smartsheet, mstr, csr) keep what a gateway or web firewall
// said without pasting a whole page, full of markup or personal data, into
// a log line.
package errbody

import (
	"bytes"
	"html"
	"regexp"
	"strings"
	"unicode/utf8"
)

// DefaultMax bounds the text of a server's answer kept in an error: about
// 200 bytes, as every reader of outside input quotes at most. A SODA or
// MicroStrategy message fits; a page or a huge field is cut with "…".
const DefaultMax = 200

var (
	reScript = regexp.MustCompile(`(?is)<(script|style)\b.*?</(script|style)\s*>`)
	reTitle  = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)
	// reOpenTitle also finds the title of a page cut off inside it (a
	// bounded prefix of a body).
	reOpenTitle = regexp.MustCompile(`(?is)<title[^>]*>(.*?)(?:</title|\z)`)
	reTag       = regexp.MustCompile(`(?s)<[^>]*>`)
	reSpace     = regexp.MustCompile(`\s+`)
)

// IsHTML reports whether a body with the given Content-Type is an HTML
// page: by its type, or by a doctype or <html> tag near its start.
func IsHTML(data []byte, contentType string) bool {
	if strings.Contains(strings.ToLower(contentType), "html") {
		return true
	}
	head := bytes.ToLower(bytes.TrimSpace(data[:min(len(data), 512)]))
	return bytes.HasPrefix(head, []byte("<!doctype html")) || bytes.Contains(head, []byte("<html"))
}

// Title returns the text of an HTML page's <title> (also when data is cut
// off inside it), on one line and bounded, "" when it has none.
func Title(data []byte) string {
	m := reOpenTitle.FindSubmatch(data)
	if m == nil {
		return ""
	}
	return OneLine(html.UnescapeString(string(m[1])), DefaultMax)
}

// Text returns body as one line of at most max bytes. An HTML page becomes
// "HTML page: <title> — <visible text>" (scripts, styles and tags dropped,
// entities decoded); anything else has its whitespace collapsed. Invalid
// UTF-8 is replaced.
func Text(body []byte, contentType string, max int) string {
	if !IsHTML(body, contentType) {
		return OneLine(string(body), max)
	}
	s := string(body)
	title := ""
	if m := reTitle.FindStringSubmatch(s); m != nil {
		title = strings.TrimSpace(reSpace.ReplaceAllString(html.UnescapeString(m[1]), " "))
		s = strings.Replace(s, m[0], " ", 1)
	}
	s = reScript.ReplaceAllString(s, " ")
	s = reTag.ReplaceAllString(s, " ")
	s = strings.TrimSpace(reSpace.ReplaceAllString(html.UnescapeString(s), " "))
	if title != "" {
		s = strings.TrimSpace(strings.TrimPrefix(s, title))
		s = title + " — " + s
	}
	return OneLine("HTML page: "+s, max)
}

// OneLine collapses every run of whitespace in s to one space, replaces
// invalid UTF-8 and cuts the result to at most max bytes on a rune
// boundary, ending a cut with "…".
func OneLine(s string, max int) string {
	s = strings.Join(strings.Fields(strings.ToValidUTF8(s, "\uFFFD")), " ")
	return Truncate(s, max)
}

// Truncate cuts s to at most max bytes on a rune boundary; a cut string
// ends with "…" (counted in max). Text shorter than max is returned as is.
func Truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	const ellipsis = "…"
	cut := max - len(ellipsis)
	if cut <= 0 {
		return ellipsis[:0]
	}
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ellipsis
}
