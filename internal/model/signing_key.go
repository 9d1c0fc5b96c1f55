package model

import "time"

// Signing algorithms mxauth can sign JWTs with (RFC 7518 §3.1).
const (
	AlgES256 = "ES256"
	AlgRS256 = "RS256"
)

// SigningKey is a private JWS signing key as it is kept in the store: the private key is
// sealed (encrypted and authenticated) with the server's encryption secret, so a database
// dump alone does not leak it.
type SigningKey struct {
	// KID is the JWK key ID published in the JWKS ("kid", RFC 7517 §4.5).
	KID string
	// Alg is the JWS algorithm the key signs with, e.g. AlgES256.
	Alg string
	// Slot names the role the key fills, e.g. "default-ES256". At most one stored key holds
	// a slot, which lets replicas that start together agree on one generated key.
	Slot string
	// Sealed is the PKCS#8 DER private key, sealed with the encryption secret.
	Sealed []byte
	// CreatedAt is when the key was generated.
	CreatedAt time.Time
}
