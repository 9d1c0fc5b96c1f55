package keys

import (
	"context"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mxauth/mxauth/internal/clock"
	"github.com/mxauth/mxauth/internal/model"
)

var urlSafeKID = regexp.MustCompile(`^[A-Za-z0-9_-]{16}$`)

// storedSummary is what a test compares about stored keys (Sealed is random).
type storedSummary struct{ KID, Alg, Slot string }

func summarize(keys []model.SigningKey) []storedSummary {
	var out []storedSummary
	for _, k := range keys {
		out = append(out, storedSummary{k.KID, k.Alg, k.Slot})
	}
	return out
}

func TestLoadGeneratesDefaultKeysOnceAndReloadsThem(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := &fakeKeyStore{}
	box := testBox(t, 1)

	first, err := Load(ctx, storeOptions(st, box))
	if err != nil {
		t.Fatal(err)
	}
	stored, _, creates := st.snapshot()
	if creates != 2 {
		t.Errorf("first Load: %d CreateIfAbsent calls, want 2", creates)
	}
	if diff := cmp.Diff([]string{"ES256", "RS256"}, first.Algs()); diff != "" {
		t.Errorf("Algs (-want +got):\n%s", diff)
	}
	wantSlots := map[string]string{"default-ES256": model.AlgES256, "default-RS256": model.AlgRS256}
	if len(stored) != len(wantSlots) {
		t.Fatalf("stored %d keys, want %d: %+v", len(stored), len(wantSlots), summarize(stored))
	}
	for _, k := range stored {
		if wantSlots[k.Slot] != k.Alg {
			t.Errorf("stored key %q: slot %q alg %q", k.KID, k.Slot, k.Alg)
		}
		if !urlSafeKID.MatchString(k.KID) {
			t.Errorf("kid %q is not 16 URL-safe characters", k.KID)
		}
		if !k.CreatedAt.Equal(testT0) {
			t.Errorf("key %q CreatedAt = %v, want the clock's %v", k.KID, k.CreatedAt, testT0)
		}
		// The private key is sealed, and its kid is its thumbprint.
		der, err := box.Open(SealPurpose, k.Sealed)
		if err != nil {
			t.Fatalf("stored key %q does not open with the secret: %v", k.KID, err)
		}
		if strings.Contains(string(k.Sealed), string(der[:32])) {
			t.Errorf("stored key %q holds its PKCS#8 bytes in the clear", k.KID)
		}
		kid, signer, ok := first.Signer(k.Alg)
		if !ok || kid != k.KID {
			t.Errorf("Signer(%s) = %q, %v; want the stored key %q", k.Alg, kid, ok, k.KID)
			continue
		}
		if thumb, err := thumbprintKID(signer); err != nil || thumb != kid {
			t.Errorf("kid %q is not the key's thumbprint %q (%v)", kid, thumb, err)
		}
	}

	second, err := Load(ctx, storeOptions(st, box))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, creates := st.snapshot(); creates != 2 {
		t.Errorf("reload called CreateIfAbsent: %d calls in total, want still 2", creates)
	}
	if diff := cmp.Diff(string(first.JWKS()), string(second.JWKS())); diff != "" {
		t.Errorf("reloaded JWKS differs (-first +second):\n%s", diff)
	}
}

func TestLoadGeneratesOnlyTheMissingSlot(t *testing.T) {
	t.Parallel()
	box := testBox(t, 1)
	es := sealedKey(t, box, ecKey(t, elliptic.P256()), "es-kept", model.AlgES256, "default-ES256", testT0)
	st := &fakeKeyStore{keys: []model.SigningKey{es}}

	set, err := Load(context.Background(), storeOptions(st, box))
	if err != nil {
		t.Fatal(err)
	}
	stored, _, creates := st.snapshot()
	if creates != 1 {
		t.Errorf("%d CreateIfAbsent calls, want 1 (only the RS256 slot was empty)", creates)
	}
	if len(stored) != 2 || stored[1].Slot != "default-RS256" {
		t.Errorf("stored = %+v, want the kept ES256 key and a new RS256 key", summarize(stored))
	}
	if kid, _, _ := set.Signer(model.AlgES256); kid != "es-kept" {
		t.Errorf("Signer(ES256) kid = %q, want the existing es-kept", kid)
	}
}

// TestConcurrentLoadsAgreeOnOneKeyPerSlot makes two Loads read the empty store before either
// writes, so both generate keys; the store's slot rule must leave one key per slot, and both
// Loads must end up using those.
func TestConcurrentLoadsAgreeOnOneKeyPerSlot(t *testing.T) {
	t.Parallel()
	const replicas = 2
	barrier := &sync.WaitGroup{}
	barrier.Add(replicas)
	st := &fakeKeyStore{listBarrier: barrier, listBarrierN: replicas}
	box := testBox(t, 1)

	sets := make([]*Set, replicas)
	errs := make([]error, replicas)
	var wg sync.WaitGroup
	for i := range replicas {
		wg.Go(func() { sets[i], errs[i] = Load(context.Background(), storeOptions(st, box)) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Load %d: %v", i, err)
		}
	}

	stored, _, creates := st.snapshot()
	if creates != 2*replicas {
		t.Errorf("%d CreateIfAbsent calls, want %d: the Loads did not race", creates, 2*replicas)
	}
	if len(stored) != 2 {
		t.Fatalf("store holds %d keys, want one per slot: %+v", len(stored), summarize(stored))
	}
	for _, k := range stored {
		for i, set := range sets {
			if kid, _, _ := set.Signer(k.Alg); kid != k.KID {
				t.Errorf("Load %d signs %s with %q, want the stored winner %q", i, k.Alg, kid, k.KID)
			}
		}
	}
	if diff := cmp.Diff(string(sets[0].JWKS()), string(sets[1].JWKS())); diff != "" {
		t.Errorf("the two Loads publish different JWKS (-0 +1):\n%s", diff)
	}
}

func TestLoadPublishesEveryStoredKeyAndSignsWithTheNewest(t *testing.T) {
	t.Parallel()
	box := testBox(t, 1)
	keys := defaultStoredKeys(t, box)
	keys = append(keys,
		sealedKey(t, box, ecKey(t, elliptic.P256()), "es-rotated", model.AlgES256, "rotated-1", testT0.Add(time.Hour)),
		sealedKey(t, box, ecKey(t, elliptic.P256()), "es-older", model.AlgES256, "imported-1", testT0.Add(-time.Hour)),
	)
	st := &fakeKeyStore{keys: keys}

	set, err := Load(context.Background(), storeOptions(st, box))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, creates := st.snapshot(); creates != 0 {
		t.Errorf("%d CreateIfAbsent calls with both default slots full, want 0", creates)
	}
	signers := map[string]string{}
	for _, alg := range set.Algs() {
		kid, _, _ := set.Signer(alg)
		signers[alg] = kid
	}
	if diff := cmp.Diff(map[string]string{"ES256": "es-rotated", "RS256": "rs-default"}, signers); diff != "" {
		t.Errorf("signing kids (-want +got):\n%s", diff)
	}
	// Newest first, so the JWKS lists the signing keys before the retired ones; of the two
	// defaults, created at the same instant, the one listed later counts as newer.
	if diff := cmp.Diff([]string{"es-rotated", "rs-default", "es-default", "es-older"}, jwksKIDs(t, set)); diff != "" {
		t.Errorf("JWKS kids (-want +got):\n%s", diff)
	}
}

func TestLoadWithADifferentSecretSaysSo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := &fakeKeyStore{keys: defaultStoredKeys(t, testBox(t, 1))}

	_, err := Load(ctx, storeOptions(st, testBox(t, 2)))
	if !errors.Is(err, ErrSecretMismatch) {
		t.Fatalf("Load with another secret: error %v, want ErrSecretMismatch", err)
	}
	if !strings.Contains(err.Error(), "encryption secret does not match") {
		t.Errorf("error %q does not say the encryption secret does not match", err)
	}
	if _, _, creates := st.snapshot(); creates != 0 {
		t.Errorf("a failed Load wrote %d keys", creates)
	}
}

func TestLoadRejectsBadStoredKeys(t *testing.T) {
	t.Parallel()
	box := testBox(t, 1)
	sealRaw := func(purpose string, plaintext []byte) []byte {
		sealed, err := box.Seal(purpose, plaintext, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return sealed
	}
	es := ecKey(t, elliptic.P256())
	tests := []struct {
		name      string
		bad       model.SigningKey
		wantErr   error  // nil: any error but ErrSecretMismatch
		wantInMsg string // the message must name the problem
	}{
		{
			name:      "sealed under another purpose",
			bad:       model.SigningKey{KID: "k", Alg: model.AlgES256, Slot: "x", Sealed: sealRaw("cookie", pkcs8DER(t, es))},
			wantErr:   ErrSecretMismatch,
			wantInMsg: `"k"`,
		},
		{
			name:      "truncated",
			bad:       model.SigningKey{KID: "k", Alg: model.AlgES256, Slot: "x", Sealed: []byte{1, 2, 3}},
			wantInMsg: "damaged",
		},
		{
			name:      "not PKCS#8 inside",
			bad:       model.SigningKey{KID: "k", Alg: model.AlgES256, Slot: "x", Sealed: sealRaw(SealPurpose, []byte("not a key"))},
			wantInMsg: "PKCS#8",
		},
		{
			name:      "alg does not match the key",
			bad:       sealedKey(t, box, es, "k", model.AlgRS256, "x", testT0),
			wantInMsg: "recorded as RS256 but is a ES256 key",
		},
		{
			name:      "unsupported curve",
			bad:       sealedKey(t, box, ecKey(t, elliptic.P384()), "k", model.AlgES256, "x", testT0),
			wantInMsg: "P-384",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st := &fakeKeyStore{keys: append(defaultStoredKeys(t, box), tt.bad)}
			_, err := Load(context.Background(), storeOptions(st, box))
			if err == nil {
				t.Fatal("Load: want error, got nil")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr == nil && errors.Is(err, ErrSecretMismatch) {
				t.Errorf("error %v blames the secret", err)
			}
			if !strings.Contains(err.Error(), tt.wantInMsg) {
				t.Errorf("error %q does not mention %q", err, tt.wantInMsg)
			}
		})
	}
}

func TestLoadOptionsAndStoreErrors(t *testing.T) {
	t.Parallel()
	box := testBox(t, 1)
	storeFailure := errors.New("database is down")
	tests := []struct {
		name    string
		opts    Options
		wantErr error // nil: just some error
	}{
		{"no store", Options{Box: box, Clock: clock.Real{}, Rand: rand.Reader}, nil},
		{"no box", Options{Store: &fakeKeyStore{}, Clock: clock.Real{}, Rand: rand.Reader}, nil},
		{"no clock", Options{Store: &fakeKeyStore{}, Box: box, Rand: rand.Reader}, nil},
		{"no rand", Options{Store: &fakeKeyStore{}, Box: box, Clock: clock.Real{}}, nil},
		{"list fails", storeOptions(&fakeKeyStore{listErr: storeFailure}, box), storeFailure},
		{"create fails", storeOptions(&fakeKeyStore{createErr: storeFailure}, box), storeFailure},
		{"rand fails while sealing", Options{Store: &fakeKeyStore{}, Box: box, Clock: clock.Real{}, Rand: failingReader{}}, errEntropy},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			set, err := Load(context.Background(), tt.opts)
			if err == nil {
				t.Fatalf("Load: want error, got a set with %v", set.Algs())
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error %v does not wrap %v", err, tt.wantErr)
			}
		})
	}
}

var errEntropy = errors.New("entropy exhausted")

// failingReader fails every read. With Go 1.26 key generation ignores it, so the failure
// shows up when the key is sealed.
type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errEntropy }
