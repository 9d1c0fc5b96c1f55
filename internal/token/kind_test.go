package token

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestKindPrefixAndString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind       Kind
		wantPrefix string
		wantString string
	}{
		{AccessToken, "mat", "access token"},
		{RefreshToken, "mar", "refresh token"},
		{CompatAccessToken, "mct", "compat access token"},
		{CompatRefreshToken, "mcr", "compat refresh token"},
		{PersonalAccessToken, "mpt", "personal access token"},
		{ClientSecret, "mcs", "client secret"},
		{AuthorizationCode, "mac", "authorization code"},
		{DeviceCode, "mdc", "device code"},
		{RegistrationToken, "mrt", "registration token"},
		{0, "", "token.Kind(0)"},
		{kindCount, "", "token.Kind(10)"},
		{255, "", "token.Kind(255)"},
	}
	for _, tt := range tests {
		t.Run(tt.wantString, func(t *testing.T) {
			t.Parallel()
			if got := tt.kind.Prefix(); got != tt.wantPrefix {
				t.Errorf("Prefix() = %q, want %q", got, tt.wantPrefix)
			}
			if got := tt.kind.String(); got != tt.wantString {
				t.Errorf("String() = %q, want %q", got, tt.wantString)
			}
			if got, want := tt.kind.Valid(), tt.wantPrefix != ""; got != want {
				t.Errorf("Valid() = %v, want %v", got, want)
			}
		})
	}
}

func TestKindsRoundTripThroughPrefix(t *testing.T) {
	t.Parallel()
	want := []Kind{
		AccessToken, RefreshToken, CompatAccessToken, CompatRefreshToken,
		PersonalAccessToken, ClientSecret, AuthorizationCode, DeviceCode, RegistrationToken,
	}
	if diff := cmp.Diff(want, Kinds()); diff != "" {
		t.Fatalf("Kinds() mismatch (-want +got):\n%s", diff)
	}
	seen := map[string]Kind{}
	for _, k := range Kinds() {
		p := k.Prefix()
		if len(p) != prefixLen {
			t.Errorf("%v: prefix %q is not %d characters", k, p, prefixLen)
		}
		if other, dup := seen[p]; dup {
			t.Errorf("%v and %v share prefix %q", k, other, p)
		}
		seen[p] = k
		if got := kindOfPrefix(p); got != k {
			t.Errorf("kindOfPrefix(%q) = %v, want %v", p, got, k)
		}
	}
}

func TestKindOfPrefixRejectsNearMisses(t *testing.T) {
	t.Parallel()
	// Synapse's prefixes are deliberately not ours (MAS maps them to compat tokens; mxauth
	// leaves them to the migration code).
	for _, p := range []string{"", "m", "ma", "matt", "MAT", "Mat", "syt", "syr", "mat_", "xyz"} {
		if got := kindOfPrefix(p); got != 0 {
			t.Errorf("kindOfPrefix(%q) = %v, want no kind", p, got)
		}
	}
}
