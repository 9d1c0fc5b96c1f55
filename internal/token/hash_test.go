package token

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
)

func TestSumKnownAnswers(t *testing.T) {
	t.Parallel()
	// Expected values from Python: hashlib.sha256(token.encode()).hexdigest().
	tests := []struct {
		token string
		want  string
	}{
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"mat_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA_96elV4", "ae52f3e512031afa617b78227885f9b2ad4335893e71800129feaef17216987c"},
		{strings.Repeat("x", 100), "09ecb6ebc8bcefc733f6f2ec44f791abeed6a99edf0cc31519637898aebd52d8"}, // longer than a token: the heap path
	}
	for _, tt := range tests {
		d := Sum(tt.token)
		if got := hex.EncodeToString(d[:]); got != tt.want {
			t.Errorf("Sum(%q) = %s, want %s", tt.token, got, tt.want)
		}
		if got := hex.EncodeToString(Hash(tt.token)); got != tt.want {
			t.Errorf("Hash(%q) = %s, want %s", tt.token, got, tt.want)
		}
	}
}

func TestEqual(t *testing.T) {
	t.Parallel()
	a := Hash("mat_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA_96elV4")
	flipped := bytes.Clone(a)
	flipped[31] ^= 1
	tests := []struct {
		name string
		a, b []byte
		want bool
	}{
		{"same digest", a, bytes.Clone(a), true},
		{"last bit differs", a, flipped, false},
		{"other token", a, Hash("mat_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAB_000000"), false},
		{"both nil", nil, nil, false},
		{"both empty", []byte{}, []byte{}, false},
		{"stored nil", a, nil, false},
		{"prefix of digest", a, a[:16], false},
		{"equal but not digest sized", []byte("abc"), []byte("abc"), false},
		{"longer than a digest", append(bytes.Clone(a), 0), append(bytes.Clone(a), 0), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Equal(tt.a, tt.b); got != tt.want {
				t.Errorf("Equal = %v, want %v", got, tt.want)
			}
			if got := Equal(tt.b, tt.a); got != tt.want {
				t.Errorf("Equal (swapped) = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	const secret = "mcs_0123456789ABCDEFGHIJKLMNOPQRST_U8PM94"
	stored := Hash(secret)
	tests := []struct {
		name      string
		presented string
		stored    []byte
		want      bool
	}{
		{"right secret", secret, stored, true},
		{"wrong secret", "mcs_0123456789ABCDEFGHIJKLMNOPQRSS_U8PM94", stored, false},
		{"empty presented", "", stored, false},
		{"public client without a hash", secret, nil, false},
		{"empty presented, no hash", "", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Verify(tt.presented, tt.stored); got != tt.want {
				t.Errorf("Verify(%q) = %v, want %v", tt.presented, got, tt.want)
			}
		})
	}
}

func TestDigestIsAMapKey(t *testing.T) {
	t.Parallel()
	cache := map[Digest]Kind{Sum("mat_0123456789ABCDEFGHIJKLMNOPQRST_Bd1Q11"): AccessToken}
	if got := cache[Sum("mat_0123456789ABCDEFGHIJKLMNOPQRST_Bd1Q11")]; got != AccessToken {
		t.Errorf("lookup by Sum of the same token = %v, want %v", got, AccessToken)
	}
	if _, ok := cache[Sum("mar_0123456789ABCDEFGHIJKLMNOPQRST_kMZiJ2")]; ok {
		t.Error("lookup by Sum of another token hit")
	}
}

func BenchmarkSum(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Sum("mat_e71lHFE8l6hlvY5bR215DEWc1ZCjfi_BNclg2")
	}
}

// TestSumDoesNotAllocate is not parallel: testing.AllocsPerRun refuses to run in a parallel
// test.
func TestSumDoesNotAllocate(t *testing.T) {
	for _, in := range []string{"", "mat_e71lHFE8l6hlvY5bR215DEWc1ZCjfi_BNclg2"} {
		if allocs := testing.AllocsPerRun(100, func() { Sum(in) }); allocs != 0 {
			t.Errorf("Sum(%q) allocates %v times per call", in, allocs)
		}
	}
}
