package account

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/mxauth/mxauth/internal/clock"
	"github.com/mxauth/mxauth/internal/password"
	"github.com/mxauth/mxauth/internal/store"
	"github.com/mxauth/mxauth/internal/template"
	"github.com/mxauth/mxauth/internal/web"
	"github.com/mxauth/mxauth/internal/web/oauth"
	"github.com/mxauth/mxauth/internal/web/session"
)

// Pages serves the sign-in, sign-out and consent pages.
type Pages struct {
	Flow       *oauth.Flow
	Store      store.Store
	Browser    *session.Manager
	Passwords  *password.Hasher
	Renderer   *template.Renderer
	Layout     template.Layout
	Clock      clock.Clock
	Logger     *slog.Logger
	ServerName string
	// Prefix is the public URL's path ("" at the root); every local link starts with it.
	Prefix string
}

// Paths of the pages.
const (
	PathLogin  = oauth.PathLogin
	PathLogout = "/logout"
)

// Mount registers the pages on mux.
func (p *Pages) Mount(mux *http.ServeMux) {
	cop := http.NewCrossOriginProtection()
	mux.HandleFunc("GET "+PathLogin, p.loginForm)
	mux.Handle("POST "+PathLogin, cop.Handler(http.HandlerFunc(p.login)))
	mux.Handle("POST "+PathLogout, cop.Handler(http.HandlerFunc(p.logout)))
	mux.HandleFunc("GET "+oauth.PathConsent+"{grant}", p.consentForm)
	mux.Handle("POST "+oauth.PathConsent+"{grant}", cop.Handler(http.HandlerFunc(p.consent)))
}

// local turns a route path into the path the browser sees (under the public URL's path).
func (p *Pages) local(path string) string { return p.Prefix + path }

// safeNext accepts only a path on this server as the place to go after signing in, so the
// sign-in page cannot be used as an open redirect.
func (p *Pages) safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, p.Prefix+"/") || strings.HasPrefix(next, "//") ||
		strings.ContainsAny(next, "\\\r\n") {
		return ""
	}
	if u, err := url.Parse(next); err != nil || u.Scheme != "" || u.Host != "" {
		return ""
	}
	return next
}

func (p *Pages) render(w http.ResponseWriter, r *http.Request, status int, page template.Page) {
	if err := p.Renderer.Render(w, status, page); err != nil {
		web.Logger(r.Context()).Error("rendering a page", "err", err)
	}
}

func (p *Pages) errorPage(w http.ResponseWriter, r *http.Request, status int, title, msg string) {
	p.render(w, r, status, template.ErrorPage{Layout: p.Layout, Title: title, Message: msg,
		RequestID: web.RequestID(r.Context()), Status: status})
}

func (p *Pages) serverError(w http.ResponseWriter, r *http.Request, err error) {
	if !errors.Is(err, context.Canceled) {
		web.Logger(r.Context()).Error("page failed", "err", err)
	}
	p.errorPage(w, r, http.StatusInternalServerError, "Something went wrong",
		"The server could not complete this request. Please try again in a moment.")
}

func (p *Pages) badCSRF(w http.ResponseWriter, r *http.Request) {
	p.errorPage(w, r, http.StatusForbidden, "This form has expired",
		"Go back, reload the page and try again.")
}
