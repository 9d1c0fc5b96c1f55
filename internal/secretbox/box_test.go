package secretbox

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// testSecret is 00 01 02 ... 1f. The vectors below were computed with it independently of
// this package (Python: hmac/hashlib HKDF and cryptography's AESGCM).
const testSecretHex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

func testBox(t testing.TB, secretHex string) *Box {
	t.Helper()
	secret, err := hex.DecodeString(secretHex)
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(secret)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestNewChecksSecretLength(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, 16, 31, 33, 64} {
		if _, err := New(make([]byte, n)); err == nil {
			t.Errorf("New(%d bytes): want error, got nil", n)
		}
	}
	if _, err := New(make([]byte, 32)); err != nil {
		t.Errorf("New(32 bytes): %v", err)
	}
}

// TestKnownVectors pins the format and the key derivation: data sealed by an earlier
// release (signing keys in a database) must keep opening, so any change here is a break.
func TestKnownVectors(t *testing.T) {
	t.Parallel()
	b := testBox(t, testSecretHex)

	nonce := bytes.NewReader(bytes.Repeat([]byte{0xa5}, nonceSize))
	sealed, err := b.Seal("signing-key", []byte("hello, mxauth"), nonce)
	if err != nil {
		t.Fatal(err)
	}
	const wantSealed = "01a5a5a5a5a5a5a5a5a5a5a5a50a100869246817e34def0f17bd14ba9e977f03883933ed2f6301401f98"
	if diff := cmp.Diff(wantSealed, hex.EncodeToString(sealed)); diff != "" {
		t.Errorf("Seal output (-want +got):\n%s", diff)
	}

	const wantCookieKey = "4aea929fb6ecd36a0a228ed9c452a9277385c8345a28f6ecf050295819c537f8"
	if diff := cmp.Diff(wantCookieKey, hex.EncodeToString(b.Derive("cookie", 32))); diff != "" {
		t.Errorf(`Derive("cookie", 32) (-want +got):\n%s`, diff)
	}
}

func TestSealOpenRoundTrip(t *testing.T) {
	t.Parallel()
	b := testBox(t, testSecretHex)
	tests := []struct {
		name      string
		purpose   string
		plaintext []byte
	}{
		{"empty plaintext", "signing-key", []byte{}},
		{"one byte", "signing-key", []byte{0}},
		{"empty purpose", "", []byte("x")},
		{"large", "blob", bytes.Repeat([]byte("0123456789abcdef"), 1024)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sealed, err := b.Seal(tt.purpose, tt.plaintext, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := len(sealed), 1+nonceSize+len(tt.plaintext)+tagSize; got != want {
				t.Errorf("len(sealed) = %d, want %d", got, want)
			}
			if sealed[0] != formatV1 {
				t.Errorf("version byte = %d, want %d", sealed[0], formatV1)
			}
			got, err := b.Open(tt.purpose, sealed)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.plaintext, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Open (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSealUsesFreshNonces(t *testing.T) {
	t.Parallel()
	b := testBox(t, testSecretHex)
	first, err := b.Seal("p", []byte("same"), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	second, err := b.Seal("p", []byte("same"), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(first[:headerSize], second[:headerSize]) {
		t.Error("two seals used the same nonce")
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("entropy exhausted") }

func TestSealRandomSourceErrors(t *testing.T) {
	t.Parallel()
	b := testBox(t, testSecretHex)
	tests := []struct {
		name string
		rnd  interface{ Read([]byte) (int, error) }
	}{
		{"nil reader", nil},
		{"failing reader", failingReader{}},
		{"short reader", bytes.NewReader(make([]byte, nonceSize-1))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := b.Seal("p", []byte("x"), tt.rnd); err == nil {
				t.Error("Seal: want error, got nil")
			}
		})
	}
}

func TestOpenRejects(t *testing.T) {
	t.Parallel()
	b := testBox(t, testSecretHex)
	other := testBox(t, "ff"+testSecretHex[2:])
	sealed, err := b.Seal("signing-key", []byte("private key bytes"), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	withVersion := func(v byte) []byte {
		c := bytes.Clone(sealed)
		c[0] = v
		return c
	}
	tests := []struct {
		name    string
		box     *Box
		purpose string
		input   []byte
		wantErr error
	}{
		{"wrong purpose", b, "cookie", sealed, ErrNotAuthentic},
		{"wrong secret", other, "signing-key", sealed, ErrNotAuthentic},
		{"appended byte", b, "signing-key", append(bytes.Clone(sealed), 0), ErrNotAuthentic},
		{"tag cut short", b, "signing-key", sealed[:len(sealed)-1], ErrNotAuthentic},
		{"empty", b, "signing-key", nil, ErrMalformed},
		{"version only", b, "signing-key", sealed[:1], ErrMalformed},
		{"shorter than header and tag", b, "signing-key", sealed[:headerSize+tagSize-1], ErrMalformed},
		{"unknown version", b, "signing-key", withVersion(2), ErrMalformed},
		{"version zero", b, "signing-key", withVersion(0), ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.box.Open(tt.purpose, tt.input)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Open: error %v, want %v", err, tt.wantErr)
			}
			if got != nil {
				t.Errorf("Open returned plaintext %q alongside an error", got)
			}
		})
	}
}

// TestOpenDetectsEveryFlippedBit flips each bit of a sealed blob in turn: GCM must refuse
// all of them (the version byte is additional data, so it is covered as well).
func TestOpenDetectsEveryFlippedBit(t *testing.T) {
	t.Parallel()
	b := testBox(t, testSecretHex)
	sealed, err := b.Seal("p", []byte("abc"), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for i := range sealed {
		for bit := range 8 {
			tampered := bytes.Clone(sealed)
			tampered[i] ^= 1 << bit
			if _, err := b.Open("p", tampered); err == nil {
				t.Errorf("byte %d bit %d flipped: Open succeeded", i, bit)
			}
		}
	}
}

func TestDerive(t *testing.T) {
	t.Parallel()
	b := testBox(t, testSecretHex)
	other := testBox(t, "ff"+testSecretHex[2:])

	if got := b.Derive("cookie", 32); !bytes.Equal(got, b.Derive("cookie", 32)) {
		t.Error("Derive is not deterministic")
	}
	distinct := map[string][]byte{
		"cookie":               b.Derive("cookie", 32),
		"csrf":                 b.Derive("csrf", 32),
		"cookie, other secret": other.Derive("cookie", 32),
	}
	seen := map[string]string{}
	for name, key := range distinct {
		if prev, ok := seen[string(key)]; ok {
			t.Errorf("%s and %s derived the same key", name, prev)
		}
		seen[string(key)] = name
	}
	for _, n := range []int{1, 16, 64, 255 * 32} {
		if got := len(b.Derive("x", n)); got != n {
			t.Errorf("len(Derive(x, %d)) = %d", n, got)
		}
	}
}

func TestDerivePanicsOnImpossibleLength(t *testing.T) {
	t.Parallel()
	b := testBox(t, testSecretHex)
	for _, n := range []int{0, -1, 255*32 + 1} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			t.Parallel()
			defer func() {
				if recover() == nil {
					t.Errorf("Derive(x, %d) did not panic", n)
				}
			}()
			b.Derive("x", n)
		})
	}
}

// FuzzOpen feeds arbitrary bytes to Open: it must never panic, must fail with one of its two
// errors, and must open only the one blob that was really sealed.
func FuzzOpen(f *testing.F) {
	b := testBox(f, testSecretHex)
	// A fixed nonce, so the blob is the same in every fuzz worker process.
	nonce := bytes.NewReader(bytes.Repeat([]byte{7}, nonceSize))
	valid, err := b.Seal("p", []byte("seed plaintext"), nonce)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add([]byte{})
	f.Add([]byte{formatV1})
	f.Add(valid[:headerSize+tagSize])
	f.Add(append([]byte{2}, valid[1:]...))
	f.Fuzz(func(t *testing.T, input []byte) {
		got, err := b.Open("p", input)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrNotAuthentic) {
				t.Fatalf("Open: unexpected error kind: %v", err)
			}
			return
		}
		if !bytes.Equal(input, valid) || string(got) != "seed plaintext" {
			t.Fatalf("Open accepted forged input %x", input)
		}
	})
}
