package keys

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/go-cmp/cmp"
)

// fullThumbprint computes the RFC 7638 thumbprint with go-jose, independently of the code
// under test.
func fullThumbprint(t *testing.T, pub crypto.PublicKey) string {
	t.Helper()
	jwk := jose.JSONWebKey{Key: pub}
	sum, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(sum)
}

func TestLoadConfiguredKeys(t *testing.T) {
	t.Parallel()
	ec := ecKey(t, elliptic.P256())
	ecSEC1, err := x509.MarshalECPrivateKey(ec)
	if err != nil {
		t.Fatal(err)
	}
	ecParams := pemBlock("EC PARAMETERS", []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}) // OID prime256v1
	rs := rsaKey(t)

	tests := []struct {
		name    string
		pem     []byte
		kid     string
		wantAlg string
		pub     crypto.PublicKey
	}{
		{"P-256 PKCS#8", pemBlock("PRIVATE KEY", pkcs8DER(t, ec)), "ec-pkcs8", "ES256", &ec.PublicKey},
		{"P-256 SEC1", pemBlock("EC PRIVATE KEY", ecSEC1), "ec-sec1", "ES256", &ec.PublicKey},
		{"P-256 SEC1 after EC PARAMETERS", append(ecParams, pemBlock("EC PRIVATE KEY", ecSEC1)...), "", "ES256", &ec.PublicKey},
		{"RSA PKCS#1", pemBlock("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rs)), "rsa-pkcs1", "RS256", &rs.PublicKey},
		{"RSA PKCS#8, derived kid", pemBlock("PRIVATE KEY", pkcs8DER(t, rs)), "", "RS256", &rs.PublicKey},
		{"text around the block", append([]byte("# signing key\n"), pemBlock("PRIVATE KEY", pkcs8DER(t, ec))...), "ec", "ES256", &ec.PublicKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st := &fakeKeyStore{}
			opts := storeOptions(st, testBox(t, 1))
			opts.Configured = []ConfiguredKey{{KID: tt.kid, PEM: tt.pem}}
			set, err := Load(context.Background(), opts)
			if err != nil {
				t.Fatal(err)
			}
			if _, lists, creates := st.snapshot(); lists+creates != 0 {
				t.Errorf("configured keys touched the store: %d lists, %d creates", lists, creates)
			}
			if diff := cmp.Diff([]string{tt.wantAlg}, set.Algs()); diff != "" {
				t.Errorf("Algs (-want +got):\n%s", diff)
			}
			wantKID := tt.kid
			if wantKID == "" {
				wantKID = fullThumbprint(t, tt.pub)[:16]
			}
			kid, signer, ok := set.Signer(tt.wantAlg)
			if !ok || kid != wantKID {
				t.Errorf("Signer(%s) kid = %q, %v; want %q", tt.wantAlg, kid, ok, wantKID)
			}
			if ok && !signer.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(tt.pub) {
				t.Error("Signer returned a different key than configured")
			}
		})
	}
}

func TestLoadConfiguredFirstListedKeySigns(t *testing.T) {
	t.Parallel()
	opts := Options{Configured: []ConfiguredKey{
		{KID: "es-current", PEM: pemBlock("PRIVATE KEY", pkcs8DER(t, ecKey(t, elliptic.P256())))},
		{KID: "rs", PEM: pemBlock("PRIVATE KEY", pkcs8DER(t, rsaKey(t)))},
		{KID: "es-next", PEM: pemBlock("PRIVATE KEY", pkcs8DER(t, ecKey(t, elliptic.P256())))},
	}}
	set, err := Load(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if kid, _, _ := set.Signer("ES256"); kid != "es-current" {
		t.Errorf("Signer(ES256) = %q, want the first listed es-current", kid)
	}
	if diff := cmp.Diff([]string{"es-current", "rs", "es-next"}, jwksKIDs(t, set)); diff != "" {
		t.Errorf("JWKS kids (-want +got):\n%s", diff)
	}
}

func TestLoadConfiguredKeyErrors(t *testing.T) {
	t.Parallel()
	ec := ecKey(t, elliptic.P256())
	ecPEM := pemBlock("PRIVATE KEY", pkcs8DER(t, ec))
	_, edPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	legacyEncrypted := pem.EncodeToMemory(&pem.Block{
		Type:    "RSA PRIVATE KEY",
		Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-256-CBC,00112233445566778899AABBCCDDEEFF"},
		Bytes:   []byte("ciphertext"),
	})

	tests := []struct {
		name       string
		configured []ConfiguredKey
		wantInMsg  []string // the key's name and the problem
	}{
		{"not PEM", []ConfiguredKey{{KID: "a", PEM: []byte("MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg")}}, []string{`"a"`, "no PEM-encoded private key"}},
		{"empty", []ConfiguredKey{{KID: "a"}}, []string{`"a"`, "no PEM-encoded private key"}},
		{"certificate", []ConfiguredKey{{KID: "a", PEM: pemBlock("CERTIFICATE", []byte{1})}}, []string{`"a"`, `"CERTIFICATE"`}},
		{"garbage in block", []ConfiguredKey{{KID: "a", PEM: pemBlock("PRIVATE KEY", []byte("not DER"))}}, []string{`"a"`, "parsing PRIVATE KEY"}},
		{"SEC1 label on PKCS#1 bytes", []ConfiguredKey{{KID: "a", PEM: pemBlock("EC PRIVATE KEY", x509.MarshalPKCS1PrivateKey(small))}}, []string{`"a"`, "parsing EC PRIVATE KEY"}},
		{"P-384", []ConfiguredKey{{KID: "p384", PEM: pemBlock("PRIVATE KEY", pkcs8DER(t, ecKey(t, elliptic.P384())))}}, []string{`"p384"`, "P-384", "only P-256"}},
		{"P-521 as SEC1", []ConfiguredKey{{KID: "p521", PEM: func() []byte {
			der, err := x509.MarshalECPrivateKey(ecKey(t, elliptic.P521()))
			if err != nil {
				t.Fatal(err)
			}
			return pemBlock("EC PRIVATE KEY", der)
		}()}}, []string{`"p521"`, "P-521"}},
		{"RSA 1024", []ConfiguredKey{{KID: "weak", PEM: pemBlock("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(small))}}, []string{`"weak"`, "1024 bits", "at least 2048"}},
		{"Ed25519", []ConfiguredKey{{KID: "ed", PEM: pemBlock("PRIVATE KEY", pkcs8DER(t, edPriv))}}, []string{`"ed"`, "unsupported key type"}},
		{"PKCS#8 encrypted", []ConfiguredKey{{KID: "enc", PEM: pemBlock("ENCRYPTED PRIVATE KEY", []byte{1})}}, []string{`"enc"`, "encrypted"}},
		{"legacy encrypted", []ConfiguredKey{{KID: "enc", PEM: legacyEncrypted}}, []string{`"enc"`, "encrypted"}},
		{"two keys in one PEM", []ConfiguredKey{{KID: "two", PEM: append(append([]byte{}, ecPEM...), ecPEM...)}}, []string{`"two"`, "more than one private key"}},
		{"unnamed key is numbered", []ConfiguredKey{{KID: "ok", PEM: ecPEM}, {PEM: []byte("junk")}}, []string{"#2 (no kid)", "no PEM-encoded"}},
		{"duplicate kid", []ConfiguredKey{{KID: "same", PEM: ecPEM}, {KID: "same", PEM: pemBlock("PRIVATE KEY", pkcs8DER(t, rsaKey(t)))}}, []string{`"same"`, "earlier key"}},
		{"same key twice without kid", []ConfiguredKey{{PEM: ecPEM}, {PEM: ecPEM}}, []string{"#2 (no kid)", fullThumbprint(t, &ec.PublicKey)[:16]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			set, err := Load(context.Background(), Options{Configured: tt.configured})
			if err == nil {
				t.Fatalf("Load: want error, got a set signing with %v", set.Algs())
			}
			for _, want := range tt.wantInMsg {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
		})
	}
}
