package secretbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
)

// Errors returned by Open. Both are wrapped with detail; test with errors.Is.
var (
	// ErrNotAuthentic: the sealed data is well formed but does not authenticate. The secret
	// or the purpose differs from the one it was sealed with, or the data was altered.
	ErrNotAuthentic = errors.New("secretbox: sealed data does not authenticate (different secret or purpose, or altered data)")
	// ErrMalformed: the input is not sealed data of a format this version understands.
	ErrMalformed = errors.New("secretbox: malformed sealed data")
)

// Sealed data layout, version 1:
//
//	version (1 byte, = 1) || nonce (12 bytes) || AES-256-GCM ciphertext and 16-byte tag
//
// The version byte comes first so the format can change (another AEAD, a key ID) while old
// blobs still open. It is also the GCM additional data, so it is authenticated too.
const (
	formatV1   byte = 1
	nonceSize       = 12 // the GCM standard nonce (SP 800-38D §8.2); random nonces are safe for far more than the few blobs mxauth seals
	tagSize         = 16
	headerSize      = 1 + nonceSize
	aesKeySize      = 32 // AES-256
)

// HKDF info prefixes. The purpose alone is not the info: HKDF output for a shorter length is
// a prefix of the output for a longer one, so Derive(p, 32) would equal the key Seal uses
// for p. The prefix keeps the two uses apart even when a caller reuses a purpose name.
const (
	infoSeal   = "mxauth/secretbox/seal/v1:"
	infoDerive = "mxauth/secretbox/derive:"
)

// Box holds the encryption secret and derives per-purpose keys from it. It is safe for
// concurrent use; it holds no mutable state.
type Box struct {
	// prk is the HKDF pseudorandom key extracted from the secret (RFC 5869 §2.2). Extracting
	// once means each purpose needs only the cheap Expand step.
	prk []byte
}

// New returns a Box for secret, which must be exactly SecretSize bytes (see ParseSecret).
func New(secret []byte) (*Box, error) {
	if len(secret) != SecretSize {
		return nil, fmt.Errorf("secretbox: the encryption secret must be %d bytes, got %d", SecretSize, len(secret))
	}
	// RFC 5869 §3.1: the salt is optional; the secret is already uniformly random, so the
	// zero salt HKDF substitutes is fine.
	prk, err := hkdf.Extract(sha256.New, secret, nil)
	if err != nil {
		return nil, fmt.Errorf("secretbox: %w", err)
	}
	return &Box{prk: prk}, nil
}

// Derive returns n bytes of key material for purpose, e.g. an HMAC key for cookies. The
// same secret and purpose always give the same bytes; different purposes give independent
// ones. n must be between 1 and 8160 (255 SHA-256 blocks, RFC 5869 §2.3); Derive panics
// otherwise, since n is a constant in the caller, not input.
func (b *Box) Derive(purpose string, n int) []byte {
	if n < 1 {
		panic(fmt.Sprintf("secretbox: Derive(%q, %d): length must be positive", purpose, n))
	}
	key, err := hkdf.Expand(sha256.New, b.prk, infoDerive+purpose, n)
	if err != nil {
		panic(fmt.Sprintf("secretbox: Derive(%q, %d): %v", purpose, n, err))
	}
	return key
}

// aead returns the AES-256-GCM cipher for purpose.
func (b *Box) aead(purpose string) (cipher.AEAD, error) {
	key, err := hkdf.Expand(sha256.New, b.prk, infoSeal+purpose, aesKeySize)
	if err != nil {
		return nil, fmt.Errorf("secretbox: deriving key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secretbox: %w", err)
	}
	return cipher.NewGCM(block)
}

// Seal encrypts and authenticates plaintext under the key for purpose, with a fresh random
// nonce read from rnd (crypto/rand.Reader outside tests). Only Open with the same secret and
// purpose recovers it.
func (b *Box) Seal(purpose string, plaintext []byte, rnd io.Reader) ([]byte, error) {
	if rnd == nil {
		return nil, errors.New("secretbox: no random source")
	}
	gcm, err := b.aead(purpose)
	if err != nil {
		return nil, err
	}
	out := make([]byte, headerSize, headerSize+len(plaintext)+tagSize)
	out[0] = formatV1
	if _, err := io.ReadFull(rnd, out[1:headerSize]); err != nil {
		return nil, fmt.Errorf("secretbox: reading nonce: %w", err)
	}
	return gcm.Seal(out, out[1:headerSize], plaintext, out[:1]), nil
}

// Open authenticates and decrypts data made by Seal with the same purpose. It returns
// ErrMalformed for input too short or of an unknown version, and ErrNotAuthentic when the
// secret, the purpose or any byte differs.
func (b *Box) Open(purpose string, sealed []byte) ([]byte, error) {
	if len(sealed) == 0 {
		return nil, fmt.Errorf("%w: empty input", ErrMalformed)
	}
	if sealed[0] != formatV1 {
		return nil, fmt.Errorf("%w: unknown format version %d", ErrMalformed, sealed[0])
	}
	if len(sealed) < headerSize+tagSize {
		return nil, fmt.Errorf("%w: %d bytes is shorter than the minimum of %d", ErrMalformed, len(sealed), headerSize+tagSize)
	}
	gcm, err := b.aead(purpose)
	if err != nil {
		return nil, err
	}
	plaintext, err := gcm.Open(nil, sealed[1:headerSize], sealed[headerSize:], sealed[:1])
	if err != nil {
		return nil, fmt.Errorf("%w (purpose %q)", ErrNotAuthentic, purpose)
	}
	return plaintext, nil
}
