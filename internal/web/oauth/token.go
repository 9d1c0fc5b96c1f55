package oauth

import (
	"errors"
	"net/http"
	"slices"

	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/oauth2"
	"github.com/mxauth/mxauth/internal/web"
)

// grantHandler redeems one grant type at the token endpoint. It receives the authenticated
// client and the parsed form, and returns the token response or an error for WriteOAuthError.
type grantHandler func(r *http.Request, client model.Client, form map[string]string) (tokenResponse, error)

// tokenResponse is RFC 6749 §5.1 (and OIDC Core §3.1.3.3 for id_token).
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
	Scope        string `json:"scope"`
	IDToken      string `json:"id_token,omitempty"`
}

// tokenParams are the form parameters any grant may use; each may appear once.
var tokenParams = []string{
	"grant_type", "code", "redirect_uri", "code_verifier", "client_id", "client_secret",
	"refresh_token", "scope", "device_code",
}

// MountToken serves the token endpoint with every grant mxauth implements and names it, with
// the grant types, in the metadata.
func (f *Flow) MountToken(mux *http.ServeMux, md *Metadata) {
	grants := map[string]grantHandler{
		oauth2.GrantAuthorizationCode: f.codeGrant,
		oauth2.GrantRefreshToken:      f.refreshGrant,
	}
	mux.HandleFunc("POST "+PathToken, func(w http.ResponseWriter, r *http.Request) {
		resp, err := f.token(r, grants)
		if err != nil {
			web.WriteOAuthError(w, r, transient(err), nil)
			return
		}
		// RFC 6749 §5.1: the response MUST NOT be cached.
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Pragma", "no-cache")
		web.WriteJSON(w, http.StatusOK, resp)
	})
	md.TokenEndpoint = f.Issuer.URL(PathToken)
	for g := range grants {
		md.GrantTypesSupported = append(md.GrantTypesSupported, g)
	}
	slices.Sort(md.GrantTypesSupported)
}

func (f *Flow) token(r *http.Request, grants map[string]grantHandler) (tokenResponse, error) {
	if err := r.ParseForm(); err != nil {
		return tokenResponse{}, web.OAuthBodyError(err)
	}
	form := make(map[string]string, len(tokenParams))
	for _, name := range tokenParams {
		switch vs := r.PostForm[name]; len(vs) {
		case 0:
		case 1:
			form[name] = vs[0]
		default:
			return tokenResponse{}, oauth2.InvalidRequest(name + " is repeated")
		}
	}
	client, err := web.AuthenticateClient(r, f.Store.Clients())
	if err != nil {
		return tokenResponse{}, err
	}
	gt := form["grant_type"]
	if gt == "" {
		return tokenResponse{}, oauth2.InvalidRequest("grant_type is missing")
	}
	handle, ok := grants[gt]
	if !ok {
		return tokenResponse{}, oauth2.UnsupportedGrantType("grant_type " + gt + " is not supported")
	}
	if !slices.Contains(client.Metadata.GrantTypes, gt) {
		return tokenResponse{}, oauth2.UnauthorizedClient("the client did not register the " + gt + " grant")
	}
	return handle(r, client, form)
}

// transient turns a failure that is not the client's fault (a database error, say) into 503
// temporarily_unavailable. Clients must see 5xx then, never 4xx: a 4xx on refresh logs the
// user out (Matrix CS API "Refresh token grant"; RFC 6749 §5.2 has no 5xx code of its own).
func transient(err error) error {
	var oe *oauth2.Error
	if errors.As(err, &oe) {
		return err
	}
	return oauth2.TemporarilyUnavailable("the server could not complete the request; try again").
		WithCause(err).WithRetryAfter(1)
}
