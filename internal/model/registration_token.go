package model

import "time"

// RegistrationToken lets one or more people create an account when open registration is off
// (the Matrix CS API's m.login.registration_token, whose tokens mxauth issues instead of the
// homeserver). An operator creates it and hands the token out; each registration with it
// spends one use.
type RegistrationToken struct {
	ID string // ULID
	// Hash is the SHA-256 of the token; the token itself is shown once and never stored.
	Hash []byte
	// Hint is the token's first 4 characters, so that an operator can tell tokens apart.
	Hint string
	// UsageLimit is how many accounts the token may register (0: unlimited).
	UsageLimit int
	// TimesUsed is how many it has registered.
	TimesUsed int
	CreatedAt time.Time
	// LastUsedAt is when it last registered an account (zero: never).
	LastUsedAt time.Time
	// ExpiresAt is when it stops working (zero: never).
	ExpiresAt time.Time
	// RevokedAt is when an operator revoked it (zero: not revoked). Revocation is final.
	RevokedAt time.Time
}

// Usable reports whether the token may register one more account at now: it is not revoked,
// not expired (like an access token, it stops working at ExpiresAt) and has uses left.
func (t RegistrationToken) Usable(now time.Time) bool {
	return t.RevokedAt.IsZero() &&
		(t.ExpiresAt.IsZero() || now.Before(t.ExpiresAt)) &&
		(t.UsageLimit == 0 || t.TimesUsed < t.UsageLimit)
}
