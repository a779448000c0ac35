package csr

import (
	"bytes"
	"io"
	"testing"
	"testing/iotest"

	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// decodeBoth decodes p with the decoder (whole, and one byte at a time
// through a small buffer, lone surrogates then replaced) and with x/text's
// decoder, little- and big-endian.
func decodeBoth(t *testing.T, p []byte) (fast, slow, fastSmall []byte) {
	t.Helper()
	for _, bigEndian := range []bool{false, true} {
		order := unicode.LittleEndian
		if bigEndian {
			order = unicode.BigEndian
		}
		want, _, err := transform.Bytes(unicode.UTF16(order, unicode.IgnoreBOM).NewDecoder(), p)
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := transform.Bytes(&utf16Decoder{bigEndian: bigEndian}, p)
		if err != nil {
			t.Fatal(err)
		}
		small, err := io.ReadAll(transform.NewReader(iotest.OneByteReader(bytes.NewReader(p)), &utf16Decoder{bigEndian: bigEndian}))
		if err != nil {
			t.Fatal(err)
		}
		replaceSurrogates(got)
		replaceSurrogates(small)
		if !bigEndian {
			fast, slow, fastSmall = got, want, small
		} else if !bytes.Equal(got, want) || !bytes.Equal(small, want) {
			t.Fatalf("big-endian: %q, one byte at a time %q, x/text %q", got, small, want)
		}
	}
	return fast, slow, fastSmall
}

func TestUTF16Decoder(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		in   []byte
	}{
		{"ascii", []byte("a\x00b\x00")},
		{"bmp", []byte{'a', 0, 0xF1, 0, 'b', 0, 0xAC, 0x20}},
		{"surrogate pair", []byte{'x', 0, 0x3D, 0xD8, 0xA6, 0xDE, 'y', 0}},
		{"lone high surrogate before ascii", []byte{0x3D, 0xD8, 'y', 0}},
		{"lone low surrogate", []byte{0xA6, 0xDE, 'y', 0}},
		{"high surrogate at the end", []byte{'y', 0, 0x3D, 0xD8}},
		{"odd trailing byte", []byte{'y', 0, 'z'}},
		{"NUL and DEL", []byte{0, 0, 0x7F, 0, 0x80, 0}},
		{"hangul (ED in UTF-8, not a surrogate)", []byte{0x00, 0xD5, 'a', 0, 0x00, 0xD7}},
		{"two byte and three byte", []byte{0xE9, 0, 0xAC, 0x20, 0x00, 0x08}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fast, slow, small := decodeBoth(t, tc.in)
			if !bytes.Equal(fast, slow) || !bytes.Equal(small, slow) {
				t.Fatalf("fast %q, one byte at a time %q, x/text %q", fast, small, slow)
			}
		})
	}
}

// FuzzUTF16Decoder checks the decoder against x/text's.
func FuzzUTF16Decoder(f *testing.F) {
	f.Add([]byte("a\x00b\x00"))
	f.Add([]byte{0x3D, 0xD8, 0xA6, 0xDE, 'y', 0, 0x3D, 0xD8})
	f.Add(mustRead(f, "report_sample.tsv")[2:])
	f.Fuzz(func(t *testing.T, p []byte) {
		fast, slow, small := decodeBoth(t, p)
		if !bytes.Equal(fast, slow) || !bytes.Equal(small, slow) {
			t.Fatalf("fast %q, one byte at a time %q, x/text %q", fast, small, slow)
		}
	})
}
