package csr

import (
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// utf16LEDecoder decodes UTF-16 LE (no byte-order mark) to UTF-8. Runs of
// ASCII code units, nearly all of the report, are copied in a tight loop;
// everything else (other BMP characters, surrogate pairs, lone surrogates
// → U+FFFD, an odd trailing byte) is handed to golang.org/x/text's UTF-16
// decoder, so the output is byte for byte what x/text produces (checked by
// FuzzUTF16LEDecoder).
type utf16LEDecoder struct {
	inner transform.Transformer
}

func newUTF16LEDecoder() *utf16LEDecoder {
	return &utf16LEDecoder{inner: unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM).NewDecoder()}
}

// Reset implements transform.Transformer.
func (d *utf16LEDecoder) Reset() { d.inner.Reset() }

// Transform implements transform.Transformer.
func (d *utf16LEDecoder) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	for nSrc < len(src) {
		// ASCII run.
		i, j := nSrc, nDst
		for i+1 < len(src) && j < len(dst) && src[i+1] == 0 && src[i] < 0x80 {
			dst[j] = src[i]
			i += 2
			j++
		}
		nSrc, nDst = i, j
		if nSrc == len(src) {
			break
		}
		if nDst == len(dst) {
			return nDst, nSrc, transform.ErrShortDst
		}
		if nSrc+1 == len(src) && !atEOF {
			return nDst, nSrc, transform.ErrShortSrc // half a code unit
		}
		// Non-ASCII run: up to the next ASCII code unit (a low surrogate
		// is never ASCII, so pairs stay together).
		k := nSrc
		for k+1 < len(src) && (src[k+1] != 0 || src[k] >= 0x80) {
			k += 2
		}
		if k+1 >= len(src) {
			k = len(src)
		}
		last := k == len(src)
		dn, sn, ierr := d.inner.Transform(dst[nDst:], src[nSrc:k], atEOF || !last)
		nDst += dn
		nSrc += sn
		if ierr != nil {
			return nDst, nSrc, ierr
		}
	}
	return nDst, nSrc, nil
}
