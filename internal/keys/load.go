package keys

import (
	"cmp"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/mxauth/mxauth/internal/clock"
	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/secretbox"
	"github.com/mxauth/mxauth/internal/store"
)

// SealPurpose is the secretbox purpose stored signing keys are sealed under.
const SealPurpose = "signing-key"

// generatedRSABits is the size of generated RS256 keys. 2048 is the minimum RFC 7518 §3.3
// allows and NIST SP 800-57 Part 1 rates it fine through 2030. 3072 would be the next step,
// but on the target 2-core machine generating it takes ~400 ms at the median (2048: ~50 ms),
// which alone breaks the 300 ms cold-start budget, and every RS256 signature costs ~3x more.
// ES256 is the preferred algorithm; RS256 is there for clients that only know it (OIDC Core
// §15.1 makes RS256 mandatory to implement). A stronger RSA key can be configured.
const generatedRSABits = 2048

// ErrSecretMismatch: a stored key does not open with the configured encryption secret.
var ErrSecretMismatch = errors.New("the encryption secret does not match the one the stored signing keys were made with")

// Options are what Load needs.
type Options struct {
	// Store keeps generated keys. Unused when Configured is set.
	Store store.KeyStore
	// Box seals and opens stored keys. Unused when Configured is set.
	Box *secretbox.Box
	// Clock stamps generated keys' CreatedAt.
	Clock clock.Clock
	// Rand supplies the nonces for sealing and is passed to key generation (which, since
	// Go 1.26, draws from the standard library's own secure source unless GODEBUG
	// cryptocustomrand=1 is set).
	Rand io.Reader
	// Configured, when non-empty, are the only keys used: nothing is generated or stored.
	Configured []ConfiguredKey
}

// defaultSlot is a key Load makes sure exists in the store.
type defaultSlot struct {
	slot     string
	alg      string
	generate func(rnd io.Reader) (any, error)
}

// defaultSlots are the keys every stored key set has: one per algorithm mxauth signs with.
func defaultSlots() []defaultSlot {
	return []defaultSlot{
		{"default-ES256", model.AlgES256, func(rnd io.Reader) (any, error) { return ecdsa.GenerateKey(elliptic.P256(), rnd) }},
		{"default-RS256", model.AlgRS256, func(rnd io.Reader) (any, error) { return rsa.GenerateKey(rnd, generatedRSABits) }},
	}
}

// Load returns the server's signing keys: the configured ones if any, else every key in the
// store, after generating the default ES256 and RS256 keys if their slots are empty.
func Load(ctx context.Context, opts Options) (*Set, error) {
	if len(opts.Configured) > 0 {
		keys, err := loadConfigured(opts.Configured)
		if err != nil {
			return nil, err
		}
		return newSet(keys)
	}
	switch {
	case opts.Store == nil:
		return nil, errors.New("keys: no key store and no configured keys")
	case opts.Box == nil:
		return nil, errors.New("keys: no encryption secret to seal stored keys with")
	case opts.Clock == nil:
		return nil, errors.New("keys: no clock")
	case opts.Rand == nil:
		return nil, errors.New("keys: no random source")
	}
	stored, err := opts.Store.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("keys: listing stored keys: %w", err)
	}
	created := false
	for _, d := range defaultSlots() {
		// List first: generating an RSA key costs tens of milliseconds, so it is done only
		// when the slot is empty, not on every start.
		if slices.ContainsFunc(stored, func(k model.SigningKey) bool { return k.Slot == d.slot }) {
			continue
		}
		if err := generateInto(ctx, opts, d); err != nil {
			return nil, err
		}
		created = true
	}
	if created {
		// List again rather than merge: a replica racing with this one may have won a slot,
		// and its key, not ours, is the one to use.
		if stored, err = opts.Store.List(ctx); err != nil {
			return nil, fmt.Errorf("keys: listing stored keys: %w", err)
		}
	}
	keys, err := openStored(opts.Box, stored)
	if err != nil {
		return nil, err
	}
	return newSet(keys)
}

// generateInto generates a key for slot d, seals it and offers it to the store. If another
// replica filled the slot first, the store keeps that key and this one is dropped.
func generateInto(ctx context.Context, opts Options, d defaultSlot) error {
	priv, err := d.generate(opts.Rand)
	if err != nil {
		return fmt.Errorf("keys: generating %s key: %w", d.alg, err)
	}
	_, signer, err := algFor(priv)
	if err != nil {
		return fmt.Errorf("keys: generated %s key: %w", d.alg, err)
	}
	kid, err := thumbprintKID(signer)
	if err != nil {
		return fmt.Errorf("keys: generated %s key: %w", d.alg, err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return fmt.Errorf("keys: encoding %s key: %w", d.alg, err)
	}
	sealed, err := opts.Box.Seal(SealPurpose, der, opts.Rand)
	if err != nil {
		return fmt.Errorf("keys: sealing %s key: %w", d.alg, err)
	}
	_, err = opts.Store.CreateIfAbsent(ctx, model.SigningKey{
		KID:       kid,
		Alg:       d.alg,
		Slot:      d.slot,
		Sealed:    sealed,
		CreatedAt: opts.Clock.Now(),
	})
	if err != nil {
		return fmt.Errorf("keys: storing %s key in slot %q: %w", d.alg, d.slot, err)
	}
	return nil
}

// openStored unseals every stored key and orders them newest first, so the newest key of
// each algorithm signs and older ones (e.g. rotated out) are still published for tokens
// they signed.
func openStored(box *secretbox.Box, stored []model.SigningKey) ([]signingKey, error) {
	newestFirst := slices.Clone(stored)
	// List is oldest first, so after reversing, of two keys created at the same instant the
	// one listed later counts as newer; the stable sort keeps that.
	slices.Reverse(newestFirst)
	slices.SortStableFunc(newestFirst, func(a, b model.SigningKey) int { return b.CreatedAt.Compare(a.CreatedAt) })

	keys := make([]signingKey, 0, len(newestFirst))
	for _, sk := range newestFirst {
		k, err := openOne(box, sk)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, nil
}

func openOne(box *secretbox.Box, sk model.SigningKey) (signingKey, error) {
	der, err := box.Open(SealPurpose, sk.Sealed)
	switch {
	case errors.Is(err, secretbox.ErrNotAuthentic):
		return signingKey{}, fmt.Errorf("keys: %w (stored key %q in slot %q does not open; the secret was changed, or the stored key was altered)",
			ErrSecretMismatch, sk.KID, sk.Slot)
	case err != nil:
		return signingKey{}, fmt.Errorf("keys: stored key %q in slot %q is damaged: %w", sk.KID, sk.Slot, err)
	}
	priv, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return signingKey{}, fmt.Errorf("keys: stored key %q in slot %q: parsing PKCS#8: %w", sk.KID, sk.Slot, err)
	}
	alg, signer, err := algFor(priv)
	if err != nil {
		return signingKey{}, fmt.Errorf("keys: stored key %q in slot %q: %w", sk.KID, sk.Slot, err)
	}
	if alg != sk.Alg {
		return signingKey{}, fmt.Errorf("keys: stored key %q in slot %q is recorded as %s but is a %s key", sk.KID, sk.Slot, cmp.Or(sk.Alg, `""`), alg)
	}
	return signingKey{kid: sk.KID, alg: alg, signer: signer}, nil
}
