package template

import (
	"net/url"
	"strings"
)

// Form field names the pages submit. Handlers read these; a test checks the rendered forms
// use exactly these names.
const (
	FieldCSRF     = "csrf"     // the CSRF token, a hidden field in every form
	FieldNext     = "next"     // where the login form continues after success
	FieldUsername = "username" // login form
	FieldPassword = "password" // login form
	FieldAction   = "action"   // the consent form's submit button: ActionAllow or ActionDeny

	ActionAllow = "allow"
	ActionDeny  = "deny"
)

// Page is one of the page data structs: LoginPage, ConsentPage or ErrorPage. Only this
// package's types implement it, so Render always knows the template to use.
type Page interface {
	templateName() string
}

// Layout is the data every page shares.
type Layout struct {
	// Lang is the BCP 47 tag of the page's language, for <html lang>; empty means "en".
	Lang string
	// ServerName is the Matrix server name shown in the header, e.g. "example.com".
	ServerName string
	// BasePath is the path of the public URL without its trailing slash ("" at the root,
	// "/auth" for https://example.com/auth/); links to the server's own assets start with it.
	BasePath string
}

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
	// Error is shown above the form in an alert. Keep it generic ("Wrong username or
	// password") so the page does not reveal which accounts exist.
	Error string
	// ClientName is the application the user is signing in to; empty when there is none.
	ClientName string
}

func (LoginPage) templateName() string { return "login.html" }

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
	// Scopes are plain-language lines, one per permission, prepared by the handler.
	Scopes []string
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
// or a neutral phrase when it has neither.
func (c ClientView) DisplayName() string {
	if name := strings.TrimSpace(c.Name); name != "" {
		return name
	}
	if host := c.Host(); host != "" {
		return host
	}
	return "An unnamed application"
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

// ErrorPage explains a failure to a person. It never carries internal details; the cause is
// in the log under RequestID.
type ErrorPage struct {
	Layout
	// Title is the heading; empty uses the HTTP status text.
	Title string
	// Message is one or two sentences on what happened and what to do.
	Message string
	// RequestID lets the user quote the failure to an administrator; empty leaves it out.
	RequestID string
	// Status is the HTTP status shown on the page; Render's status argument is what is sent.
	Status int
}

func (ErrorPage) templateName() string { return "error.html" }

// SignedInPage tells a person who opened the sign-in page directly that they are signed in,
// and offers to sign out.
type SignedInPage struct {
	Layout
	Username     string
	LogoutAction string
	CSRFToken    string
}

func (SignedInPage) templateName() string { return "signed_in.html" }
