package postgres

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/store"
)

// This file holds what the grant and session stores share: the rows they scan and the
// checks their writes make. The checks are the SQLite backend's too (same names there), so
// both backends refuse the same input.

// optionalTime reads a NULL time as the zero time ("never").
func optionalTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return fromDB(*t)
}

// stringOrEmpty reads a NULL text as "".
func stringOrEmpty(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// sessionRow receives the sessionColumns of one row.
type sessionRow struct {
	s       model.Session
	grantID *string
	endedAt *time.Time
}

func (r *sessionRow) dest() []any {
	return []any{&r.s.ID, &r.s.UserID, &r.s.ClientID, &r.s.DeviceID, &r.s.Scope, &r.grantID,
		&r.s.CreatedAt, &r.endedAt}
}

func (r *sessionRow) session() model.Session {
	s := r.s
	s.GrantID = stringOrEmpty(r.grantID)
	s.CreatedAt, s.EndedAt = fromDB(s.CreatedAt), optionalTime(r.endedAt)
	return s
}

// accessTokenRow receives the accessTokenColumns of one row.
type accessTokenRow struct {
	t                      model.AccessToken
	revokedAt, firstUsedAt *time.Time
}

func (r *accessTokenRow) dest() []any {
	return []any{&r.t.ID, &r.t.SessionID, &r.t.Hash, &r.t.CreatedAt, &r.t.ExpiresAt, &r.revokedAt, &r.firstUsedAt}
}

func (r *accessTokenRow) token() model.AccessToken {
	t := r.t
	t.CreatedAt, t.ExpiresAt, t.RevokedAt = fromDB(t.CreatedAt), fromDB(t.ExpiresAt), optionalTime(r.revokedAt)
	t.FirstUsedAt = optionalTime(r.firstUsedAt)
	return t
}

// refreshTokenRow receives the refreshTokenColumns of one row.
type refreshTokenRow struct {
	t                     model.RefreshToken
	accessTokenID, nextID *string
	consumedAt, revokedAt *time.Time
}

func (r *refreshTokenRow) dest() []any {
	return []any{&r.t.ID, &r.t.SessionID, &r.t.Hash, &r.accessTokenID, &r.t.CreatedAt,
		&r.consumedAt, &r.nextID, &r.revokedAt}
}

func (r *refreshTokenRow) token() model.RefreshToken {
	t := r.t
	t.AccessTokenID, t.NextID = stringOrEmpty(r.accessTokenID), stringOrEmpty(r.nextID)
	t.CreatedAt, t.ConsumedAt, t.RevokedAt = fromDB(t.CreatedAt), optionalTime(r.consumedAt), optionalTime(r.revokedAt)
	return t
}

// checkNewSession refuses a NewSession whose parts do not belong together: the session must
// name the grant it is started from, and both tokens the session; the refresh token is
// issued with the access token (RFC 6749 §5.1).
func checkNewSession(grantID string, ns store.NewSession) error {
	s, at, rt := ns.Session, ns.AccessToken, ns.RefreshToken
	switch {
	case s.ID == "" || s.UserID == "" || s.ClientID == "" || at.ID == "" || rt.ID == "":
		return errors.New("session ID, user ID, client ID and token IDs must not be empty")
	case s.GrantID != grantID:
		return fmt.Errorf("session names grant %q, but is started from grant %q", s.GrantID, grantID)
	case at.SessionID != s.ID || rt.SessionID != s.ID:
		return fmt.Errorf("tokens name sessions %q and %q, want %q", at.SessionID, rt.SessionID, s.ID)
	case rt.AccessTokenID != at.ID:
		return fmt.Errorf("refresh token names access token %q, want %q", rt.AccessTokenID, at.ID)
	case len(at.Hash) == 0 || len(rt.Hash) == 0:
		return errors.New("token hashes must not be empty")
	}
	return checkOAuthText(oauthText{"session ID", s.ID}, oauthText{"user ID", s.UserID},
		oauthText{"client ID", s.ClientID}, oauthText{"device ID", s.DeviceID},
		oauthText{"scope", s.Scope}, oauthText{"access token ID", at.ID},
		oauthText{"refresh token ID", rt.ID}, oauthText{"next refresh token ID", rt.NextID})
}

// checkNewTokens refuses a refresh's token pair whose parts do not belong together: both
// tokens name one session, and the refresh token is issued with the access token
// (RFC 6749 §5.1). Refresh checks that the session is the presented token's.
func checkNewTokens(next store.NewTokens) error {
	at, rt := next.AccessToken, next.RefreshToken
	switch {
	case at.ID == "" || rt.ID == "" || at.SessionID == "":
		return errors.New("token IDs and the session ID must not be empty")
	case rt.SessionID != at.SessionID:
		return fmt.Errorf("the tokens name sessions %q and %q", at.SessionID, rt.SessionID)
	case rt.AccessTokenID != at.ID:
		return fmt.Errorf("refresh token names access token %q, want %q", rt.AccessTokenID, at.ID)
	case len(at.Hash) == 0 || len(rt.Hash) == 0:
		return errors.New("token hashes must not be empty")
	}
	return checkOAuthText(oauthText{"session ID", at.SessionID}, oauthText{"access token ID", at.ID},
		oauthText{"refresh token ID", rt.ID}, oauthText{"next refresh token ID", rt.NextID})
}

// checkSessionMatchesGrant refuses to start a session for another user or client than the
// grant's: the code was issued to that user's consent and is bound to that client
// (RFC 6749 §4.1.3).
func checkSessionMatchesGrant(s model.Session, grantUser, grantClient string) error {
	if s.UserID != grantUser || s.ClientID != grantClient {
		return fmt.Errorf("session is for user %q and client %q, but the grant is for user %q and client %q",
			s.UserID, s.ClientID, grantUser, grantClient)
	}
	return nil
}

// oauthText is a string about to be written, named for the error message.
type oauthText struct{ name, value string }

// checkOAuthText refuses strings that a PostgreSQL text column cannot hold (NUL, invalid
// UTF-8), so that both backends refuse them alike (as store.ClientRecord does for clients).
func checkOAuthText(texts ...oauthText) error {
	for _, t := range texts {
		if !utf8.ValidString(t.value) || strings.ContainsRune(t.value, 0) {
			return fmt.Errorf("%s %q is not valid UTF-8 without NUL", t.name, t.value)
		}
	}
	return nil
}

// validOAuthID reports whether id could be a stored ID. Lookups with any other ID (from
// untrusted input) are not found without asking the database, like clients'.
func validOAuthID(id string) bool { return store.IsStorableClientID(id) }
