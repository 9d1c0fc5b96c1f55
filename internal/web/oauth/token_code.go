package oauth

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/oauth2"
	"github.com/mxauth/mxauth/internal/store"
	"github.com/mxauth/mxauth/internal/token"
	"github.com/mxauth/mxauth/internal/ulid"
)

// codeGrant redeems an authorization code (RFC 6749 §4.1.3, RFC 7636 §4.6): the code must be
// fulfilled, unexpired, issued to this client for this redirect URI, and match the PKCE
// verifier. Every failure is invalid_grant, so nothing tells a guesser which check failed.
func (f *Flow) codeGrant(r *http.Request, client model.Client, form map[string]string) (tokenResponse, error) {
	ctx := r.Context()
	code, verifier := form["code"], form["code_verifier"]
	switch {
	case code == "":
		return tokenResponse{}, oauth2.InvalidRequest("code is missing")
	case form["redirect_uri"] == "":
		return tokenResponse{}, oauth2.InvalidRequest("redirect_uri is missing")
	case verifier == "":
		return tokenResponse{}, oauth2.InvalidRequest("code_verifier is missing")
	}
	bad := oauth2.InvalidGrant("the authorization code is invalid, expired or already used")
	// The checksum rejects garbage before any database lookup.
	if token.Check(code, token.AuthorizationCode) != nil {
		return tokenResponse{}, bad
	}
	g, err := f.Store.Grants().GetByCodeHash(ctx, token.Hash(code))
	if errors.Is(err, store.ErrNotFound) {
		return tokenResponse{}, bad
	}
	if err != nil {
		return tokenResponse{}, err
	}
	now := f.Clock.Now()
	if g.Status == model.GrantExchanged {
		// A replayed code: the code may have leaked, so end what it issued (RFC 6749 §4.1.2:
		// the server SHOULD revoke all tokens previously issued based on that code).
		return tokenResponse{}, f.revokeReplayed(ctx, g, bad)
	}
	switch {
	case g.Status != model.GrantFulfilled, !now.Before(g.ExpiresAt):
		return tokenResponse{}, bad
	case g.ClientID != client.ID:
		return tokenResponse{}, bad // RFC 6749 §4.1.3: the code is bound to client_id
	case g.RedirectURI != form["redirect_uri"]:
		return tokenResponse{}, bad // RFC 6749 §4.1.3: the same redirect_uri as the request
	case !oauth2.ValidCodeVerifier(verifier) || !oauth2.VerifyPKCE(verifier, g.CodeChallenge, g.CodeChallengeMethod):
		return tokenResponse{}, bad
	}
	user, err := f.Store.Users().Get(ctx, g.UserID)
	if err != nil {
		return tokenResponse{}, err
	}
	if !user.CanSignIn() {
		return tokenResponse{}, oauth2.InvalidGrant("the account is locked")
	}
	issued, ns, err := f.newSession(g, r)
	if err != nil {
		return tokenResponse{}, err
	}
	// The homeserver must know the device before the client can use the tokens (SYNAPSE.md
	// §1.6 item 3). It is asked first, so a failure (answered 503) spends nothing and the
	// client can retry the exchange with the same code.
	if err := f.Homeserver.EnsureDevice(ctx, user, g.DeviceID, client.Metadata.ClientName); err != nil {
		return tokenResponse{}, err
	}
	if _, err := f.Store.Sessions().StartFromGrant(ctx, g.ID, ns, now); err != nil {
		// The device may now exist on the homeserver without a session: reconcile.
		f.sessionsEnded(ctx, user.ID)
		if errors.Is(err, store.ErrConflict) {
			// Another request exchanged the code a moment ago: a replay after all.
			if g, err := f.Store.Grants().Get(ctx, g.ID); err == nil && g.Status == model.GrantExchanged {
				return tokenResponse{}, f.revokeReplayed(ctx, g, bad)
			}
			return tokenResponse{}, bad
		}
		return tokenResponse{}, err
	}
	if client.FirstUsedAt.IsZero() {
		// Only the first session is worth a write: it keeps the registration from cleanup.
		if err := f.Store.Clients().MarkUsed(ctx, client.ID, now); err != nil {
			f.Logger.Warn("recording the client's first use", "client_id", client.ID, "err", err)
		}
	}
	resp := f.tokenResponse(issued, ns.Session)
	if hasScopeToken(g.Scope, "openid") {
		if resp.IDToken, err = f.idToken(client, user, g, issued.accessToken); err != nil {
			return tokenResponse{}, err
		}
	}
	return resp, nil
}

func (f *Flow) revokeReplayed(ctx context.Context, g model.AuthorizationGrant, bad error) error {
	if g.SessionID != "" {
		if err := f.Store.Sessions().End(ctx, g.SessionID, f.Clock.Now()); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		f.sessionsEnded(ctx, g.UserID)
		f.Logger.Warn("authorization code replayed; its session was ended", "grant_id", g.ID, "session_id", g.SessionID)
	}
	return bad
}

// issuedTokens are the plaintext tokens of a new session, returned to the client once.
type issuedTokens struct {
	accessToken, refreshToken string
}

// newSession makes a session for the grant's user and device with its first token pair.
func (f *Flow) newSession(g model.AuthorizationGrant, r *http.Request) (issuedTokens, store.NewSession, error) {
	now := f.Clock.Now()
	id, err := ulid.New(now, f.Rand)
	if err != nil {
		return issuedTokens{}, store.NewSession{}, err
	}
	issued, pair, err := f.newTokens(id)
	if err != nil {
		return issuedTokens{}, store.NewSession{}, err
	}
	return issued, store.NewSession{
		Session: model.Session{ID: id, UserID: g.UserID, ClientID: g.ClientID, DeviceID: g.DeviceID,
			Scope: g.Scope, GrantID: g.ID, CreatedAt: now, UserAgent: userAgent(r),
			LastActiveAt: now, LastActiveIP: clientIPString(r)},
		AccessToken:  pair.AccessToken,
		RefreshToken: pair.RefreshToken,
	}, nil
}

func (f *Flow) tokenResponse(t issuedTokens, s model.Session) tokenResponse {
	return tokenResponse{
		AccessToken: t.accessToken, TokenType: "Bearer", ExpiresIn: int64(f.AccessTokenTTL.Seconds()),
		RefreshToken: t.refreshToken, Scope: s.Scope,
	}
}

// idToken signs the OIDC ID token with the client's registered algorithm (RS256 by default).
func (f *Flow) idToken(c model.Client, u model.User, g model.AuthorizationGrant, accessToken string) (string, error) {
	alg := c.Metadata.IDTokenSignedResponseAlg
	if alg == "" {
		alg = model.AlgRS256
	}
	kid, key, ok := f.Keys.Signer(alg)
	if !ok {
		return "", errors.New("no signing key for " + alg)
	}
	t := f.Clock.Now()
	return token.SignIDToken(token.IDTokenClaims{
		Issuer: f.Issuer.String(), Subject: u.ID, Audience: c.ID, IssuedAt: t, Expiry: t.Add(f.AccessTokenTTL),
		AuthTime: g.AuthTime, Nonce: g.Nonce, AccessToken: accessToken,
	}, alg, kid, key)
}

func hasScopeToken(scope, tok string) bool {
	for _, s := range strings.Fields(scope) {
		if s == tok {
			return true
		}
	}
	return false
}
