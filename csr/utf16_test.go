package csr

import (
	"bytes"
	"io"
	"testing"
	"testing/iotest"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// reference decodes p with the standard library: unicode/utf16.Decode
// (each unpaired surrogate → U+FFFD), an odd trailing byte → U+FFFD.
func reference(p []byte, bigEndian bool) []byte {
	units := make([]uint16, len(p)/2)
	for i := range units {
		if bigEndian {
			units[i] = uint16(p[2*i])<<8 | uint16(p[2*i+1])
		} else {
			units[i] = uint16(p[2*i]) | uint16(p[2*i+1])<<8
		}
	}
	out := []byte(string(utf16.Decode(units)))
	if len(p)%2 == 1 {
		out = utf8.AppendRune(out, utf8.RuneError)
	}
	return out
}

// decodeBoth decodes p with the decoder (whole, and one byte at a time
// through a small buffer, lone surrogates then replaced) and with the
// reference, little- and big-endian.
func decodeBoth(t *testing.T, p []byte) (fast, slow, fastSmall []byte) {
	t.Helper()
	for _, bigEndian := range []bool{false, true} {
		want := reference(p, bigEndian)
		got, _, err := transform.Bytes(&utf16Decoder{bigEndian: bigEndian}, p)
		if err != nil {
			t.Fatal(err)
		}
		small, err := io.ReadAll(transform.NewReader(iotest.OneByteReader(bytes.NewReader(p)), &utf16Decoder{bigEndian: bigEndian}))
		if err != nil {
			t.Fatal(err)
		}
		// A destination of four bytes at a time: the decoder stops when
		// it is full and goes on where it stopped.
		var tiny []byte
		d, dst := &utf16Decoder{bigEndian: bigEndian}, make([]byte, 4)
		for src := p; ; {
			nd, ns, err := d.Transform(dst, src, true)
			tiny, src = append(tiny, dst[:nd]...), src[ns:]
			if err == nil {
				break
			} else if err != transform.ErrShortDst {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(tiny, got) {
			t.Fatalf("four bytes at a time %q, whole %q", tiny, got)
		}
		replaceSurrogates(got)
		replaceSurrogates(small)
		if !bigEndian {
			fast, slow, fastSmall = got, want, small
		} else if !bytes.Equal(got, want) || !bytes.Equal(small, want) {
			t.Fatalf("big-endian: %q, one byte at a time %q, reference %q", got, small, want)
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
		{"two lone low surrogates", []byte("0\xdc0\xdc")},
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
				t.Fatalf("decoder %q, one byte at a time %q, reference %q", fast, small, slow)
			}
		})
	}
}

// FuzzUTF16Decoder checks the decoder against the standard library's.
func FuzzUTF16Decoder(f *testing.F) {
	f.Add([]byte("a\x00b\x00"))
	f.Add([]byte{0x3D, 0xD8, 0xA6, 0xDE, 'y', 0, 0x3D, 0xD8})
	f.Add(mustRead(f, "report_sample.tsv")[2:])
	f.Fuzz(func(t *testing.T, p []byte) {
		fast, slow, small := decodeBoth(t, p)
		if !bytes.Equal(fast, slow) || !bytes.Equal(small, slow) {
			t.Fatalf("decoder %q, one byte at a time %q, reference %q", fast, small, slow)
		}
	})
}

// BenchmarkUTF16Decode decodes a 20,000-row report body with the decoder
// and, for comparison, with golang.org/x/text's.
func BenchmarkUTF16Decode(b *testing.B) {
	body := benchReport(b, 20_000)[2:]
	dst := make([]byte, 64<<10)
	for _, tc := range []struct {
		name string
		t    transform.Transformer
	}{
		{"decoder", &utf16Decoder{}},
		{"x-text", unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM).NewDecoder()},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				tc.t.Reset()
				for src := body; len(src) > 0; {
					_, n, err := tc.t.Transform(dst, src, true)
					if err != nil && err != transform.ErrShortDst {
						b.Fatal(err)
					}
					src = src[n:]
				}
			}
		})
	}
}
