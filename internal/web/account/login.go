package account

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/mxauth/mxauth/internal/i18n"
	"github.com/mxauth/mxauth/internal/store"
	"github.com/mxauth/mxauth/internal/template"
	"github.com/mxauth/mxauth/internal/web/oauth"
	"github.com/mxauth/mxauth/internal/web/session"
)

// wrongCredentials is the one message for every failed sign-in: an unknown user, a wrong
// password and a locked account look the same, so the form reveals nothing about accounts.
var wrongCredentials = i18n.Message{ID: template.MsgWrongCredentials}

// loginForm shows the sign-in page. A signed-in user goes straight on to next, or, without
// one, sees that they are signed in; prompt=login (reauth=1) asks for the password again.
func (p *Pages) loginForm(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	next := p.safeNext(q.Get("next"))
	if q.Get("reauth") == "" {
		cur, err := p.Browser.Lookup(r)
		switch {
		case err == nil && next != "":
			http.Redirect(w, r, next, http.StatusSeeOther)
			return
		case err == nil:
			csrf, err := p.Browser.CSRFToken(w, r)
			if err != nil {
				p.serverError(w, r, err)
				return
			}
			p.render(w, r, http.StatusOK, template.SignedInPage{Layout: p.layout(r), Username: cur.User.Username,
				LogoutAction: p.local(PathLogout), CSRFToken: csrf})
			return
		case !errors.Is(err, session.ErrNoSession):
			p.serverError(w, r, err)
			return
		}
	}
	p.showLogin(w, r, http.StatusOK, template.LoginPage{Next: next, Username: q.Get("username")})
}

// showLogin renders the sign-in form; page carries what differs between calls (next, the
// typed username, the errors), and showLogin fills in the rest.
func (p *Pages) showLogin(w http.ResponseWriter, r *http.Request, status int, page template.LoginPage) {
	csrf, err := p.Browser.CSRFToken(w, r)
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	page.Layout, page.Action, page.CSRFToken = p.layout(r), p.local(PathLogin), csrf
	page.ClientName = p.clientNameFor(r, page.Next)
	page.SignupURL = p.signupURL(page.Next)
	p.render(w, r, status, page)
}

// signupURL is the sign-up page for a person on the sign-in page without an account, or ""
// when account.registration is closed. It carries the same next, so that someone sent here by
// a client's /authorize signs up and goes on to the same consent page.
func (p *Pages) signupURL(next string) string {
	if p.Flow == nil || !p.Flow.SignupEnabled {
		return ""
	}
	if next == "" {
		return p.local(PathRegister)
	}
	return p.local(PathRegister) + "?" + url.Values{"next": {next}}.Encode()
}

// checkLoginForm finds what is wrong with the fields before any account is looked up: an
// empty field, or a Matrix ID of another server. The messages sit next to the fields.
func (p *Pages) checkLoginForm(typed, username, pw string) template.FieldErrors {
	errs := template.FieldErrors{}
	switch {
	case strings.TrimSpace(typed) == "":
		errs[template.FieldUsername] = i18n.Message{ID: template.MsgUsernameMissing}
	case username == "":
		errs[template.FieldUsername] = i18n.Message{ID: template.MsgUsernameOtherServer,
			Data: map[string]any{"ServerName": p.ServerName}}
	}
	if pw == "" {
		errs[template.FieldPassword] = i18n.Message{ID: template.MsgPasswordMissing}
	}
	return errs
}

// login checks the credentials and starts a browser session.
func (p *Pages) login(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		p.errorPage(w, r, http.StatusBadRequest, msgBadRequest, msgFormUnreadable)
		return
	}
	if !p.Browser.CheckCSRF(r) {
		p.Forbidden(w, r)
		return
	}
	next := p.safeNext(r.PostForm.Get("next"))
	typed := r.PostForm.Get("username")
	username := p.localpart(typed)
	pw := r.PostForm.Get("password")
	ctx := r.Context()
	failed := template.LoginPage{Next: next, Username: typed, Error: wrongCredentials}
	if errs := p.checkLoginForm(typed, username, pw); errs.Any() {
		p.showLogin(w, r, http.StatusBadRequest, template.LoginPage{Next: next, Username: typed, Errors: errs})
		return
	}
	// Rate limits (SYNAPSE.md §2.6) before any password is hashed: per client address, then
	// per account (or per unknown name) across replicas.
	if p.limitedByIP(w, r, p.Limits.LoginPerIP) {
		return
	}
	u, err := p.Store.Users().GetByUsername(ctx, username)
	if err == nil && p.limitedLoginAccount(w, r, u.ID) {
		return
	}
	// An unknown name has a bucket of its own, so that it runs out like an account's.
	if errors.Is(err, store.ErrNotFound) && p.limitedLoginUnknown(w, r, username) {
		return
	}
	if errors.Is(err, store.ErrNotFound) || (err == nil && u.PasswordHash == "") {
		// Spend the time a real check takes, so timing does not reveal which users exist.
		if err := p.Passwords.DummyVerify(ctx, pw); err != nil {
			p.serverError(w, r, err)
			return
		}
		p.showLogin(w, r, http.StatusUnauthorized, failed)
		return
	}
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	ok, rehash, err := p.Passwords.Verify(ctx, pw, u.PasswordHash)
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	if !ok || !u.CanSignIn() {
		p.showLogin(w, r, http.StatusUnauthorized, failed)
		return
	}
	if rehash {
		// An older scheme (bcrypt from Synapse, weaker argon2 parameters): upgrade it now that
		// the password is known.
		if h, err := p.Passwords.Hash(ctx, pw); err == nil {
			if err := p.Store.Users().SetPasswordHash(ctx, u.ID, h); err != nil {
				p.Logger.Warn("upgrading a password hash", "user_id", u.ID, "err", err)
			}
		}
	}
	if err := p.Browser.End(w, r); err != nil {
		p.Logger.Warn("ending the previous browser session", "err", err)
	}
	if _, err := p.Browser.Start(ctx, w, r, u); err != nil {
		p.serverError(w, r, err)
		return
	}
	if next == "" {
		next = p.local(PathLogin) // shows that the user is signed in
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// localpart accepts "alice", "Alice" or "@alice:server" for this server.
func (p *Pages) localpart(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "@") {
		local, server, ok := strings.Cut(s[1:], ":")
		if !ok || server != p.ServerName {
			return ""
		}
		s = local
	}
	return strings.ToLower(s)
}

// logout ends the browser session.
func (p *Pages) logout(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		p.errorPage(w, r, http.StatusBadRequest, msgBadRequest, msgFormUnreadable)
		return
	}
	if !p.Browser.CheckCSRF(r) {
		p.Forbidden(w, r)
		return
	}
	if err := p.Browser.End(w, r); err != nil {
		p.serverError(w, r, err)
		return
	}
	next := p.safeNext(r.PostForm.Get("next"))
	if next == "" {
		next = p.local(PathLogin)
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// clientNameFor names the application a sign-in continues to, when next is its consent page.
func (p *Pages) clientNameFor(r *http.Request, next string) string {
	id, ok := strings.CutPrefix(next, p.local(oauth.PathConsent))
	if !ok || id == "" {
		return ""
	}
	g, err := p.Store.Grants().Get(r.Context(), id)
	if err != nil {
		return ""
	}
	c, err := p.Store.Clients().Get(r.Context(), g.ClientID)
	if err != nil {
		return ""
	}
	return clientView(c.Metadata, r.Header.Get("Accept-Language")).DisplayName()
}
