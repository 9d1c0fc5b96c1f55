package oauth2

import (
	"strings"
	"testing"
)

// RFC 7636 Appendix B: the example code verifier and its S256 challenge.
const (
	rfc7636Verifier  = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	rfc7636Challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
)

func TestS256ChallengeKnownAnswer(t *testing.T) {
	t.Parallel()
	if got := S256Challenge(rfc7636Verifier); got != rfc7636Challenge {
		t.Errorf("S256Challenge(RFC 7636 App. B verifier) = %q, want %q", got, rfc7636Challenge)
	}
}

func TestValidCodeVerifier(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		verifier string
		want     bool
	}{
		{"RFC 7636 Appendix B", rfc7636Verifier, true},
		{"43 characters", strings.Repeat("a", 43), true},
		{"128 characters", strings.Repeat("Z", 128), true},
		{"every allowed character", "ABCXYZabcxyz0189-._~" + strings.Repeat("0", 23), true},
		{"42 characters", strings.Repeat("a", 42), false},
		{"129 characters", strings.Repeat("a", 129), false},
		{"empty", "", false},
		{"plus", strings.Repeat("a", 42) + "+", false},
		{"slash", strings.Repeat("a", 42) + "/", false},
		{"space", strings.Repeat("a", 42) + " ", false},
		{"equals padding", strings.Repeat("a", 42) + "=", false},
		{"non-ASCII", strings.Repeat("a", 42) + "\u00e9", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := ValidCodeVerifier(tt.verifier); got != tt.want {
				t.Errorf("ValidCodeVerifier(%q) = %v, want %v", tt.verifier, got, tt.want)
			}
		})
	}
}

func TestValidCodeChallenge(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		challenge string
		want      bool
	}{
		{"RFC 7636 Appendix B", rfc7636Challenge, true},
		{"all A decodes to 32 zero bytes", strings.Repeat("A", 43), true},
		{"42 characters", rfc7636Challenge[:42], false},
		{"44 characters", rfc7636Challenge + "A", false},
		{"with padding", rfc7636Challenge + "=", false},
		{"standard alphabet plus", "+" + rfc7636Challenge[1:], false},
		{"standard alphabet slash", "/" + rfc7636Challenge[1:], false},
		// 'N' sets a spare low bit in the last character: no SHA-256 value encodes to it.
		{"non-canonical last character", rfc7636Challenge[:42] + "N", false},
		{"empty", "", false},
		{"carriage return that base64 would skip", rfc7636Challenge[:21] + "\r" + rfc7636Challenge[22:], false},
		{"a verifier is not a challenge", strings.Repeat("a", 42) + "~", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := ValidCodeChallenge(tt.challenge); got != tt.want {
				t.Errorf("ValidCodeChallenge(%q) = %v, want %v", tt.challenge, got, tt.want)
			}
		})
	}
}

func TestVerifyPKCE(t *testing.T) {
	t.Parallel()
	short := strings.Repeat("a", 42)
	tests := []struct {
		name                        string
		verifier, challenge, method string
		want                        bool
	}{
		{"RFC 7636 Appendix B", rfc7636Verifier, rfc7636Challenge, "S256", true},
		{"another verifier", strings.Repeat("b", 43), rfc7636Challenge, "S256", false},
		{"challenge off by one character", rfc7636Verifier, rfc7636Challenge[:42] + "A", "S256", false},
		{"plain is never accepted", rfc7636Verifier, rfc7636Verifier, "plain", false},
		{"plain with the S256 challenge", rfc7636Verifier, rfc7636Challenge, "plain", false},
		{"method is case-sensitive", rfc7636Verifier, rfc7636Challenge, "s256", false},
		{"no method", rfc7636Verifier, rfc7636Challenge, "", false},
		{"no challenge", rfc7636Verifier, "", "S256", false},
		{"no verifier", "", S256Challenge(""), "S256", false},
		{"malformed verifier never matches, even its own hash", short, S256Challenge(short), "S256", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := VerifyPKCE(tt.verifier, tt.challenge, tt.method); got != tt.want {
				t.Errorf("VerifyPKCE(%q, %q, %q) = %v, want %v", tt.verifier, tt.challenge, tt.method, got, tt.want)
			}
		})
	}
}

func FuzzVerifyPKCE(f *testing.F) {
	f.Add(rfc7636Verifier, rfc7636Challenge)
	f.Add(strings.Repeat("a", 43), strings.Repeat("A", 43))
	f.Add("", "")
	f.Add(strings.Repeat("~", 129), rfc7636Challenge+"=")
	f.Fuzz(func(t *testing.T, verifier, challenge string) {
		if VerifyPKCE(verifier, challenge, "S256") {
			if !ValidCodeVerifier(verifier) || !ValidCodeChallenge(challenge) || challenge != S256Challenge(verifier) {
				t.Fatalf("VerifyPKCE(%q, %q) accepted a pair it should not", verifier, challenge)
			}
		}
		if VerifyPKCE(verifier, challenge, "plain") {
			t.Fatalf("plain accepted for %q", verifier)
		}
		derived := S256Challenge(verifier)
		if !ValidCodeChallenge(derived) {
			t.Fatalf("S256Challenge(%q) = %q is not a valid challenge", verifier, derived)
		}
		if got, want := VerifyPKCE(verifier, derived, "S256"), ValidCodeVerifier(verifier); got != want {
			t.Fatalf("VerifyPKCE(%q, own challenge) = %v, want %v", verifier, got, want)
		}
	})
}
