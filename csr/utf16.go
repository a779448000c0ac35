package csr

import (
	"bytes"
	"encoding/binary"
	"unicode/utf8"

	"golang.org/x/text/transform"
)

// utf16Decoder decodes UTF-16 (without its byte-order mark) to UTF-8, as
// the standard library's unicode/utf16.Decode does (checked by
// FuzzUTF16Decoder; an odd trailing byte becomes U+FFFD), with one
// difference: a lone surrogate is written as its three-byte WTF-8 form
// (ED A0..BF xx), which valid UTF-8 never contains, instead of U+FFFD. The
// Reader replaces each one with U+FFFD (also three bytes, in place) and
// counts its row, so that no replacement goes unreported.
type utf16Decoder struct{ bigEndian bool }

// Reset implements transform.Transformer.
func (d *utf16Decoder) Reset() {}

// Transform implements transform.Transformer.
func (d *utf16Decoder) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	lo, hi := 0, 1
	if d.bigEndian {
		lo, hi = 1, 0
	}
	for nSrc+1 < len(src) {
		// A run of ASCII code units, nearly all of the report, in a tight
		// loop per byte order.
		i, j := nSrc, nDst
		if d.bigEndian {
			for i+1 < len(src) && j < len(dst) && src[i] == 0 && src[i+1] < utf8.RuneSelf {
				dst[j] = src[i+1]
				i, j = i+2, j+1
			}
		} else {
			// Four code units at a time while all four are ASCII.
			for i+8 <= len(src) && j+4 <= len(dst) {
				x := binary.LittleEndian.Uint64(src[i:])
				if x&0xFF80FF80FF80FF80 != 0 {
					break
				}
				binary.LittleEndian.PutUint32(dst[j:], uint32(x&0xFF|x>>8&0xFF00|x>>16&0xFF0000|x>>24&0xFF000000))
				i, j = i+8, j+4
			}
			for i+1 < len(src) && j < len(dst) && src[i+1] == 0 && src[i] < utf8.RuneSelf {
				dst[j] = src[i]
				i, j = i+2, j+1
			}
		}
		nSrc, nDst = i, j
		if nSrc+1 >= len(src) {
			break
		}
		r := rune(src[nSrc+hi])<<8 | rune(src[nSrc+lo])
		size := 2
		if 0xD800 <= r && r < 0xDC00 { // a high surrogate: a pair, if a low one follows
			if nSrc+3 >= len(src) && !atEOF {
				return nDst, nSrc, transform.ErrShortSrc
			}
			if nSrc+3 < len(src) {
				if r2 := rune(src[nSrc+2+hi])<<8 | rune(src[nSrc+2+lo]); 0xDC00 <= r2 && r2 < 0xE000 {
					r, size = 0x10000+(r-0xD800)<<10+(r2-0xDC00), 4
				}
			}
		}
		n := utf8.RuneLen(r)
		if n < 0 { // a lone surrogate
			n = 3
		}
		if nDst+n > len(dst) {
			return nDst, nSrc, transform.ErrShortDst
		}
		if 0xD800 <= r && r < 0xE000 { // lone surrogate: WTF-8
			dst[nDst], dst[nDst+1], dst[nDst+2] = 0xED, byte(0x80|(r>>6)&0x3F), byte(0x80|r&0x3F)
		} else {
			utf8.EncodeRune(dst[nDst:], r)
		}
		nDst, nSrc = nDst+n, nSrc+size
	}
	if nSrc < len(src) { // half a code unit
		if !atEOF {
			return nDst, nSrc, transform.ErrShortSrc
		}
		if nDst+3 > len(dst) {
			return nDst, nSrc, transform.ErrShortDst
		}
		nDst += utf8.EncodeRune(dst[nDst:], utf8.RuneError)
		nSrc++
	}
	return nDst, nSrc, nil
}

// replaceSurrogates replaces, in place, each lone surrogate the decoder
// marked in p (ED A0..BF xx) with U+FFFD, and returns how many there were.
func replaceSurrogates(p []byte) int {
	n := 0
	for i := 0; ; i++ {
		j := bytes.IndexByte(p[i:], 0xED)
		if j < 0 || i+j+2 >= len(p) {
			return n
		}
		if i += j; p[i+1] >= 0xA0 && p[i+1] <= 0xBF {
			p[i], p[i+1], p[i+2] = 0xEF, 0xBF, 0xBD
			n++
		}
	}
}
