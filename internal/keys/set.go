package keys

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/go-jose/go-jose/v4"

	"github.com/mxauth/mxauth/internal/model"
)

// minRSABits is the smallest RSA modulus accepted for RS256: RFC 7518 §3.3 says "a key of
// size 2048 bits or larger MUST be used with these algorithms".
const minRSABits = 2048

// kidLength is how many base64url characters of the RFC 7638 thumbprint form a derived key
// ID: 16 characters carry 96 bits, far more than needed to tell a handful of keys apart,
// and keep JWT headers short.
const kidLength = 16

// signingKey is one usable private key with its published identity.
type signingKey struct {
	kid    string
	alg    string
	signer crypto.Signer
}

// Set is the loaded signing keys. It is immutable and safe for concurrent use.
type Set struct {
	signers map[string]signingKey // alg -> the key that signs with it
	algs    []string
	jwks    []byte
}

// newSet builds a Set from keys in order of preference: for each algorithm the first key
// signs; every key is published, in the same order.
func newSet(keys []signingKey) (*Set, error) {
	s := &Set{signers: map[string]signingKey{}}
	published := jose.JSONWebKeySet{Keys: make([]jose.JSONWebKey, 0, len(keys))}
	for _, k := range keys {
		if _, ok := s.signers[k.alg]; !ok {
			s.signers[k.alg] = k
			s.algs = append(s.algs, k.alg)
		}
		// RFC 7517 §4.2 "use": "sig"; §4.4 "alg": the one algorithm this key is for, so a
		// verifier never tries it with another.
		published.Keys = append(published.Keys, jose.JSONWebKey{
			Key:       k.signer.Public(),
			KeyID:     k.kid,
			Algorithm: k.alg,
			Use:       "sig",
		})
	}
	slices.Sort(s.algs)
	jwks, err := json.Marshal(published)
	if err != nil {
		return nil, fmt.Errorf("keys: encoding JWKS: %w", err)
	}
	s.jwks = jwks
	return s, nil
}

// JWKS returns the JSON Web Key Set document {"keys":[...]} holding the public part of every
// key (RFC 7517 §5), ready to serve at the jwks_uri. It is computed once at load; each call
// returns a fresh copy the caller may keep.
func (s *Set) JWKS() []byte { return bytes.Clone(s.jwks) }

// Algs returns the JWS algorithms the set can sign with, sorted, e.g. ["ES256", "RS256"]:
// the values for id_token_signing_alg_values_supported and friends (OIDC Discovery §3).
func (s *Set) Algs() []string { return slices.Clone(s.algs) }

// Signer returns the key that signs with alg and its kid for the JWS header. For stored keys
// it is the newest key of that algorithm; for configured keys, the first one listed.
func (s *Set) Signer(alg string) (kid string, key crypto.Signer, ok bool) {
	k, ok := s.signers[alg]
	if !ok {
		return "", nil, false
	}
	return k.kid, k.signer, true
}

// algFor tells which JWS algorithm a private key signs with, refusing keys mxauth does not
// sign with: only P-256 for ES256 (RFC 7518 §3.4) and RSA of 2048 bits or more for RS256.
func algFor(priv any) (string, crypto.Signer, error) {
	switch k := priv.(type) {
	case *ecdsa.PrivateKey:
		if k.Curve != elliptic.P256() {
			return "", nil, fmt.Errorf("unsupported elliptic curve %s: only P-256 (for %s) is supported", k.Curve.Params().Name, model.AlgES256)
		}
		return model.AlgES256, k, nil
	case *rsa.PrivateKey:
		if bits := k.N.BitLen(); bits < minRSABits {
			return "", nil, fmt.Errorf("RSA key has %d bits; %s needs at least %d (RFC 7518 §3.3)", bits, model.AlgRS256, minRSABits)
		}
		return model.AlgRS256, k, nil
	default:
		return "", nil, fmt.Errorf("unsupported key type %T: use an EC P-256 key (%s) or an RSA key of at least %d bits (%s)",
			priv, model.AlgES256, minRSABits, model.AlgRS256)
	}
}

// thumbprintKID derives a key ID from the RFC 7638 JWK thumbprint (SHA-256) of the public
// key: short, URL-safe, and the same on every replica that holds the same key.
func thumbprintKID(signer crypto.Signer) (string, error) {
	jwk := jose.JSONWebKey{Key: signer.Public()}
	sum, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("computing JWK thumbprint: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(sum)[:kidLength], nil
}
