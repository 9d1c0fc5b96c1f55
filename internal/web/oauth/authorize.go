package oauth

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/oauth2"
	"github.com/mxauth/mxauth/internal/policy"
	"github.com/mxauth/mxauth/internal/store"
	"github.com/mxauth/mxauth/internal/ulid"
	"github.com/mxauth/mxauth/internal/web/session"
)

// MountAuthorize serves the authorization endpoint (RFC 6749 §3.1, §4.1.1) and names it, with
// what it supports, in the metadata.
func (f *Flow) MountAuthorize(mux *http.ServeMux, md *Metadata) {
	// OIDC Core §3.1.2.1: the authorization endpoint MUST support GET and POST.
	mux.HandleFunc("GET "+PathAuthorize, f.authorize)
	mux.HandleFunc("POST "+PathAuthorize, f.authorize)
	md.AuthorizationEndpoint = f.Issuer.URL(PathAuthorize)
	md.ResponseTypesSupported = []string{oauth2.ResponseTypeCode}
	md.ResponseModesSupported = []string{oauth2.ResponseModeQuery, oauth2.ResponseModeFragment}
	md.CodeChallengeMethodsSupported = []string{oauth2.CodeChallengeMethodS256}
	md.ScopesSupported = []string{"openid", oauth2.ScopeMatrixAPI, oauth2.ScopeMatrixDevicePrefix + "*"}
	md.PromptValuesSupported = f.promptValuesSupported()
}

// promptValuesSupported are the prompt values /authorize acts on, sorted: consent (always
// shown again when asked), login (the password is asked again), none (answered without a
// page), and create (the sign-up page) only while people may sign up, since the Matrix CS API
// ("User registration") has clients offer sign-up exactly when the metadata lists it (R10).
// select_account is accepted but not listed: there is no account chooser to show.
func (f *Flow) promptValuesSupported() []string {
	if f.SignupEnabled {
		return []string{oauth2.PromptConsent, oauth2.PromptCreate, oauth2.PromptLogin, oauth2.PromptNone}
	}
	return []string{oauth2.PromptConsent, oauth2.PromptLogin, oauth2.PromptNone}
}

// authorize validates an authorization request in the order RFC 6749 §4.1.2.1 requires: the
// client and the redirect URI first, whose failures are shown to the person and never sent to
// an unverified redirect URI; then everything else, whose failures go back to the client.
// A valid request becomes a pending grant, and the browser goes on to sign-in and consent.
func (f *Flow) authorize(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		f.errorPage(w, r, http.StatusBadRequest, "", "AuthorizeUnreadable")
		return
	}
	params := r.Form
	if r.Method == http.MethodPost {
		params = r.PostForm
	}
	// Client and redirect URI (R34, R35).
	clientID, redirectURI := params["client_id"], params["redirect_uri"]
	if len(clientID) != 1 || clientID[0] == "" {
		f.errorPage(w, r, http.StatusBadRequest, "", "AuthorizeNoClient")
		return
	}
	client, err := f.Store.Clients().Get(r.Context(), clientID[0])
	if errors.Is(err, store.ErrNotFound) {
		f.errorPage(w, r, http.StatusBadRequest, "AuthorizeUnknownClientTitle", "AuthorizeUnknownClient")
		return
	}
	if err != nil {
		f.serverErrorPage(w, r, err)
		return
	}
	if len(redirectURI) != 1 || redirectURI[0] == "" {
		f.errorPage(w, r, http.StatusBadRequest, "", "AuthorizeNoRedirect")
		return
	}
	uri, ok := policy.MatchRedirectURI(client.Metadata.RedirectURIs, redirectURI[0])
	if !ok {
		f.errorPage(w, r, http.StatusBadRequest, "", "AuthorizeBadRedirect")
		return
	}
	back := clientRedirect{uri: uri, mode: oauth2.ResponseModeQuery}
	if s := params["state"]; len(s) == 1 {
		back.state = s[0]
	}

	// From here on, errors go back to the client.
	g, perr := f.parseAuthorizationRequest(params, client, &back)
	if perr != nil {
		back.sendError(w, r, perr)
		return
	}
	cur, err := f.Browser.Lookup(r)
	if err != nil && !errors.Is(err, session.ErrNoSession) {
		f.serverErrorPage(w, r, err)
		return
	}
	signedIn := err == nil
	if g.Prompt == oauth2.PromptNone {
		// OIDC Core §3.1.2.1: no page may be shown; answer at once.
		switch {
		case !signedIn:
			back.sendError(w, r, oauth2.LoginRequired("The user is not signed in."))
		case !f.TrustedClients[client.ID]:
			back.sendError(w, r, oauth2.ConsentRequired("The user must approve this application."))
		default:
			if g, err = f.storeGrant(r, g); err != nil {
				f.serverErrorPage(w, r, err)
				return
			}
			f.Fulfil(w, r, g, cur)
		}
		return
	}
	if g, err = f.storeGrant(r, g); err != nil {
		f.serverErrorPage(w, r, err)
		return
	}
	consent := f.Issuer.PathPrefix() + PathConsent + g.ID
	if hasPromptValue(g.Prompt, oauth2.PromptCreate) {
		// Initiating User Registration via OpenID Connect 1.0 §4.1: show the sign-up page,
		// then continue to consent as after a sign-in (R44). parsePrompt kept create only
		// while sign-up is enabled.
		http.Redirect(w, r, f.Issuer.PathPrefix()+PathRegister+"?"+url.Values{"next": {consent}}.Encode(), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, consent, http.StatusSeeOther)
}

// hasPromptValue reports whether the space-separated prompt holds v.
func hasPromptValue(prompt, v string) bool {
	return slices.Contains(strings.Fields(prompt), v)
}

func (f *Flow) storeGrant(r *http.Request, g model.AuthorizationGrant) (model.AuthorizationGrant, error) {
	now := f.Clock.Now()
	id, err := ulid.New(now, f.Rand)
	if err != nil {
		return g, err
	}
	g.ID, g.Status, g.CreatedAt, g.ExpiresAt = id, model.GrantPending, now, now.Add(f.LoginTTL)
	return g, f.Store.Grants().Create(r.Context(), g)
}

// supportsCodeFlow: a client may use /authorize only if it registered the code response type,
// the authorization_code grant and a redirect URI (R32).
func supportsCodeFlow(c model.Client) bool {
	m := c.Metadata
	return slices.Contains(m.ResponseTypes, oauth2.ResponseTypeCode) &&
		slices.Contains(m.GrantTypes, oauth2.GrantAuthorizationCode) && len(m.RedirectURIs) > 0
}
