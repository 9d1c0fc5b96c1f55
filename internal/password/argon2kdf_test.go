package password

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"testing"

	"golang.org/x/crypto/argon2"
)

// TestDeriveArgon2idRFC9106Vector is the Argon2id test vector of RFC 9106 §5.3, which uses a
// secret and associated data, the two inputs x/crypto/argon2 cannot take.
func TestDeriveArgon2idRFC9106Vector(t *testing.T) {
	t.Parallel()
	password := bytes.Repeat([]byte{0x01}, 32)
	salt := bytes.Repeat([]byte{0x02}, 16)
	secret := bytes.Repeat([]byte{0x03}, 8)
	data := bytes.Repeat([]byte{0x04}, 12)
	want := "0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659"
	got := hex.EncodeToString(deriveArgon2id(password, salt, secret, data, 3, 32, 4, 32))
	if got != want {
		t.Errorf("Argon2id(RFC 9106 §5.3) = %s, want %s", got, want)
	}
}

// TestDeriveArgon2idMatchesXCrypto checks the secret-capable implementation against
// x/crypto/argon2 on inputs without a secret, over shapes that exercise every branch: one and
// several lanes, one and several passes, tags shorter and longer than 64 bytes, segments
// longer than one address block (128), and memory that is not a multiple of 4 lanes.
func TestDeriveArgon2idMatchesXCrypto(t *testing.T) {
	t.Parallel()
	tests := []struct {
		passes, memory uint32
		lanes          uint8
		keyLen         uint32
	}{
		{1, 8, 1, 32},
		{2, 64, 1, 16},
		{3, 32, 4, 32},
		{1, 1024, 1, 64},
		{2, 1030, 3, 65},
		{4, 256, 2, 128},
		{1, 600, 1, 100},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("t=%d,m=%d,p=%d,T=%d", tt.passes, tt.memory, tt.lanes, tt.keyLen), func(t *testing.T) {
			t.Parallel()
			password := []byte("correct horse battery staple")
			salt := []byte("somesaltsomesalt")
			want := argon2.IDKey(password, salt, tt.passes, tt.memory, tt.lanes, tt.keyLen)
			got := deriveArgon2id(password, salt, nil, nil, tt.passes, tt.memory, uint32(tt.lanes), tt.keyLen)
			if !bytes.Equal(got, want) {
				t.Errorf("deriveArgon2id = %x, want (x/crypto) %x", got, want)
			}
		})
	}
}

func TestArgon2idKeySecretChangesTheTag(t *testing.T) {
	t.Parallel()
	p := Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLength: 16, KeyLength: 32}
	salt := []byte("0123456789abcdef")
	plain := argon2idKey([]byte("pw"), salt, nil, p)
	peppered := argon2idKey([]byte("pw"), salt, []byte("pepper"), p)
	other := argon2idKey([]byte("pw"), salt, []byte("pepper2"), p)
	if bytes.Equal(plain, peppered) || bytes.Equal(peppered, other) {
		t.Errorf("the secret did not change the tag: %x %x %x", plain, peppered, other)
	}
}
