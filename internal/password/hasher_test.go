package password

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// fastParams keep tests quick; the defaults are exercised where they matter.
var fastParams = Argon2Params{Memory: 64, Time: 1, Threads: 1}

// countingReader is a deterministic randomness source: 0, 1, 2, ...
type countingReader struct {
	mu sync.Mutex
	n  byte
}

func (r *countingReader) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range p {
		p[i] = r.n
		r.n++
	}
	return len(p), nil
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("entropy exhausted") }

func newHasher(t testing.TB, opts Options) *Hasher {
	t.Helper()
	if opts.Rand == nil {
		opts.Rand = &countingReader{}
	}
	if opts.Argon2.Params == (Argon2Params{}) {
		opts.Argon2.Params = fastParams
	}
	h, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return h
}

type verdict struct{ OK, NeedsRehash bool }

func verify(t *testing.T, h *Hasher, password, hash string) verdict {
	t.Helper()
	ok, rehash, err := h.Verify(context.Background(), password, hash)
	if err != nil {
		t.Fatalf("Verify(%q) error: %v", password, err)
	}
	return verdict{ok, rehash}
}

func TestHashVerifyRoundTrip(t *testing.T) {
	t.Parallel()
	h := newHasher(t, Options{})
	for _, pw := range []string{"correct horse battery staple", "p", "\u00e9t\u00e9 \u2603 \U0001F512", strings.Repeat("x", MaxPasswordBytes)} {
		hash, err := h.Hash(context.Background(), pw)
		if err != nil {
			t.Fatalf("Hash: %v", err)
		}
		if got := verify(t, h, pw, hash); got != (verdict{OK: true}) {
			t.Errorf("Verify(right password) = %+v, want ok without rehash", got)
		}
		if got := verify(t, h, pw+"!", hash); got != (verdict{}) {
			t.Errorf("Verify(wrong password) = %+v, want not ok", got)
		}
	}
}

func TestHashIsPHCWithFreshSalt(t *testing.T) {
	t.Parallel()
	h := newHasher(t, Options{})
	first, err := h.Hash(context.Background(), "hunter2")
	if err != nil {
		t.Fatal(err)
	}
	second, err := h.Hash(context.Background(), "hunter2")
	if err != nil {
		t.Fatal(err)
	}
	// countingReader gave bytes 0..15 for the first salt: compute the expected tag with
	// x/crypto directly.
	salt := []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}
	key := argon2.IDKey([]byte("hunter2"), salt, 1, 64, 1, 32)
	want := "$argon2id$v=19$m=64,t=1,p=1$" + base64.RawStdEncoding.EncodeToString(salt) + "$" +
		base64.RawStdEncoding.EncodeToString(key)
	if first != want {
		t.Errorf("Hash = %q, want %q", first, want)
	}
	if first == second {
		t.Error("two hashes of one password share a salt")
	}
}

// TestVerifyKnownArgon2idHash verifies a PHC string built independently with x/crypto/argon2
// at OWASP's parameters (what MAS stores by default), with a default Hasher.
func TestVerifyKnownArgon2idHash(t *testing.T) {
	t.Parallel()
	salt := []byte("mas-style-salt16")
	key := argon2.IDKey([]byte("Tr0ub4dor&3"), salt, 2, 19456, 1, 32)
	hash := "$argon2id$v=19$m=19456,t=2,p=1$" + base64.RawStdEncoding.EncodeToString(salt) + "$" +
		base64.RawStdEncoding.EncodeToString(key)
	h, err := New(Options{Rand: &countingReader{}})
	if err != nil {
		t.Fatal(err)
	}
	if got := verify(t, h, "Tr0ub4dor&3", hash); got != (verdict{OK: true}) {
		t.Errorf("Verify(known hash) = %+v, want ok without rehash", got)
	}
	if got := verify(t, h, "Tr0ub4dor&4", hash); got != (verdict{}) {
		t.Errorf("Verify(wrong password) = %+v, want not ok", got)
	}
}

func TestNeedsRehashOnWeakerArgon2Params(t *testing.T) {
	t.Parallel()
	weak := newHasher(t, Options{Argon2: Argon2Options{Params: Argon2Params{Memory: 64, Time: 1, Threads: 1}}})
	strong := newHasher(t, Options{Argon2: Argon2Options{Params: Argon2Params{Memory: 128, Time: 2, Threads: 1}}})
	fewerLanes := newHasher(t, Options{Argon2: Argon2Options{Params: Argon2Params{Memory: 64, Time: 1, Threads: 2}}})
	longerTag := newHasher(t, Options{Argon2: Argon2Options{Params: Argon2Params{Memory: 64, Time: 1, Threads: 1, KeyLength: 64}}})
	weakHash, err := weak.Hash(context.Background(), "pw")
	if err != nil {
		t.Fatal(err)
	}
	strongHash, err := strong.Hash(context.Background(), "pw")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		h      *Hasher
		hash   string
		rehash bool
	}{
		{"weaker memory and time", strong, weakHash, true},
		{"stronger than current", weak, strongHash, false},
		{"same parameters", weak, weakHash, false},
		{"more lanes now is not weaker", fewerLanes, weakHash, false},
		{"shorter tag than current", longerTag, weakHash, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := verify(t, tt.h, "pw", tt.hash); got != (verdict{OK: true, NeedsRehash: tt.rehash}) {
				t.Errorf("Verify = %+v, want ok with rehash=%v", got, tt.rehash)
			}
		})
	}
}

func TestBcryptImports(t *testing.T) {
	t.Parallel()
	pepper := "synapse-pepper"
	// U+FB01 LATIN SMALL LIGATURE FI is "fi" under NFKC; Synapse hashes the NFKC form.
	const typed, normalised = "\ufb01sh and chips", "fish and chips"
	mustBcrypt := func(secret string) string {
		b, err := bcrypt.GenerateFromPassword([]byte(secret), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	plain := mustBcrypt(normalised)
	peppered := mustBcrypt(normalised + pepper)
	noPepper := newHasher(t, Options{})
	withPepper := newHasher(t, Options{Bcrypt: BcryptOptions{Pepper: []byte(pepper)}})
	raw := newHasher(t, Options{Bcrypt: BcryptOptions{SkipNFKC: true}})
	tests := []struct {
		name     string
		h        *Hasher
		password string
		hash     string
		want     verdict
	}{
		{"$2a$ without pepper", noPepper, normalised, plain, verdict{true, true}},
		{"$2b$ as Python bcrypt writes it", noPepper, normalised, "$2b$" + plain[4:], verdict{true, true}},
		{"$2y$", noPepper, normalised, "$2y$" + plain[4:], verdict{true, true}},
		{"NFKC makes the ligature match", noPepper, typed, plain, verdict{true, true}},
		{"without NFKC the ligature does not match", raw, typed, plain, verdict{}},
		{"wrong password", noPepper, "fish and chip", plain, verdict{}},
		{"with Synapse's pepper", withPepper, typed, peppered, verdict{true, true}},
		{"peppered hash without the pepper", noPepper, normalised, peppered, verdict{}},
		{"pepper configured but hash made without", withPepper, normalised, plain, verdict{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := verify(t, tt.h, tt.password, tt.hash); got != tt.want {
				t.Errorf("Verify = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestArgon2Pepper(t *testing.T) {
	t.Parallel()
	peppered := newHasher(t, Options{Argon2: Argon2Options{Pepper: []byte("s3cret")}})
	otherPepper := newHasher(t, Options{Argon2: Argon2Options{Pepper: []byte("other"), PepperID: "Ag"}})
	samePepperIDWrongBytes := newHasher(t, Options{Argon2: Argon2Options{Pepper: []byte("s3cre7")}})
	plain := newHasher(t, Options{})

	pepperedHash, err := peppered.Hash(context.Background(), "pw")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(pepperedHash, ",keyid="+DefaultArgon2PepperID+"$") {
		t.Fatalf("peppered hash %q does not name its pepper", pepperedHash)
	}
	plainHash, err := plain.Hash(context.Background(), "pw")
	if err != nil {
		t.Fatal(err)
	}

	if got := verify(t, peppered, "pw", pepperedHash); got != (verdict{OK: true}) {
		t.Errorf("peppered round trip = %+v", got)
	}
	if got := verify(t, peppered, "pw", plainHash); got != (verdict{true, true}) {
		t.Errorf("hash from before the pepper = %+v, want ok and rehash", got)
	}
	if got := verify(t, samePepperIDWrongBytes, "pw", pepperedHash); got != (verdict{}) {
		t.Errorf("wrong pepper bytes = %+v, want not ok", got)
	}
	for name, h := range map[string]*Hasher{"no pepper": plain, "another pepper ID": otherPepper} {
		if _, _, err := h.Verify(context.Background(), "pw", pepperedHash); !errors.Is(err, ErrUnknownPepper) {
			t.Errorf("%s: Verify = %v, want ErrUnknownPepper", name, err)
		}
	}
}

func TestVerifyRejectsMalformedHashes(t *testing.T) {
	t.Parallel()
	salt := base64.RawStdEncoding.EncodeToString([]byte("0123456789abcdef"))
	tag := base64.RawStdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
	good := "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + tag
	bcryptBody := "$04$" + strings.Repeat("a", 53)
	tests := []struct {
		name string
		hash string
		want error
	}{
		{"empty", "", ErrUnknownScheme},
		{"plaintext", "hunter2", ErrUnknownScheme},
		{"argon2i", strings.Replace(good, "argon2id", "argon2i", 1), ErrUnknownScheme},
		{"argon2d", strings.Replace(good, "argon2id", "argon2d", 1), ErrUnknownScheme},
		{"scrypt", "$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E", ErrUnknownScheme},
		{"pbkdf2", "$pbkdf2-sha256$29000$N2ZMK9XSt0vE$y7h4", ErrUnknownScheme},
		{"$2x$ bcrypt", "$2x" + bcryptBody, ErrUnknownScheme},
		{"argon2id without version", "$argon2id$m=64,t=1,p=1$" + salt + "$" + tag, ErrMalformedHash},
		{"argon2id version 16", strings.Replace(good, "v=19", "v=16", 1), ErrMalformedHash},
		{"argon2id without tag", "$argon2id$v=19$m=64,t=1,p=1$" + salt, ErrMalformedHash},
		{"argon2id extra field", good + "$x", ErrMalformedHash},
		{"parameters out of order", strings.Replace(good, "m=64,t=1", "t=1,m=64", 1), ErrMalformedHash},
		{"m=0", strings.Replace(good, "m=64", "m=0", 1), ErrMalformedHash},
		{"m below 8p", strings.Replace(good, "m=64,t=1,p=1", "m=64,t=1,p=9", 1), ErrMalformedHash},
		{"m above the bound", strings.Replace(good, "m=64", "m=4194304", 1), ErrMalformedHash},
		{"m overflowing 32 bits", strings.Replace(good, "m=64", "m=99999999999", 1), ErrMalformedHash},
		{"t=0", strings.Replace(good, "t=1", "t=0", 1), ErrMalformedHash},
		{"t above the bound", strings.Replace(good, "t=1", "t=1000", 1), ErrMalformedHash},
		{"p=0", strings.Replace(good, "p=1", "p=0", 1), ErrMalformedHash},
		{"p above 255", strings.Replace(good, "m=64,t=1,p=1", "m=4096,t=1,p=256", 1), ErrMalformedHash},
		{"leading zero", strings.Replace(good, "m=64", "m=064", 1), ErrMalformedHash},
		{"sign", strings.Replace(good, "t=1", "t=+1", 1), ErrMalformedHash},
		{"empty value", strings.Replace(good, "t=1", "t=", 1), ErrMalformedHash},
		{"data parameter", strings.Replace(good, "p=1", "p=1,data=AQ", 1), ErrMalformedHash},
		{"empty keyid", strings.Replace(good, "p=1", "p=1,keyid=", 1), ErrMalformedHash},
		{"keyid too long", strings.Replace(good, "p=1", "p=1,keyid=AAAAAAAAAAAAAA", 1), ErrMalformedHash},
		{"salt too short", strings.Replace(good, salt, "AAAAAAAA", 1), ErrMalformedHash},
		{"newline in the tag, which base64 would skip", strings.Replace(good, tag, tag[:10]+"\n"+tag[10:], 1), ErrMalformedHash},
		{"padded salt", strings.Replace(good, salt, salt+"==", 1), ErrMalformedHash},
		{"URL-safe base64", strings.Replace(good, salt, "-_"+salt[2:], 1), ErrMalformedHash},
		{"tag too short", strings.Replace(good, tag, "AAAAAAAAAAA", 1), ErrMalformedHash},
		{"bcrypt too short", "$2b$04$abc", ErrMalformedHash},
		{"bcrypt cost 31", "$2b$31$" + strings.Repeat("a", 53), ErrMalformedHash},
		{"bcrypt cost 3", "$2b$03$" + strings.Repeat("a", 53), ErrMalformedHash},
		{"bcrypt cost not digits", "$2b$1a$" + strings.Repeat("a", 53), ErrMalformedHash},
		{"bcrypt bad character", "$2b$04$" + strings.Repeat("a", 52) + "+", ErrMalformedHash},
		{"bcrypt too long", "$2b$04$" + strings.Repeat("a", 54), ErrMalformedHash},
	}
	h := newHasher(t, Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ok, rehash, err := h.Verify(context.Background(), "pw", tt.hash)
			if !errors.Is(err, tt.want) || ok || rehash {
				t.Errorf("Verify(%q) = %v, %v, %v; want error %v", tt.hash, ok, rehash, err, tt.want)
			}
		})
	}
	// The well-formed base of the table parses, so each row fails for its own reason.
	if _, err := parseArgon2Hash(good); err != nil {
		t.Fatalf("the table's base hash does not parse: %v", err)
	}
}

func TestHashRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		rand     io.Reader
		password string
		want     string
	}{
		{"empty password", &countingReader{}, "", ErrEmptyPassword.Error()},
		{"too long", &countingReader{}, strings.Repeat("a", MaxPasswordBytes+1), ErrPasswordTooLong.Error()},
		{"no randomness", failingReader{}, "pw", "password: reading a salt: entropy exhausted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHasher(t, Options{Rand: tt.rand})
			hash, err := h.Hash(context.Background(), tt.password)
			if err == nil || err.Error() != tt.want {
				t.Errorf("Hash = %q, %v; want error %q", hash, err, tt.want)
			}
		})
	}
}

func TestVerifyTooLongPasswordIsWrongWithoutWork(t *testing.T) {
	t.Parallel()
	h := newHasher(t, Options{})
	hash, err := h.Hash(context.Background(), "pw")
	if err != nil {
		t.Fatal(err)
	}
	var computed atomic.Int32
	h.computing = func() { computed.Add(1) }
	if got := verify(t, h, strings.Repeat("a", MaxPasswordBytes+1), hash); got != (verdict{}) {
		t.Errorf("Verify(too long) = %+v", got)
	}
	if n := computed.Load(); n != 0 {
		t.Errorf("Verify(too long) ran %d computations", n)
	}
}

func TestNewValidatesOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"no randomness", Options{}, "password: Options.Rand is required"},
		{"negative limit", Options{Rand: &countingReader{}, MaxConcurrent: -1}, "password: MaxConcurrent -1 is negative"},
		{"memory below 8p", Options{Rand: &countingReader{}, Argon2: Argon2Options{Params: Argon2Params{Memory: 8, Threads: 2}}},
			"password: argon2id memory 8 KiB is outside 16..1048576 (8 KiB per thread at least)"},
		{"too many passes", Options{Rand: &countingReader{}, Argon2: Argon2Options{Params: Argon2Params{Time: 65}}},
			"password: argon2id time 65 is outside 1..64"},
		{"short salt", Options{Rand: &countingReader{}, Argon2: Argon2Options{Params: Argon2Params{SaltLength: 4}}},
			"password: argon2id salt length 4 is outside 8..64"},
		{"short tag", Options{Rand: &countingReader{}, Argon2: Argon2Options{Params: Argon2Params{KeyLength: 8}}},
			"password: argon2id key length 8 is outside 16..128"},
		{"bad pepper ID", Options{Rand: &countingReader{}, Argon2: Argon2Options{Pepper: []byte("x"), PepperID: "not base64!"}},
			`password: Argon2.PepperID "not base64!" is not unpadded base64 of 1 to 8 bytes`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := New(tt.opts); err == nil || err.Error() != tt.want {
				t.Errorf("New = %v, want %q", err, tt.want)
			}
		})
	}
	h, err := New(Options{Rand: &countingReader{}})
	if err != nil {
		t.Fatal(err)
	}
	if h.params != DefaultArgon2Params() || cap(h.slots) < 1 {
		t.Errorf("New(defaults) params %+v, %d slots", h.params, cap(h.slots))
	}
}

// TestConcurrencyLimit holds every computation inside the limit until the test lets go, so it
// can see exactly how many run at once.
func TestConcurrencyLimit(t *testing.T) {
	t.Parallel()
	const limit, callers = 2, 6
	h := newHasher(t, Options{MaxConcurrent: limit})
	hash, err := h.Hash(context.Background(), "pw")
	if err != nil {
		t.Fatal(err)
	}
	var inside, peak atomic.Int32
	release := make(chan struct{})
	h.computing = func() {
		n := inside.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		<-release
		inside.Add(-1)
	}
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for i := range callers {
		wg.Go(func() {
			var err error
			if i%2 == 0 {
				_, _, err = h.Verify(context.Background(), "pw", hash)
			} else {
				_, err = h.Hash(context.Background(), "pw")
			}
			errs <- err
		})
	}
	waitFor(t, func() bool { return inside.Load() == limit })
	time.Sleep(50 * time.Millisecond) // give a limit-breaking caller time to get in
	if n := inside.Load(); n != limit {
		t.Errorf("%d computations inside a limit of %d", n, limit)
	}
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("caller failed: %v", err)
		}
	}
	if p := peak.Load(); p != limit {
		t.Errorf("peak concurrency %d, want %d", p, limit)
	}
}

func TestWaitingRespectsContext(t *testing.T) {
	t.Parallel()
	h := newHasher(t, Options{MaxConcurrent: 1})
	hash, err := h.Hash(context.Background(), "pw")
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	entered, release := make(chan struct{}), make(chan struct{})
	h.computing = func() {
		if calls.Add(1) == 1 {
			close(entered)
			<-release
		}
	}
	holder := make(chan error, 1)
	go func() {
		_, err := h.Hash(context.Background(), "pw")
		holder <- err
	}()
	<-entered

	calls0 := calls.Load()
	ctx, cancel := context.WithCancel(context.Background())
	waiters := []struct {
		name string
		call func(context.Context) error
	}{
		{"Verify", func(ctx context.Context) error { _, _, err := h.Verify(ctx, "pw", hash); return err }},
		{"Hash", func(ctx context.Context) error { _, err := h.Hash(ctx, "pw"); return err }},
		{"DummyVerify", func(ctx context.Context) error { return h.DummyVerify(ctx, "pw") }},
	}
	results := make(chan string, len(waiters))
	for _, w := range waiters {
		go func() { results <- fmt.Sprintf("%s: %v", w.name, w.call(ctx)) }()
	}
	time.Sleep(20 * time.Millisecond) // let them start waiting
	cancel()
	for range waiters {
		select {
		case got := <-results:
			if !strings.HasSuffix(got, context.Canceled.Error()) {
				t.Errorf("%s, want %v", got, context.Canceled)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a waiter did not give up when its context was cancelled")
		}
	}
	if n := calls.Load(); n != calls0 {
		t.Errorf("cancelled waiters ran %d computations", n-calls0)
	}
	// An already-cancelled context fails at once, even with a free slot.
	close(release)
	if err := <-holder; err != nil {
		t.Fatalf("slot holder: %v", err)
	}
	if _, _, err := h.Verify(ctx, "pw", hash); !errors.Is(err, context.Canceled) {
		t.Errorf("Verify(cancelled ctx) = %v", err)
	}
}

func TestDummyVerifyComputesLikeVerify(t *testing.T) {
	t.Parallel()
	h := newHasher(t, Options{Argon2: Argon2Options{Pepper: []byte("pepper")}})
	var computed atomic.Int32
	h.computing = func() { computed.Add(1) }
	if err := h.DummyVerify(context.Background(), "whatever"); err != nil {
		t.Fatal(err)
	}
	if n := computed.Load(); n != 1 {
		t.Errorf("DummyVerify ran %d computations, want 1", n)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 10s")
		}
		time.Sleep(time.Millisecond)
	}
}
