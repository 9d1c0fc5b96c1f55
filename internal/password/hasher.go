package password

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// Errors of Hash and Verify. A wrong password is not an error: Verify answers ok=false.
var (
	// ErrEmptyPassword: Hash refuses to make a credential out of nothing.
	ErrEmptyPassword = errors.New("password: empty password")
	// ErrPasswordTooLong: Hash refuses passwords over MaxPasswordBytes.
	ErrPasswordTooLong = errors.New("password: password too long")
	// ErrUnknownScheme: the stored hash is in no format mxauth verifies.
	ErrUnknownScheme = errors.New("password: unknown hash scheme")
	// ErrMalformedHash: the stored hash has a known prefix but is broken or out of bounds.
	ErrMalformedHash = errors.New("password: malformed hash")
	// ErrUnknownPepper: the stored hash was made with a pepper (PHC keyid) this Hasher does
	// not hold; the configuration lost or changed the pepper.
	ErrUnknownPepper = errors.New("password: hash needs a pepper that is not configured")
)

// MaxPasswordBytes caps the passwords Hash accepts and Verify computes on. NIST SP 800-63B
// §5.1.1.2 asks for at least 64 characters; the cap only bounds the normalisation and
// hashing work an untrusted request can cause.
const MaxPasswordBytes = 4096

// DefaultArgon2PepperID is the PHC keyid written into hashes made with Argon2Options.Pepper
// when Argon2Options.PepperID is empty: base64 of the single byte 1.
const DefaultArgon2PepperID = "AQ"

// Options configure a Hasher. The zero value of every field but Rand is a sound default.
type Options struct {
	// Rand supplies the salts of new hashes; crypto/rand.Reader outside tests. Required.
	Rand io.Reader
	// MaxConcurrent caps hash and verify computations running at once; callers beyond it
	// wait. 0 means runtime.GOMAXPROCS(0). Each argon2id computation holds Memory KiB and a
	// core, so a login storm must not take every core from the rest of the server
	// (DESIGN.md: introspection p99 stays under 5 ms during one).
	MaxConcurrent int
	// Argon2 configures the scheme of new hashes.
	Argon2 Argon2Options
	// Bcrypt configures the verification of imported bcrypt hashes.
	Bcrypt BcryptOptions
}

// Argon2Options configure argon2id, the scheme of every new hash.
type Argon2Options struct {
	// Params are the cost parameters of new hashes; zero fields take DefaultArgon2Params.
	// Existing hashes with weaker parameters verify and report needsRehash.
	Params Argon2Params
	// Pepper, if set, is passed as the Argon2 secret K (RFC 9106 §3.1) of new hashes, as MAS
	// does; it lives in the configuration, not the database, so a database leak alone does
	// not allow offline guessing. Those hashes carry PepperID as their PHC keyid, so that
	// hashes made before the pepper was configured still verify (and are rehashed).
	Pepper []byte
	// PepperID is the keyid of Pepper: unpadded standard base64 of 1 to 8 bytes.
	// Empty means DefaultArgon2PepperID.
	PepperID string
	// SkipNFKC turns off NFKC normalisation of passwords for argon2id. Normalising (the
	// default) makes a password typed on another keyboard or OS match (NIST SP 800-63B
	// §5.1.1.2). Changing this after hashes exist breaks non-ASCII passwords.
	SkipNFKC bool
}

// BcryptOptions configure the verification of bcrypt hashes imported from Synapse.
type BcryptOptions struct {
	// Pepper is Synapse's password_config.pepper, appended to the password before bcrypt,
	// as Synapse does.
	Pepper []byte
	// SkipNFKC turns off NFKC normalisation for bcrypt. Leave it off for Synapse imports:
	// Synapse normalises every password with NFKC before hashing.
	SkipNFKC bool
}

// Hasher hashes new passwords with argon2id and verifies argon2id and bcrypt hashes,
// running at most MaxConcurrent computations at once. It is safe for concurrent use.
type Hasher struct {
	rand         io.Reader
	params       Argon2Params
	argonPepper  []byte
	argonKeyID   string // "" when there is no pepper
	argonNFKC    bool
	bcryptPepper []byte
	bcryptNFKC   bool
	slots        chan struct{}
	// computing, when set, runs at the start of every computation while its slot is held;
	// tests use it to observe the concurrency limit.
	computing func()
}

// New validates opts and returns a Hasher.
func New(opts Options) (*Hasher, error) {
	if opts.Rand == nil {
		return nil, errors.New("password: Options.Rand is required")
	}
	params := opts.Argon2.Params.withDefaults()
	if err := params.validate(); err != nil {
		return nil, fmt.Errorf("password: %w", err)
	}
	limit := opts.MaxConcurrent
	switch {
	case limit < 0:
		return nil, fmt.Errorf("password: MaxConcurrent %d is negative", limit)
	case limit == 0:
		limit = runtime.GOMAXPROCS(0)
	}
	h := &Hasher{
		rand:         opts.Rand,
		params:       params,
		argonNFKC:    !opts.Argon2.SkipNFKC,
		bcryptPepper: opts.Bcrypt.Pepper,
		bcryptNFKC:   !opts.Bcrypt.SkipNFKC,
		slots:        make(chan struct{}, limit),
	}
	if len(opts.Argon2.Pepper) > 0 {
		h.argonPepper = opts.Argon2.Pepper
		h.argonKeyID = opts.Argon2.PepperID
		if h.argonKeyID == "" {
			h.argonKeyID = DefaultArgon2PepperID
		}
		if !validKeyID(h.argonKeyID) {
			return nil, fmt.Errorf("password: Argon2.PepperID %q is not unpadded base64 of 1 to 8 bytes", h.argonKeyID)
		}
	}
	return h, nil
}

// Hash returns the argon2id PHC string of password with a fresh salt. It waits for a
// computation slot, or for ctx to end.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	switch {
	case password == "":
		return "", ErrEmptyPassword
	case len(password) > MaxPasswordBytes:
		return "", ErrPasswordTooLong
	}
	salt := make([]byte, h.params.SaltLength)
	if _, err := io.ReadFull(h.rand, salt); err != nil {
		return "", fmt.Errorf("password: reading a salt: %w", err)
	}
	input := normalise(password, h.argonNFKC)
	var key []byte
	if err := h.run(ctx, func() { key = argon2idKey(input, salt, h.argonPepper, h.params) }); err != nil {
		return "", err
	}
	out := argon2Hash{params: h.params, keyID: h.argonKeyID, salt: salt, key: key}
	return out.String(), nil
}

// Verify reports whether password matches hash, an argon2id PHC string or a bcrypt hash.
// needsRehash is true when the password matched but the hash is bcrypt, or argon2id with
// weaker parameters or another pepper than this Hasher's: the login handler should then
// store Hash(password). It is false whenever ok is false.
//
// A wrong password is ok=false with a nil error. err is set when hash cannot be verified
// (ErrUnknownScheme, ErrMalformedHash, ErrUnknownPepper) or ctx ended while waiting for a
// slot. A password over MaxPasswordBytes is wrong without any computation: no stored hash
// was made from one.
func (h *Hasher) Verify(ctx context.Context, password, hash string) (ok, needsRehash bool, err error) {
	switch {
	case strings.HasPrefix(hash, argon2Prefix):
		return h.verifyArgon2(ctx, password, hash)
	case isBcryptHash(hash):
		return h.verifyBcrypt(ctx, password, hash)
	default:
		return false, false, ErrUnknownScheme
	}
}

func (h *Hasher) verifyArgon2(ctx context.Context, password, hash string) (ok, needsRehash bool, err error) {
	stored, err := parseArgon2Hash(hash)
	if err != nil {
		return false, false, fmt.Errorf("%w: %v", ErrMalformedHash, err)
	}
	var secret []byte
	if stored.keyID != "" {
		if stored.keyID != h.argonKeyID {
			return false, false, ErrUnknownPepper
		}
		secret = h.argonPepper
	}
	if len(password) > MaxPasswordBytes {
		return false, false, nil
	}
	input := normalise(password, h.argonNFKC)
	var key []byte
	if err := h.run(ctx, func() { key = argon2idKey(input, stored.salt, secret, stored.params) }); err != nil {
		return false, false, err
	}
	if subtle.ConstantTimeCompare(key, stored.key) != 1 {
		return false, false, nil
	}
	return true, stored.params.weakerThan(h.params) || stored.keyID != h.argonKeyID, nil
}

func (h *Hasher) verifyBcrypt(ctx context.Context, password, hash string) (ok, needsRehash bool, err error) {
	if err := checkBcryptHash(hash); err != nil {
		return false, false, fmt.Errorf("%w: %v", ErrMalformedHash, err)
	}
	if len(password) > MaxPasswordBytes {
		return false, false, nil
	}
	input := append(normalise(password, h.bcryptNFKC), h.bcryptPepper...)
	var match bool
	var compareErr error
	if err := h.run(ctx, func() { match, compareErr = verifyBcrypt(input, hash) }); err != nil {
		return false, false, err
	}
	if compareErr != nil || !match {
		return false, false, compareErr
	}
	return true, true, nil // bcrypt is only ever an import: always upgrade it
}

// DummyVerify does the work of verifying password against a current argon2id hash and
// throws the result away. Call it when the username is unknown, so that the response takes
// as long as for a known user and its timing does not tell which usernames exist. It waits
// for a slot like Verify and returns only ctx's error.
func (h *Hasher) DummyVerify(ctx context.Context, password string) error {
	if len(password) > MaxPasswordBytes {
		return nil // Verify does no work on these either
	}
	input := normalise(password, h.argonNFKC)
	salt := make([]byte, h.params.SaltLength)
	var key []byte
	if err := h.run(ctx, func() { key = argon2idKey(input, salt, h.argonPepper, h.params) }); err != nil {
		return err
	}
	// Compare like Verify does, against a tag no password can be expected to produce.
	subtle.ConstantTimeCompare(key, make([]byte, len(key)))
	return nil
}

// run waits for a computation slot (or for ctx to end), then runs work in it.
func (h *Hasher) run(ctx context.Context, work func()) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case h.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-h.slots }()
	if h.computing != nil {
		h.computing()
	}
	work()
	return nil
}

// normalise returns the bytes to hash: password in NFKC (Unicode UAX #15) when nfkc is set,
// as Synapse and MAS's unicode_normalization do, otherwise as typed. The result is a fresh
// slice the caller may append to.
func normalise(password string, nfkc bool) []byte {
	if nfkc {
		return norm.NFKC.Bytes([]byte(password))
	}
	return []byte(password)
}
