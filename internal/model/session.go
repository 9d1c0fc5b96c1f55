package model

import "time"

// Session is an OAuth 2.0 session: one login of one client by one user, which is one Matrix
// device (Matrix CS API "Relationship between access tokens and devices"). Its access and
// refresh tokens die with it.
type Session struct {
	ID       string // ULID
	UserID   string
	ClientID string
	DeviceID string
	// Scope is the granted scope in the client's spelling, as echoed in token responses.
	Scope string
	// GrantID is the authorization grant that started the session (empty for other grants).
	GrantID   string
	CreatedAt time.Time
	// EndedAt is when the session ended: logout, revocation, replaced by a new login on the
	// same device, a detected replay, or the user's deactivation (zero: active).
	EndedAt time.Time
	// UserAgent is the User-Agent of the client at login (empty: unknown), shown in the
	// account's device list (MSC4191).
	UserAgent string
	// LastActiveAt and LastActiveIP are when and from where the session was last seen
	// using a token (zero/empty: unknown). Activity is buffered and written in batches, so
	// they lag by up to one flush; a login sets LastActiveAt to CreatedAt.
	LastActiveAt time.Time
	LastActiveIP string
}

// Active reports whether the session has not ended.
func (s Session) Active() bool { return s.EndedAt.IsZero() }

// AccessToken is an OAuth 2.0 access token (RFC 6749 §1.4). Only its hash is stored.
type AccessToken struct {
	ID        string // ULID
	SessionID string
	Hash      []byte // SHA-256 of the token
	CreatedAt time.Time
	ExpiresAt time.Time
	// RevokedAt is when it was revoked (zero: not revoked).
	RevokedAt time.Time
	// FirstUsedAt is when the token was first presented to the homeserver or userinfo
	// (recorded in batches; zero: not yet seen). A refresh token's successor counts as used
	// once its access token is.
	FirstUsedAt time.Time
}

// Valid reports whether the token can be used at now (its session must be active too).
func (t AccessToken) Valid(now time.Time) bool {
	return t.RevokedAt.IsZero() && now.Before(t.ExpiresAt)
}

// RefreshToken is an OAuth 2.0 refresh token (RFC 6749 §1.5). Only its hash is stored.
type RefreshToken struct {
	ID        string // ULID
	SessionID string
	Hash      []byte // SHA-256 of the token
	// AccessTokenID is the access token issued together with this refresh token.
	AccessTokenID string
	CreatedAt     time.Time
	// ConsumedAt is when it was exchanged for a successor (zero: never); NextID names the
	// successor. Rotation rules live with the refresh grant.
	ConsumedAt time.Time
	NextID     string
	// RevokedAt is when it was revoked (zero: not revoked).
	RevokedAt time.Time
}
