package oauth

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/oauth2"
	"github.com/mxauth/mxauth/internal/store"
	"github.com/mxauth/mxauth/internal/token"
	"github.com/mxauth/mxauth/internal/ulid"
)

// refreshGrant rotates a refresh token (RFC 6749 §6; Matrix CS API "Refresh token grant"):
// every use returns a new access and refresh token for the same session, device and scope.
// The store decides between a first use, a retry after a lost response and a replay.
func (f *Flow) refreshGrant(r *http.Request, client model.Client, form map[string]string) (tokenResponse, error) {
	ctx := r.Context()
	presented := form["refresh_token"]
	if presented == "" {
		return tokenResponse{}, oauth2.InvalidRequest("refresh_token is missing")
	}
	bad := oauth2.InvalidGrant("the refresh token is invalid, expired or revoked")
	if token.Check(presented, token.RefreshToken) != nil {
		return tokenResponse{}, bad
	}
	rt, sess, owner, err := f.Store.Sessions().RefreshTokenByHash(ctx, token.Hash(presented))
	if errors.Is(err, store.ErrNotFound) {
		return tokenResponse{}, bad
	}
	if err != nil {
		return tokenResponse{}, err
	}
	switch {
	case sess.ClientID != client.ID:
		return tokenResponse{}, bad // R64: a refresh token is bound to its client
	case !sess.Active(), !rt.RevokedAt.IsZero():
		return tokenResponse{}, bad
	}
	// RFC 6749 §6: a scope, if sent, must not add to what was granted; mxauth sessions are one
	// device with one scope, so it must be the same scope.
	if s, ok := form["scope"]; ok && !sameTokens(s, sess.Scope) {
		return tokenResponse{}, oauth2.InvalidScope("the scope of a session cannot change on refresh")
	}
	if !owner.CanSignIn {
		return tokenResponse{}, bad // a locked or deactivated user's sessions stop working
	}
	issued, next, err := f.newTokens(sess.ID)
	if err != nil {
		return tokenResponse{}, err
	}
	now := f.Clock.Now()
	switch _, err := f.Store.Sessions().Refresh(ctx, rt.ID, next, now); {
	case errors.Is(err, store.ErrReplay):
		f.Logger.Warn("refresh token replayed; its session was ended", "session_id", sess.ID, "client_id", client.ID)
		f.sessionsEnded(ctx, sess.UserID)
		return tokenResponse{}, bad
	case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrNotFound):
		return tokenResponse{}, bad
	case err != nil:
		return tokenResponse{}, err
	}
	f.Activity.SessionActive(sess.ID, now, clientIPString(r))
	return f.tokenResponse(issued, sess), nil
}

// newTokens makes a token pair for a session.
func (f *Flow) newTokens(sessionID string) (issuedTokens, store.NewTokens, error) {
	t := f.Clock.Now()
	atID, err := ulid.New(t, f.Rand)
	if err != nil {
		return issuedTokens{}, store.NewTokens{}, err
	}
	rtID, err := ulid.New(t, f.Rand)
	if err != nil {
		return issuedTokens{}, store.NewTokens{}, err
	}
	at, err := token.Generate(token.AccessToken, f.Rand)
	if err != nil {
		return issuedTokens{}, store.NewTokens{}, err
	}
	rt, err := token.Generate(token.RefreshToken, f.Rand)
	if err != nil {
		return issuedTokens{}, store.NewTokens{}, err
	}
	return issuedTokens{accessToken: at, refreshToken: rt}, store.NewTokens{
		AccessToken: model.AccessToken{ID: atID, SessionID: sessionID, Hash: token.Hash(at), CreatedAt: t,
			ExpiresAt: t.Add(f.AccessTokenTTL)},
		RefreshToken: model.RefreshToken{ID: rtID, SessionID: sessionID, Hash: token.Hash(rt), AccessTokenID: atID, CreatedAt: t},
	}, nil
}

// sameTokens compares two scopes as sets of tokens.
func sameTokens(a, b string) bool {
	x, y := strings.Fields(a), strings.Fields(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(slices.Compact(x), slices.Compact(y))
}
