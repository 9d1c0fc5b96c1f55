package password

import (
	"bytes"
	"compress/gzip"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPolicyCheck(t *testing.T) {
	t.Parallel()
	strict := Policy{MinLength: 8, RejectCommon: true}
	tests := []struct {
		name     string
		policy   Policy
		pw, user string
		want     *Rejection // nil: accepted
	}{
		{"long and uncommon", strict, "correct horse battery staple", "alice", nil},
		{"exactly the minimum", strict, "tr0ub4dor&", "alice", nil},
		{"one short", strict, "zq8#kLm", "alice", &Rejection{Reason: TooShort, MinLength: 8}},
		{"empty", strict, "", "alice", &Rejection{Reason: TooShort, MinLength: 8}},
		// NIST SP 800-63B counts characters, not bytes: 7 umlauts are 14 bytes but 7 characters.
		{"counts characters", strict, "üöäüöäü", "alice", &Rejection{Reason: TooShort, MinLength: 8}},
		{"multibyte at the minimum", strict, "üöäüöäüx", "alice", nil},
		{"zero minimum means one", Policy{}, "", "alice", &Rejection{Reason: TooShort, MinLength: 1}},
		{"too long", strict, strings.Repeat("x", MaxPasswordBytes+1), "alice", &Rejection{Reason: TooLong, MinLength: 8}},
		{"longest allowed", strict, strings.Repeat("xy", MaxPasswordBytes/2), "alice", nil},
		{"same as username", strict, "alexander99", "alexander99", &Rejection{Reason: SameAsUsername, MinLength: 8}},
		{"same as username in capitals", strict, "Alexander99", "alexander99", &Rejection{Reason: SameAsUsername, MinLength: 8}},
		{"username unknown", strict, "alexander99", "", nil},
		// Entries of the bundled list: the most common, and some from its end.
		{"most common", strict, "password", "alice", &Rejection{Reason: Common, MinLength: 8}},
		{"common in capitals", strict, "PassWord", "alice", &Rejection{Reason: Common, MinLength: 8}},
		{"common digits", strict, "12345678", "alice", &Rejection{Reason: Common, MinLength: 8}},
		{"last entry of the list", strict, "159753456", "alice", &Rejection{Reason: Common, MinLength: 8}},
		{"common but allowed", Policy{MinLength: 8}, "password", "alice", nil},
		{"short wins over common", strict, "123456", "alice", &Rejection{Reason: TooShort, MinLength: 8}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.policy.Check(tc.pw, tc.user)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Check = %v, want nil", err)
				}
				return
			}
			var got *Rejection
			if !errors.As(err, &got) {
				t.Fatalf("Check = %v, want a *Rejection", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("rejection (-want +got):\n%s", diff)
			}
			if got.Error() == "" {
				t.Error("Error() is empty")
			}
		})
	}
}

// TestCommonPasswordList checks the embedded data: it loads, holds the 10,000 entries the
// NOTICE promises, and only in the lower case Check compares in.
func TestCommonPasswordList(t *testing.T) {
	t.Parallel()
	set, err := commonPasswords()
	if err != nil {
		t.Fatal(err)
	}
	if len(set) != 10000 {
		t.Errorf("%d common passwords, want 10000", len(set))
	}
	for pw := range set {
		if pw != strings.ToLower(pw) || strings.TrimSpace(pw) != pw || pw == "" {
			t.Errorf("entry %q is not a trimmed lower-case password", pw)
		}
	}
	for _, pw := range []string{"123456", "qwerty", "iloveyou", "dragon"} {
		if _, ok := set[pw]; !ok {
			t.Errorf("%q is missing", pw)
		}
	}
}

func TestParseCommonPasswords(t *testing.T) {
	t.Parallel()
	gz := func(s string) []byte {
		var b bytes.Buffer
		w := gzip.NewWriter(&b)
		_, _ = w.Write([]byte(s))
		_ = w.Close()
		return b.Bytes()
	}
	set, err := parseCommonPasswords(gz("Hunter2\n\n  letmein \n"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]struct{}{"hunter2": {}, "letmein": {}}, set); diff != "" {
		t.Errorf("set (-want +got):\n%s", diff)
	}
	for name, data := range map[string][]byte{"not gzip": []byte("password\n"), "empty": gz("\n\n")} {
		if _, err := parseCommonPasswords(data); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func BenchmarkPolicyCheck(b *testing.B) {
	p := Policy{MinLength: 8, RejectCommon: true}
	if _, err := commonPasswords(); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		_ = p.Check("correct horse battery staple", "alice")
	}
}
