package token

import (
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// Layout of a token: {prefix}_{random}_{checksum}.
const (
	prefixLen   = 3
	randomLen   = 30 // MAS: Alphanumeric.sample_iter().take(30)
	checksumLen = 6  // base 62 of a uint32 needs at most 6 digits: 62^6 > 2^32

	randomStart   = prefixLen + 1           // after "{prefix}_"
	randomEnd     = randomStart + randomLen // the second '_'
	checksumStart = randomEnd + 1           // after "{prefix}_{random}_"
)

// Length is the length in bytes of every token: 41. A database column holding a token (MAS
// imports) can be sized by it; Parse rejects any other length.
const Length = checksumStart + checksumLen

// alphabet is both the base-62 digit set of the checksum (MAS's NUM: digits, then upper case,
// then lower case) and the character set of the random part.
const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// rejectFrom is the smallest byte value that Generate discards. 248 = 4*62 is the largest
// multiple of 62 that fits in a byte, so b%62 is uniform over the accepted bytes [0, 248).
// Taking 256 values modulo 62 instead would make the first 8 characters 25% more likely.
const rejectFrom = 256 - 256%len(alphabet)

// maxRandomRounds bounds how often Generate goes back to the reader for replacements of
// rejected bytes. Each round rejects a given byte with probability 8/256, so an honest source
// never comes near the bound (2^-150 for the last character alone); a broken one (all 0xFF)
// gets an error instead of an endless loop.
const maxRandomRounds = 30

// ErrNotOurs reports that a string is not an mxauth token at all: it does not start with one
// of our prefixes followed by '_'. Callers may try other formats (Synapse's syt_ tokens) or
// treat it like an unknown token; it is not evidence of tampering.
var ErrNotOurs = errors.New("token: not an mxauth token")

// ErrMalformed reports that a string starts like one of our tokens but is not a valid one:
// wrong length, a character outside [A-Za-z0-9], a missing separator or a wrong checksum.
// The errors Parse returns wrap it with the specific reason.
var ErrMalformed = errors.New("token: malformed")

// ErrWrongKind reports that Check was given a well-formed token of another kind than it
// expected, e.g. a refresh token where an access token belongs.
var ErrWrongKind = errors.New("token: wrong kind")

// The specific reasons behind ErrMalformed. They are built once so that Parse returns them
// without allocating.
var (
	errLength    = fmt.Errorf("%w: not %d characters long", ErrMalformed, Length)
	errSeparator = fmt.Errorf("%w: no '_' between random part and checksum", ErrMalformed)
	errAlphabet  = fmt.Errorf("%w: character outside [A-Za-z0-9]", ErrMalformed)
	errChecksum  = fmt.Errorf("%w: checksum mismatch", ErrMalformed)
)

// Generate returns a new token of the given kind. The 30 random characters are drawn from
// rnd, which should be crypto/rand.Reader outside tests; bytes at or above rejectFrom are
// discarded and replaced (rejection sampling), so every character is uniform over
// [A-Za-z0-9] and the same reader contents always produce the same token.
func Generate(kind Kind, rnd io.Reader) (string, error) {
	prefix := kind.Prefix()
	if prefix == "" {
		return "", fmt.Errorf("token: cannot generate a token of invalid %v", kind)
	}
	var buf [Length]byte
	copy(buf[:], prefix)
	buf[prefixLen] = '_'
	if err := fillRandom(buf[randomStart:randomEnd], rnd); err != nil {
		return "", err
	}
	buf[randomEnd] = '_'
	sum := encodeChecksum(checksumOf(buf[:randomEnd]))
	copy(buf[checksumStart:], sum[:])
	return string(buf[:]), nil
}

// fillRandom fills dst with characters of alphabet, one per accepted byte of rnd. Each round
// reads exactly as many bytes as characters are still missing, so no randomness is wasted and
// a reader's output maps onto tokens in an order that is easy to reproduce in tests.
func fillRandom(dst []byte, rnd io.Reader) error {
	var raw [randomLen]byte
	filled := 0
	for range maxRandomRounds {
		want := raw[:len(dst)-filled]
		if _, err := io.ReadFull(rnd, want); err != nil {
			return fmt.Errorf("token: reading randomness: %w", err)
		}
		for _, b := range want {
			if int(b) >= rejectFrom {
				continue
			}
			dst[filled] = alphabet[int(b)%len(alphabet)]
			filled++
		}
		if filled == len(dst) {
			return nil
		}
	}
	return fmt.Errorf("token: random source rejected %d times in a row; is it random?", maxRandomRounds)
}

// encodeChecksum writes crc the way MAS's base62_encode does: base-62 digits, least
// significant first, then '0' padding on the left up to six characters. The padding is on
// the "wrong" end for a little-endian digit order; it is kept for compatibility (see doc.go).
func encodeChecksum(crc uint32) [checksumLen]byte {
	var digits [checksumLen]byte
	n := 0
	for crc > 0 {
		digits[n] = alphabet[crc%uint32(len(alphabet))]
		crc /= uint32(len(alphabet))
		n++
	}
	var out [checksumLen]byte
	pad := checksumLen - n
	for i := range pad {
		out[i] = '0'
	}
	copy(out[pad:], digits[:n])
	return out
}

// Parse reports which kind of token s is, after checking its prefix, length, alphabet and
// checksum. It does not allocate and reads s only once, so it can run on every request before
// any database lookup.
//
// It returns ErrNotOurs if s does not start with one of our prefixes and '_', and an error
// wrapping ErrMalformed if it does but is not a well-formed token. A nil error says only that
// s is well formed, never that it was issued or is still valid.
func Parse(s string) (Kind, error) {
	if len(s) <= prefixLen || s[prefixLen] != '_' {
		return 0, ErrNotOurs
	}
	kind := kindOfPrefix(s[:prefixLen])
	if kind == 0 {
		return 0, ErrNotOurs
	}
	if len(s) != Length {
		return 0, errLength
	}
	if s[randomEnd] != '_' {
		return 0, errSeparator
	}
	for i := randomStart; i < randomEnd; i++ {
		if !isAlphanumeric(s[i]) {
			return 0, errAlphabet
		}
	}
	want := encodeChecksum(checksumOf(s[:randomEnd]))
	// A string conversion in a comparison does not allocate.
	if s[checksumStart:] != string(want[:]) {
		return 0, errChecksum
	}
	return kind, nil
}

// Check returns nil if s is a well-formed token of kind want, ErrWrongKind if it is a
// well-formed token of another kind, and Parse's error otherwise.
func Check(s string, want Kind) error {
	kind, err := Parse(s)
	if err != nil {
		return err
	}
	if kind != want {
		return ErrWrongKind
	}
	return nil
}

// checksumOf is the CRC-32/ISO-HDLC of the token's "{prefix}_{random}" part, i.e.
// crc32.ChecksumIEEE, computed byte by byte over crc32.IEEETable (reflected polynomial,
// initial value and final XOR all ones). It does not call crc32.ChecksumIEEE because that
// dispatches through a function variable, which makes its argument escape: converting the
// token string for it would cost Parse a heap allocation. For 34 bytes the table loop is as
// fast as the accelerated code; a test pins the two together.
func checksumOf[T string | []byte](head T) uint32 {
	crc := ^uint32(0)
	for i := 0; i < len(head); i++ {
		crc = crc32.IEEETable[byte(crc)^head[i]] ^ crc>>8
	}
	return ^crc
}

func isAlphanumeric(c byte) bool {
	return ('0' <= c && c <= '9') || ('A' <= c && c <= 'Z') || ('a' <= c && c <= 'z')
}
