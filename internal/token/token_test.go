package token

import (
	"bytes"
	"crypto/rand"
	"errors"
	"hash/crc32"
	"io"
	"math/big"
	mathrand "math/rand/v2"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
)

// referenceToken builds "{prefix}_{random}_{checksum}" the long way, sharing no code with the
// package: hash/crc32's own ChecksumIEEE, and math/big for base 62. big.Int.Text writes the
// most significant digit first with the alphabet 0-9a-zA-Z, so the digits are case-swapped
// to MAS's 0-9A-Za-z, reversed to least significant first, then left-padded with '0'.
func referenceToken(prefix, random string) string {
	head := prefix + "_" + random
	crc := crc32.ChecksumIEEE([]byte(head))
	digits := []byte(new(big.Int).SetUint64(uint64(crc)).Text(62))
	for i, c := range digits {
		switch {
		case 'a' <= c && c <= 'z':
			digits[i] = c - 'a' + 'A'
		case 'A' <= c && c <= 'Z':
			digits[i] = c - 'A' + 'a'
		}
	}
	slices.Reverse(digits)
	return head + "_" + strings.Repeat("0", 6-len(digits)) + string(digits)
}

// countingBytes returns n bytes 0, 1, 2, ... (mod 256).
func countingBytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

// constantReader is an endless source of one byte value: a broken random source.
type constantReader byte

func (c constantReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(c)
	}
	return len(p), nil
}

// Known answers, computed independently in Python:
//
//	base = f"{prefix}_{random}"; n = zlib.crc32(base.encode())
//	digits = ""; while n: digits += NUM[n % 62]; n //= 62
//	token = f"{base}_{digits.rjust(6, '0')}"
var knownTokens = []struct {
	kind  Kind
	token string
}{
	// The random part Generate draws from the reader bytes 0, 1, ..., 29.
	{AccessToken, "mat_0123456789ABCDEFGHIJKLMNOPQRST_Bd1Q11"},
	{RefreshToken, "mar_0123456789ABCDEFGHIJKLMNOPQRST_kMZiJ2"},
	{CompatAccessToken, "mct_0123456789ABCDEFGHIJKLMNOPQRST_RweSe1"},
	{CompatRefreshToken, "mcr_0123456789ABCDEFGHIJKLMNOPQRST_0Oua4M"},
	{PersonalAccessToken, "mpt_0123456789ABCDEFGHIJKLMNOPQRST_YHkFy3"},
	{ClientSecret, "mcs_0123456789ABCDEFGHIJKLMNOPQRST_U8PM94"},
	{AuthorizationCode, "mac_0123456789ABCDEFGHIJKLMNOPQRST_vG9sf2"},
	{DeviceCode, "mdc_0123456789ABCDEFGHIJKLMNOPQRST_KxJPK2"},
	// Random parts from Python's random.Random(42).
	{AccessToken, "mat_e71lHFE8l6hlvY5bR215DEWc1ZCjfi_BNclg2"},
	{RefreshToken, "mar_YQESbHpt0mpAiRLH9DzmL65O6MsMcG_dzCpo3"},
	{CompatAccessToken, "mct_p2kTY7xO5ZIredutNaCj42gEnI5sEt_k2bZV1"},
	{CompatRefreshToken, "mcr_6OHTerNANMDgHixhf4ceAYkFATOHxe_gmm5Z2"},
	{PersonalAccessToken, "mpt_iZEhKrnn3Eq2pKPH4DwyaujKDfVPuw_Z6S5v1"},
	{ClientSecret, "mcs_fT9G8FlZYGlbRvbPNE8WV5m3t79eAo_m7Ay32"},
	{AuthorizationCode, "mac_hRc4OOcTXGZty0hk7huYmHnfL7IRAT_kHZzK2"},
	{DeviceCode, "mdc_0zkukGWmBWw6teJreWcC9NmAYznxXw_Td6rB1"},
	// Checksums below 62^4, whose encoding is padded (crc 5730769, 14519503, 10097739).
	{AccessToken, "mat_qtD1GDIWFmbKGYQr83wlMvTgbqvXQq_00lp2O"},
	{AccessToken, "mat_ecjdMD2NL92DG2ckfwDq0qKQhNBdJ4_00XBvy"},
	{AccessToken, "mat_r2S7KZDAtJYd9vWHGwbhHSok9IGiSD_00lsMg"},
}

func TestParseKnownTokens(t *testing.T) {
	t.Parallel()
	for _, tt := range knownTokens {
		t.Run(tt.token, func(t *testing.T) {
			t.Parallel()
			got, err := Parse(tt.token)
			if err != nil || got != tt.kind {
				t.Fatalf("Parse = %v, %v; want %v, nil", got, err, tt.kind)
			}
			if err := Check(tt.token, tt.kind); err != nil {
				t.Errorf("Check(%v) = %v", tt.kind, err)
			}
			if ref := referenceToken(tt.token[:3], tt.token[4:34]); ref != tt.token {
				t.Errorf("reference implementation gives %q", ref)
			}
		})
	}
}

func TestGenerateKnownTokens(t *testing.T) {
	t.Parallel()
	for _, tt := range knownTokens[:8] {
		t.Run(tt.kind.String(), func(t *testing.T) {
			t.Parallel()
			rnd := bytes.NewReader(countingBytes(randomLen))
			got, err := Generate(tt.kind, rnd)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.token {
				t.Errorf("Generate = %q, want %q", got, tt.token)
			}
			if rnd.Len() != 0 {
				t.Errorf("Generate left %d of %d bytes unread", rnd.Len(), randomLen)
			}
		})
	}
}

func TestGenerateSkipsRejectedBytes(t *testing.T) {
	t.Parallel()
	// 248..255 are rejected; the first read takes them and 0..21, the second read 22..29.
	// The result is the token of 0..29, and nothing more is read.
	input := append([]byte{248, 249, 250, 251, 252, 253, 254, 255}, countingBytes(randomLen)...)
	input = append(input, 99)
	rnd := bytes.NewReader(input)
	got, err := Generate(AccessToken, rnd)
	if err != nil {
		t.Fatal(err)
	}
	if want := "mat_0123456789ABCDEFGHIJKLMNOPQRST_Bd1Q11"; got != want {
		t.Errorf("Generate = %q, want %q", got, want)
	}
	if rnd.Len() != 1 {
		t.Errorf("Generate left %d bytes unread, want 1", rnd.Len())
	}
}

// TestGenerateByteMapping drives every byte value through the first character: accepted bytes
// must map to alphabet[b%62], rejected ones must be replaced by the next byte, and the
// accepted bytes must cover the alphabet exactly four times each (no modulo bias).
func TestGenerateByteMapping(t *testing.T) {
	t.Parallel()
	hits := make(map[byte]int)
	for b := range 256 {
		input := append([]byte{byte(b)}, make([]byte, randomLen-1)...)
		input = append(input, 7) // only read if b is rejected
		tok, err := Generate(AccessToken, bytes.NewReader(input))
		if err != nil {
			t.Fatalf("byte %d: %v", b, err)
		}
		random := tok[randomStart:randomEnd]
		want := string(alphabet[b%62]) + strings.Repeat("0", randomLen-1)
		if b >= 248 {
			want = strings.Repeat("0", randomLen-1) + "7"
		} else {
			hits[random[0]]++
		}
		if random != want {
			t.Errorf("byte %d: random part %q, want %q", b, random, want)
		}
	}
	for i := range len(alphabet) {
		if n := hits[alphabet[i]]; n != 4 {
			t.Errorf("character %q drawn by %d byte values, want 4", alphabet[i], n)
		}
	}
}

func TestGenerateEveryKindRoundTrips(t *testing.T) {
	t.Parallel()
	for _, kind := range Kinds() {
		t.Run(kind.String(), func(t *testing.T) {
			t.Parallel()
			seen := make(map[string]bool)
			for range 200 {
				tok, err := Generate(kind, rand.Reader)
				if err != nil {
					t.Fatal(err)
				}
				if seen[tok] {
					t.Fatalf("Generate repeated %q", tok)
				}
				seen[tok] = true
				if len(tok) != Length || !strings.HasPrefix(tok, kind.Prefix()+"_") {
					t.Fatalf("Generate = %q: wrong shape", tok)
				}
				if got, err := Parse(tok); err != nil || got != kind {
					t.Fatalf("Parse(%q) = %v, %v; want %v, nil", tok, got, err, kind)
				}
				if ref := referenceToken(kind.Prefix(), tok[randomStart:randomEnd]); ref != tok {
					t.Fatalf("Generate = %q, reference = %q", tok, ref)
				}
			}
		})
	}
}

func TestGenerateErrors(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	tests := []struct {
		name    string
		kind    Kind
		rnd     io.Reader
		wantErr error // checked with errors.Is when set
	}{
		{"zero kind", 0, rand.Reader, nil},
		{"kind past the last", kindCount, rand.Reader, nil},
		{"reader fails", AccessToken, iotest.ErrReader(boom), boom},
		{"reader runs dry", AccessToken, bytes.NewReader(countingBytes(10)), io.ErrUnexpectedEOF},
		{"reader empty", AccessToken, bytes.NewReader(nil), io.EOF},
		{"reader dries up during refill", AccessToken, bytes.NewReader(append([]byte{255}, countingBytes(29)...)), io.EOF},
		{"reader only yields rejected bytes", AccessToken, constantReader(0xFF), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Generate(tt.kind, tt.rnd)
			if err == nil {
				t.Fatalf("Generate = %q, want an error", got)
			}
			if got != "" {
				t.Errorf("Generate returned %q along with error %v", got, err)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("Generate error = %v, want one wrapping %v", err, tt.wantErr)
			}
		})
	}
}

func TestEncodeChecksum(t *testing.T) {
	t.Parallel()
	// Expected values from the Python base62 encoding in the knownTokens comment.
	tests := []struct {
		crc  uint32
		want string
	}{
		{0, "000000"},
		{1, "000001"},
		{61, "00000z"},
		{62, "000001"}, // digits "01" padded on the left: the MAS quirk, same as 1
		{63, "000011"},
		{3843, "0000zz"},
		{3844, "000001"},
		{916132831, "0zzzzz"}, // 62^5 - 1
		{916132832, "000001"}, // 62^5
		{0xDEADBEEF, "FgZp44"},
		{0xFFFFFFFF, "3CFfg4"},
	}
	for _, tt := range tests {
		got := encodeChecksum(tt.crc)
		if diff := cmp.Diff(tt.want, string(got[:])); diff != "" {
			t.Errorf("encodeChecksum(%d) mismatch (-want +got):\n%s", tt.crc, diff)
		}
	}
}

func TestChecksumOfMatchesStdlib(t *testing.T) {
	t.Parallel()
	rng := mathrand.New(mathrand.NewPCG(1, 2))
	inputs := []string{"", "a", "123456789", "mat_0123456789ABCDEFGHIJKLMNOPQRST"}
	for range 1000 {
		b := make([]byte, rng.IntN(80))
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		inputs = append(inputs, string(b))
	}
	for _, in := range inputs {
		want := crc32.ChecksumIEEE([]byte(in))
		if got := checksumOf(in); got != want {
			t.Errorf("checksumOf(%q) = %#x, want %#x", in, got, want)
		}
		if got := checksumOf([]byte(in)); got != want {
			t.Errorf("checksumOf([]byte(%q)) = %#x, want %#x", in, got, want)
		}
	}
	// The check value of CRC-32/ISO-HDLC from the CRC catalogue.
	if got := checksumOf("123456789"); got != 0xCBF43926 {
		t.Errorf(`checksumOf("123456789") = %#x, want 0xcbf43926`, got)
	}
}

func TestParseRejects(t *testing.T) {
	t.Parallel()
	const valid = "mat_0123456789ABCDEFGHIJKLMNOPQRST_Bd1Q11"
	replace := func(i int, with string) string { return valid[:i] + with + valid[i+len(with):] }
	tests := []struct {
		name  string
		input string
		want  error // the exact error value
	}{
		{"empty", "", ErrNotOurs},
		{"prefix only", "mat", ErrNotOurs},
		{"prefix with other separator", replace(3, "-"), ErrNotOurs},
		{"unknown prefix", replace(0, "xyz"), ErrNotOurs},
		{"upper-case prefix", replace(0, "MAT"), ErrNotOurs},
		{"leading space", " " + valid[:40], ErrNotOurs},
		{"synapse access token", "syt_YWxpY2U_RnHQjMoIrOdRNeOlXnuD_2pHkVk", ErrNotOurs},
		{"synapse refresh token", "syr_YWxpY2U_cFpThvhWIJvgHqUIrWwp_4bZq5m", ErrNotOurs},
		{"bearer JWT", "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln", ErrNotOurs},
		{"prefix and separator only", "mat_", errLength},
		{"one short", valid[:40], errLength},
		{"one long", valid + "0", errLength},
		{"trailing newline", valid + "\n", errLength},
		{"far too long", valid + strings.Repeat("A", 1000), errLength},
		{"second separator missing", replace(34, "A"), errSeparator},
		{"second separator is a dash", replace(34, "-"), errSeparator},
		{"dash in random part", replace(10, "-"), errAlphabet},
		{"underscore in random part", replace(4, "_"), errAlphabet},
		{"space in random part", replace(33, " "), errAlphabet},
		{"NUL in random part", replace(20, "\x00"), errAlphabet},
		{"non-ASCII in random part", replace(10, "é"), errAlphabet},
		{"random character changed", replace(4, "1"), errChecksum},
		{"random character case changed", replace(14, "a"), errChecksum},
		{"checksum character changed", replace(40, "2"), errChecksum},
		{"checksum case changed", replace(35, "b"), errChecksum},
		{"checksum of another prefix", replace(0, "mar"), errChecksum},
		{"checksum with a symbol", replace(38, "!"), errChecksum},
		{"checksum most-significant first", replace(35, "11Q1dB"), errChecksum},
		{"checksum all zeros", replace(35, "000000"), errChecksum},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			kind, err := Parse(tt.input)
			if err != tt.want { // the exact reason, not just the class
				t.Errorf("Parse(%q) = %v, %v; want error %v", tt.input, kind, err, tt.want)
			}
			if kind != 0 {
				t.Errorf("Parse(%q) returned kind %v along with an error", tt.input, kind)
			}
			ours := !errors.Is(tt.want, ErrNotOurs)
			if got := errors.Is(err, ErrMalformed); got != ours {
				t.Errorf("errors.Is(%v, ErrMalformed) = %v, want %v", err, got, ours)
			}
			if checkErr := Check(tt.input, AccessToken); checkErr != err {
				t.Errorf("Check = %v, want Parse's error %v", checkErr, err)
			}
		})
	}
}

// TestParseRejectsEverySingleSubstitution relies on a CRC-32 property: it detects every error
// confined to 32 consecutive bits, so no one-character change of a token is another token.
func TestParseRejectsEverySingleSubstitution(t *testing.T) {
	t.Parallel()
	for _, tt := range knownTokens {
		for i := range Length {
			for _, c := range []byte(alphabet + "_-") {
				if tt.token[i] == c {
					continue
				}
				mutated := tt.token[:i] + string(c) + tt.token[i+1:]
				if kind, err := Parse(mutated); err == nil {
					t.Errorf("Parse(%q) = %v, nil; one character off %q", mutated, kind, tt.token)
				}
			}
		}
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	for _, tt := range knownTokens[:8] {
		for _, want := range append(Kinds(), 0, kindCount) {
			err := Check(tt.token, want)
			var wantErr error
			if want != tt.kind {
				wantErr = ErrWrongKind
			}
			if err != wantErr {
				t.Errorf("Check(%q, %v) = %v, want %v", tt.token, want, err, wantErr)
			}
		}
	}
}

// TestParseDoesNotAllocate is not parallel: testing.AllocsPerRun refuses to run in a
// parallel test, because other goroutines' allocations would be counted.
func TestParseDoesNotAllocate(t *testing.T) {
	inputs := []string{
		"mat_e71lHFE8l6hlvY5bR215DEWc1ZCjfi_BNclg2",
		"mat_e71lHFE8l6hlvY5bR215DEWc1ZCjfi_BNclg3",
		"syt_YWxpY2U_RnHQjMoIrOdRNeOlXnuD_2pHkVk",
		"mat_short",
	}
	for _, in := range inputs {
		allocs := testing.AllocsPerRun(100, func() {
			_, _ = Parse(in)
			_ = Check(in, RefreshToken)
		})
		if allocs != 0 {
			t.Errorf("Parse(%q) allocates %v times per call", in, allocs)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, tt := range knownTokens {
		f.Add(tt.token)
	}
	for _, s := range []string{
		"", "mat", "mat_", "syt_YWxpY2U_RnHQjMoIrOdRNeOlXnuD_2pHkVk",
		"mat_0123456789ABCDEFGHIJKLMNOPQRST_Bd1Q12", "mat_0123456789ABCDEFGHIJKLMNOPQRS-_Bd1Q11",
		"mat_0123456789ABCDEFGHIJKLMNOPQRST-Bd1Q11", "mat_é123456789ABCDEFGHIJKLMNOPQRS_Bd1Q11",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := checksumOf(s), crc32.ChecksumIEEE([]byte(s)); got != want {
			t.Fatalf("checksumOf(%q) = %#x, crc32 says %#x", s, got, want)
		}
		kind, err := Parse(s)
		if err != nil {
			notOurs, malformed := errors.Is(err, ErrNotOurs), errors.Is(err, ErrMalformed)
			if notOurs == malformed {
				t.Fatalf("Parse(%q) error %v: not exactly one of ErrNotOurs, ErrMalformed", s, err)
			}
			if kind != 0 {
				t.Fatalf("Parse(%q) returned kind %v along with %v", s, kind, err)
			}
			if malformed && (len(s) <= prefixLen || s[prefixLen] != '_' || kindOfPrefix(s[:prefixLen]) == 0) {
				t.Fatalf("Parse(%q) calls a string without our prefix malformed", s)
			}
			return
		}
		if !kind.Valid() || len(s) != Length || s[:prefixLen] != kind.Prefix() {
			t.Fatalf("Parse(%q) accepted it as %v", s, kind)
		}
		if err := Check(s, kind); err != nil {
			t.Fatalf("Check(%q, %v) = %v after Parse accepted it", s, kind, err)
		}
		if ref := referenceToken(s[:prefixLen], s[randomStart:randomEnd]); ref != s {
			t.Fatalf("Parse accepted %q; reference token for its random part is %q", s, ref)
		}
	})
}

func FuzzGenerate(f *testing.F) {
	f.Add(byte(1), countingBytes(randomLen))
	f.Add(byte(8), bytes.Repeat([]byte{0xFF}, 40))
	f.Add(byte(0), countingBytes(100))
	f.Fuzz(func(t *testing.T, k byte, randomness []byte) {
		kind := Kind(k % uint8(kindCount+1))
		tok, err := Generate(kind, bytes.NewReader(randomness))
		if err != nil {
			return // too few acceptable bytes, or the zero kind
		}
		if got, err := Parse(tok); err != nil || got != kind {
			t.Fatalf("Parse(Generate(%v)) = %v, %v", kind, got, err)
		}
		if ref := referenceToken(kind.Prefix(), tok[randomStart:randomEnd]); ref != tok {
			t.Fatalf("Generate = %q, reference = %q", tok, ref)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	for _, bm := range []struct{ name, input string }{
		{"valid", "mat_e71lHFE8l6hlvY5bR215DEWc1ZCjfi_BNclg2"},
		{"bad_checksum", "mat_e71lHFE8l6hlvY5bR215DEWc1ZCjfi_BNclg3"},
		{"not_ours", "syt_YWxpY2U_RnHQjMoIrOdRNeOlXnuD_2pHkVk"},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = Parse(bm.input)
			}
		})
	}
}

func BenchmarkGenerate(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Generate(AccessToken, rand.Reader); err != nil {
			b.Fatal(err)
		}
	}
}
