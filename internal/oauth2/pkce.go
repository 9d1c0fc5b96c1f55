package oauth2

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
)

// Bounds of a PKCE code verifier (RFC 7636 §4.1: "minimum length of 43 characters and a
// maximum length of 128 characters").
const (
	MinCodeVerifierLength = 43
	MaxCodeVerifierLength = 128
)

// s256ChallengeLength is the length of BASE64URL(SHA-256(verifier)) without padding: 32 bytes
// are 43 base64url characters (RFC 7636 §4.2, Appendix A).
const s256ChallengeLength = 43

// ValidCodeVerifier reports whether v is a well-formed code verifier: 43 to 128 characters of
// [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~" (RFC 7636 §4.1).
func ValidCodeVerifier(v string) bool {
	if len(v) < MinCodeVerifierLength || len(v) > MaxCodeVerifierLength {
		return false
	}
	for i := 0; i < len(v); i++ {
		if !isUnreserved(v[i]) {
			return false
		}
	}
	return true
}

// ValidCodeChallenge reports whether c can be an S256 code challenge: exactly 43 base64url
// characters without padding that decode to 32 bytes (RFC 7636 §4.2). The decoding is strict,
// so a challenge whose last character carries non-zero spare bits is refused: it is not the
// encoding of any SHA-256 value, and refusing it at the authorization endpoint tells the
// client at once instead of failing the later code exchange.
func ValidCodeChallenge(c string) bool {
	if len(c) != s256ChallengeLength {
		return false
	}
	// encoding/base64 skips '\r' and '\n'; only the 64 base64url characters may appear.
	for i := 0; i < len(c); i++ {
		if b := c[i]; !isUnreserved(b) || b == '.' || b == '~' {
			return false
		}
	}
	var decoded [sha256.Size + 2]byte
	n, err := base64.RawURLEncoding.Strict().Decode(decoded[:], []byte(c))
	return err == nil && n == sha256.Size
}

// VerifyPKCE reports whether verifier matches the challenge stored with the authorization
// code (RFC 7636 §4.6). Only the S256 method is accepted: "plain" offers no protection when
// the challenge leaks and RFC 9700 §2.1.1 advises against it, so mxauth neither advertises
// nor honours it. A malformed verifier never matches. The comparison is constant-time, so
// the time taken says nothing about how much of the challenge was guessed.
func VerifyPKCE(verifier, challenge, method string) bool {
	if method != CodeChallengeMethodS256 || !ValidCodeVerifier(verifier) {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(S256Challenge(verifier)), []byte(challenge)) == 1
}

// S256Challenge is BASE64URL-ENCODE(SHA256(ASCII(verifier))) (RFC 7636 §4.2), the challenge
// a client derives from its verifier. Tests and the end-to-end harness use it to play the
// client.
func S256Challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// isUnreserved reports whether c is an RFC 3986 §2.3 unreserved character, the alphabet of
// code verifiers (RFC 7636 §4.1).
func isUnreserved(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return c == '-' || c == '.' || c == '_' || c == '~'
}
