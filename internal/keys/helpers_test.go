package keys

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"sync"
	"testing"
	"time"

	"github.com/mxauth/mxauth/internal/clock"
	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/secretbox"
)

var testT0 = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// testBox returns a Box whose secret is 32 copies of fill.
func testBox(t testing.TB, fill byte) *secretbox.Box {
	t.Helper()
	box, err := secretbox.New(bytes.Repeat([]byte{fill}, secretbox.SecretSize))
	if err != nil {
		t.Fatal(err)
	}
	return box
}

func storeOptions(st *fakeKeyStore, box *secretbox.Box) Options {
	return Options{Store: st, Box: box, Clock: clock.NewFake(testT0), Rand: rand.Reader}
}

// sharedRSAKey is one RSA-2048 key for tests that need some RSA key but not a fresh one:
// generating one costs tens of milliseconds.
var sharedRSAKey = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })

func rsaKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	k, err := sharedRSAKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func ecKey(t testing.TB, curve elliptic.Curve) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func pkcs8DER(t testing.TB, priv any) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

// sealedKey builds a stored key the way Load stores one, from a key made by the test.
func sealedKey(t testing.TB, box *secretbox.Box, priv any, kid, alg, slot string, created time.Time) model.SigningKey {
	t.Helper()
	sealed, err := box.Seal(SealPurpose, pkcs8DER(t, priv), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return model.SigningKey{KID: kid, Alg: alg, Slot: slot, Sealed: sealed, CreatedAt: created}
}

// defaultStoredKeys fills both default slots with keys made by the test (so the test does not
// pay for RSA generation), sealed with box.
func defaultStoredKeys(t testing.TB, box *secretbox.Box) []model.SigningKey {
	t.Helper()
	return []model.SigningKey{
		sealedKey(t, box, ecKey(t, elliptic.P256()), "es-default", model.AlgES256, "default-ES256", testT0),
		sealedKey(t, box, rsaKey(t), "rs-default", model.AlgRS256, "default-RS256", testT0),
	}
}
