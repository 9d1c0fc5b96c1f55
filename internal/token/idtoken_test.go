package token

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

func TestAccessTokenHash(t *testing.T) {
	t.Parallel()
	// OIDC Core §A.3 example: access_token "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y" has
	// at_hash "77QmUPtjPfzWtF2AnpK9RQ" (RS256).
	got, err := AccessTokenHash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y", "RS256")
	if err != nil || got != "77QmUPtjPfzWtF2AnpK9RQ" {
		t.Errorf("at_hash = %q, %v", got, err)
	}
	if _, err := AccessTokenHash("x", "none"); err == nil {
		t.Error("alg none accepted")
	}
}

func TestSignIDToken(t *testing.T) {
	t.Parallel()
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	now := time.Unix(1_800_000_000, 0)
	claims := IDTokenClaims{
		Issuer: "https://auth.example.test/", Subject: "01JUSER", Audience: "01JCLIENT",
		IssuedAt: now, Expiry: now.Add(5 * time.Minute), AuthTime: now.Add(-time.Minute),
		Nonce: "n-0S6_WzA2Mj", AccessToken: "mat_abc",
	}
	for _, tt := range []struct {
		alg string
		key crypto.Signer
	}{{"ES256", ec}, {"RS256", rk}} {
		signed, err := SignIDToken(claims, tt.alg, "kid-1", tt.key)
		if err != nil {
			t.Fatalf("%s: %v", tt.alg, err)
		}
		jws, err := jose.ParseSigned(signed, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(tt.alg)})
		if err != nil {
			t.Fatal(err)
		}
		h := jws.Signatures[0].Protected
		if h.KeyID != "kid-1" || h.Algorithm != tt.alg || h.ExtraHeaders["typ"] != "JWT" {
			t.Errorf("%s header %+v", tt.alg, h)
		}
		payload, err := jws.Verify(tt.key.Public())
		if err != nil {
			t.Fatalf("%s: %v", tt.alg, err)
		}
		var got map[string]any
		_ = json.Unmarshal(payload, &got)
		atHash, _ := AccessTokenHash("mat_abc", tt.alg)
		want := map[string]any{"iss": claims.Issuer, "sub": "01JUSER", "aud": "01JCLIENT", "exp": float64(now.Unix() + 300),
			"iat": float64(now.Unix()), "auth_time": float64(now.Unix() - 60), "nonce": "n-0S6_WzA2Mj", "at_hash": atHash}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: claim %s = %v, want %v", tt.alg, k, got[k], v)
			}
		}
	}
}

// opaqueSigner hides the concrete key type, as a key held in an HSM or a KMS would.
type opaqueSigner struct{ crypto.Signer }

func TestSignIDTokenSerialization(t *testing.T) {
	t.Parallel()
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	claims := IDTokenClaims{Issuer: "https://auth.example.test/", Subject: "u", Audience: "c",
		IssuedAt: time.Unix(1_800_000_000, 0), Expiry: time.Unix(1_800_000_300, 0)}
	signed, err := SignIDToken(claims, "ES256", "kid-1", opaqueSigner{ec})
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(signed, ".")
	if len(parts) != 3 {
		t.Fatalf("%d parts in %q", len(parts), signed)
	}
	header, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil || string(header) != `{"alg":"ES256","kid":"kid-1","typ":"JWT"}` {
		t.Errorf("header = %s, %v", header, err)
	}
	// ES256 signatures are R || S, 64 bytes (RFC 7518 §3.4), never DER.
	if sig, err := base64.RawURLEncoding.DecodeString(parts[2]); err != nil || len(sig) != 64 {
		t.Errorf("signature is %d bytes, %v", len(sig), err)
	}
	jws, err := jose.ParseSigned(signed, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jws.Verify(ec.Public()); err != nil {
		t.Errorf("go-jose does not verify it: %v", err)
	}
}

func TestSignIDTokenRefusesMismatchedKeys(t *testing.T) {
	t.Parallel()
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	claims := IDTokenClaims{Issuer: "https://auth.example.test/", Subject: "u", Audience: "c"}
	for _, tt := range []struct {
		name, alg string
		key       crypto.Signer
	}{
		{"RS256 with an EC key", "RS256", ec},
		{"ES256 with an RSA key", "ES256", rk},
		{"ES256 with a P-384 key", "ES256", p384},
		{"an algorithm mxauth does not sign with", "PS256", rk},
		{"none", "none", ec},
	} {
		if got, err := SignIDToken(claims, tt.alg, "k", tt.key); err == nil {
			t.Errorf("%s: signed %q", tt.name, got)
		}
	}
}

func BenchmarkSignIDTokenES256(b *testing.B) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := time.Unix(1_800_000_000, 0)
	claims := IDTokenClaims{
		Issuer: "https://auth.example.test/", Subject: "01JUSER", Audience: "01JCLIENT",
		IssuedAt: now, Expiry: now.Add(5 * time.Minute), AuthTime: now.Add(-time.Minute),
		Nonce: "n-0S6_WzA2Mj", AccessToken: "mat_abc",
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := SignIDToken(claims, "ES256", "kid-1", ec); err != nil {
			b.Fatal(err)
		}
	}
}
