package account

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/oauth2"
	"github.com/mxauth/mxauth/internal/store"
	"github.com/mxauth/mxauth/internal/template"
	"github.com/mxauth/mxauth/internal/web/oauth"
	"github.com/mxauth/mxauth/internal/web/session"
)

// consentForm shows the consent page of a pending grant, after making sure the right person
// is signed in: nobody → the sign-in page; prompt=login → sign in again. Trusted clients
// need no consent and go straight back with a code.
func (p *Pages) consentForm(w http.ResponseWriter, r *http.Request) {
	g, client, cur, ok := p.consentContext(w, r)
	if !ok {
		return
	}
	if p.Flow.TrustedClients[client.ID] && !hasPrompt(g.Prompt, oauth2.PromptConsent) {
		p.Flow.Fulfil(w, r, g, cur)
		return
	}
	csrf, err := p.Browser.CSRFToken(w, r)
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	p.render(w, r, http.StatusOK, template.ConsentPage{
		Layout: p.layout(r), Action: p.local(oauth.PathConsent + g.ID), CSRFToken: csrf,
		Client: clientView(client.Metadata, r.Header.Get("Accept-Language")), Username: cur.User.Username,
		DeviceID: g.DeviceID, Permissions: describeScope(g.Scope), LogoutAction: p.local(PathLogout),
	})
}

// consent records the user's answer.
func (p *Pages) consent(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		p.errorPage(w, r, http.StatusBadRequest, msgBadRequest, msgFormUnreadable)
		return
	}
	if !p.Browser.CheckCSRF(r) {
		p.Forbidden(w, r)
		return
	}
	g, _, cur, ok := p.consentContext(w, r)
	if !ok {
		return
	}
	switch r.PostForm.Get(template.FieldAction) {
	case template.ActionAllow:
		p.Flow.Fulfil(w, r, g, cur)
	case template.ActionDeny:
		p.Flow.Deny(w, r, g)
	default:
		p.errorPage(w, r, http.StatusBadRequest, msgBadRequest, msgChooseAction)
	}
}

// consentContext loads the grant, its client and the signed-in user. When it returns false it
// has already answered: an error page, or a redirect to the sign-in page.
func (p *Pages) consentContext(w http.ResponseWriter, r *http.Request) (model.AuthorizationGrant, model.Client, session.Current, bool) {
	ctx := r.Context()
	g, err := p.Store.Grants().Get(ctx, r.PathValue("grant"))
	if err == nil && (g.Status != model.GrantPending || !p.Clock.Now().Before(g.ExpiresAt)) {
		err = store.ErrNotFound
	}
	if errors.Is(err, store.ErrNotFound) {
		p.errorPage(w, r, http.StatusNotFound, msgGrantExpired, msgGrantExpiredMsg)
		return g, model.Client{}, session.Current{}, false
	}
	if err != nil {
		p.serverError(w, r, err)
		return g, model.Client{}, session.Current{}, false
	}
	client, err := p.Store.Clients().Get(ctx, g.ClientID)
	if err != nil {
		p.serverError(w, r, err)
		return g, model.Client{}, session.Current{}, false
	}
	cur, err := p.Browser.Lookup(r)
	reauth := err == nil && hasPrompt(g.Prompt, oauth2.PromptLogin) && cur.Session.AuthenticatedAt.Before(g.CreatedAt)
	if errors.Is(err, session.ErrNoSession) || reauth {
		q := url.Values{"next": {p.local(oauth.PathConsent + g.ID)}}
		if hint := p.hintedUsername(g.LoginHint); hint != "" {
			q.Set("username", hint)
		}
		if reauth {
			q.Set("reauth", "1")
		}
		http.Redirect(w, r, p.local(PathLogin)+"?"+q.Encode(), http.StatusSeeOther)
		return g, client, session.Current{}, false
	}
	if err != nil {
		p.serverError(w, r, err)
		return g, client, session.Current{}, false
	}
	return g, client, cur, true
}

// hintedUsername reads MSC4198's login_hint "mxid:@user:server" for this server.
func (p *Pages) hintedUsername(hint string) string {
	mxid, ok := strings.CutPrefix(hint, "mxid:")
	if !ok {
		return ""
	}
	return p.localpart(mxid)
}

func hasPrompt(prompt, v string) bool {
	for _, p := range strings.Fields(prompt) {
		if p == v {
			return true
		}
	}
	return false
}
