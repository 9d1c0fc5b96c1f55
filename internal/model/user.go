package model

import "time"

// User is a local account. Username is the Matrix localpart (@username:server).
type User struct {
	ID          string // ULID
	Username    string
	DisplayName string
	// PasswordHash is a versioned PHC-style hash (see internal/password); empty when the
	// user has no password.
	PasswordHash string
	Admin        bool
	// LockedAt is when an operator locked the account (zero: not locked). A locked user
	// cannot sign in, and their sessions stop working.
	LockedAt time.Time
	// DeactivatedAt is when the account was deactivated (zero: active). Deactivation is final.
	DeactivatedAt time.Time
	CreatedAt     time.Time
	// CrossSigningResetAllowedUntil is until when the user has approved replacing their
	// cross-signing keys (zero: no approval). MSC4191's org.matrix.cross_signing_reset
	// action sends the user here; the homeserver then lets one key upload through without
	// user-interactive auth until this time passes.
	CrossSigningResetAllowedUntil time.Time
}

// CanSignIn reports whether the account may start new sessions.
func (u User) CanSignIn() bool { return u.LockedAt.IsZero() && u.DeactivatedAt.IsZero() }

// BrowserSession is a person's signed-in session with mxauth's own web pages, held by a cookie.
// It is not an OAuth session: it lets the user approve logins of Matrix clients.
type BrowserSession struct {
	ID     string // ULID
	UserID string
	// TokenHash is the SHA-256 of the cookie value; the value itself is never stored.
	TokenHash []byte
	CreatedAt time.Time
	// AuthenticatedAt is when the user last proved who they are (OIDC auth_time).
	AuthenticatedAt time.Time
	ExpiresAt       time.Time
	// EndedAt is when the user logged out (zero: not ended).
	EndedAt   time.Time
	UserAgent string
	IP        string
}

// Active reports whether the session can be used at now.
func (s BrowserSession) Active(now time.Time) bool {
	return s.EndedAt.IsZero() && now.Before(s.ExpiresAt)
}
