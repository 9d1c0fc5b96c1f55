package account

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mxauth/mxauth/internal/clock"
	"github.com/mxauth/mxauth/internal/i18n"
	"github.com/mxauth/mxauth/internal/password"
	"github.com/mxauth/mxauth/internal/store"
	"github.com/mxauth/mxauth/internal/template"
	"github.com/mxauth/mxauth/internal/web"
	"github.com/mxauth/mxauth/internal/web/oauth"
	"github.com/mxauth/mxauth/internal/web/session"
)

// Pages serves the sign-in, sign-out and consent pages.
type Pages struct {
	Flow      *oauth.Flow
	Store     store.Store
	Browser   *session.Manager
	Passwords *password.Hasher
	Renderer  *template.Renderer
	// Layout is what every page shares (server name, base path, branding); the language is
	// chosen per request from Accept-Language.
	Layout     template.Layout
	Clock      clock.Clock
	Logger     *slog.Logger
	ServerName string
	// Prefix is the public URL's path ("" at the root); every local link starts with it.
	Prefix string
	// Limits are the rate limits of the sign-in and sign-up forms (ratelimit.go).
	Limits RateLimits
}

// Paths of the pages.
const (
	PathLogin  = oauth.PathLogin
	PathLogout = "/logout"
)

// Message ids the handlers show on error pages.
const (
	msgFormUnreadable  = "ErrorFormUnreadable"
	msgServerError     = "ErrorServer"
	msgGeneric         = "ErrorGeneric"
	msgBadRequest      = "StatusBadRequest"
	msgChooseAction    = "ConsentChooseAction"
	msgGrantExpired    = "GrantExpiredTitle"
	msgGrantExpiredMsg = "GrantExpiredMessage"
)

// Mount registers the pages on mux. Every POST passes http.CrossOriginProtection (Fetch
// Metadata, then Origin) before its handler checks the CSRF token; a request either check
// rejects gets the same 403 page.
func (p *Pages) Mount(mux *http.ServeMux) {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(p.Forbidden))
	mux.HandleFunc("GET "+PathLogin, p.loginForm)
	mux.Handle("POST "+PathLogin, cop.Handler(http.HandlerFunc(p.login)))
	mux.Handle("POST "+PathLogout, cop.Handler(http.HandlerFunc(p.logout)))
	mux.HandleFunc("GET "+oauth.PathConsent+"{grant}", p.consentForm)
	mux.Handle("POST "+oauth.PathConsent+"{grant}", cop.Handler(http.HandlerFunc(p.consent)))
}

// local turns a route path into the path the browser sees (under the public URL's path).
func (p *Pages) local(path string) string { return p.Prefix + path }

// maxNextLength bounds next: the longest the pages make (an account deep link with a
// 255-byte device ID, escaped) is well under it, and a longer one would only bloat the
// Location header and every form that carries it.
const maxNextLength = 2048

// safeNext accepts only a path on this server, under its path prefix, as the place to go after
// signing in, so the sign-in page cannot be used as an open redirect (RFC 9700 §4.11). Besides
// other origins (RFC 3986 §4.2 network-path references "//host", and the backslash that
// WHATWG URL reads as a slash), it refuses dot segments, "%2e" spellings included: WHATWG URL
// and http.Redirect remove them, so "/auth/../other" or "/auth/%2e%2e/other" would leave the
// prefix for whatever else the host serves.
func (p *Pages) safeNext(next string) string {
	if next == "" || len(next) > maxNextLength || !strings.HasPrefix(next, p.Prefix+"/") ||
		strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return ""
	}
	// url.Parse refuses control characters (tabs and newlines, which browsers drop) and
	// decodes the path, so "%2e%2e" is seen as "..".
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || hasDotSegment(u.Path) {
		return ""
	}
	return next
}

// hasDotSegment reports whether a (decoded) path has a "." or ".." segment (RFC 3986 §5.2.4).
func hasDotSegment(path string) bool {
	for seg := range strings.SplitSeq(path, "/") {
		if seg == "." || seg == ".." {
			return true
		}
	}
	return false
}

// language is the page language the request asks for (RFC 9110 §12.5.4).
func (p *Pages) language(r *http.Request) i18n.Language {
	return p.Renderer.Bundle().Match(r.Header.Get("Accept-Language"))
}

// layout is the shared page data in the request's language.
func (p *Pages) layout(r *http.Request) template.Layout {
	l := p.Layout
	l.Lang = p.language(r).Tag()
	return l
}

func (p *Pages) render(w http.ResponseWriter, r *http.Request, status int, page template.Page) {
	if err := p.Renderer.Render(w, status, page); err != nil {
		web.Logger(r.Context()).Error("rendering a page", "err", err)
	}
}

// errorPage shows a person what went wrong, as message ids the page translates.
func (p *Pages) errorPage(w http.ResponseWriter, r *http.Request, status int, heading, explanation string) {
	p.render(w, r, status, template.ErrorPage{
		Layout: p.layout(r), Heading: i18n.Message{ID: heading}, Explanation: i18n.Message{ID: explanation},
		RequestID: web.RequestID(r.Context()), Status: status,
	})
}

func (p *Pages) serverError(w http.ResponseWriter, r *http.Request, err error) {
	if !errors.Is(err, context.Canceled) {
		web.Logger(r.Context()).Error("page failed", "err", err)
	}
	p.errorPage(w, r, http.StatusInternalServerError, msgGeneric, msgServerError)
}

// Forbidden answers a form whose CSRF token is missing or wrong, or that the browser says came
// from another site, with the 403 page: the form expired or was sent from elsewhere; reload
// and try again. It says nothing about which check failed.
func (p *Pages) Forbidden(w http.ResponseWriter, r *http.Request) {
	p.render(w, r, http.StatusForbidden, template.ForbiddenPage(p.layout(r), web.RequestID(r.Context())))
}

// TooManyRequests answers a rate-limited request with the 429 page, which says in words when
// to try again, and the same wait in Retry-After (RFC 6585 §4, RFC 9110 §10.2.3).
func (p *Pages) TooManyRequests(w http.ResponseWriter, r *http.Request, retryAfter time.Duration) {
	w.Header().Set("Retry-After", strconv.FormatInt(template.RetryAfterSeconds(retryAfter), 10))
	p.render(w, r, http.StatusTooManyRequests,
		template.TooManyRequestsPage(p.layout(r), retryAfter, web.RequestID(r.Context())))
}
