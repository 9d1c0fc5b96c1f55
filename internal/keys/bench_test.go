package keys

import (
	"context"
	"crypto/rand"
	"testing"

	"github.com/mxauth/mxauth/internal/clock"
)

// BenchmarkLoadEmptyStore is what the first start on a new database pays: generating,
// sealing and storing both default keys, then loading them. RSA key generation dominates and
// varies widely (prime search).
func BenchmarkLoadEmptyStore(b *testing.B) {
	box := testBox(b, 1)
	for b.Loop() {
		opts := Options{Store: &fakeKeyStore{}, Box: box, Clock: clock.Real{}, Rand: rand.Reader}
		if _, err := Load(context.Background(), opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadExistingKeys is what every later start pays: list, unseal and parse.
func BenchmarkLoadExistingKeys(b *testing.B) {
	box := testBox(b, 1)
	st := &fakeKeyStore{}
	if _, err := Load(context.Background(), storeOptions(st, box)); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Load(context.Background(), storeOptions(st, box)); err != nil {
			b.Fatal(err)
		}
	}
}
