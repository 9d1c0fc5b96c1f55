package password

import (
	"context"
	"crypto/rand"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// The benchmarks use the default parameters, the cost a real login pays. Run with
//
//	go test -run '^$' -bench . ./internal/password/
//
// ms/op is reported next to ns/op for readability.

func benchHasher(b *testing.B, opts Options) *Hasher {
	b.Helper()
	opts.Rand = rand.Reader
	h, err := New(opts)
	if err != nil {
		b.Fatal(err)
	}
	return h
}

func reportMillis(b *testing.B) {
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
}

func BenchmarkHash(b *testing.B) {
	h := benchHasher(b, Options{})
	for b.Loop() {
		if _, err := h.Hash(context.Background(), "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
	reportMillis(b)
}

func BenchmarkVerify(b *testing.B) {
	for _, bc := range []struct {
		name string
		opts Options
	}{
		{"argon2id", Options{}},
		{"argon2id-pepper", Options{Argon2: Argon2Options{Pepper: []byte("pepper")}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			h := benchHasher(b, bc.opts)
			hash, err := h.Hash(context.Background(), "correct horse battery staple")
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if ok, _, err := h.Verify(context.Background(), "correct horse battery staple", hash); !ok || err != nil {
					b.Fatal(ok, err)
				}
			}
			reportMillis(b)
		})
	}
	b.Run("bcrypt-12", func(b *testing.B) {
		h := benchHasher(b, Options{})
		hash, err := bcrypt.GenerateFromPassword([]byte("correct horse battery staple"), 12)
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if ok, _, err := h.Verify(context.Background(), "correct horse battery staple", string(hash)); !ok || err != nil {
				b.Fatal(ok, err)
			}
		}
		reportMillis(b)
	})
}

func BenchmarkDummyVerify(b *testing.B) {
	h := benchHasher(b, Options{})
	for b.Loop() {
		if err := h.DummyVerify(context.Background(), "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
	reportMillis(b)
}
