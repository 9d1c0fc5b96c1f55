package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/oauth2"
	"github.com/mxauth/mxauth/internal/store"
	"github.com/mxauth/mxauth/internal/token"
)

// ClientGetter finds a client by ID; store.ClientStore is one.
type ClientGetter interface {
	Get(ctx context.Context, id string) (model.Client, error)
}

// AuthenticateClient authenticates the client calling a token, revocation or introspection
// endpoint (RFC 6749 §2.3, RFC 7591 §2 token_endpoint_auth_method), in one place:
//
//   - client_secret_basic: HTTP Basic with the form-urlencoded client_id and secret
//     (RFC 6749 §2.3.1);
//   - client_secret_post: client_id and client_secret in the form body;
//   - none: a public client names itself with client_id in the form.
//
// The method used must be the one the client registered. Secrets are compared as hashes in
// constant time. Every failure is 401 invalid_client, which WriteOAuthError sends with a
// Basic challenge; using two methods at once is invalid_request (RFC 6749 §2.3: "MUST NOT use
// more than one authentication method in each request"). The request's form must be parsed
// (r.ParseForm) first.
func AuthenticateClient(r *http.Request, clients ClientGetter) (model.Client, error) {
	id, secret, method, err := clientCredentials(r)
	if err != nil {
		return model.Client{}, err
	}
	c, err := clients.Get(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return model.Client{}, oauth2.InvalidClient("unknown client")
	}
	if err != nil {
		return model.Client{}, err
	}
	if c.Metadata.TokenEndpointAuthMethod != method {
		return model.Client{}, oauth2.InvalidClient("the client must authenticate with " + c.Metadata.TokenEndpointAuthMethod)
	}
	if method != model.AuthNone && !token.Verify(secret, c.SecretHash) {
		return model.Client{}, oauth2.InvalidClient("client authentication failed")
	}
	return c, nil
}

// clientCredentials reads which client is calling and how it authenticates.
func clientCredentials(r *http.Request) (id, secret, method string, err error) {
	formID, formSecret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	if _, hasPostSecret := r.PostForm["client_secret"]; hasPostSecret && formSecret == "" {
		return "", "", "", oauth2.InvalidClient("client_secret is empty")
	}
	if user, pass, ok := r.BasicAuth(); ok {
		if formSecret != "" {
			return "", "", "", oauth2.InvalidRequest("use one client authentication method: Basic or client_secret, not both")
		}
		// RFC 6749 §2.3.1: both parts are form-urlencoded before Basic encoding.
		if id, err = url.QueryUnescape(user); err == nil {
			secret, err = url.QueryUnescape(pass)
		}
		if err != nil || id == "" {
			return "", "", "", oauth2.InvalidClient("malformed Basic credentials")
		}
		if formID != "" && formID != id {
			return "", "", "", oauth2.InvalidRequest("client_id in the body differs from the authenticated client")
		}
		return id, secret, model.AuthClientSecretBasic, nil
	}
	if r.Header.Get("Authorization") != "" {
		return "", "", "", oauth2.InvalidClient("unsupported Authorization scheme; use Basic")
	}
	if formID == "" {
		return "", "", "", oauth2.InvalidClient("client_id is missing")
	}
	if formSecret != "" {
		return formID, formSecret, model.AuthClientSecretPost, nil
	}
	return formID, "", model.AuthNone, nil
}
