package account

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/mxauth/mxauth/internal/i18n"
	"github.com/mxauth/mxauth/internal/password"
	"github.com/mxauth/mxauth/internal/provision"
	"github.com/mxauth/mxauth/internal/template"
	"github.com/mxauth/mxauth/internal/web"
	"github.com/mxauth/mxauth/internal/web/oauth"
	"github.com/mxauth/mxauth/internal/web/session"
)

// Paths of the sign-up pages.
const (
	PathRegister = oauth.PathRegister
	// PathRegisterCheck answers the "Check availability" button: the form comes back with the
	// result, for browsers without JavaScript.
	PathRegisterCheck = "/register/check"
	// PathRegisterAvailable answers register.js: GET ?username= → JSON.
	PathRegisterAvailable = "/register/available"
	// PathRegistered welcomes a person who signed up outside an authorization request.
	PathRegistered = "/register/welcome"
)

// Message ids of the sign-up pages that are not about one field.
const (
	msgRegisterClosedTitle   = "RegisterClosedTitle"
	msgRegisterClosedMessage = "RegisterClosedMessage"
)

// SignupOptions are the account.* settings sign-up obeys (config.Account).
type SignupOptions struct {
	// Enabled is false when account.registration is closed: the pages answer 404.
	Enabled bool
	// TokenRequired asks for a registration token (account.registration: token).
	TokenRequired bool
	// BannedUsernames are refused (config.Account.BannedUsernames).
	BannedUsernames UsernameRules
	// Password is the policy a new password must meet.
	Password password.Policy
}

// Signup serves sign-up: the form (prompt=create on /authorize leads here, R44), its
// availability check with and without JavaScript, and the welcome page.
type Signup struct {
	*Pages
	// Homeserver is asked whether a username is free and told about each new account
	// (nil: standalone).
	Homeserver *provision.Syncer
	Options    SignupOptions
	banned     usernameMatcher
}

// NewSignup checks the options (the banned-username regexes compile) and returns the pages.
func NewSignup(p *Pages, homeserver *provision.Syncer, o SignupOptions) (*Signup, error) {
	banned, err := compileUsernameRules(o.BannedUsernames)
	if err != nil {
		return nil, err
	}
	return &Signup{Pages: p, Homeserver: homeserver, Options: o, banned: banned}, nil
}

// Mount registers the sign-up pages on mux. Like the sign-in form, every POST passes
// http.CrossOriginProtection before its CSRF token is checked. With sign-up closed the pages
// answer 404 with a page that says so.
func (s *Signup) Mount(mux *http.ServeMux) {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(s.Forbidden))
	open := func(h http.HandlerFunc) http.Handler {
		if s.Options.Enabled {
			return h
		}
		return http.HandlerFunc(s.closed)
	}
	mux.Handle("GET "+PathRegister, open(s.signupForm))
	mux.Handle("POST "+PathRegister, cop.Handler(open(s.register)))
	mux.Handle("POST "+PathRegisterCheck, cop.Handler(open(s.checkForm)))
	mux.Handle("GET "+PathRegisterAvailable, open(s.available))
	mux.Handle("GET "+PathRegistered, open(s.registered))
}

// closed answers every sign-up page while account.registration is closed.
func (s *Signup) closed(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, http.StatusNotFound, msgRegisterClosedTitle, msgRegisterClosedMessage)
}

// signupForm shows the empty sign-up form; next is where the browser goes afterwards.
func (s *Signup) signupForm(w http.ResponseWriter, r *http.Request) {
	s.showRegister(w, r, http.StatusOK, template.RegisterPage{Next: s.safeNext(r.URL.Query().Get("next"))})
}

// showRegister renders the sign-up form; page carries what the user typed and the messages,
// showRegister fills in the rest.
func (s *Signup) showRegister(w http.ResponseWriter, r *http.Request, status int, page template.RegisterPage) {
	csrf, err := s.Browser.CSRFToken(w, r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	page.Layout, page.CSRFToken = s.layout(r), csrf
	page.Action, page.CheckAction = s.local(PathRegister), s.local(PathRegisterCheck)
	page.AvailabilityURL = s.local(PathRegisterAvailable)
	page.LoginURL = s.local(PathLogin)
	if page.Next != "" {
		page.LoginURL += "?" + url.Values{"next": {page.Next}}.Encode()
	}
	page.ClientName = s.clientNameFor(r, page.Next)
	page.TokenRequired = s.Options.TokenRequired
	page.PasswordMinLength = max(s.Options.Password.MinLength, 1)
	s.render(w, r, status, page)
}

// checkForm answers the "Check availability" button: the same form, posted here, comes back
// with the username's availability next to it and every other field kept but the passwords.
func (s *Signup) checkForm(w http.ResponseWriter, r *http.Request) {
	f, ok := s.readForm(w, r)
	if !ok || s.limitedByIP(w, r, s.Limits.UsernameChecksPerIP) {
		return
	}
	page := f.page()
	problem, err := s.usernameProblem(r.Context(), f.username)
	status := http.StatusOK
	switch {
	case errors.Is(err, errHomeserverUnavailable):
		s.logHomeserverFailure(r, err)
		status = http.StatusServiceUnavailable
	case err != nil:
		s.serverError(w, r, err)
		return
	}
	if problem.IsZero() {
		page.Available = i18n.Message{ID: msgRegisterUsernameAvailable}
	} else {
		page.Errors = template.FieldErrors{template.FieldUsername: problem}
	}
	s.showRegister(w, r, status, page)
}

// readForm parses a sign-up form post and checks its CSRF token. When ok is false it has
// answered already (400 for an unreadable body, 403 for a bad token).
func (s *Signup) readForm(w http.ResponseWriter, r *http.Request) (registerForm, bool) {
	if err := r.ParseForm(); err != nil {
		s.errorPage(w, r, http.StatusBadRequest, msgBadRequest, msgFormUnreadable)
		return registerForm{}, false
	}
	if !s.Browser.CheckCSRF(r) {
		s.Forbidden(w, r)
		return registerForm{}, false
	}
	return s.parseRegisterForm(r), true
}

// registered welcomes the person who just signed up outside an authorization request: their
// Matrix ID, and a link to the account pages. Without a session it is the sign-in page's job.
func (s *Signup) registered(w http.ResponseWriter, r *http.Request) {
	cur, err := s.Browser.Lookup(r)
	switch {
	case errors.Is(err, session.ErrNoSession):
		http.Redirect(w, r, s.local(PathLogin), http.StatusSeeOther)
		return
	case err != nil:
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, template.RegisteredPage{
		Layout: s.layout(r), UserID: "@" + cur.User.Username + ":" + s.ServerName, AccountURL: s.local(PathAccount),
	})
}

// logHomeserverFailure records why a username could not be checked; the person sees only
// that they should try again.
func (s *Signup) logHomeserverFailure(r *http.Request, err error) {
	web.Logger(r.Context()).Warn("checking a username with the homeserver", "err", err)
}
