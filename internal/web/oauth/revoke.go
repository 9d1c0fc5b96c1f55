package oauth

import (
	"context"
	"errors"
	"net/http"

	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/oauth2"
	"github.com/mxauth/mxauth/internal/store"
	"github.com/mxauth/mxauth/internal/token"
	"github.com/mxauth/mxauth/internal/web"
)

// PathRevoke is the revocation endpoint (RFC 7009).
const PathRevoke = "/oauth2/revoke"

// MountRevoke serves token revocation and names it in the metadata.
func (f *Flow) MountRevoke(mux *http.ServeMux, md *Metadata) {
	mux.HandleFunc("POST "+PathRevoke, func(w http.ResponseWriter, r *http.Request) {
		if err := f.revoke(r); err != nil {
			web.WriteOAuthError(w, r, transient(err), nil)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK) // RFC 7009 §2.2: the content is ignored
	})
	md.RevocationEndpoint = f.Issuer.URL(PathRevoke)
	md.RevocationEndpointAuthMethodsSupported = []string{model.AuthNone, model.AuthClientSecretBasic, model.AuthClientSecretPost}
}

// revoke ends the session of the presented access or refresh token: "The server MUST revoke
// both the access token and refresh token associated with the token provided" (Matrix CS API
// "Token revocation"). Unknown, invalid and already revoked tokens answer 200 (RFC 7009 §2.2).
// A missing or mismatched client_id still revokes, so secret scanners can revoke leaked tokens;
// credentials that are sent must be right (401 otherwise).
func (f *Flow) revoke(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return web.OAuthBodyError(err)
	}
	for _, name := range []string{"token", "token_type_hint", "client_id", "client_secret"} {
		if len(r.PostForm[name]) > 1 {
			return oauth2.InvalidRequest(name + " is repeated")
		}
	}
	tok := r.PostForm.Get("token")
	if tok == "" {
		return oauth2.InvalidRequest("token is missing")
	}
	if err := f.checkRevokingClient(r); err != nil {
		return err
	}
	sess, err := f.sessionOfToken(r.Context(), tok)
	if err != nil || sess.ID == "" {
		return err
	}
	err = f.Store.Sessions().End(r.Context(), sess.ID, f.Clock.Now())
	if errors.Is(err, store.ErrNotFound) {
		return nil // ended and removed by someone else meanwhile
	}
	if err != nil {
		return err
	}
	// The Matrix device goes with the session (Matrix CS API "Token revocation"; SYNAPSE.md
	// §1.2 step 6: deleting the device is what makes the homeserver drop its cached answer).
	f.sessionsEnded(r.Context(), sess.UserID)
	return nil
}

// checkRevokingClient authenticates the client when it sent credentials, or when it names a
// confidential client; a public or unknown client_id alone is accepted.
func (f *Flow) checkRevokingClient(r *http.Request) error {
	_, _, basic := r.BasicAuth()
	if basic || r.PostForm.Get("client_secret") != "" || r.Header.Get("Authorization") != "" {
		_, err := web.AuthenticateClient(r, f.Store.Clients())
		return err
	}
	id := r.PostForm.Get("client_id")
	if id == "" {
		return nil
	}
	c, err := f.Store.Clients().Get(r.Context(), id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil
	case err != nil:
		return err
	case c.Metadata.TokenEndpointAuthMethod != model.AuthNone:
		return oauth2.InvalidClient("the client must authenticate")
	}
	return nil
}

// sessionOfToken finds the session of an access or refresh token by its prefix, whatever
// token_type_hint says (RFC 7009 §2.1: the hint may be wrong). A zero session means no such
// token.
func (f *Flow) sessionOfToken(ctx context.Context, tok string) (model.Session, error) {
	kind, err := token.Parse(tok)
	if err != nil {
		return model.Session{}, nil
	}
	hash := token.Hash(tok)
	var sess model.Session
	switch kind {
	case token.AccessToken:
		_, sess, err = f.Store.Sessions().AccessTokenByHash(ctx, hash)
	case token.RefreshToken:
		_, sess, _, err = f.Store.Sessions().RefreshTokenByHash(ctx, hash)
	default:
		return model.Session{}, nil
	}
	if errors.Is(err, store.ErrNotFound) {
		return model.Session{}, nil
	}
	return sess, err
}
