package token

import (
	"crypto/sha256"
	"crypto/subtle"
)

// Digest is the SHA-256 of a token: what the database stores instead of the token. As an
// array it is comparable, so it can key a map (an introspection cache, say). Looking a digest
// up in a map or an index is not constant time, and need not be: an attacker who learns
// something about a hash of a 178-bit random string learns nothing usable about the string.
type Digest [sha256.Size]byte

// Sum returns the SHA-256 of the whole token string, prefix and checksum included. This is a
// storage format: changing it orphans every stored hash.
func Sum(token string) Digest {
	// A token fits a stack buffer; converting the string directly would allocate for anything
	// over 32 bytes, and Sum runs on every introspection request.
	if len(token) <= Length {
		var buf [Length]byte
		n := copy(buf[:], token)
		return sha256.Sum256(buf[:n])
	}
	return sha256.Sum256([]byte(token))
}

// Hash returns Sum(token) as a slice, the form a database column takes.
func Hash(token string) []byte {
	d := Sum(token)
	return d[:]
}

// Equal reports whether a and b are the same digest, in time that does not depend on where
// they differ (crypto/subtle). Anything that is not exactly a SHA-256 digest is equal to
// nothing, not even itself, so a missing hash (a public client's nil secret hash) can never
// match.
func Equal(a, b []byte) bool {
	if len(a) != sha256.Size || len(b) != sha256.Size {
		return false
	}
	return subtle.ConstantTimeCompare(a, b) == 1
}

// Verify reports whether the presented token hashes to stored, comparing in constant time.
// Use it for secrets that are compared after a lookup by another key, such as a client secret
// found by client_id.
func Verify(presented string, stored []byte) bool {
	d := Sum(presented)
	return Equal(d[:], stored)
}
