package account

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"

	"github.com/mxauth/mxauth/internal/ratelimit"
	"github.com/mxauth/mxauth/internal/web"
)

// RateLimits are the token buckets of the people-facing forms (SYNAPSE.md §2.6: MAS's
// rate_limiting, whose defaults config.RateLimiting copies). Per-IP buckets live in this
// process, since an address spreads its requests over replicas only with a load balancer
// that does not pin it; the per-account sign-in bucket is in the store, so that guessing one
// account's password gets no more tries from more replicas. The zero value limits nothing.
type RateLimits struct {
	// LoginPerIP limits sign-in attempts per client IP address; nil: no limit.
	LoginPerIP *ratelimit.Keyed
	// LoginPerAccount limits sign-in attempts per account, across replicas.
	LoginPerAccount StoreBucket
	// RegistrationPerIP limits accounts created per client IP address; nil: no limit.
	RegistrationPerIP *ratelimit.Keyed
	// UsernameChecksPerIP limits sign-up form submissions and username availability checks
	// per client IP address, each of which may ask the homeserver; nil: no limit.
	UsernameChecksPerIP *ratelimit.Keyed
}

// StoreBucket is a token bucket kept in the store (store.RateLimitStore): Burst attempts at
// once, refilled at PerSecond. A zero Burst means no limit.
type StoreBucket struct {
	Burst     int
	PerSecond float64
}

// loginAccountKeyPrefix names an account's sign-in bucket in the store: "login:" + user ID.
// loginUnknownKeyPrefix names the bucket of a username that has no account: the prefix and
// the hex SHA-256 of the name, so that the key stays short and storable whatever was typed.
const (
	loginAccountKeyPrefix = "login:"
	loginUnknownKeyPrefix = "login-unknown:"
)

// limitedByIP takes a token from the client address's bucket of k. When the bucket is empty
// it answers the 429 page and returns true.
func (p *Pages) limitedByIP(w http.ResponseWriter, r *http.Request, k *ratelimit.Keyed) bool {
	if k == nil {
		return false
	}
	ok, retryAfter := k.Allow(clientIPKey(r))
	if !ok {
		p.TooManyRequests(w, r, retryAfter)
	}
	return !ok
}

// limitedLoginAccount takes a token from the account's sign-in bucket in the store, before
// any password is hashed: the hash is the expensive part an attacker wants us to do. When
// it has answered (429, or 500 when the store fails) it returns true.
func (p *Pages) limitedLoginAccount(w http.ResponseWriter, r *http.Request, userID string) bool {
	return p.limitedLoginKey(w, r, loginAccountKeyPrefix+userID)
}

// limitedLoginUnknown is limitedLoginAccount for a username that has no account. Without it
// only existing accounts would ever answer 429, and repeated attempts would tell which
// usernames exist (OWASP Authentication Cheat Sheet, "Authentication and Error Messages");
// it also makes both paths do the same store write, so their timing matches too.
func (p *Pages) limitedLoginUnknown(w http.ResponseWriter, r *http.Request, username string) bool {
	sum := sha256.Sum256([]byte(username))
	return p.limitedLoginKey(w, r, loginUnknownKeyPrefix+hex.EncodeToString(sum[:]))
}

func (p *Pages) limitedLoginKey(w http.ResponseWriter, r *http.Request, key string) bool {
	b := p.Limits.LoginPerAccount
	if b.Burst <= 0 {
		return false
	}
	ok, retryAfter, err := p.Store.RateLimits().Take(r.Context(), key, b.Burst, b.PerSecond, p.Clock.Now())
	switch {
	case err != nil:
		p.serverError(w, r, err)
		return true
	case !ok:
		p.TooManyRequests(w, r, retryAfter)
		return true
	}
	return false
}

// clientIPKey is the bucket key of the request's client address (web.ClientIP: the peer, or
// the address a trusted proxy forwarded). Requests without one share the key "".
func clientIPKey(r *http.Request) string {
	if ip := web.ClientIP(r.Context()); ip.IsValid() {
		return ip.String()
	}
	return ""
}
