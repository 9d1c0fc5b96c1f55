package token

import (
	"crypto"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// IDTokenClaims are the claims of an OpenID Connect ID token (OIDC Core §2, §3.1.3.6).
type IDTokenClaims struct {
	Issuer   string
	Subject  string
	Audience string // the client_id
	IssuedAt time.Time
	Expiry   time.Time
	// AuthTime is when the user last authenticated; Nonce echoes the authorization request's.
	AuthTime time.Time
	Nonce    string
	// AccessToken, when set, is hashed into at_hash (OIDC Core §3.1.3.6).
	AccessToken string
}

type idTokenJSON struct {
	Issuer   string `json:"iss"`
	Subject  string `json:"sub"`
	Audience string `json:"aud"`
	Expiry   int64  `json:"exp"`
	IssuedAt int64  `json:"iat"`
	AuthTime int64  `json:"auth_time,omitempty"`
	Nonce    string `json:"nonce,omitempty"`
	AtHash   string `json:"at_hash,omitempty"`
}

// SignIDToken signs c as a compact JWS with the given algorithm (ES256 or RS256), key and
// key ID, with the header typ "JWT".
func SignIDToken(c IDTokenClaims, alg, kid string, key crypto.Signer) (string, error) {
	body := idTokenJSON{
		Issuer: c.Issuer, Subject: c.Subject, Audience: c.Audience,
		Expiry: c.Expiry.Unix(), IssuedAt: c.IssuedAt.Unix(), Nonce: c.Nonce,
	}
	if !c.AuthTime.IsZero() {
		body.AuthTime = c.AuthTime.Unix()
	}
	if c.AccessToken != "" {
		h, err := AccessTokenHash(c.AccessToken, alg)
		if err != nil {
			return "", err
		}
		body.AtHash = h
	}
	payload, err := json.Marshal(body)
	if err != nil {
		return "", err
	}
	signer, err := jose.NewSigner(
		jose.SigningKey{Algorithm: jose.SignatureAlgorithm(alg), Key: jose.JSONWebKey{Key: key, KeyID: kid, Algorithm: alg}},
		(&jose.SignerOptions{}).WithType("JWT"),
	)
	if err != nil {
		return "", fmt.Errorf("token: id_token signer: %w", err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("token: signing the id_token: %w", err)
	}
	return jws.CompactSerialize()
}

// AccessTokenHash is the at_hash of an access token: the left half of its hash with the
// hash function of the JWS algorithm, base64url without padding (OIDC Core §3.1.3.6).
func AccessTokenHash(accessToken, alg string) (string, error) {
	var h hash.Hash
	switch alg {
	case "ES256", "RS256", "PS256":
		h = sha256.New()
	case "ES384", "RS384", "PS384":
		h = sha512.New384()
	case "ES512", "RS512", "PS512":
		h = sha512.New()
	default:
		return "", fmt.Errorf("token: no at_hash for algorithm %q", alg)
	}
	h.Write([]byte(accessToken))
	sum := h.Sum(nil)
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2]), nil
}
