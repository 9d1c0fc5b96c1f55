package password

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseArgon2HashFields(t *testing.T) {
	t.Parallel()
	// salt "0123456789abcdef", tag 32 bytes of "A"s, keyid AQ (the byte 1)
	s := "$argon2id$v=19$m=19456,t=2,p=1,keyid=AQ$MDEyMzQ1Njc4OWFiY2RlZg$QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE"
	got, err := parseArgon2Hash(s)
	if err != nil {
		t.Fatal(err)
	}
	want := argon2Hash{
		params: Argon2Params{Memory: 19456, Time: 2, Threads: 1, SaltLength: 16, KeyLength: 32},
		keyID:  "AQ",
		salt:   []byte("0123456789abcdef"),
		key:    []byte("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(argon2Hash{})); diff != "" {
		t.Errorf("parseArgon2Hash mismatch (-want +got):\n%s", diff)
	}
	if got.String() != s {
		t.Errorf("String() = %q, want %q", got.String(), s)
	}
}

func FuzzParseArgon2Hash(f *testing.F) {
	for _, seed := range []string{
		"$argon2id$v=19$m=19456,t=2,p=1$MDEyMzQ1Njc4OWFiY2RlZg$QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE",
		"$argon2id$v=19$m=65536,t=3,p=4,keyid=AQ$MDEyMzQ1Njc4OWFiY2RlZg$QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE",
		"$argon2id$v=19$m=064,t=1,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA",
		"$argon2id$v=19$m=64,t=1,p=1,data=AQ$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA",
		"$argon2id$$$$",
		"$2b$12$" + "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_ = checkBcryptHash(s)
		h, err := parseArgon2Hash(s)
		if err != nil {
			return
		}
		if got := h.String(); got != s {
			t.Fatalf("parse(%q).String() = %q: one hash, two spellings", s, got)
		}
		if err := h.params.validate(); err != nil {
			t.Fatalf("parse(%q) accepted parameters New would refuse: %v", s, err)
		}
	})
}
