package model

import "time"

// GrantStatus is where an authorization grant is in its life.
type GrantStatus string

// An authorization grant moves pending → fulfilled → exchanged, or pending → denied. Every move
// is a guarded update in the store, so a code can be exchanged at most once (RFC 6749 §4.1.2).
const (
	// GrantPending: the request passed validation and waits for the user to sign in and consent.
	GrantPending GrantStatus = "pending"
	// GrantFulfilled: the user consented; a code was issued and sent to the client.
	GrantFulfilled GrantStatus = "fulfilled"
	// GrantExchanged: the client exchanged the code for tokens (SessionID is set).
	GrantExchanged GrantStatus = "exchanged"
	// GrantDenied: the user refused.
	GrantDenied GrantStatus = "denied"
)

// AuthorizationGrant is one authorization request of the authorization code flow
// (RFC 6749 §4.1), from validation to code exchange.
type AuthorizationGrant struct {
	ID       string // ULID; it also names the consent page
	ClientID string
	// RedirectURI is the redirect_uri of the request, exactly as sent; the token request must
	// repeat it (RFC 6749 §4.1.3).
	RedirectURI  string
	ResponseMode string // query or fragment
	// Scope is the requested scope in the client's own spelling, which the token response echoes.
	Scope string
	// DeviceID is the Matrix device the scope allocates.
	DeviceID            string
	State               string
	Nonce               string
	CodeChallenge       string
	CodeChallengeMethod string // S256
	// Prompt and LoginHint are the OIDC prompt and login_hint parameters.
	Prompt    string
	LoginHint string

	Status GrantStatus
	// CodeHash is the SHA-256 of the authorization code, set when the grant is fulfilled.
	CodeHash         []byte
	UserID           string
	BrowserSessionID string
	// AuthTime is when the user last authenticated before consenting (OIDC auth_time).
	AuthTime time.Time
	// SessionID is the OAuth session the code was exchanged for.
	SessionID string

	CreatedAt   time.Time
	FulfilledAt time.Time
	ExchangedAt time.Time
	// ExpiresAt bounds the whole grant: a pending grant the user never finished, or a code
	// never exchanged (codes live 10 minutes after fulfilment, RFC 6749 §4.1.2).
	ExpiresAt time.Time
}
