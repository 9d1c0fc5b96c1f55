package store

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mxauth/mxauth/internal/model"
)

// This file holds the input rules of the store contract that do not depend on the SQL
// dialect. Both backends call them before they write or look up, so SQLite and PostgreSQL
// accept and refuse exactly the same input (house rule 2: one contract, two implementations
// that must not drift). A refusal is a plain error, neither ErrNotFound nor ErrConflict: bad
// input is the caller's bug, not a state of the database, and must not look like a missing
// row or invite a retry.
//
// Text: PostgreSQL text and jsonb cannot hold NUL or invalid UTF-8 (it answers with an
// encoding error), SQLite would keep them, and encoding/json silently replaces invalid UTF-8
// with U+FFFD. Both backends therefore refuse such strings on write, and find nothing when
// one is used as a lookup key.

// IsStorableKey reports whether s could be a stored key (an ID, a username): not empty,
// valid UTF-8, no NUL. Lookups with any other key (from untrusted input) answer ErrNotFound
// without asking the database, which PostgreSQL would answer with an encoding error instead.
func IsStorableKey(s string) bool { return s != "" && checkText("", s) == nil }

// StorableKeys returns, in order, the keys among keys that IsStorableKey accepts. A batch
// write by ID (SessionStore.MarkAccessTokensUsed) drops the others, which no row can have,
// rather than fail the whole batch for one bad ID.
func StorableKeys(keys []string) []string {
	kept := make([]string, 0, len(keys))
	for _, k := range keys {
		if IsStorableKey(k) {
			kept = append(kept, k)
		}
	}
	return kept
}

// CheckUser refuses a user for UserStore.Create that a backend could not store exactly. The
// ID and the username are what Get and GetByUsername find the user by, so neither may be
// empty.
func CheckUser(u model.User) error {
	if u.ID == "" || u.Username == "" {
		return fmt.Errorf("store: user ID %q and username %q must not be empty", u.ID, u.Username)
	}
	return checkTexts(
		namedText{"user ID", u.ID}, namedText{"username", u.Username},
		namedText{"display name", u.DisplayName}, namedText{"password hash", u.PasswordHash})
}

// CheckPasswordHash refuses a hash for UserStore.SetPasswordHash that a backend could not
// store exactly. The empty hash, which removes the password, is fine.
func CheckPasswordHash(hash string) error {
	return checkTexts(namedText{"password hash", hash})
}

// CheckDisplayName refuses a name for UserStore.SetDisplayName that a backend could not
// store exactly. The empty name is fine: the user then shows as their username.
func CheckDisplayName(name string) error {
	return checkTexts(namedText{"display name", name})
}

// CheckRegistrationToken refuses a token for RegistrationTokenStore.Create that a backend
// could not store, or whose counts make no sense: it needs an ID and the hash it is found
// by, counts are never negative, and a token cannot have been used more often than its
// limit allows (UserStore.Register never spends a use that is not left).
func CheckRegistrationToken(t model.RegistrationToken) error {
	switch {
	case t.ID == "" || len(t.Hash) == 0:
		return fmt.Errorf("store: registration token %q: ID and hash must not be empty", t.ID)
	case t.UsageLimit < 0 || t.TimesUsed < 0:
		return fmt.Errorf("store: registration token %q: usage limit %d and times used %d must not be negative",
			t.ID, t.UsageLimit, t.TimesUsed)
	case t.UsageLimit > 0 && t.TimesUsed > t.UsageLimit:
		return fmt.Errorf("store: registration token %q: used %d times, beyond its limit of %d",
			t.ID, t.TimesUsed, t.UsageLimit)
	}
	return checkTexts(namedText{"registration token ID", t.ID}, namedText{"registration token hint", t.Hint})
}

// CheckBrowserSession refuses a session for BrowserSessionStore.Create that a backend could
// not store exactly. It needs an ID, its user, and the hash of its cookie, which is how
// GetByTokenHash finds it. The user agent comes from a request header: callers clean it
// before they get here.
func CheckBrowserSession(bs model.BrowserSession) error {
	if bs.ID == "" || bs.UserID == "" || len(bs.TokenHash) == 0 {
		return fmt.Errorf("store: browser session %q: ID, user ID and token hash must not be empty", bs.ID)
	}
	return checkTexts(
		namedText{"browser session ID", bs.ID}, namedText{"user ID", bs.UserID},
		namedText{"user agent", bs.UserAgent}, namedText{"IP address", bs.IP})
}

// CheckTimeIsSet refuses the zero time as the moment something happened (a logout, a use
// of a token). Every stored time reads the zero time as "never", so writing it would
// silently undo the write: an ended browser session would stay active, a used access token
// would read as unused.
func CheckTimeIsSet(what string, t time.Time) error {
	if t.IsZero() {
		return fmt.Errorf("store: the %s is the zero time, which reads back as never", what)
	}
	return nil
}

// CheckNewGrant checks g for GrantStore.Create and returns it in status pending: Create
// starts a grant's life, so a grant given with no status becomes pending and any other
// status is refused. The ID and the client ID must not be empty: the grant is found by the
// one and bound to the other (RFC 6749 §4.1.3).
func CheckNewGrant(g model.AuthorizationGrant) (model.AuthorizationGrant, error) {
	switch g.Status {
	case "", model.GrantPending:
		g.Status = model.GrantPending
	default:
		return g, fmt.Errorf("store: grant %q has status %q; a new grant is %q", g.ID, g.Status, model.GrantPending)
	}
	if g.ID == "" || g.ClientID == "" {
		return g, errors.New("store: grant ID and client ID must not be empty")
	}
	return g, checkTexts(
		namedText{"grant ID", g.ID}, namedText{"client ID", g.ClientID},
		namedText{"redirect URI", g.RedirectURI}, namedText{"response mode", g.ResponseMode},
		namedText{"scope", g.Scope}, namedText{"device ID", g.DeviceID},
		namedText{"state", g.State}, namedText{"nonce", g.Nonce},
		namedText{"code challenge", g.CodeChallenge},
		namedText{"code challenge method", g.CodeChallengeMethod},
		namedText{"prompt", g.Prompt}, namedText{"login hint", g.LoginHint},
		namedText{"user ID", g.UserID}, namedText{"browser session ID", g.BrowserSessionID},
		namedText{"session ID", g.SessionID})
}

// CheckFulfilment refuses a fulfilment for GrantStore.Fulfil that could not be exchanged
// later: a code is issued to a signed-in user (RFC 6749 §4.1.2) and found by its hash, and
// a zero fulfilment time would read back as "never fulfilled".
func CheckFulfilment(f GrantFulfilment) error {
	if f.UserID == "" || len(f.CodeHash) == 0 || f.FulfilledAt.IsZero() {
		return errors.New("store: a fulfilment needs a user ID, a code hash and a fulfilment time")
	}
	return checkTexts(namedText{"user ID", f.UserID}, namedText{"browser session ID", f.BrowserSessionID})
}

// CheckNewSession refuses a NewSession for SessionStore.StartFromGrant whose parts do not
// belong together: the session must name the grant it is started from, and both tokens the
// session; the refresh token is issued with the access token (RFC 6749 §5.1). Token hashes
// must not be empty: they are how the tokens are found.
func CheckNewSession(grantID string, ns NewSession) error {
	s, at, rt := ns.Session, ns.AccessToken, ns.RefreshToken
	switch {
	case s.ID == "" || s.UserID == "" || s.ClientID == "" || at.ID == "" || rt.ID == "":
		return errors.New("store: session ID, user ID, client ID and token IDs must not be empty")
	case s.GrantID != grantID:
		return fmt.Errorf("store: session names grant %q, but is started from grant %q", s.GrantID, grantID)
	case at.SessionID != s.ID || rt.SessionID != s.ID:
		return fmt.Errorf("store: tokens name sessions %q and %q, want %q", at.SessionID, rt.SessionID, s.ID)
	case rt.AccessTokenID != at.ID:
		return fmt.Errorf("store: refresh token names access token %q, want %q", rt.AccessTokenID, at.ID)
	case len(at.Hash) == 0 || len(rt.Hash) == 0:
		return errors.New("store: token hashes must not be empty")
	}
	return checkTexts(namedText{"session ID", s.ID}, namedText{"user ID", s.UserID},
		namedText{"client ID", s.ClientID}, namedText{"device ID", s.DeviceID},
		namedText{"scope", s.Scope}, namedText{"access token ID", at.ID},
		namedText{"refresh token ID", rt.ID}, namedText{"next refresh token ID", rt.NextID},
		namedText{"user agent", s.UserAgent}, namedText{"last active IP address", s.LastActiveIP})
}

// CheckSessionMatchesGrant refuses, in SessionStore.StartFromGrant, a session for another
// user or client than the grant's (whose user and client the backend read while spending
// it): the code was issued to that user's consent and is bound to that client
// (RFC 6749 §4.1.3).
func CheckSessionMatchesGrant(s model.Session, grantUserID, grantClientID string) error {
	if s.UserID != grantUserID || s.ClientID != grantClientID {
		return fmt.Errorf("store: session is for user %q and client %q, but the grant is for user %q and client %q",
			s.UserID, s.ClientID, grantUserID, grantClientID)
	}
	return nil
}

// CheckNewTokens refuses a token pair for SessionStore.Refresh whose parts do not belong
// together: both tokens name one session, and the refresh token is issued with the access
// token (RFC 6749 §5.1). That the session is the presented token's is the backend's to
// check, as only the database knows it.
func CheckNewTokens(next NewTokens) error {
	at, rt := next.AccessToken, next.RefreshToken
	switch {
	case at.ID == "" || rt.ID == "" || at.SessionID == "":
		return errors.New("store: token IDs and the session ID must not be empty")
	case rt.SessionID != at.SessionID:
		return fmt.Errorf("store: the tokens name sessions %q and %q", at.SessionID, rt.SessionID)
	case rt.AccessTokenID != at.ID:
		return fmt.Errorf("store: refresh token names access token %q, want %q", rt.AccessTokenID, at.ID)
	case len(at.Hash) == 0 || len(rt.Hash) == 0:
		return errors.New("store: token hashes must not be empty")
	}
	return checkTexts(namedText{"session ID", at.SessionID}, namedText{"access token ID", at.ID},
		namedText{"refresh token ID", rt.ID}, namedText{"next refresh token ID", rt.NextID})
}

// namedText is a string about to be written, with the name an error gives it.
type namedText struct{ name, value string }

// checkTexts refuses the first of texts that checkText refuses.
func checkTexts(texts ...namedText) error {
	for _, t := range texts {
		if err := checkText(t.name, t.value); err != nil {
			return fmt.Errorf("store: %w", err)
		}
	}
	return nil
}

// checkText refuses a string that a backend cannot keep exactly (see the top of this file);
// what names it in the error.
func checkText(what, s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s %q is not valid UTF-8", what, s)
	}
	if strings.ContainsRune(s, 0) {
		return fmt.Errorf("%s %q contains a NUL character", what, s)
	}
	return nil
}
