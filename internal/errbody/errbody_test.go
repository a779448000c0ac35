package errbody

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestText(t *testing.T) {
	t.Parallel()
	waf := `<!DOCTYPE html><html><head><title>Request Rejected</title><style>p{color:red}</style>
<script>var x = "<b>";</script></head><body><p>The requested URL was rejected.&nbsp;Please consult
with your administrator.</p><p>Your support ID is: 1234</p></body></html>`
	tests := []struct {
		name, body, ctype string
		max               int
		want              string
	}{
		{name: "WAF page", body: waf, max: 512, want: "HTML page: Request Rejected — The requested URL was rejected. Please consult with your administrator. Your support ID is: 1234"},
		{name: "HTML by content type", body: "<p>Bad <b>gateway</b></p>", ctype: "text/html; charset=utf-8", max: 100, want: "HTML page: Bad gateway"},
		{name: "HTML without title", body: "<html><body>oops</body></html>", max: 100, want: "HTML page: oops"},
		{name: "plain text collapsed", body: "upstream\n\tconnect error  ", ctype: "text/plain", max: 100, want: "upstream connect error"},
		{name: "cut on a rune", body: "ééééé", max: 8, want: "éé…"},
		{name: "invalid UTF-8", body: "a\xffb", max: 100, want: "a\ufffdb"},
		{name: "empty", body: "", max: 10, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := Text([]byte(tt.body), tt.ctype, tt.max)
			if got != tt.want {
				t.Fatalf("Text = %q\nwant   %q", got, tt.want)
			}
		})
	}
}

func TestTitle(t *testing.T) {
	t.Parallel()
	if got := Title([]byte("<html><TITLE>\n Access &amp; Denied </TITLE>")); got != "Access & Denied" {
		t.Fatalf("Title = %q", got)
	}
	if got := Title([]byte("<html><title>Request Rej")); got != "Request Rej" {
		t.Fatalf("Title of a cut-off page = %q", got)
	}
	if got := Title([]byte("no title")); got != "" {
		t.Fatalf("Title = %q", got)
	}
}

// FuzzText checks the promises every caller relies on: one line, bounded,
// valid UTF-8.
func FuzzText(f *testing.F) {
	f.Add([]byte("<html><title>t</title><body>x</body></html>"), "text/html", 40)
	f.Add([]byte("plain\nbody"), "", 5)
	f.Fuzz(func(t *testing.T, body []byte, ctype string, max int) {
		max = 4 + abs(max)%600
		got := Text(body, ctype, max)
		if len(got) > max || strings.ContainsAny(got, "\n\r\t") || !utf8.ValidString(got) {
			t.Fatalf("Text(%q, %q, %d) = %q", body, ctype, max, got)
		}
	})
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
