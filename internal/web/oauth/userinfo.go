package oauth

import (
	"errors"
	"net/http"
	"strings"

	"github.com/mxauth/mxauth/internal/oauth2"
	"github.com/mxauth/mxauth/internal/store"
	"github.com/mxauth/mxauth/internal/token"
	"github.com/mxauth/mxauth/internal/web"
)

// MountUserinfo serves the OIDC UserInfo endpoint (OIDC Core §5.3) for a Bearer access token.
func (f *Flow) MountUserinfo(mux *http.ServeMux, md *Metadata) {
	h := func(w http.ResponseWriter, r *http.Request) {
		claims, err := f.userinfo(r)
		if err != nil {
			// RFC 6750 §3: tell the client how to authenticate, and why it failed.
			var oe *oauth2.Error
			if errors.As(err, &oe) && oe.HTTPStatus() == http.StatusUnauthorized {
				w.Header().Set("WWW-Authenticate", `Bearer error="`+oe.Code+`"`)
			}
			web.WriteOAuthError(w, r, err, nil)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		web.WriteJSON(w, http.StatusOK, claims)
	}
	mux.HandleFunc("GET "+PathUserinfo, h)
	mux.HandleFunc("POST "+PathUserinfo, h)
	md.UserinfoEndpoint = f.Issuer.URL(PathUserinfo)
}

type userinfoClaims struct {
	Subject  string `json:"sub"`
	Username string `json:"username"`
}

func (f *Flow) userinfo(r *http.Request) (userinfoClaims, error) {
	auth := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(auth, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return userinfoClaims{}, oauth2.InvalidToken("a Bearer access token is required").WithStatus(http.StatusUnauthorized)
	}
	invalid := oauth2.InvalidToken("the access token is invalid or expired")
	if token.Check(tok, token.AccessToken) != nil {
		return userinfoClaims{}, invalid
	}
	at, sess, err := f.Store.Sessions().AccessTokenByHash(r.Context(), token.Hash(tok))
	if errors.Is(err, store.ErrNotFound) {
		return userinfoClaims{}, invalid
	}
	if err != nil {
		return userinfoClaims{}, err
	}
	now := f.Clock.Now()
	if !at.Valid(now) || !sess.Active() {
		return userinfoClaims{}, invalid
	}
	if at.FirstUsedAt.IsZero() {
		// The token is in use: from now on its refresh token's predecessor is spent for good.
		if err := f.Store.Sessions().MarkAccessTokensUsed(r.Context(), []string{at.ID}, now); err != nil {
			web.Logger(r.Context()).Warn("recording an access token's first use", "err", err)
		}
	}
	u, err := f.Store.Users().Get(r.Context(), sess.UserID)
	if err != nil {
		return userinfoClaims{}, err
	}
	if !u.CanSignIn() {
		return userinfoClaims{}, invalid
	}
	return userinfoClaims{Subject: u.ID, Username: u.Username}, nil
}
