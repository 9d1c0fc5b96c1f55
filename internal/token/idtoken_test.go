package token

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
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
