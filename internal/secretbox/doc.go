// Package secretbox owns the server's encryption secret: the one 32-byte value from the
// configuration from which every other at-rest secret of mxauth is derived.
//
// A Box never uses the secret directly. Each use names a purpose ("signing-key",
// "cookie", ...) and gets its own subkey from HKDF-SHA256 (RFC 5869), so one
// configured secret serves many uses without ever using one key for two of them.
//
//   - Seal/Open encrypt and authenticate small blobs (sealed signing keys in the
//     database) with AES-256-GCM (NIST SP 800-38D).
//   - Derive hands out raw key material, e.g. HMAC keys for cookies and CSRF tokens.
//
// ParseSecret and GenerateSecret convert the secret to and from the 64-hex-character
// form the configuration file uses.
package secretbox
