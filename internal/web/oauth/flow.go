package oauth

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/mxauth/mxauth/internal/clock"
	"github.com/mxauth/mxauth/internal/i18n"
	"github.com/mxauth/mxauth/internal/keys"
	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/oauth2"
	"github.com/mxauth/mxauth/internal/provision"
	"github.com/mxauth/mxauth/internal/store"
	"github.com/mxauth/mxauth/internal/template"
	"github.com/mxauth/mxauth/internal/token"
	"github.com/mxauth/mxauth/internal/web"
	"github.com/mxauth/mxauth/internal/web/session"
)

// Paths of the authorization code flow.
const (
	PathAuthorize = "/authorize"
	PathToken     = "/oauth2/token"
	PathUserinfo  = "/oauth2/userinfo"
	// PathConsent is where /authorize sends the browser; {id} is the grant.
	PathConsent = "/consent/"
	// PathLogin is the sign-in page.
	PathLogin = "/login"
	// PathRegister is the sign-up page, where prompt=create sends the browser.
	PathRegister = "/register"
)

// Flow is what the endpoints of the authorization code flow share.
type Flow struct {
	Issuer  Issuer
	Store   store.Store
	Keys    *keys.Set
	Pages   *template.Renderer
	Browser *session.Manager
	Clock   clock.Clock
	Rand    io.Reader
	Logger  *slog.Logger
	Layout  template.Layout
	// Homeserver keeps the homeserver's users and devices in step (nil: standalone).
	Homeserver *provision.Syncer
	// Activity records token use and session activity off the request path.
	Activity ActivityRecorder
	// TrustedClients are static clients that skip consent.
	TrustedClients map[string]bool
	// SignupEnabled is true when people may sign up (account.registration open or token):
	// prompt=create then opens the sign-up page, and the metadata offers it.
	SignupEnabled  bool
	AccessTokenTTL time.Duration
	CodeTTL        time.Duration
	LoginTTL       time.Duration
}

// errorPage shows a person an error that must not go back to the client: the client or the
// redirect URI cannot be trusted (RFC 6749 §4.1.2.1), or there is no client to go back to.
// heading and explanation are message ids (internal/i18n); an empty heading names the status.
func (f *Flow) errorPage(w http.ResponseWriter, r *http.Request, status int, heading, explanation string) {
	page := template.ErrorPage{Layout: f.layout(r), Explanation: i18n.Message{ID: explanation},
		RequestID: web.RequestID(r.Context()), Status: status}
	if heading != "" {
		page.Heading = i18n.Message{ID: heading}
	}
	if err := f.Pages.Render(w, status, page); err != nil {
		f.Logger.Error("rendering the error page", "err", err, "request_id", web.RequestID(r.Context()))
	}
}

// layout is the shared page layout in the language the browser asks for.
func (f *Flow) layout(r *http.Request) template.Layout {
	l := f.Layout
	l.Lang = f.Pages.Bundle().Match(r.Header.Get("Accept-Language")).Tag()
	return l
}

// serverErrorPage logs err and shows a generic error page.
func (f *Flow) serverErrorPage(w http.ResponseWriter, r *http.Request, err error) {
	if !errors.Is(err, context.Canceled) {
		web.Logger(r.Context()).Error("authorization flow failed", "err", err)
	}
	f.errorPage(w, r, http.StatusInternalServerError, "ErrorGeneric", "ErrorServer")
}

// Fulfil issues the authorization code of a pending grant for the signed-in user and sends the
// browser back to the client with it (RFC 6749 §4.1.2). The consent page calls it when the user
// allows, and /authorize when a trusted client needs no consent.
func (f *Flow) Fulfil(w http.ResponseWriter, r *http.Request, g model.AuthorizationGrant, cur session.Current) {
	code, err := token.Generate(token.AuthorizationCode, f.Rand)
	if err != nil {
		f.serverErrorPage(w, r, err)
		return
	}
	now := f.Clock.Now()
	err = f.Store.Grants().Fulfil(r.Context(), g.ID, store.GrantFulfilment{
		UserID: cur.User.ID, BrowserSessionID: cur.Session.ID, AuthTime: cur.Session.AuthenticatedAt,
		CodeHash: token.Hash(code), FulfilledAt: now, ExpiresAt: now.Add(f.CodeTTL),
	})
	if errors.Is(err, store.ErrConflict) {
		f.errorPage(w, r, http.StatusConflict, "GrantUsedTitle", "GrantUsedMessage")
		return
	}
	if err != nil {
		f.serverErrorPage(w, r, err)
		return
	}
	redirectOf(g).sendCode(w, r, code)
}

// Deny records the user's refusal and tells the client (RFC 6749 §4.1.2.1 access_denied).
func (f *Flow) Deny(w http.ResponseWriter, r *http.Request, g model.AuthorizationGrant) {
	if err := f.Store.Grants().Deny(r.Context(), g.ID); err != nil && !errors.Is(err, store.ErrConflict) {
		f.serverErrorPage(w, r, err)
		return
	}
	redirectOf(g).sendError(w, r, oauth2.AccessDenied("The user denied the request."))
}

func redirectOf(g model.AuthorizationGrant) clientRedirect {
	return clientRedirect{uri: g.RedirectURI, mode: g.ResponseMode, state: g.State}
}

// sessionsEnded tells the homeserver to drop the devices of the user's ended sessions. A
// failure to queue that is logged, not returned: the session has ended already, and the
// periodic reconciliation of the worker covers what the queue missed.
func (f *Flow) sessionsEnded(ctx context.Context, userID string) {
	if err := f.Homeserver.SessionsEnded(ctx, userID); err != nil {
		web.Logger(ctx).Error("queueing the homeserver device sync", "user_id", userID, "err", err)
	}
}

// userAgent is the client's User-Agent, cut to a length worth keeping.
func userAgent(r *http.Request) string {
	ua := r.UserAgent()
	if len(ua) > 512 {
		ua = ua[:512]
	}
	return strings.ToValidUTF8(ua, "")
}

// clientIPString is the client's address as the account pages show it; "" when unknown.
func clientIPString(r *http.Request) string {
	if ip := web.ClientIP(r.Context()); ip.IsValid() {
		return ip.String()
	}
	return ""
}
