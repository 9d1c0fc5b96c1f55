package model

import (
	"testing"
	"time"
)

func TestRegistrationTokenUsable(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 3, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		token RegistrationToken
		want  bool
	}{
		{"unlimited, never expires", RegistrationToken{}, true},
		{"unlimited, used many times", RegistrationToken{TimesUsed: 1000}, true},
		{"uses left", RegistrationToken{UsageLimit: 3, TimesUsed: 2}, true},
		{"used up", RegistrationToken{UsageLimit: 3, TimesUsed: 3}, false},
		{"used beyond its limit", RegistrationToken{UsageLimit: 1, TimesUsed: 2}, false},
		{"expires later", RegistrationToken{ExpiresAt: now.Add(time.Nanosecond)}, true},
		{"expires now", RegistrationToken{ExpiresAt: now}, false},
		{"expired", RegistrationToken{ExpiresAt: now.Add(-time.Hour)}, false},
		{"revoked", RegistrationToken{RevokedAt: now.Add(-time.Hour)}, false},
		{"revoked in the future still counts", RegistrationToken{RevokedAt: now.Add(time.Hour)}, false},
		{"revoked, with uses left and no expiry", RegistrationToken{UsageLimit: 5, RevokedAt: now}, false},
		{"expired and used up", RegistrationToken{UsageLimit: 1, TimesUsed: 1, ExpiresAt: now.Add(-time.Hour)}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.token.Usable(now); got != tt.want {
				t.Errorf("%+v.Usable(%v) = %v, want %v", tt.token, now, got, tt.want)
			}
		})
	}
}
