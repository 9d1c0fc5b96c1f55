package template

import (
	"net/url"
	"strings"

	"github.com/mxauth/mxauth/internal/i18n"
)

// Message ids of the sign-in page's field errors; handlers put them in LoginPage.Errors.
const (
	MsgUsernameMissing     = "LoginUsernameMissing"
	MsgPasswordMissing     = "LoginPasswordMissing"
	MsgUsernameOtherServer = "LoginUsernameOtherServer" // data: ServerName
	MsgWrongCredentials    = "LoginWrongCredentials"
)

// LoginPage is the username and password form.
type LoginPage struct {
	Layout
	// Action is the URL the form posts to.
	Action    string
	CSRFToken string
	// Next is sent back in a hidden field, so the handler knows where to continue; empty
	// leaves the field out.
	Next string
	// Username refills the field after a failed attempt.
	Username string
	// Error is shown above the form in an alert, and marks both fields invalid. Keep it
	// generic (MsgWrongCredentials) so the page does not reveal which accounts exist.
	Error i18n.Message
	// Errors are messages next to single fields (FieldUsername, FieldPassword).
	Errors FieldErrors
	// ClientName is the application the user is signing in to; empty when there is none.
	ClientName string
	// SignupURL is the sign-up page, carrying the same next, for people without an account;
	// empty (sign-up closed) leaves the "Create an account" link out.
	SignupURL string
}

func (LoginPage) templateName() string { return "login.html" }

// UsernameInput is the username field. The hint names the server, since a full Matrix ID of
// this server is accepted too.
func (p LoginPage) UsernameInput() Input {
	in := Input{
		Name: FieldUsername, Type: "text", Label: "LoginUsername", Value: p.Username,
		Autocomplete: "username", Error: p.Errors.Of(FieldUsername), AlertInvalid: !p.Error.IsZero(),
		Verbatim: true, Required: true,
	}
	if p.ServerName != "" {
		in.Hint = i18n.Message{ID: "LoginUsernameHint", Data: map[string]any{"ServerName": p.ServerName}}
	}
	// Focus goes where the user has to type next: the first field with an error, else the
	// first empty one.
	in.Autofocus = in.Invalid() || p.Username == ""
	return in
}

// PasswordInput is the password field; it never shows a value.
func (p LoginPage) PasswordInput() Input {
	in := Input{
		Name: FieldPassword, Type: "password", Label: "LoginPassword", Autocomplete: "current-password",
		Error: p.Errors.Of(FieldPassword), AlertInvalid: !p.Error.IsZero(), Required: true,
	}
	in.Autofocus = !p.UsernameInput().Autofocus
	return in
}

// ConsentPage asks the signed-in user whether a client may act on their account.
type ConsentPage struct {
	Layout
	// Action is the URL the Allow/Deny form posts to.
	Action    string
	CSRFToken string
	Client    ClientView
	// Username is the signed-in user, shown with a sign-out form in case it is the wrong one.
	Username string
	// DeviceID is the Matrix device the client will get; empty leaves the line out.
	DeviceID string
	// Permissions are what the client may do, one message per line, translated on the page.
	Permissions []i18n.Message
	// LogoutAction is the URL of the "Not you? Sign out" form; empty leaves it out.
	LogoutAction string
}

func (ConsentPage) templateName() string { return "consent.html" }

// ClientView is what the consent page shows of a client, from its registered metadata
// (RFC 7591 §2). All of it is chosen by whoever registered the client, so none of it is
// trusted: the template escapes it, and html/template neutralises URLs that are not http(s).
type ClientView struct {
	Name      string // client_name
	URI       string // client_uri
	LogoURI   string // logo_uri
	TOSURI    string // tos_uri
	PolicyURI string // policy_uri
}

// DisplayName is the client's name, or the host of its client_uri when it registered no name,
// or "" when it has neither (the page then says "An unnamed application" in its language).
func (c ClientView) DisplayName() string {
	if name := strings.TrimSpace(c.Name); name != "" {
		return name
	}
	return c.Host()
}

// Host is the host name of the client's client_uri, or "" when it has none that parses.
// Showing the host beside a self-chosen name helps the user spot an impostor.
func (c ClientView) Host() string {
	if c.URI == "" {
		return ""
	}
	u, err := url.Parse(c.URI)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

// SignedInPage tells a person who opened the sign-in page directly that they are signed in,
// and offers to sign out.
type SignedInPage struct {
	Layout
	Username     string
	LogoutAction string
	CSRFToken    string
}

func (SignedInPage) templateName() string { return "signed_in.html" }
