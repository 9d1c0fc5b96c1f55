// Package keys owns the server's JWS signing keys: where they come from, how they are kept,
// and the public JWKS document (RFC 7517 §5) that lets clients verify what mxauth signs.
//
// Keys come from one of two places, never both:
//
//   - Configured: PEM private keys listed in the configuration. They are used exactly as
//     given; nothing is generated or written to the database.
//   - Stored: otherwise, the keys live in the database, sealed with the encryption secret
//     (package secretbox). On first start Load generates one ES256 key (P-256) and one
//     RS256 key (RSA-2048) into the slots "default-ES256" and "default-RS256". Slots make
//     replicas that start together agree on one key each (store.KeyStore.CreateIfAbsent).
//
// A loaded Set publishes every key it holds and signs with one key per algorithm.
// Verification and JWT minting belong to package token.
package keys
